"""Viscous Burgers equation on a periodic interval: Fourier pseudo-spectral + ETDRK4.

    u_t + (u^2 / 2)_x = nu u_xx,   x in [x0, x0 + L) periodic.

In Fourier space ``v_t = L v + N(v)`` with ``L = -nu k^2`` (treated exactly) and
``N(v) = -(i k / 2) F[(F^-1 P v)^2]`` with the 2/3-rule projection ``P`` (modes ``|m| < N/3``
kept) applied to ``v`` before the product and to the product itself, so the quadratic term is
alias-free. Time stepping: ETDRK4 of Cox & Matthews (J. Comput. Phys. 176, 2002) with the
contour-integral coefficients of Kassam & Trefethen (SIAM J. Sci. Comput. 26, 2005). Torch FFTs
in float64, on the input's device (CPU, or a GPU for tensors that live there).
"""

from __future__ import annotations

import numpy as np
import torch

from sciml.reference.etdrk4 import etdrk4_integrate
from sciml.reference.fourier import interpolate_periodic, rfft_wavenumbers

_CFL = 1.0  # dt * max|u| * k_dealiased <= _CFL; the explicit RK4 part is stable to ~2.8


def solve_burgers_periodic(
    u0: np.ndarray | torch.Tensor,
    length: float,
    nu: float,
    t_eval: np.ndarray,
    dt: float | None = None,
) -> np.ndarray | torch.Tensor:
    """Solve periodic viscous Burgers from `u0` and return u at the times `t_eval`.

    **Main arguments**
    - `u0`: samples on ``x0 + j * length / N``, shape ``(N,)`` or a batch ``(B, N)``; a numpy
      array, or a torch tensor (solved on its device -- a GPU when it lives there -- with torch
      FFTs). Arithmetic is float64 either way.
    - `t_eval`: increasing times ``>= 0`` (``t_eval[0]`` may be 0).
    - `dt`: largest time step; default ``1 / (max|u0| * k_max)`` with ``k_max`` the largest
      retained wavenumber (Burgers obeys a maximum principle, so ``max|u|`` never grows). Each
      interval between outputs is split into equal steps, so outputs land exactly on `t_eval`.

    **Returns** float64 ``(len(t_eval), N)``, or ``(B, len(t_eval), N)`` for a batch: a numpy
    array for numpy input, a tensor on the input's device for tensor input.
    """
    as_numpy = not isinstance(u0, torch.Tensor)
    u0 = torch.as_tensor(np.asarray(u0) if as_numpy else u0, dtype=torch.float64)
    t_eval = np.asarray(t_eval, dtype=np.float64)
    if t_eval.ndim != 1 or np.any(np.diff(t_eval) < 0) or t_eval[0] < 0:
        raise ValueError("t_eval must be a 1-D increasing array of times >= 0")
    n = u0.shape[-1]
    k = rfft_wavenumbers(n, length)
    keep_np = 3 * np.arange(k.size) < n  # 2/3 rule: |m| < N/3 is alias-free for u^2
    lin = -nu * k**2
    device = u0.device
    keep = torch.as_tensor(keep_np, device=device)
    dx_nonlin = torch.as_tensor(np.where(keep_np, -0.5j * k, 0.0), device=device)
    if dt is None:
        umax = max(float(u0.abs().max()), 1e-12)
        dt = _CFL / (umax * k[keep_np].max() + 1e-300)

    def nonlinear(v: torch.Tensor) -> torch.Tensor:
        u = torch.fft.irfft(v * keep, n=n, dim=-1)
        return dx_nonlin * torch.fft.rfft(u * u, dim=-1)

    v = torch.fft.rfft(u0, dim=-1)
    out = etdrk4_integrate(v, lin, nonlinear, t_eval, dt, lambda w: torch.fft.irfft(w, n=n, dim=-1))
    out = torch.movedim(out, 0, -2)
    return out.numpy() if as_numpy else out


def burgers_dirichlet_sine(
    x: np.ndarray, t: np.ndarray, nu: float, n_modes: int = 4096
) -> np.ndarray:
    """Raissi's Burgers benchmark ``u_t + u u_x = nu u_xx``, ``u(x, 0) = -sin(pi x)`` on [-1, 1].

    With ``u(+-1, t) = 0``. Since ``u0`` is odd and 2-periodic the solution is odd about 0 and
    +-1, so it equals the periodic solution on [-1, 1). That is solved on `n_modes` points and
    evaluated at `x` by exact trigonometric interpolation. Reference: Raissi, Perdikaris &
    Karniadakis, J. Comput. Phys. 378 (2019); ``nu = 0.01 / pi`` there.

    **Returns** u on the tensor grid, shape ``(len(t), len(x))``.
    """
    grid = -1.0 + 2.0 * np.arange(n_modes) / n_modes
    u = solve_burgers_periodic(-np.sin(np.pi * grid), 2.0, nu, np.asarray(t, dtype=np.float64))
    return interpolate_periodic(u, np.asarray(x, dtype=np.float64), 2.0, x0=-1.0)
