import math

import numpy as np
import torch

from sciml.reference.grf import grf_1d, grf_2d


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_shapes_mean_and_seed():
    u = grf_1d(8, 128, _gen(0))
    w = grf_2d(3, 32, _gen(0))
    assert u.shape == (8, 128) and u.dtype == torch.float64
    assert w.shape == (3, 32, 32) and w.dtype == torch.float64
    assert u.mean(-1).abs().max() < 1e-12 and w.mean((-1, -2)).abs().max() < 1e-12
    torch.testing.assert_close(u, grf_1d(8, 128, _gen(0)), rtol=0, atol=0)
    torch.testing.assert_close(w, grf_2d(3, 32, _gen(0)), rtol=0, atol=0)
    assert not torch.allclose(u, grf_1d(8, 128, _gen(1)))


def _spectrum_1d(alpha: float, tau: float, sigma: float, n: int) -> tuple:
    u = grf_1d(4000, n, _gen(3), alpha=alpha, tau=tau, sigma=sigma)
    power = ((torch.fft.rfft(u, dim=-1) / n).abs() ** 2).mean(0).numpy()
    m = np.arange(n // 2 + 1)
    return u, power, sigma**2 * ((2 * np.pi * m) ** 2 + tau**2) ** (-alpha)


def test_1d_spectrum_and_variance():
    n = 256
    u, power, lam = _spectrum_1d(2.0, 5.0, 25.0, n)
    ratio = power[1 : n // 2] / lam[1 : n // 2]
    bands = ratio[:126].reshape(18, 7).mean(1)  # pooled over 7 wavenumbers: ~1% noise
    np.testing.assert_allclose(bands, 1.0, atol=0.05)
    m = np.arange(16, 120)
    slope = np.polyfit(np.log(m), np.log(power[m]), 1)[0]
    assert abs(slope - (-4.0)) < 0.1
    k = 2 * np.pi * np.fft.fftfreq(n, 1.0 / n)[1:]
    variance = (625 * (k**2 + 25) ** -2.0).sum()
    assert abs(u.var().item() / variance - 1) < 0.05


def test_1d_other_exponent():
    n = 128
    _, power, lam = _spectrum_1d(3.0, 2.0, 1.0, n)
    m = np.arange(10, 60)
    slope = np.polyfit(np.log(m), np.log(power[m]), 1)[0]
    assert abs(slope - (-6.0)) < 0.15
    assert abs(np.mean(power[1:64] / lam[1:64]) - 1) < 0.03


def test_2d_spectrum():
    s, alpha, tau = 32, 2.5, 7.0
    w = grf_2d(1000, s, _gen(5))
    power = ((torch.fft.rfft2(w) / s**2).abs() ** 2).mean(0).numpy()
    mx = np.fft.fftfreq(s, 1.0 / s)[:, None]
    my = np.arange(s // 2 + 1)[None, :]
    lam = tau ** (2 * alpha - 2) * (4 * math.pi**2 * (mx**2 + my**2) + tau**2) ** (-alpha)
    ratio = (power / lam)[1 : s // 2, 1 : s // 2]
    assert abs(ratio.mean() - 1) < 0.02
    assert abs(np.median(ratio) - 1) < 0.1
    m = np.arange(4, 16)
    slope = np.polyfit(np.log(m), np.log(power[m, 0]), 1)[0]
    assert abs(slope / (-2 * alpha) - 1) < 0.05
