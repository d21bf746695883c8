import numpy as np

from sciml.reference.allen_cahn import solve_allen_cahn_periodic
from sciml.reference.fourier import interpolate_periodic

T = np.linspace(0.0, 1.0, 6)
QUERY = -1.0 + 2.0 * np.arange(256) / 256


def _solve(n: int, dt: float = 1e-3, diffusion: float = 1e-4, reaction: float = 5.0):
    x = -1.0 + 2.0 * np.arange(n) / n
    u = solve_allen_cahn_periodic(x**2 * np.cos(np.pi * x), 2.0, diffusion, reaction, T, dt)
    return interpolate_periodic(u, QUERY, 2.0, x0=-1.0)


def _rel(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def test_self_convergence_in_space_and_time():
    # measured against 4096 points: 512 -> 4.8e-6, 1024 -> 1.1e-6, 2048 (the reference) -> 2.2e-7
    fine = _solve(2048)
    space = [_rel(_solve(n), fine) for n in (256, 512, 1024)]
    assert space[2] < 3e-6 and space[1] < 1e-5 and space[0] > 10 * space[1]
    # time: ETDRK4 is fourth order; at dt = 1e-3 the step error is below 1e-10
    coarse, half = _solve(512, dt=4e-3), _solve(512, dt=2e-3)
    quarter = _solve(512, dt=1e-3)
    assert _rel(half, quarter) < 1e-6
    order = np.log2(_rel(coarse, quarter) / _rel(half, quarter))
    assert order > 3.0, order


def test_metastable_states_and_energy_decay():
    n = 512
    x = -1.0 + 2.0 * np.arange(n) / n
    u = solve_allen_cahn_periodic(x**2 * np.cos(np.pi * x), 2.0, 1e-4, 5.0, T)
    assert np.abs(u).max() < 1.0 + 1e-6  # maximum principle: |u0| <= 1 stays so
    assert np.abs(np.abs(u[-1]).max() - 1.0) < 1e-3  # phases settle at u = +-1
    k = np.pi * np.fft.rfftfreq(n, 1.0 / n)
    u_x = np.fft.irfft(1j * k * np.fft.rfft(u, axis=-1), n=n, axis=-1)
    energy = (2.0 / n) * (0.5e-4 * u_x**2 + 1.25 * (u**2 - 1) ** 2).sum(-1)  # d/2 u_x^2 + r/4 W
    assert np.all(np.diff(energy) < 0), energy  # a gradient flow: the free energy decreases


def test_pure_diffusion_conserves_the_mean_and_decays_each_mode_exactly():
    n = 128
    x = -1.0 + 2.0 * np.arange(n) / n
    u0 = 0.3 + np.sin(np.pi * x) + 0.5 * np.cos(3 * np.pi * x)
    u = solve_allen_cahn_periodic(u0, 2.0, 0.05, 0.0, T)
    np.testing.assert_allclose(u.mean(-1), 0.3, atol=1e-13)
    exact = (
        0.3
        + np.exp(-0.05 * np.pi**2 * T)[:, None] * np.sin(np.pi * x)
        + 0.5 * np.exp(-0.05 * 9 * np.pi**2 * T)[:, None] * np.cos(3 * np.pi * x)
    )
    np.testing.assert_allclose(u, exact, atol=1e-12)
