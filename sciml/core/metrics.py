"""Error metrics shared by every method and task: relative L2 (field, operator), the
dynamics metrics (state-space divergence D_stsp, power-spectrum distance D_H, n-step prediction
error PE) and R^2 (regression)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.ndimage import gaussian_filter1d

HISTOGRAM_MAX_DIM = 5  # D_stsp by histogram below dimension 6, by Gaussian mixtures from 6 on


def relative_l2(prediction: np.ndarray, reference: np.ndarray) -> float:
    """||prediction - reference||_2 / ||reference||_2 over all entries."""
    prediction = np.asarray(prediction, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if prediction.shape != reference.shape:
        raise ValueError(
            f"shape mismatch: prediction {prediction.shape}, reference {reference.shape}"
        )
    norm = np.linalg.norm(reference)
    return float(np.linalg.norm(prediction - reference) / (norm if norm > 0 else 1.0))


def batched_relative_l2(prediction: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Relative L2 error of each sample (first axis), as used for operator test sets."""
    p = np.asarray(prediction, dtype=np.float64).reshape(len(prediction), -1)
    r = np.asarray(reference, dtype=np.float64).reshape(len(reference), -1)
    return np.linalg.norm(p - r, axis=1) / np.maximum(np.linalg.norm(r, axis=1), 1e-300)


def state_space_divergence(
    reference: np.ndarray, generated: np.ndarray, bins: int = 30, smoothing: float = 1e-5
) -> float:
    """D_stsp: KL(p_ref || p_gen) between the invariant (occupation) distributions of two
    trajectories (T, d) (Hess et al., ICML 2023; Brenner et al., NeurIPS 2024).

    For d < 6 a histogram: ``bins`` cells per dimension over the reference's bounding box, each
    count plus ``smoothing`` (Laplace; 1e-5 as in the authors' code) before normalising, so the
    divergence is finite when the generated run misses a cell; generated points outside the box
    fall in no cell, and a run with none inside has divergence infinity (the authors: NaN). For
    d >= 6, :func:`state_space_divergence_gmm`.
    """
    reference = np.asarray(reference, dtype=np.float64)
    generated = np.asarray(generated, dtype=np.float64)
    if reference.ndim != 2 or generated.ndim != 2 or reference.shape[1] != generated.shape[1]:
        raise ValueError(
            f"trajectories must be (T, d) alike; got {reference.shape}, {generated.shape}"
        )
    if reference.shape[1] > HISTOGRAM_MAX_DIM:
        return state_space_divergence_gmm(reference, generated)
    lower, upper = reference.min(axis=0), reference.max(axis=0)
    edges = [
        np.linspace(lo, hi + 1e-12 * max(1.0, abs(hi)), bins + 1) for lo, hi in zip(lower, upper)
    ]
    p, _ = np.histogramdd(reference, bins=edges)
    q, _ = np.histogramdd(generated, bins=edges)
    if q.sum() == 0:
        return float("inf")
    p = (p.ravel() + smoothing) / (p.sum() + smoothing * p.size)
    q = (q.ravel() + smoothing) / (q.sum() + smoothing * q.size)
    return float(np.sum(p * np.log(p / q)))


def state_space_divergence_gmm(
    reference: np.ndarray,
    generated: np.ndarray,
    variance: float = 1.0,
    max_points: int = 10_000,
    samples: int = 1000,
    seed: int = 0,
) -> float:
    """D_stsp for d >= 6: KL between Gaussian mixtures with one isotropic component of
    ``variance`` at each of the first ``max_points`` states of each trajectory, estimated by
    Monte Carlo from ``samples`` draws of the reference mixture (Hershey & Olsen 2007, as in the
    GTF-shPLRNN code); draws where either density underflows to 0 are left out."""
    reference = np.asarray(reference, dtype=np.float64)[:max_points]
    generated = np.asarray(generated, dtype=np.float64)[:max_points]
    rng = np.random.default_rng(seed)
    sigma = np.sqrt(variance)
    draws = reference[rng.integers(0, len(reference), samples)]
    draws = draws + sigma * rng.standard_normal(draws.shape)

    def density(centres: np.ndarray) -> np.ndarray:
        squared = (draws**2).sum(1)[:, None] - 2 * draws @ centres.T + (centres**2).sum(1)[None, :]
        return np.exp(-0.5 * np.maximum(squared, 0.0) / variance).mean(axis=1)

    p, q = density(reference), density(generated)
    kept = (p > 0) & (q > 0)
    return float(np.mean(np.log(p[kept] / q[kept]))) if kept.any() else float("inf")


def power_spectrum_distance(
    reference: np.ndarray, generated: np.ndarray, smoothing: float = 20.0
) -> float:
    """D_H: the Hellinger distance sqrt(1 - sum_f sqrt(p(f) q(f))) between the power spectra of
    each dimension of two trajectories (T, d) of equal length, averaged over dimensions.

    Per dimension (as in the authors' code): z-score, |rfft|^2 * 2 / T, Gaussian smoothing with
    standard deviation ``smoothing`` frequency bins (scipy ``gaussian_filter1d``, reflecting
    edges), normalised to sum 1. 0 for identical spectra, 1 for disjoint ones.
    """
    reference = np.asarray(reference, dtype=np.float64)
    generated = np.asarray(generated, dtype=np.float64)
    if reference.shape != generated.shape or reference.ndim != 2:
        raise ValueError(
            f"trajectories must be (T, d) of the same shape; got {reference.shape}, "
            f"{generated.shape}"
        )
    p = smoothed_power_spectrum(reference, smoothing)
    q = smoothed_power_spectrum(generated, smoothing)
    overlap = np.sqrt(p * q).sum(axis=0)
    return float(np.mean(np.sqrt(np.maximum(1.0 - overlap, 0.0))))


def smoothed_power_spectrum(series: np.ndarray, smoothing: float = 20.0) -> np.ndarray:
    """Per column of ``series`` (T, d): the normalised, smoothed power spectrum of D_H (the
    columns sum to 1; a constant column has a flat spectrum)."""
    std = series.std(axis=0)
    centred = (series - series.mean(axis=0)) / np.where(std > 0, std, 1.0)
    power = np.abs(np.fft.rfft(centred, axis=0)) ** 2 * 2 / len(series)
    if smoothing > 0:
        power = np.maximum(gaussian_filter1d(power, smoothing, axis=0), 0.0)
    total = power.sum(axis=0)
    flat = np.full_like(power, 1.0 / len(power))
    return np.where(total > 0, power / np.where(total > 0, total, 1.0), flat)


def prediction_error(
    forecast: Callable[[np.ndarray, int], np.ndarray],
    trajectory: np.ndarray,
    n: int = 20,
    max_starts: int = 10_000,
) -> float:
    """PE(n): the mean squared error of n-step forecasts x_{t+n} ~ F^n(x_t) of ``trajectory``
    (T, d), each coordinate in units of its standard deviation over the trajectory (the mean
    squared error on z-scored data, as in the authors' code). ``forecast(states, n)`` maps a
    batch of states (B, d) to the states n steps later; the forecasts start from every state, or
    from ``max_starts`` evenly spaced ones on a longer trajectory."""
    trajectory = np.asarray(trajectory, dtype=np.float64)
    if trajectory.ndim != 2 or len(trajectory) <= n or n < 1:
        raise ValueError(f"need a (T, d) trajectory longer than n = {n}; got {trajectory.shape}")
    stride = max(1, -(-(len(trajectory) - n) // max_starts))
    starts = np.arange(0, len(trajectory) - n, stride)
    predicted = np.asarray(forecast(trajectory[starts], n), dtype=np.float64)
    std = trajectory.std(axis=0)
    error = (predicted - trajectory[starts + n]) / np.where(std > 0, std, 1.0)
    return float(np.mean(error**2))


def r2_score(prediction: np.ndarray, target: np.ndarray) -> float:
    """Coefficient of determination 1 - SS_res / SS_tot (averaged over output columns)."""
    prediction = np.asarray(prediction, dtype=np.float64).reshape(len(target), -1)
    target = np.asarray(target, dtype=np.float64).reshape(len(target), -1)
    residual = ((target - prediction) ** 2).sum(axis=0)
    total = ((target - target.mean(axis=0)) ** 2).sum(axis=0)
    return float(np.mean(1.0 - residual / np.maximum(total, 1e-300)))


def subregion_statistics(codes: np.ndarray) -> dict[str, object]:
    """The symbolic dynamics of a run through linear subregions (integer ``codes``, one per
    step): how many were visited, each one's share of the steps, and the transition matrix
    between them (row: from, column: to; rows sum to 1), in increasing code order."""
    codes = np.asarray(codes).ravel()
    visited, index = np.unique(codes, return_inverse=True)
    counts = np.bincount(index, minlength=len(visited))
    transitions = np.zeros((len(visited), len(visited)))
    np.add.at(transitions, (index[:-1], index[1:]), 1.0)
    rows = transitions.sum(axis=1, keepdims=True)
    transitions = np.divide(transitions, rows, out=np.zeros_like(transitions), where=rows > 0)
    return {
        "n_subregions": int(len(visited)),
        "subregions": [int(c) for c in visited],
        "subregion_frequencies": [float(c) / len(codes) for c in counts],
        "transition_matrix": transitions.round(6).tolist(),
    }


def rmse(prediction: np.ndarray, target: np.ndarray) -> float:
    """Root mean squared error over all entries (regression)."""
    prediction = np.asarray(prediction, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64).reshape(prediction.shape)
    return float(np.sqrt(np.mean((prediction - target) ** 2)))
