"""Allen-Cahn equation on a periodic interval: Fourier pseudo-spectral + ETDRK4.

    u_t = d u_xx + r (u - u^3),   x in [x0, x0 + L) periodic,

the causal-training paper's flagship (Wang, Sankaran & Perdikaris 2022: d = 1e-4, r = 5 on
[-1, 1], u0 = x^2 cos(pi x)). In Fourier space ``v_t = (-d k^2 + r) v - r F[u^3]``: the linear
part, reaction included, is treated exactly and the cubic explicitly (ETDRK4, Kassam & Trefethen
2005, whose paper solves this very equation). No dealiasing: the solution is smooth for t > 0
and the grid fine; the tests measure self-convergence in space and time instead.
"""

from __future__ import annotations

import numpy as np
import torch

from sciml.reference.etdrk4 import etdrk4_integrate
from sciml.reference.fourier import rfft_wavenumbers


def solve_allen_cahn_periodic(
    u0: np.ndarray,
    length: float,
    diffusion: float,
    reaction: float,
    t_eval: np.ndarray,
    dt: float = 1e-3,
) -> np.ndarray:
    """u at the times `t_eval` (increasing, >= 0) from samples `u0` on ``x0 + j length / N``,
    float64 ``(len(t_eval), N)``; steps of at most `dt` (the reaction's time scale is 1/r)."""
    u0 = torch.tensor(np.asarray(u0, dtype=np.float64))
    t_eval = np.asarray(t_eval, dtype=np.float64)
    if t_eval.ndim != 1 or np.any(np.diff(t_eval) < 0) or t_eval[0] < 0:
        raise ValueError("t_eval must be a 1-D increasing array of times >= 0")
    n = u0.shape[-1]
    lin = -diffusion * rfft_wavenumbers(n, length) ** 2 + reaction

    def nonlinear(v: torch.Tensor) -> torch.Tensor:
        u = torch.fft.irfft(v, n=n, dim=-1)
        return -reaction * torch.fft.rfft(u**3, dim=-1)

    v = torch.fft.rfft(u0, dim=-1)
    out = etdrk4_integrate(v, lin, nonlinear, t_eval, dt, lambda w: torch.fft.irfft(w, n=n, dim=-1))
    return out.numpy()
