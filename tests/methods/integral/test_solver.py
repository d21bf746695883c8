"""The damped fixed-point solver on linear integral equations with known solutions."""

import numpy as np
import torch

from sciml.core.quadrature import quadrature
from sciml.methods.integral.solver import contraction, fixed_point


def _operator(times, rule, kind, lam, f):
    nodes, weights, interpolation = (
        torch.as_tensor(a) for a in quadrature(times, rule, kind, order=3)
    )
    return lambda y: f + lam * torch.einsum("km,mj,bjd->bkd", weights, interpolation, y)


def test_fredholm_converges_to_the_exact_solution():
    # y(t) = t + 1/2 int_0^1 y(s) ds  =>  y(t) = t + 1/2
    t = np.linspace(0.0, 1.0, 21)
    f = torch.as_tensor(t)[None, :, None]
    y, residuals = fixed_point(
        _operator(t, "trapezoid", "fredholm", 0.5, f), f, tolerance=1e-10, max_iterations=200
    )
    np.testing.assert_allclose(y[0, :, 0].numpy(), t + 0.5, atol=1e-9)
    ratio = contraction(residuals)
    # the error contracts by a + (1 - a) lambda = 3/4 (a = lambda = 1/2); residuals are relative
    assert abs(ratio - 0.75) < 5e-3
    assert residuals.shape[1] < 200


def test_volterra_converges_to_the_exponential():
    # y(t) = 1 + int_0^t y(s) ds  =>  y(t) = e^t (up to the quadrature's error)
    t = np.linspace(0.0, 1.0, 101)
    f = torch.ones(2, len(t), 1, dtype=torch.float64)
    y, residuals = fixed_point(
        _operator(t, "trapezoid", "volterra", 1.0, f), f, tolerance=1e-12, max_iterations=500
    )
    assert np.abs(y[0, :, 0].numpy() - np.exp(t)).max() < 3e-5  # trapezoid: h^2 e / 12 ~ 2.3e-5
    assert contraction(residuals) < 1
    assert residuals[:, -1].max() < 1e-12


def test_gradient_through_the_last_iterations_only():
    t = np.linspace(0.0, 1.0, 11)
    scale = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    f = torch.as_tensor(t)[None, :, None]

    def operator(y):
        return f + scale * y.mean(dim=1, keepdim=True)

    full, _ = fixed_point(operator, f, max_iterations=30, tolerance=0.0)
    (grad_full,) = torch.autograd.grad(full.sum(), scale)
    last, _ = fixed_point(operator, f, max_iterations=30, tolerance=0.0, backprop_iterations=1)
    (grad_last,) = torch.autograd.grad(last.sum(), scale)
    torch.testing.assert_close(full, last)
    # converged: the truncated gradient (y held fixed) is d/ds of f + s m at fixed m, which
    # misses the implicit part m'(s) -- smaller than the full gradient, and both positive
    assert 0 < float(grad_last) < float(grad_full)
