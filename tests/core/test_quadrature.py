"""Quadrature matrices against closed forms: a kernel times a state, Fredholm and Volterra."""

import numpy as np
import pytest

from sciml.core.errors import SciMLError
from sciml.core.quadrature import quadrature


def _integral(times, rule, kind, order=2):
    """sum_m W[i, m] k(t_i, s_m) (P y)_m for k(t, s) = exp(-(t - s)), y(s) = s."""
    nodes, weights, interpolation = quadrature(times, rule, kind, order)
    kernel = np.exp(-(times[:, None] - nodes[None, :]))
    return (weights * kernel) @ (interpolation @ times)


def test_volterra_kernel_integral_matches_closed_form():
    t = np.linspace(0.0, 3.0, 61)
    exact = t - 1 + np.exp(-t)  # int_0^t e^{-(t-s)} s ds
    gauss = _integral(t, "gauss-legendre", "volterra", order=3)
    trapezoid = _integral(t, "trapezoid", "volterra")
    assert np.abs(gauss - exact).max() < 1e-10  # y linear: exact nodes, degree-5 exactness
    h = t[1] - t[0]
    error = np.abs(trapezoid - exact).max()
    # second order: |error| <= h^2 (b - a) max|g''| / 12, g'' = e^{-(t-s)} (s + 2) <= 5
    assert 1e-5 < error < h**2 * 3 * 5 / 12


def test_fredholm_rows_integrate_over_the_whole_interval():
    t = np.linspace(0.0, 2.0, 41)
    nodes, weights, interpolation = quadrature(t, "gauss-legendre", "fredholm", 4)
    np.testing.assert_allclose(weights, weights[:1].repeat(len(t), 0))
    values = np.sin(3 * nodes)  # evaluated at the nodes: composite Gauss-Legendre accuracy
    assert abs(weights[0] @ values - (1 - np.cos(6.0)) / 3) < 1e-10
    # Volterra row 0 integrates over [t_0, t_0]: nothing
    assert np.all(quadrature(t, "trapezoid", "volterra")[1][0] == 0)


def test_bad_grids_and_names_are_one_line():
    with pytest.raises(SciMLError, match="increasing time grid"):
        quadrature(np.array([0.0, 1.0, 0.5]))
    with pytest.raises(SciMLError, match="choices: trapezoid, gauss-legendre"):
        quadrature(np.linspace(0, 1, 5), rule="simpson")
