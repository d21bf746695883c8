"""Refinement: a generator that returns the exact correction makes the ensemble exact."""

import numpy as np
import pytest
import torch

from sciml.methods.hypino import refinement, target_pinn
from sciml.methods.hypino.inputs import grids_to_tensors
from sciml.problems.pde_grids import PDEGrids

pytestmark = pytest.mark.usefixtures("one_thread")

N = 17


def grids_of(flats, coefficients):
    """The problem whose exact solution is the ensemble ``flats``: f = L u, g = u on the
    outline, h = du/dn on the bottom row."""
    d = sum(refinement.derivatives_on_grid(f, N, N) for f in flats).reshape(N, N, 5).numpy()
    c = np.array([coefficients.get(k, 0.0) for k in ("u", "u_x", "u_y", "u_xx", "u_yy")])
    dirichlet = np.zeros((N, N), bool)
    dirichlet[0], dirichlet[:, 0], dirichlet[:, -1] = True, True, True
    neumann = np.zeros((N, N), bool)
    neumann[-1, 1:-1] = True  # the corners are Dirichlet (their mask normal is diagonal)
    return PDEGrids(
        coefficients=coefficients,
        source=d @ c,
        domain_mask=np.ones((N, N), bool),
        dirichlet_mask=dirichlet,
        dirichlet_values=np.where(dirichlet, d[..., 0], 0.0),
        neumann_mask=neumann,
        neumann_values=np.where(neumann, -d[..., 2], 0.0),  # outward normal (0, -1) at y = -1
    )


def test_exact_delta_gives_the_exact_solution():
    torch.manual_seed(0)
    first, correction = torch.randn(2, target_pinn.n_weights(), dtype=torch.float64) * 0.2
    coefficients = {"u_xx": -1.0, "u_yy": -0.5, "u_x": 0.3}
    problem = grids_to_tensors(grids_of([first, correction], coefficients))
    expected_residual = grids_to_tensors(grids_of([correction], coefficients))
    seen = []

    def generate(residual):
        seen.append(residual)
        if len(seen) == 1:
            return first
        if len(seen) == 2:  # the residual problem is exactly the correction's problem
            for key in ("source", "dirichlet_values", "neumann_values"):
                assert torch.allclose(residual[key], expected_residual[key], atol=1e-9)
            return correction
        return torch.zeros_like(first)

    misfits = []
    flats = refinement.refine(generate, problem, 2, lambda k, f, m: misfits.append(m))
    assert flats.shape == (3, target_pinn.n_weights())
    assert misfits[0]["mse_dirichlet"] > 1e-4 and misfits[0]["mse_residual"] > 1e-4
    for key, value in misfits[1].items():
        assert value < 1e-20, key
    for key in ("source", "dirichlet_values", "neumann_values"):
        assert seen[2][key].abs().max() < 1e-9  # nothing left to correct
    xy = torch.rand(30, 2, dtype=torch.float64) * 2 - 1
    total = target_pinn.forward(flats, xy.expand(3, -1, -1)).sum(0)
    exact = target_pinn.forward(torch.stack([first, correction]), xy.expand(2, -1, -1)).sum(0)
    assert torch.allclose(total, exact, atol=1e-12)
