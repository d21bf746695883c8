"""The dynamics metrics with known answers: D_stsp, D_H, PE and the symbolic-code statistics."""

import math

import numpy as np
import pytest

from sciml.core.metrics import (
    power_spectrum_distance,
    prediction_error,
    state_space_divergence,
    state_space_divergence_gmm,
    subregion_statistics,
)


def _orbit(n=20000, seed=0):
    t = np.arange(n) * 0.01
    rng = np.random.default_rng(seed)
    return np.stack([np.sin(t), np.cos(1.3 * t), np.sin(0.7 * t)], 1) + 0.01 * rng.standard_normal(
        (n, 3)
    )


def test_identical_series_have_zero_divergence_and_spectral_distance():
    x = _orbit()
    assert state_space_divergence(x, x) == pytest.approx(0.0, abs=1e-12)
    assert power_spectrum_distance(x, x) == pytest.approx(0.0, abs=1e-7)


def test_disjoint_supports_give_a_large_divergence():
    x = _orbit()
    # a run collapsed to one point of the box (a fixed point): each visited reference cell gets
    # only the 1e-5 smoothing in q, KL ~ log(p / (1e-5 / T)) ~ 15
    collapsed = np.repeat(x[:1], len(x), axis=0)
    assert state_space_divergence(x, collapsed) > 10.0
    assert state_space_divergence(x, collapsed) > 30 * state_space_divergence(x, _orbit(seed=1))
    assert state_space_divergence(x, x + 100.0) == float("inf")  # nothing inside the box


def test_two_sines_have_the_gaussian_overlap_spectral_distance():
    # pure tones on FFT bins k1, k2 are single spectral lines; smoothed with sigma = 20 bins they
    # are Gaussians whose Bhattacharyya overlap is exp(-(k1 - k2)^2 / (8 sigma^2))
    n, k1, k2, sigma = 8192, 600, 640, 20.0
    t = np.arange(n)
    a = np.sin(2 * np.pi * k1 * t / n)[:, None]
    b = np.sin(2 * np.pi * k2 * t / n)[:, None]
    expected = math.sqrt(1 - math.exp(-((k1 - k2) ** 2) / (8 * sigma**2)))  # 0.6273
    assert power_spectrum_distance(a, b, sigma) == pytest.approx(expected, abs=2e-3)
    far = np.sin(2 * np.pi * 2000 * t / n)[:, None]
    assert power_spectrum_distance(a, far, sigma) == pytest.approx(1.0, abs=1e-6)
    # D_H looks at spectra only: a phase shift or a change of amplitude and offset is no error
    shifted = 3 * np.cos(2 * np.pi * k1 * t / n)[:, None] + 5
    assert power_spectrum_distance(a, shifted, sigma) == pytest.approx(0.0, abs=1e-6)


def test_prediction_error_of_an_exact_and_a_lagging_forecast():
    x = _orbit(5000)
    row = {state.tobytes(): t for t, state in enumerate(x)}

    def exact(states, n):
        return x[[row[state.tobytes()] + n for state in states]]

    assert prediction_error(exact, x, 20) == pytest.approx(0.0, abs=1e-20)
    # a linear ramp forecast by "no change": error (n * slope / std)^2
    ramp = np.linspace(0, 1, 1001)[:, None]
    pe = prediction_error(lambda s, n: s, ramp, 20)
    assert pe == pytest.approx((20 * 0.001 / ramp.std()) ** 2, rel=1e-9)


def test_subregion_statistics_of_a_known_code():
    codes = np.array([0, 0, 1, 3, 0, 1, 3, 3])
    stats = subregion_statistics(codes)
    assert stats["n_subregions"] == 3 and stats["subregions"] == [0, 1, 3]
    assert stats["subregion_frequencies"] == pytest.approx([3 / 8, 2 / 8, 3 / 8])
    # from 0: 0->0, 0->1, 0->1; from 1: 1->3 twice; from 3: 3->0, 3->3
    np.testing.assert_allclose(
        stats["transition_matrix"], [[1 / 3, 2 / 3, 0], [0, 0, 1], [0.5, 0, 0.5]], atol=1e-6
    )


def test_the_gaussian_mixture_divergence_in_high_dimension():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3000, 6))
    same = state_space_divergence(x, x)  # d >= 6 dispatches to the mixture estimate
    assert same == pytest.approx(0.0, abs=1e-12)
    assert state_space_divergence_gmm(x, x + 3.0) > 2.0
