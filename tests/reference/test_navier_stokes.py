import math

import pytest
import torch

from sciml.reference.grf import grf_2d
from sciml.reference.navier_stokes import (
    ns_forcing,
    solve_ns_vorticity,
    taylor_green_vorticity,
)


@pytest.fixture(autouse=True)
def _single_thread():
    # Small FFTs gain nothing from threads, and MKL's threaded FFT slows ~100x when the cores
    # are shared with other processes.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("nu", [1e-3, 1e-2])
def test_taylor_green_exact_decay(nu):
    s, times = 32, [0.0, 0.5, 1.0]
    w0 = torch.stack([taylor_green_vorticity(s, k, 0.0, nu) for k in (1, 2)])
    w = solve_ns_vorticity(w0, None, nu, times, dt=1e-3)
    assert w.shape == (2, 3, s, s) and w.dtype == torch.float64
    for b, k in enumerate((1, 2)):
        for i, t in enumerate(times):
            exact = taylor_green_vorticity(s, k, t, nu)
            assert ((w[b, i] - exact).norm() / exact.norm()).item() <= 1e-6


def test_forced_shear_mode_is_exact():
    # w depending on x + y only has u . grad w = 0, so w = f (1 - exp(-nu lam t)) / (nu lam).
    s, nu, lam = 32, 1e-3, 8 * math.pi**2
    f = ns_forcing(s)
    times = torch.tensor([0.0, 2.0, 10.0])
    w = solve_ns_vorticity(torch.zeros(s, s), f, nu, times)
    exact = f * ((1 - torch.exp(-nu * lam * times)) / (nu * lam))[:, None, None]
    assert (w - exact).abs().max().item() < 1e-7 * exact.abs().max().item()


def test_batched_equals_single_and_mean_is_conserved():
    s = 32
    w0 = grf_2d(3, s, torch.Generator().manual_seed(0))
    f = ns_forcing(s)
    times = [0.0, 0.5, 1.0]
    # A fixed step (CFL limiter off) so the batch and the single runs take the same steps.
    batch = solve_ns_vorticity(w0, f, 1e-3, times, dt=5e-3, cfl=1e9)
    single = solve_ns_vorticity(w0[1], f, 1e-3, times, dt=5e-3, cfl=1e9)
    torch.testing.assert_close(batch[1], single, rtol=0, atol=1e-12)
    torch.testing.assert_close(batch[:, 0], w0, rtol=0, atol=1e-14)
    assert batch.mean((-1, -2)).abs().max().item() < 1e-13


def _energy(w: torch.Tensor) -> torch.Tensor:
    s = w.shape[-1]
    m = torch.fft.fftfreq(s, 1.0 / s, dtype=torch.float64)
    k2 = (2 * math.pi) ** 2 * (m[:, None] ** 2 + m[None, :] ** 2)
    k2[0, 0] = math.inf
    return ((torch.fft.fft2(w) / s**2).abs() ** 2 / k2).sum((-1, -2)) / 2


def test_unforced_energy_and_enstrophy_decay():
    s = 32
    w0 = grf_2d(2, s, torch.Generator().manual_seed(1))
    fractions = []
    w = solve_ns_vorticity(w0, None, 1e-3, torch.linspace(0, 2, 9), on_step=fractions.append)
    assert fractions[-1] == pytest.approx(1.0) and fractions == sorted(fractions)
    energy, enstrophy = _energy(w), (w**2).mean((-1, -2))
    assert torch.all(energy.diff(dim=1) < 0) and torch.all(enstrophy.diff(dim=1) < 0)
    assert torch.isfinite(w).all()


def test_time_step_convergence():
    s = 32
    w0 = grf_2d(2, s, torch.Generator().manual_seed(2))
    f = ns_forcing(s)
    ref = solve_ns_vorticity(w0, f, 1e-3, [0.0, 2.0], dt=2.5e-3)
    coarse = solve_ns_vorticity(w0, f, 1e-3, [0.0, 2.0])
    assert ((coarse - ref).norm() / ref.norm()).item() < 1e-6
