import numpy as np

from sciml.reference.fourier import interpolate_periodic
from sciml.reference.fourier_convection import convection_diffusion_fourier


def _grid(n: int, length: float = 2 * np.pi) -> np.ndarray:
    return np.arange(n) * length / n


def test_sine_is_transported_and_damped():
    x, t = _grid(64), np.linspace(0.0, 1.0, 11)
    beta, nu = 30.0, 0.5
    u = convection_diffusion_fourier(np.sin(x), beta, nu, t)
    exact = np.sin(x[None] - beta * t[:, None]) * np.exp(-nu * t[:, None])
    assert u.shape == (11, 64)
    np.testing.assert_allclose(u, exact, atol=1e-12)


def test_two_modes_on_other_length():
    length, beta, nu = 3.0, 2.0, 0.01
    x, t = _grid(48, length), np.array([0.0, 0.7, 2.5])
    k1, k2 = 2 * np.pi / length, 2 * np.pi * 5 / length
    u0 = np.cos(k1 * x) + 0.3 * np.sin(k2 * x)
    u = convection_diffusion_fourier(u0, beta, nu, t, length=length)
    xs, ts = x[None], t[:, None]
    exact = np.cos(k1 * (xs - beta * ts)) * np.exp(-nu * k1**2 * ts) + 0.3 * np.sin(
        k2 * (xs - beta * ts)
    ) * np.exp(-nu * k2**2 * ts)
    np.testing.assert_allclose(u, exact, atol=1e-12)


def test_diffusion_decays_energy_and_batches():
    rng = np.random.default_rng(0)
    u0 = rng.standard_normal((3, 32))
    u = convection_diffusion_fourier(u0, 1.0, 0.1, np.linspace(0, 1, 5))
    assert u.shape == (3, 5, 32)
    energy = (u**2).sum(-1)
    assert np.all(np.diff(energy, axis=1) < 0)
    np.testing.assert_allclose(
        u[1], convection_diffusion_fourier(u0[1], 1.0, 0.1, np.linspace(0, 1, 5))
    )


def test_interpolate_periodic_exact_for_trig_polynomials():
    x = _grid(16, 2.0) - 1.0
    values = np.sin(np.pi * x) + 0.5 * np.cos(3 * np.pi * x) + 0.25
    xq = np.linspace(-3.0, 3.0, 57)
    exact = np.sin(np.pi * xq) + 0.5 * np.cos(3 * np.pi * xq) + 0.25
    np.testing.assert_allclose(interpolate_periodic(values, xq, 2.0, x0=-1.0), exact, atol=1e-13)
    np.testing.assert_allclose(interpolate_periodic(values, x, 2.0, x0=-1.0), values, atol=1e-13)
