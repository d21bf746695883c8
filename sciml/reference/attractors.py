"""Long trajectories on strange attractors, for the dynamics task: Lorenz-63 and Rössler.

    Lorenz (1963):  x' = sigma (y - x),  y' = x (rho - z) - y,  z' = x y - beta z
    Rössler (1976): x' = -y - z,         y' = x + a y,          z' = b + z (x - c)

Several initial states are integrated together with torchdiffeq's dopri5 in float64 (one shared
adaptive step), a transient is discarded, and the states are sampled every ``dt``.

References: E. N. Lorenz, J. Atmos. Sci. 20 (1963) 130-141; O. E. Rössler, Phys. Lett. A 57
(1976) 397-398.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torchdiffeq import odeint

from sciml.reference.lorenz import lorenz_rhs

VectorField = Callable[[torch.Tensor], torch.Tensor]

# Per-step error of dopri5 at this tolerance is far below the observation noise; a tighter one
# only costs time (torchdiffeq steps in Python: 1e-10 takes 5x longer) on a chaotic orbit whose
# individual path is lost after a few Lyapunov times anyway. What is kept is the attractor.
RTOL = ATOL = 1e-6


def rossler_rhs(
    state: torch.Tensor, a: float = 0.2, b: float = 0.2, c: float = 5.7
) -> torch.Tensor:
    """Rössler vector field for ``state`` of shape ``(..., 3)``; returns the same shape."""
    x, y, z = state.unbind(-1)
    return torch.stack((-y - z, x + a * y, b + z * (x - c)), dim=-1)


def lorenz_field(sigma: float, rho: float, beta: float) -> VectorField:
    return lambda s: lorenz_rhs(s, sigma, rho, beta)


def rossler_field(a: float, b: float, c: float) -> VectorField:
    return lambda s: rossler_rhs(s, a, b, c)


def attractor_trajectories(
    field: VectorField,
    initial: np.ndarray,
    dt: float,
    n_steps: int,
    n_transient: int,
    rtol: float = RTOL,
    atol: float = ATOL,
) -> np.ndarray:
    """States every ``dt`` of the flow of ``field`` from each row of ``initial`` (B, d), after a
    discarded transient of ``n_transient`` steps.

    **Returns** ``(B, n_steps, d)`` float64: row 0 is the state at time ``n_transient * dt``.
    """
    y0 = torch.as_tensor(np.asarray(initial, dtype=np.float64))
    times = torch.arange(n_transient + n_steps, dtype=torch.float64) * dt
    with torch.no_grad():
        solution = odeint(lambda _t, s: field(s), y0, times, rtol=rtol, atol=atol, method="dopri5")
    return np.moveaxis(solution[n_transient:].numpy(), 0, 1)
