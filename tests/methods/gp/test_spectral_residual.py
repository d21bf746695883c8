"""gp-spectral on a problem's own residual (``pde_residual`` on the grid, :mod:`grid_fields`):
Burgers' u u_x through the MAP objective, with the initial condition on the t = 0 face and
Dirichlet data on the x = +-1 faces."""

import math

import numpy as np
import pytest
import torch

import sciml
from sciml.core.errors import SciMLError
from sciml.methods.gp.grid import GridSystem, along
from sciml.methods.gp.grid_fields import GridFields
from sciml.methods.gp.map_objective import MAPObjective, MAPState
from sciml.methods.gp.spectral import GPSpectral
from sciml.problems import load_problem


def _smoke(problem, **overrides):
    return sciml.solve(problem, "gp-spectral", budget="smoke", overrides=overrides, progress=False)


def test_grid_derivatives_match_the_analytic_ones():
    # u = sin(pi x) cos(2 t) on a 40 x 30 grid: the kernel's derivatives, mixed ones composed
    problem = load_problem("burgers")
    net = GPSpectral(problem, budget="smoke", options={"grid": 40, "time_grid": 30}).network
    x, t = (a[:, None] if k == 0 else a[None, :] for k, a in enumerate(net.axes))
    u = torch.sin(math.pi * x) * torch.cos(2 * t)
    jitter = 1e-8

    def derivative(k, order, values):
        gram = net.grid_kernel(k)
        inverse = torch.linalg.inv(gram + jitter * torch.eye(len(gram), dtype=gram.dtype))
        return along(net.grid_kernel(k, order=order) @ inverse, values, k)

    mesh = torch.stack(torch.meshgrid(*net.axes, indexing="ij"), -1).reshape(-1, 2)
    with torch.no_grad():
        f = GridFields(u, derivative, mesh, ("x", "t"), ("u",))
        exact = {
            ("x",): math.pi * torch.cos(math.pi * x) * torch.cos(2 * t),
            ("x", "x"): -(math.pi**2) * u,
            ("t",): -2 * torch.sin(math.pi * x) * torch.sin(2 * t),
            ("x", "t"): -2 * math.pi * torch.cos(math.pi * x) * torch.sin(2 * t),
        }
        for variables, value in exact.items():
            # inside (4 nodes off each face) measured 5e-5 (u_x) - 6e-4 (u_xx); with the faces
            # 1e-2 (u_x) - 1e-1 (u_xx): the untrained kernel interpolates worst at the ends
            gap = (f.d("u", *variables).reshape(40, 30) - value)[4:-4, 4:-4]
            error = gap.norm() / value[4:-4, 4:-4].norm()
            assert error < 3e-3, (variables, float(error))
        with pytest.raises(SciMLError, match="up to second order"):
            f.d("u", "x", "x", "x")


def test_the_grid_residual_is_the_operator_residual():
    # convection-diffusion (linear, periodic x, time axis): pde_residual on the grid gives the
    # MAP objective that the operator's coefficients give, to rounding
    problem = load_problem("convection-diffusion", overrides={"nu": 0.05})
    net = GPSpectral(problem, budget="smoke", options={"grid": 12, "time_grid": 9}).network
    u = torch.randn(12, 9, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    losses = []
    for operator in (True, False):
        system = GridSystem(problem, net, operator)
        losses.append(MAPObjective(system, MAPState(net, u), 1e-6, 200.0, 5, 10).loss())
    (a, gaps_a), (b, gaps_b) = losses
    torch.testing.assert_close(a, b, rtol=1e-9, atol=0)
    assert gaps_a == pytest.approx(gaps_b, rel=1e-9)


def test_the_grid_residual_against_an_exact_solution():
    # Poisson with u = sin(pi x) through its pde_residual (-u_xx - f) rather than coefficients:
    # the same objective as the operator path (measured 6.5e-3 there)
    _, metrics = _smoke("poisson", solution="sinpi", residual="pde")
    assert metrics["rel_l2"] < 3e-2
    assert metrics["boundary_rms"] < 1e-3


def test_burgers_at_a_mild_viscosity():
    # nu = 0.1: the front stays smooth (width ~ nu) and a 48 x 48 grid resolves it. Newton on the
    # collocation system: measured 4.1e-3 (5 iterations, 6 s)
    _, metrics = _smoke("burgers", nu=0.1, solver="collocation", adam_steps=0)
    assert metrics["rel_l2"] < 1e-2
    assert 1 <= metrics["newton_iterations"] <= 10
    assert metrics["grid_nodes"] == 48 * 48


def test_burgers_through_the_map_objective():
    # the joint Adam MAP (the default for a residual): measured 6.3e-2 at 2000 steps (~25 s); it
    # plateaus (0.20 on 128 x 128): the learned residual precision stays small
    _, metrics = _smoke("burgers", nu=0.1, map_steps=600)
    assert metrics["rel_l2"] < 0.5
    assert metrics["boundary_rms"] < 5e-2  # measured 2.7e-2 at 600 steps


def test_burgers_grid_holds_the_initial_and_dirichlet_data():
    problem = load_problem("burgers")
    net = GPSpectral(problem, budget="smoke", options={"grid": 9, "time_grid": 5}).network
    system = GridSystem(problem, net, operator=False)
    assert system.terms is None
    x = net.axis0.numpy()
    np.testing.assert_allclose(system.given[:, 0], -np.sin(np.pi * x), atol=1e-15)
    assert system.mask[[0, -1], :].all() and system.mask[:, 0].all()
    assert not system.mask[1:-1, 1:].any()
    np.testing.assert_array_equal(system.given[[0, -1], 1:], 0.0)


def test_what_the_grid_cannot_use_is_one_line():
    burgers = load_problem("burgers")
    with pytest.raises(SciMLError, match="adam_steps=0") as error:
        GPSpectral(burgers, budget="smoke", options={"solver": "collocation"})
    assert "\n" not in str(error.value)
    with pytest.raises(SciMLError, match="dense Jacobian.*solver=map") as error:
        _smoke("burgers", solver="collocation", adam_steps=0, grid=100)
    assert "\n" not in str(error.value)
    # allen-cahn (time-dependent, periodic x) gives no initial values at given points (plan
    # refuses it for want of grid_values; the method's own check says the same)
    with pytest.raises(SciMLError, match="needs initial values at given points"):
        GPSpectral(load_problem("allen-cahn"), budget="smoke")
    with pytest.raises(SciMLError, match="one output"):
        GPSpectral(load_problem("lorenz", task="field"), budget="smoke")
