"""The Lotka-Volterra reference: the conserved quantity holds and the dataset starts where asked."""

import numpy as np

from sciml.problems.base import load_problem
from sciml.reference.lotka_volterra import (
    lotka_volterra_invariant,
    lotka_volterra_trajectories,
)

CLASSIC = (2 / 3, 4 / 3, 1.0, 1.0)


def test_invariant_is_conserved_along_trajectories():
    x0 = np.array([[1.0, 1.0], [0.5, 1.5], [1.5, 0.6]])
    run = lotka_volterra_trajectories(x0, np.linspace(0, 15, 100), *CLASSIC)
    v = lotka_volterra_invariant(run, *CLASSIC)
    assert run.shape == (3, 100, 2)
    assert np.abs(v - v[:, :1]).max() < 1e-8
    # the equilibrium (c/d, a/b) stays put
    rest = lotka_volterra_trajectories(np.array([[1.0, 0.5]]), np.linspace(0, 15, 5), *CLASSIC)
    assert np.abs(rest - [1.0, 0.5]).max() < 1e-12


def test_operator_dataset_layout():
    problem = load_problem("lotka-volterra", "operator", {"n_train": 8, "n_test": 4, "nt": 30})
    data = problem.operator_dataset()
    assert data.train_inputs.shape == (8, 2) and data.test_outputs.shape == (4, 30, 2)
    np.testing.assert_array_equal(data.coordinates["t"], np.linspace(0, 15, 30))
    np.testing.assert_array_equal(data.train_outputs[:, 0], data.train_inputs)  # t = 0 included
    assert data.train_inputs.min() >= 0.5 and data.train_inputs.max() <= 1.5
    assert not np.allclose(data.train_inputs[:4], data.test_inputs)  # separate generators
