"""Shared Fourier helpers for the periodic reference solvers.

Convention: ``N`` samples ``u_j = u(x0 + j L / N)`` of an ``L``-periodic function, angular
wavenumbers ``k_m = 2 pi m / L``. The trigonometric interpolant of the samples is

    p(x) = sum_{|m| < N/2} c_m exp(i k_m (x - x0)) + c_{N/2} cos(k_{N/2} (x - x0)),

with ``c = fft(u) / N`` (the Nyquist term only for even ``N``, taken as a cosine so that ``p`` is
real and interpolates the data). Reference: Trefethen, *Spectral Methods in MATLAB* (2000), ch. 3.
"""

from __future__ import annotations

import numpy as np

_QUERY_CHUNK = 4096


def rfft_wavenumbers(n: int, length: float) -> np.ndarray:
    """Angular wavenumbers ``2 pi m / length``, ``m = 0..n//2``, matching ``np.fft.rfft``."""
    return 2.0 * np.pi / length * np.arange(n // 2 + 1, dtype=np.float64)


def interpolate_periodic(
    values: np.ndarray, x_query: np.ndarray, length: float, x0: float = 0.0
) -> np.ndarray:
    """Evaluate the trigonometric interpolant of periodic samples at arbitrary points.

    **Main arguments**
    - `values`: samples on the uniform grid ``x0 + j * length / N``, shape ``(..., N)``.
    - `x_query`: points, any shape ``Q`` (the interpolant is periodic, so any real x works).

    **Returns** the interpolant at `x_query`, shape ``(..., *Q)``, float64. Exact for
    trigonometric polynomials of degree ``< N/2``; spectrally accurate for smooth data.
    """
    values = np.asarray(values, dtype=np.float64)
    x_query = np.asarray(x_query, dtype=np.float64)
    n = values.shape[-1]
    coef = np.fft.rfft(values, axis=-1) / n
    weights = np.full(coef.shape[-1], 2.0)
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0  # Nyquist: real cosine term, counted once
    coef = coef * weights
    k = rfft_wavenumbers(n, length)
    xq = x_query.reshape(-1) - x0
    flat = coef.reshape(-1, coef.shape[-1])
    out = np.empty((flat.shape[0], xq.size))
    for start in range(0, xq.size, _QUERY_CHUNK):  # chunks bound the (K, Q) phase matrix
        phase = np.exp(1j * np.outer(k, xq[start : start + _QUERY_CHUNK]))
        out[:, start : start + _QUERY_CHUNK] = (flat @ phase).real
    return out.reshape(*values.shape[:-1], *x_query.shape)
