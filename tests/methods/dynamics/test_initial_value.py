"""node on initial-value data (lotka-volterra's operator task): smoke end to end, round trip,
the task's calling convention and its errors."""

import numpy as np
import pytest

import sciml
from sciml.core.errors import SciMLError

pytestmark = pytest.mark.usefixtures("one_thread")


def test_node_trajectories_smoke_round_trip_and_errors(tmp_path):
    surrogate, metrics = sciml.solve(
        "lotka-volterra", "node", budget="smoke", out=tmp_path, progress=False, device="cpu"
    )
    assert metrics["task"] == "operator" and metrics["rel_l2"] < 1.0
    initial = np.array([[1.0, 1.0], [0.6, 1.4]])
    prediction = surrogate.predict(initial)
    assert prediction.shape == (2, 40, 2)
    np.testing.assert_allclose(prediction[:, 0], initial, rtol=1e-5)  # starts where it is told
    loaded = sciml.load(tmp_path / "model.h5")
    np.testing.assert_array_equal(loaded.predict(initial), prediction)
    with pytest.raises(SciMLError, match=r"node expects initial states of shape \(B, 2\)"):
        loaded.predict(np.ones((2, 3)))
