"""Lotka-Volterra predator-prey reference trajectories (Lotka 1925, Volterra 1926).

    x' = a x - b x y,   y' = d x y - c y,

x the prey and y the predator. Solved like the Lorenz reference (:mod:`sciml.reference.lorenz`):
torchdiffeq's dopri5 in float64, a batch of initial states sharing one adaptive step. The
conserved quantity V = d x - c ln x + b y - a ln y checks the solution in the tests.
"""

from __future__ import annotations

import numpy as np
import torch
from torchdiffeq import odeint


def lotka_volterra_rhs(state: torch.Tensor, a: float, b: float, c: float, d: float) -> torch.Tensor:
    """The vector field for ``state`` of shape ``(..., 2)``; returns the same shape."""
    x, y = state.unbind(-1)
    return torch.stack((a * x - b * x * y, d * x * y - c * y), dim=-1)


def lotka_volterra_invariant(state: np.ndarray, a: float, b: float, c: float, d: float):
    """V = d x - c ln x + b y - a ln y, constant along every trajectory with x, y > 0."""
    x, y = state[..., 0], state[..., 1]
    return d * x - c * np.log(x) + b * y - a * np.log(y)


def lotka_volterra_trajectories(
    x0: np.ndarray,
    t_eval: np.ndarray,
    a: float,
    b: float,
    c: float,
    d: float,
    rtol: float = 1e-10,
    atol: float = 1e-10,
) -> np.ndarray:
    """Trajectories ``(B, len(t_eval), 2)`` from initial states ``x0`` ``(B, 2)`` at
    ``t_eval[0]``, torchdiffeq dopri5 in float64."""
    y0 = torch.as_tensor(np.asarray(x0), dtype=torch.float64)
    times = torch.as_tensor(np.asarray(t_eval), dtype=torch.float64)
    with torch.no_grad():
        solution = odeint(
            lambda _t, s: lotka_volterra_rhs(s, a, b, c, d),
            y0,
            times,
            rtol=rtol,
            atol=atol,
            method="dopri5",
        )
    return np.moveaxis(solution.numpy(), 0, -2)
