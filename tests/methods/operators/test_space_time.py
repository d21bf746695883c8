"""Burgers' space-time operator task (``n_times`` = K): u0 -> u(., t_k), k = 1..K, at the smoke
budget: the data layout, the single map unchanged at K = 1, every method end to end with an HDF5
round trip of (B, n, K) predictions, bad inputs in one line."""

import json

import h5py
import numpy as np
import pytest
import torch

import sciml
from sciml.api import write_dataset
from sciml.core.errors import SciMLError
from sciml.problems.base import load_problem
from sciml.reference.burgers_spectral import solve_burgers_periodic
from sciml.reference.grf import grf_1d

DATA = {"n_train": 4, "n_test": 2, "generation_resolution": 128, "resolution": 64}
RUN = {"n_train": "24", "n_test": "6", "epochs": "2", "n_times": "5"}


pytestmark = pytest.mark.usefixtures("one_thread")


def test_layout_times_and_a_direct_solve(tmp_path):
    path = write_dataset(
        "burgers", "operator", {**DATA, "n_times": 4}, seed=1, out=tmp_path / "a.h5"
    )
    with h5py.File(path) as f:
        np.testing.assert_allclose(f["coordinates/t_output"][()], [0.25, 0.5, 0.75, 1.0])
        assert "t_input" not in f["coordinates"]
        assert f["train/inputs"].shape == (4, 64) and f["train/outputs"].shape == (4, 64, 4)
        assert (
            f["test/outputs"].shape == (2, 64, 4)
            and json.loads(f.attrs["parameters"])["n_times"] == 4
        )
    data = load_problem("burgers", "operator", {**DATA, "n_times": 4}, seed=1).operator_dataset()
    u0 = grf_1d(4, 128, torch.Generator().manual_seed(2)).numpy()
    direct = solve_burgers_periodic(u0[1], 1.0, 0.1, np.array([0.0, 0.5]))[-1]  # CFL step
    np.testing.assert_allclose(data.train_outputs[1, :, 1], direct[::2], atol=1e-5)


def test_one_snapshot_is_the_single_map():
    single = load_problem("burgers", "operator", DATA, seed=3).operator_dataset()
    several = load_problem("burgers", "operator", {**DATA, "n_times": 2}, seed=3).operator_dataset()
    assert single.train_outputs.shape == (4, 64) and "t_output" not in single.coordinates
    np.testing.assert_array_equal(single.train_inputs, several.train_inputs)
    # u(t_end) from a solve with an output at t_end / 2 on the way: the same to the step rule
    np.testing.assert_allclose(single.train_outputs, several.train_outputs[..., -1], atol=1e-6)


@pytest.mark.parametrize(
    ("method", "options"),
    [
        ("fno", {}),
        ("dymixop", {}),
        ("deeponet", {}),
        ("anie", {}),
        ("anie", {"harmonics": "2", "free_function": "zero", "patch": "4"}),
    ],
)
def test_smoke_end_to_end_and_round_trip(method, options, tmp_path):
    surrogate, metrics = sciml.solve(
        "burgers",
        method,
        budget="smoke",
        out=tmp_path,
        overrides={**RUN, **options},
        progress=False,
        device="cpu",
    )
    assert np.isfinite(metrics["rel_l2"]) and np.isfinite(metrics["rel_l2_last_step"])
    if method == "anie":
        assert metrics["contraction"] < 1
    inputs = np.random.default_rng(0).standard_normal((3, 64))
    prediction = surrogate.predict(inputs)
    assert prediction.shape == (3, 64, 5)
    loaded = sciml.load(tmp_path / "model.h5")
    np.testing.assert_array_equal(loaded.predict(inputs), prediction)
    assert loaded.predict(np.zeros((0, 64))).shape == (0, 64, 5)
    assert sciml.evaluate_file(tmp_path / "model.h5")["rel_l2"] == pytest.approx(
        metrics["rel_l2"], rel=1e-6
    )
    with pytest.raises(SciMLError, match=r"expects input functions of shape \(B, 64\)"):
        loaded.predict(np.zeros((2, 64, 5)))
    with pytest.raises(SciMLError, match="NaN"):
        loaded.predict(np.full((2, 64), np.nan))


def test_pod_deeponet_takes_one_basis_over_all_snapshots(tmp_path):
    surrogate, _ = sciml.solve(
        "burgers",
        "deeponet",
        budget="smoke",
        overrides={**RUN, "pod": "true"},
        progress=False,
        device="cpu",
    )
    assert surrogate.config["network"]["kwargs"]["n_points"] == 64 * 5
    assert surrogate.predict(np.zeros((2, 64))).shape == (2, 64, 5)


def test_anie_grid_options():
    with pytest.raises(SciMLError, match="free_function initial or zero, not learned"):
        sciml.solve(
            "burgers",
            "anie",
            budget="smoke",
            overrides={**RUN, "free_function": "learned"},
            progress=False,
            device="cpu",
        )
