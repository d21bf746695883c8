"""Lorenz-63 reference trajectories and noisy observations.

    x' = sigma (y - x),   y' = x (rho - z) - y,   z' = x y - beta z.

Reference: E. N. Lorenz, *Deterministic nonperiodic flow*, J. Atmos. Sci. 20 (1963) 130-141.
The torchdiffeq dopri5 solution is cross-checked against scipy's DOP853 (Hairer, Norsett &
Wanner, *Solving ODEs I*, 1993).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.integrate import solve_ivp
from torchdiffeq import odeint


def lorenz_rhs(
    state: torch.Tensor, sigma: float = 10.0, rho: float = 28.0, beta: float = 8.0 / 3.0
) -> torch.Tensor:
    """Lorenz vector field for `state` of shape ``(..., 3)``; returns the same shape."""
    x, y, z = state.unbind(-1)
    return torch.stack((sigma * (y - x), x * (rho - z) - y, x * y - beta * z), dim=-1)


def lorenz_trajectory(
    x0: np.ndarray,
    t_eval: np.ndarray,
    sigma: float = 10.0,
    rho: float = 28.0,
    beta: float = 8.0 / 3.0,
    rtol: float = 1e-10,
    atol: float = 1e-10,
) -> np.ndarray:
    """Integrate from `x0` at ``t_eval[0]`` with torchdiffeq's dopri5 in float64.

    **Main arguments**
    - `x0`: initial state ``(3,)`` or a batch ``(B, 3)`` (one shared adaptive step for the batch).
    - `t_eval`: increasing output times; ``t_eval[0]`` is the initial time.

    **Returns** ``(len(t_eval), 3)``, or ``(B, len(t_eval), 3)`` for a batch.
    """
    y0 = torch.as_tensor(np.asarray(x0), dtype=torch.float64)
    times = torch.as_tensor(np.asarray(t_eval), dtype=torch.float64)
    with torch.no_grad():
        sol = odeint(
            lambda _t, s: lorenz_rhs(s, sigma, rho, beta),
            y0,
            times,
            rtol=rtol,
            atol=atol,
            method="dopri5",
        )
    return np.moveaxis(sol.numpy(), 0, -2)


def lorenz_trajectory_scipy(
    x0: np.ndarray,
    t_eval: np.ndarray,
    sigma: float = 10.0,
    rho: float = 28.0,
    beta: float = 8.0 / 3.0,
    rtol: float = 1e-10,
    atol: float = 1e-10,
) -> np.ndarray:
    """Same as `lorenz_trajectory` with scipy ``solve_ivp(method="DOP853")``, the cross-check."""
    x0 = np.asarray(x0, dtype=np.float64)
    t_eval = np.asarray(t_eval, dtype=np.float64)

    def rhs(_t: float, flat: np.ndarray) -> np.ndarray:
        x, y, z = flat.reshape(-1, 3).T
        return np.stack((sigma * (y - x), x * (rho - z) - y, x * y - beta * z), -1).ravel()

    sol = solve_ivp(
        rhs, (t_eval[0], t_eval[-1]), x0.ravel(), "DOP853", t_eval=t_eval, rtol=rtol, atol=atol
    )
    if not sol.success:
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    traj = sol.y.T.reshape(len(t_eval), *x0.shape)
    return np.moveaxis(traj, 0, -2)


def noisy_observations(traj: np.ndarray, noise_std: float, seed: int) -> np.ndarray:
    """Add Gaussian noise of std ``noise_std * std(traj)`` per coordinate (last axis).

    The coordinate std is taken over all leading axes (time, and batch if present). Uses
    ``numpy.random.default_rng(seed)``, so the same seed gives the same noise.
    """
    traj = np.asarray(traj, dtype=np.float64)
    scale = noise_std * traj.std(axis=tuple(range(traj.ndim - 1)))
    rng = np.random.default_rng(seed)
    return traj + scale * rng.standard_normal(traj.shape)
