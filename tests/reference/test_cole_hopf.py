import numpy as np
from scipy.integrate import quad

from sciml.reference.cole_hopf import burgers_cole_hopf_sine

NU = 0.01 / np.pi


def test_initial_condition_and_boundaries():
    x = np.linspace(-1.0, 1.0, 101)
    u = burgers_cole_hopf_sine(x, np.array([0.0, 0.5]), NU)
    np.testing.assert_array_equal(u[0], -np.sin(np.pi * x))
    assert np.abs(u[1, [0, -1]]).max() < 1e-12


def test_solution_is_odd():
    x = np.linspace(0.0, 1.0, 97)
    t = np.array([0.1, 0.5, 1.0])
    np.testing.assert_allclose(
        burgers_cole_hopf_sine(-x, t, NU), -burgers_cole_hopf_sine(x, t, NU), atol=1e-12
    )


def _quad_reference(x: float, t: float) -> float:
    s = np.sqrt(4 * NU * t)

    def expo(z):
        return -(z**2) - np.cos(np.pi * (x - s * z)) / (2 * np.pi * NU)

    grid = np.linspace(-20, 20, 40001)
    peak, shift = grid[np.argmax(expo(grid))], expo(grid).max()
    opts = dict(limit=500, epsabs=1e-15, epsrel=1e-13, points=[peak])
    num = quad(lambda z: np.sin(np.pi * (x - s * z)) * np.exp(expo(z) - shift), -20, 20, **opts)
    den = quad(lambda z: np.exp(expo(z) - shift), -20, 20, **opts)
    return -num[0] / den[0]


def test_matches_adaptive_quadrature():
    for x, t in [(0.01, 1.0), (-0.3, 0.5), (0.002, 0.75), (0.9, 0.25)]:
        u = burgers_cole_hopf_sine(np.array([x]), np.array([t]), NU)[0, 0]
        assert abs(u - _quad_reference(x, t)) < 1e-10


def test_satisfies_pde_in_smooth_region():
    x = np.linspace(0.3, 0.9, 31)
    t, h, k = 0.5, 1e-3, 1e-4
    u = burgers_cole_hopf_sine(np.concatenate([x - h, x, x + h]), np.array([t - k, t, t + k]), NU)
    left, mid, right = np.split(u[1], 3)
    u_t = (np.split(u[2], 3)[1] - np.split(u[0], 3)[1]) / (2 * k)
    u_x = (right - left) / (2 * h)
    u_xx = (right - 2 * mid + left) / h**2
    residual = u_t + mid * u_x - NU * u_xx
    assert np.abs(residual).max() < 1e-5 * np.abs(u_t).max() + 1e-6
