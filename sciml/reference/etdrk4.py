"""ETDRK4 for stiff semilinear systems ``v_t = L v + N(v)`` with a diagonal ``L`` (Fourier space).

Cox & Matthews, "Exponential time differencing for stiff systems", J. Comput. Phys. 176 (2002),
with the contour-integral coefficients of Kassam & Trefethen, "Fourth-order time-stepping for
stiff PDEs", SIAM J. Sci. Comput. 26 (2005). Shared by the Burgers and Allen-Cahn references.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

_CONTOUR_POINTS = 64


def etdrk4_coefficients(lin: np.ndarray, h: float, n_contour: int = _CONTOUR_POINTS) -> tuple:
    """ETDRK4 coefficients ``(E, E2, Q, f1, f2, f3)`` for the diagonal operator `lin`, step `h`.

    The phi-functions are averaged over a circle of radius 1 around each ``h * lin`` to avoid
    cancellation (Kassam & Trefethen 2005, eq. 2.5 and Fig. 2.1).
    """
    r = np.exp(1j * np.pi * (np.arange(1, n_contour + 1) - 0.5) / n_contour)
    lr = h * lin[..., None] + r
    exp_lr = np.exp(lr)
    q = h * np.mean((np.exp(lr / 2) - 1) / lr, axis=-1).real
    f1 = h * np.mean((-4 - lr + exp_lr * (4 - 3 * lr + lr**2)) / lr**3, axis=-1).real
    f2 = h * np.mean((2 + lr + exp_lr * (lr - 2)) / lr**3, axis=-1).real
    f3 = h * np.mean((-4 - 3 * lr - lr**2 + exp_lr * (4 - lr)) / lr**3, axis=-1).real
    return np.exp(h * lin), np.exp(h * lin / 2), q, f1, f2, f3


def etdrk4_integrate(
    v: torch.Tensor,
    lin: np.ndarray,
    nonlinear: Callable[[torch.Tensor], torch.Tensor],
    t_eval: np.ndarray,
    dt: float,
    to_physical: Callable[[torch.Tensor], torch.Tensor],
) -> torch.Tensor:
    """Integrate ``v_t = lin * v + nonlinear(v)`` from ``v`` at t = 0 and return
    ``to_physical(v(t))`` for each time of the increasing `t_eval`, stacked on a leading axis.

    Each interval between outputs is split into equal steps of at most `dt`, so outputs land
    exactly on `t_eval`; coefficients are recomputed only when the step changes."""
    device = v.device
    out = None
    t, coef, coef_h = 0.0, None, None
    for i, t_next in enumerate(t_eval):
        interval = t_next - t
        if interval > 0:
            n_steps = math.ceil(interval / dt * (1 - 1e-12))
            h = interval / n_steps
            if coef_h is None or not math.isclose(h, coef_h, rel_tol=1e-12):
                coef = [torch.as_tensor(c, device=device) for c in etdrk4_coefficients(lin, h)]
                coef_h = h
            e, e2, q, f1, f2, f3 = coef
            for _ in range(n_steps):
                nv = nonlinear(v)
                a = e2 * v + q * nv
                na = nonlinear(a)
                b = e2 * v + q * na
                nb = nonlinear(b)
                c = e2 * a + q * (2 * nb - nv)
                nc = nonlinear(c)
                v = e * v + f1 * nv + 2 * f2 * (na + nb) + f3 * nc
        u = to_physical(v)
        if out is None:
            out = torch.empty((len(t_eval), *u.shape), dtype=u.dtype, device=device)
        out[i] = u
        t = t_next
    return out
