"""2-D incompressible Navier-Stokes in vorticity form on the unit torus, pseudo-spectral.

    w_t + u . grad w = nu Laplacian w + f,   u = (psi_y, -psi_x),   -Laplacian psi = w,

on ``[0, 1)^2`` with ``w[..., i, j] = w(x_i, y_j)``, ``x_i = i / s``. Space: Fourier modes with the
2/3 rule (modes ``|m_x|, |m_y| < s / 3`` of ``w`` enter the product, and the product is truncated
to them), so the quadratic term is alias-free. Time: the low-storage Crank-Nicolson / RK3 scheme
(Williamson coefficients; Canuto et al., *Spectral Methods: Evolution to Complex Geometries*,
2007, App. D.3): diffusion by Crank-Nicolson in each of 3 substages, advection and forcing by
3rd-order explicit RK, which is stable for imaginary eigenvalues up to ``sqrt(3)`` unlike the
explicit Euler of the FNO data generator (Li et al., ICLR 2021, ``ns_2d.py``). Second order
overall; 3rd order for the advective (dominant) part.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch

# Williamson (1980) low-storage RK3 with Crank-Nicolson substeps (alphas are substage times).
_ALPHAS = (0.0, 1.0 / 3.0, 3.0 / 4.0, 1.0)
_BETAS = (0.0, -5.0 / 9.0, -153.0 / 128.0)
_GAMMAS = (1.0 / 3.0, 15.0 / 16.0, 8.0 / 15.0)


def ns_forcing(
    s: int,
    amplitude: float = 0.1,
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    """FNO forcing ``amplitude * (sin(2 pi (x + y)) + cos(2 pi (x + y)))`` on ``x_i = i / s``."""
    x = torch.arange(s, device=device, dtype=dtype) / s
    phase = 2 * math.pi * (x[:, None] + x[None, :])
    return amplitude * (torch.sin(phase) + torch.cos(phase))


def taylor_green_vorticity(
    s: int,
    k: int,
    t: float,
    nu: float,
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    """Exact unforced solution ``w = 2 a cos(a x) cos(a y) exp(-2 nu a^2 t)``, ``a = 2 pi k``.

    ``Laplacian w = -2 a^2 w``; ``psi = w / (2 a^2)`` is proportional to ``w``, so
    ``u . grad w = J(psi, w) = 0`` and only diffusion acts. Velocity amplitude is 1 at t = 0.
    """
    a = 2 * math.pi * k
    x = torch.arange(s, device=device, dtype=dtype) / s
    c = torch.cos(a * x)
    return 2 * a * math.exp(-2 * nu * a**2 * t) * c[:, None] * c[None, :]


def solve_ns_vorticity(
    w0: torch.Tensor,
    forcing: torch.Tensor | None,
    nu: float,
    t_eval: Sequence[float] | torch.Tensor,
    dt: float = 1e-2,
    cfl: float = 0.5,
    dtype: torch.dtype = torch.float64,
    on_step: Callable[[float], None] | None = None,
) -> torch.Tensor:
    """Evolve vorticity `w0` and return it at the times `t_eval` (``t_eval[0] >= 0`` is allowed).

    **Main arguments**
    - `w0`: ``(s, s)`` or a batch ``(B, s, s)``; the computation runs on its device in `dtype`.
    - `forcing`: ``(s, s)`` (shared) or ``(B, s, s)``, constant in time; `None` for no forcing.
    - `dt`: largest step. On each interval between outputs the step is
      ``min(dt, cfl / (s * max(|u| + |v|)))`` (velocity at the interval start), shrunk so the
      interval is a whole number of steps; outputs land exactly on `t_eval`. In the FNO setup
      (``nu = 1e-3``, ``s = 64``, T = 10) the default ``dt = 1e-2`` is within ~2e-8 (relative)
      of ``dt = 1e-3``; the CFL bound (RK3 is stable to ``cfl ~ 0.8``) binds for faster flows.
    - `on_step`: called after every step with the fraction of ``t_eval[-1]`` done (progress bars).

    **Returns** ``(B, len(t_eval), s, s)``, or ``(len(t_eval), s, s)`` for an unbatched `w0`.

    On CPU with shared cores prefer ``torch.set_num_threads(1)``: MKL's threaded FFT on these
    small grids is no faster, and ~100x slower when another process holds a core.
    """
    unbatched = w0.ndim == 2
    w0 = w0.to(dtype)[None] if unbatched else w0.to(dtype)
    device, s = w0.device, w0.shape[-1]
    times = [float(t) for t in torch.as_tensor(t_eval, dtype=torch.float64).reshape(-1)]
    if any(b < a for a, b in zip(times, times[1:], strict=False)) or times[0] < 0:
        raise ValueError("t_eval must be increasing and >= 0")

    m_x = torch.fft.fftfreq(s, d=1.0 / s, device=device, dtype=dtype)
    m_y = torch.fft.rfftfreq(s, d=1.0 / s, device=device, dtype=dtype)
    k_x, k_y = torch.meshgrid(2 * math.pi * m_x, 2 * math.pi * m_y, indexing="ij")
    k2 = k_x**2 + k_y**2
    inv_k2 = torch.where(k2 > 0, 1.0 / torch.where(k2 > 0, k2, 1.0), 0.0)
    # Constants are stored complex: real-by-complex products would re-cast on every call.
    cdtype = torch.complex128 if dtype == torch.float64 else torch.complex64
    keep = ((3 * m_x.abs()[:, None] < s) & (3 * m_y[None, :] < s)).to(cdtype)
    lap = (-nu * k2).to(cdtype)
    # i k psi_hat gives u = psi_y, v = -psi_x; i k w_hat the gradient; all from truncated w_hat.
    # Only the first `cols` m_y-columns survive the truncation, so the inverse transforms skip
    # the rest (ifft over x on those columns, then irfft over y zero-pads them).
    cols = (s - 1) // 3 + 1
    ops = torch.stack((1j * k_y * inv_k2, -1j * k_x * inv_k2, 1j * k_x, 1j * k_y))[:, None] * keep
    ops = ops[..., :cols]
    f_hat = 0.0 if forcing is None else torch.fft.rfft2(forcing.to(device, dtype))

    def physical(w_hat: torch.Tensor, n_fields: int) -> torch.Tensor:
        spec = torch.fft.ifft(ops[:n_fields] * w_hat[..., :cols], dim=-2)
        return torch.fft.irfft(spec, n=s, dim=-1)

    def rhs(w_hat: torch.Tensor) -> torch.Tensor:
        u, v, w_x, w_y = physical(w_hat, 4)
        return f_hat - keep * torch.fft.rfft2(u * w_x + v * w_y)

    def max_speed(w_hat: torch.Tensor) -> float:
        u, v = physical(w_hat, 2).abs()
        return float((u + v).max())

    w_hat = torch.fft.rfft2(w0)
    out = torch.empty((w0.shape[0], len(times), s, s), device=device, dtype=dtype)
    t, t_end = 0.0, times[-1]
    for i, t_next in enumerate(times):
        if t_next > t:
            h_max = min(dt, cfl / (s * max_speed(w_hat) + 1e-300))
            n_steps = math.ceil((t_next - t) / h_max * (1 - 1e-12))
            h = (t_next - t) / n_steps
            # Substage k: w <- [(1 + mu L) w + gamma h acc] / (1 - mu L), mu = h (a_k+1 - a_k) / 2.
            stages = []
            for a0, a1, beta, gamma in zip(_ALPHAS, _ALPHAS[1:], _BETAS, _GAMMAS, strict=False):
                implicit = 1 / (1 - 0.5 * h * (a1 - a0) * lap)
                explicit = (1 + 0.5 * h * (a1 - a0) * lap) * implicit
                stages.append((beta, explicit, gamma * h * implicit))
            for step in range(n_steps):
                acc = None
                for beta, explicit, forced in stages:
                    acc = rhs(w_hat) if acc is None else rhs(w_hat).add_(acc, alpha=beta)
                    w_hat = torch.addcmul(explicit * w_hat, forced, acc)
                if on_step is not None:
                    on_step((t + (step + 1) * h) / t_end)
        out[:, i] = torch.fft.irfft2(w_hat, s=(s, s))
        t = t_next
    return out[0] if unbatched else out
