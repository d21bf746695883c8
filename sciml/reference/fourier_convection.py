"""Exact solution of periodic linear convection-diffusion by Fourier modes.

    u_t + beta u_x = nu u_xx,   x in [0, L) periodic.

Each Fourier mode evolves independently: ``u_hat_k(t) = u_hat_k(0) exp((-i beta k - nu k^2) t)``
with ``k = 2 pi m / L``. With ``nu = 0``, ``L = 2 pi`` and ``u0 = sin x`` this is the
convection benchmark of Krishnapriyan et al., *Characterizing possible failure modes in
physics-informed neural networks*, NeurIPS 2021.
"""

from __future__ import annotations

import numpy as np

from sciml.reference.fourier import rfft_wavenumbers


def convection_diffusion_fourier(
    u0: np.ndarray, beta: float, nu: float, t: np.ndarray, length: float = 2 * np.pi
) -> np.ndarray:
    """Evolve samples `u0` on a uniform periodic grid exactly to the times `t`.

    **Main arguments**
    - `u0`: samples on ``x0 + j * length / N``, shape ``(..., N)`` (``x0`` plays no role).
    - `t`: times, shape ``(T,)``.

    **Returns** float64 array ``(..., T, N)``. Exact for the trigonometric interpolant of `u0`
    (for even ``N`` the Nyquist mode is a cosine and only its real part is transported).
    """
    u0 = np.asarray(u0, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64).reshape(-1)
    n = u0.shape[-1]
    k = rfft_wavenumbers(n, length)
    u_hat = np.fft.rfft(u0, axis=-1)[..., None, :]
    propagator = np.exp(np.outer(t, -1j * beta * k - nu * k**2))
    return np.fft.irfft(u_hat * propagator, n=n, axis=-1)
