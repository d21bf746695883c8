"""Quadrature of integrals over a time grid, as matrices, for integral equations on that grid.

For grid times ``t_0 < ... < t_{K-1}`` a rule gives nodes ``s_m`` (M,), a weight matrix ``W``
(K, M) and a linear-interpolation matrix ``P`` (M, K) such that, for a function g sampled on the
grid (values ``g_k``),

    Fredholm:  int_{t_0}^{t_{K-1}} g(s) ds  ~  sum_m W[i, m] (P g)_m    (every row i the same)
    Volterra:  int_{t_0}^{t_i}     g(s) ds  ~  sum_m W[i, m] (P g)_m

and kernels k(t_i, s_m) can be evaluated at the nodes exactly. ``trapezoid``: the nodes are the
grid (P the identity), second order. ``gauss-legendre``: ``order`` Gauss-Legendre nodes in every
grid interval (composite rule, exact for polynomials of degree 2 order - 1 in s on each interval;
the grid values in between are interpolated linearly).
"""

from __future__ import annotations

import numpy as np

from sciml.core.errors import SciMLError

RULES = ("trapezoid", "gauss-legendre")
KINDS = ("fredholm", "volterra")


def quadrature(
    times: np.ndarray, rule: str = "trapezoid", kind: str = "fredholm", order: int = 2
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes (M,), weights (K, M) and interpolation (M, K) for the grid ``times`` (float64)."""
    t = np.asarray(times, dtype=np.float64)
    if t.ndim != 1 or len(t) < 2 or np.any(np.diff(t) <= 0):
        raise SciMLError("quadrature needs an increasing time grid of at least 2 points")
    if rule not in RULES:
        raise SciMLError(f"unknown quadrature rule {rule!r}; choices: {', '.join(RULES)}")
    if kind not in KINDS:
        raise SciMLError(f"unknown integral kind {kind!r}; choices: {', '.join(KINDS)}")
    k, h = len(t), np.diff(t)
    if rule == "trapezoid":
        nodes, interpolation = t, np.eye(k)
        per_interval = np.zeros((k - 1, k))  # row j: the weights of interval [t_j, t_j+1]
        per_interval[np.arange(k - 1), np.arange(k - 1)] = h / 2
        per_interval[np.arange(k - 1), np.arange(1, k)] = h / 2
    else:
        x, w = np.polynomial.legendre.leggauss(order)
        fraction = (x + 1) / 2  # nodes in [0, 1] of each interval
        nodes = (t[:-1, None] + h[:, None] * fraction[None]).ravel()
        interpolation = np.zeros((len(nodes), k))
        rows = np.arange(len(nodes))
        left = np.repeat(np.arange(k - 1), order)
        interpolation[rows, left] = np.tile(1 - fraction, k - 1)
        interpolation[rows, left + 1] = np.tile(fraction, k - 1)
        per_interval = np.zeros((k - 1, len(nodes)))
        per_interval[left, rows] = (h[:, None] * w[None] / 2).ravel()
    if kind == "fredholm":
        weights = np.broadcast_to(per_interval.sum(0), (k, len(nodes))).copy()
    else:  # row i sums the intervals below t_i
        weights = np.vstack([np.zeros((1, len(nodes))), np.cumsum(per_interval, axis=0)])
    return nodes, weights, interpolation
