"""Lorenz and Rössler trajectory datasets: sizes, transient, noise level, a separate test orbit,
the cache and ``sciml data --task dynamics``."""

import h5py
import numpy as np
import pytest
import torch

from sciml.api import write_dataset
from sciml.problems.base import load_problem
from sciml.reference.attractors import attractor_trajectories, rossler_rhs
from sciml.reference.lorenz import lorenz_trajectory_scipy

SMALL = {"n_train": 2000, "n_test": 2000, "n_transient": 300}  # the smoke budget's


def test_rossler_vector_field_by_hand():
    value = rossler_rhs(torch.tensor([1.0, 2.0, 3.0]), 0.2, 0.2, 5.7)
    torch.testing.assert_close(value, torch.tensor([-5.0, 1.4, 0.2 + 3.0 * (1.0 - 5.7)]))


def test_the_integrator_agrees_with_scipy_over_a_lyapunov_time():
    from sciml.reference.attractors import lorenz_field

    x0 = np.array([[1.0, 1.0, 1.0]])
    ours = attractor_trajectories(lorenz_field(10, 28, 8 / 3), x0, 0.01, 101, 0)[0]
    scipy = lorenz_trajectory_scipy(x0[0], np.arange(101) * 0.01)
    np.testing.assert_allclose(ours, scipy, atol=1e-4)


@pytest.mark.parametrize(("name", "dt"), [("lorenz", 0.01), ("rossler", 0.05)])
def test_trajectories_on_the_attractor(name, dt):
    problem = load_problem(name, "dynamics", SMALL)
    data = problem.trajectories()
    assert data["dt"] == dt
    assert data["train"].shape == (2000, 3) and data["test"].shape == (2000, 3)
    # noise: 5% of each coordinate's standard deviation (the train orbit minus a smooth copy)
    clean = load_problem(name, "dynamics", {**SMALL, "noise": 0.0}).trajectories()["train"]
    ratio = (data["train"] - clean).std(0) / clean.std(0)
    np.testing.assert_allclose(ratio, 0.05, rtol=0.1)
    # another orbit: the test trajectory is not the training one
    assert np.abs(data["test"][:100] - clean[:100]).max() > 1.0
    if name == "lorenz":  # after the transient: on the butterfly, both lobes visited
        assert clean[:, 2].min() > 0 and (clean[:, 0] > 0).any() and (clean[:, 0] < 0).any()


def test_sciml_data_writes_the_documented_layout(tmp_path):
    path = write_dataset("lorenz", "dynamics", SMALL, out=tmp_path / "lorenz.h5")
    with h5py.File(path) as f:
        assert f.attrs["format"] == "sciml-trajectories" and f.attrs["dt"] == 0.01
        assert f["train"].shape == (2000, 3) and f["test"].shape == (2000, 3)
        assert f.attrs["task"] == "dynamics"


def test_lorenz_alrnn_default_is_the_reference_recipe():
    """lorenz.toml: sparse forcing and lr_end 4e-4 for alrnn (with GTF or a decay to 1e-5 every
    seed ended on a fixed point; docs/results.md, issue 11); plrnn keeps GTF."""
    import sciml.methods  # noqa: F401  (registers the methods)
    from sciml.methods.base import METHODS
    from sciml.problems import load_problem

    problem = load_problem("lorenz", task="dynamics")
    alrnn = METHODS.get("alrnn").resolve_options(problem, "default", {})
    assert (alrnn["forcing"], alrnn["lr_end"], alrnn["steps"]) == ("sparse", 4e-4, 20_000)
    assert METHODS.get("plrnn").resolve_options(problem, "default", {})["forcing"] == "gtf"
