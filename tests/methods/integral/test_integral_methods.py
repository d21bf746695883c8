"""nie and anie end to end at the smoke budget on Lotka-Volterra: files, contraction, HDF5 round
trip, bad inputs."""

import json

import numpy as np
import pytest

import sciml
from sciml.core.errors import SciMLError

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize(
    ("method", "options"),
    [("nie", {}), ("anie", {"kind": "volterra"}), ("nie", {"rule": "gauss-legendre"})],
)
def test_smoke_end_to_end_round_trip_and_contraction(method, options, tmp_path):
    surrogate, metrics = sciml.solve(
        "lotka-volterra",
        method,
        budget="smoke",
        out=tmp_path,
        progress=False,
        device="cpu",
        overrides=options,
    )
    written = json.loads((tmp_path / "metrics.json").read_text())
    assert written["contraction"] < 1  # the iteration converges
    residuals = written["fixed_point_residuals"]
    assert len(residuals) == written["fixed_point_iterations"] and residuals[-1] < residuals[0]
    assert metrics["rel_l2"] < 1.0
    initial = np.array([[1.0, 1.0], [0.7, 1.3]])
    prediction = surrogate.predict(initial)
    assert prediction.shape == (2, 40, 2)
    loaded = sciml.load(tmp_path / "model.h5")
    np.testing.assert_array_equal(loaded.predict(initial), prediction)


def test_bad_inputs_are_one_line(tmp_path):
    surrogate, _ = sciml.solve(
        "lotka-volterra",
        "nie",
        budget="smoke",
        progress=False,
        device="cpu",
        overrides={"epochs": "1"},
    )
    with pytest.raises(SciMLError, match=r"expects initial states of shape \(B, 2\)"):
        surrogate.predict(np.ones((3, 3)))
    with pytest.raises(SciMLError, match="NaN"):
        surrogate.predict(np.array([[1.0, np.nan]]))
    with pytest.raises(SciMLError, match="fno needs operator_data"):
        sciml.solve("lotka-volterra", "fno", budget="smoke", progress=False)
