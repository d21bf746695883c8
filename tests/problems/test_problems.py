"""Each registered problem: residual zero on an exact solution, reference oriented and correct."""

import math

import numpy as np
import torch

from sciml.core.derivatives import Fields
from sciml.problems import load_problem


def residual_of(problem, solution, points):
    fields = Fields(solution, points, problem.inputs, problem.outputs)
    return problem.pde_residual(fields)


def test_convection_diffusion_residual_and_reference_are_exact():
    problem = load_problem("convection-diffusion", overrides={"beta": "7", "nu": "0.3"})

    def exact(p):
        return torch.sin(p[:, :1] - 7 * p[:, 1:]) * torch.exp(-0.3 * p[:, 1:])

    points = torch.rand(100, 2, dtype=torch.float64) * torch.tensor([2 * math.pi, 1.0])
    assert residual_of(problem, exact, points).abs().max() < 1e-12
    reference = problem.reference()
    np.testing.assert_allclose(
        reference.flat_values(), exact(torch.tensor(reference.points())).numpy(), atol=1e-12
    )


def test_burgers_reference_grid_starts_from_the_initial_condition():
    problem = load_problem("burgers", overrides={"nx": "64", "nt": "11"})
    reference = problem.reference()
    assert reference.values.shape == (64, 11, 1)
    np.testing.assert_allclose(
        reference.values[:, 0, 0], -np.sin(np.pi * reference.axes["x"]), atol=1e-12
    )
    np.testing.assert_allclose(reference.values[[0, -1], :, 0], 0.0, atol=1e-8)  # u(+-1, t) = 0


def test_lorenz_residual_and_reference():
    problem = load_problem("lorenz", overrides={"t_end": "1.0"})
    reference = problem.reference()
    np.testing.assert_allclose(reference.values[0], [1.0, 1.0, 1.0])
    # a trajectory that solves the ODE has zero residual: the reference, by finite differences
    t, xyz = reference.axes["t"], reference.values
    dt = t[1] - t[0]
    derivative = (xyz[2:] - xyz[:-2]) / (2 * dt)
    x, y, z = xyz[1:-1].T
    rhs = np.stack([10 * (y - x), x * (28 - z) - y, x * y - 8 / 3 * z], axis=-1)
    assert np.abs(derivative - rhs).max() < 1e-2 * np.abs(rhs).max()


def test_navier_stokes_residual_vanishes_on_taylor_green():
    problem = load_problem("navier-stokes", overrides={"forcing": "0", "nu": "0.01"})
    a = 2 * math.pi

    def taylor_green(p):
        decay = torch.exp(-2 * 0.01 * a**2 * p[:, 2:])
        psi = torch.cos(a * p[:, :1]) * torch.cos(a * p[:, 1:2]) * decay
        return torch.cat([2 * a**2 * psi, psi], dim=-1)

    points = torch.rand(200, 3, dtype=torch.float64)
    assert residual_of(problem, taylor_green, points).abs().max() < 1e-9


def test_navier_stokes_reference_starts_from_the_seeded_field():
    problem = load_problem(
        "navier-stokes", overrides={"resolution": "32", "t_end": "0.1", "nt": "2"}, seed=5
    )
    reference = problem.reference()
    assert reference.values.shape == (32, 32, 2, 1)
    np.testing.assert_allclose(
        reference.values[:, :, 0, 0], problem.initial_vorticity().numpy(), atol=1e-12
    )
