"""Operator datasets: samples equal direct solves; files are deterministic from the seed."""

import math

import h5py
import numpy as np
import pytest
import torch

from sciml.api import write_dataset
from sciml.core.errors import SciMLError
from sciml.problems.base import load_problem
from sciml.reference.burgers_spectral import solve_burgers_periodic
from sciml.reference.grf import grf_1d, grf_2d
from sciml.reference.navier_stokes import ns_forcing, solve_ns_vorticity

BURGERS = {"n_train": 4, "n_test": 2, "generation_resolution": 128, "resolution": 64}
NS = {"n_train": 2, "n_test": 1, "resolution": 32, "t_in": 2, "t_out": 1, "snapshot_dt": 0.5}


pytestmark = pytest.mark.usefixtures("one_thread")


def test_burgers_sample_equals_a_direct_solve():
    problem = load_problem("burgers", "operator", BURGERS, seed=1)
    data = problem.operator_dataset()
    assert data.train_inputs.shape == (4, 64) and data.test_outputs.shape == (2, 64)
    np.testing.assert_allclose(data.coordinates["x"], np.arange(64) / 64)
    u0 = grf_1d(4, 128, torch.Generator().manual_seed(2)).numpy()
    np.testing.assert_allclose(data.train_inputs, u0[:, ::2], rtol=1e-6, atol=1e-6)
    direct = solve_burgers_periodic(u0[1], 1.0, 0.1, np.array([0.0, 1.0]))[-1]  # CFL step
    scale = np.abs(direct).max()
    np.testing.assert_allclose(data.train_outputs[1], direct[::2], atol=1e-5 * scale)
    test_u0 = grf_1d(2, 128, torch.Generator().manual_seed(3)).numpy()
    np.testing.assert_allclose(data.test_inputs, test_u0[:, ::2], rtol=1e-6, atol=1e-6)


def test_burgers_files_are_deterministic_and_resolution_is_a_view(tmp_path):
    first = write_dataset("burgers", "operator", BURGERS, seed=5, out=tmp_path / "a.h5")
    second = write_dataset("burgers", "operator", BURGERS, seed=5, out=tmp_path / "b.h5")
    other = write_dataset("burgers", "operator", BURGERS, seed=6, out=tmp_path / "c.h5")
    with h5py.File(first) as a, h5py.File(second) as b, h5py.File(other) as c:
        assert a.attrs["format"] == "sciml-operator-dataset" and a.attrs["task"] == "operator"
        assert a.attrs["seed"] == 5 and "solver" in a.attrs
        assert a["train/inputs"].shape == (4, 64) and a["coordinates/x"].shape == (64,)
        np.testing.assert_array_equal(a["train/outputs"][()], b["train/outputs"][()])
        assert not np.array_equal(a["train/inputs"][()], c["train/inputs"][()])
    coarse = load_problem("burgers", "operator", {**BURGERS, "resolution": 32}, seed=5)
    fine = load_problem("burgers", "operator", BURGERS, seed=5)
    np.testing.assert_array_equal(
        coarse.operator_dataset().test_outputs, fine.operator_dataset().test_outputs[:, ::2]
    )
    bad = load_problem("burgers", "operator", {**BURGERS, "resolution": 48}, seed=5)
    with pytest.raises(SciMLError, match="must divide"):
        bad.operator_dataset()


def test_navier_stokes_sample_equals_a_direct_solve():
    problem = load_problem("navier-stokes", "operator", NS, seed=0)
    data = problem.operator_dataset()
    assert data.train_inputs.shape == (2, 32, 32, 2) and data.train_outputs.shape == (2, 32, 32, 1)
    np.testing.assert_allclose(data.coordinates["t_output"], [1.0])
    sigma = math.sqrt(2.0) * 7.0**1.5  # FNO's GaussianRF covariance
    # solved on the 64 x 64 generation grid (at the solver's default dt = 1e-2), read at 32 x 32
    w0 = grf_2d(2, 64, torch.Generator().manual_seed(0), sigma=sigma)
    direct = solve_ns_vorticity(w0[1], ns_forcing(64), 1e-3, [0.0, 0.5, 1.0]).numpy()
    direct = direct[:, ::2, ::2]
    np.testing.assert_allclose(data.train_inputs[1], direct[:2].transpose(1, 2, 0), atol=1e-4)
    np.testing.assert_allclose(data.train_outputs[1, ..., 0], direct[2], atol=1e-4)


DARCY = {"n_train": 3, "n_test": 2, "generation_resolution": 33, "resolution": 17}


def test_darcy_sample_equals_a_direct_solve_on_the_node_grid(tmp_path):
    from sciml.reference.darcy import neumann_grf, solve_darcy, threshold_medium

    problem = load_problem("darcy", "operator", DARCY, seed=2)
    data = problem.operator_dataset()
    assert data.train_inputs.shape == (3, 17, 17) and data.test_outputs.shape == (2, 17, 17)
    np.testing.assert_allclose(data.coordinates["x"], np.linspace(0, 1, 17))  # ends kept
    a = threshold_medium(neumann_grf(3, 33, torch.Generator().manual_seed(4)))
    np.testing.assert_array_equal(data.train_inputs, a[:, ::2, ::2])
    np.testing.assert_allclose(data.train_outputs[2], solve_darcy(a[2])[::2, ::2], rtol=1e-6)
    assert np.abs(data.test_outputs[:, 0]).max() == 0.0  # u = 0 on the boundary
    path = write_dataset("darcy", "operator", DARCY, seed=2, out=tmp_path / "d.h5")
    with h5py.File(path) as f:
        assert f.attrs["grid"] == "nodes" and f["train/inputs"].shape == (3, 17, 17)
    coarse = load_problem("darcy", "operator", {**DARCY, "resolution": 9}, seed=2)
    np.testing.assert_array_equal(coarse.operator_dataset().train_inputs, a[:, ::4, ::4])
    bad = load_problem("darcy", "operator", {**DARCY, "resolution": 16}, seed=2)
    with pytest.raises(SciMLError, match="resolution - 1"):
        bad.operator_dataset()
