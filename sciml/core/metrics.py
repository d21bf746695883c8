"""Error metrics shared by every method and task: relative L2 (field, operator), the
state-space divergence (dynamics) and R^2 (regression)."""

from __future__ import annotations

import numpy as np


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
    reference: np.ndarray, generated: np.ndarray, bins: int = 30, smoothing: float = 1.0
) -> float:
    """D_stsp: KL(p_ref || p_gen) between the occupation histograms of two trajectories (T, d).

    Both histograms use ``bins`` cells per dimension over the reference's bounding box; each cell
    count gets ``smoothing`` added (Laplace) before normalising, so the divergence is finite when
    the generated run misses a cell. Points of the generated run outside the box fall in no cell.
    (Hess et al., ICML 2023; Brenner et al., NeurIPS 2024; histogram form for d < 6.)
    """
    reference = np.asarray(reference, dtype=np.float64)
    generated = np.asarray(generated, dtype=np.float64)
    if reference.ndim != 2 or generated.ndim != 2 or reference.shape[1] != generated.shape[1]:
        raise ValueError(
            f"trajectories must be (T, d) alike; got {reference.shape}, {generated.shape}"
        )
    lower, upper = reference.min(axis=0), reference.max(axis=0)
    edges = [
        np.linspace(lo, hi + 1e-12 * max(1.0, abs(hi)), bins + 1) for lo, hi in zip(lower, upper)
    ]
    p, _ = np.histogramdd(reference, bins=edges)
    q, _ = np.histogramdd(generated, bins=edges)
    p = (p.ravel() + smoothing) / (p.sum() + smoothing * p.size)
    q = (q.ravel() + smoothing) / (q.sum() + smoothing * q.size)
    return float(np.sum(p * np.log(p / q)))


def r2_score(prediction: np.ndarray, target: np.ndarray) -> float:
    """Coefficient of determination 1 - SS_res / SS_tot (averaged over output columns)."""
    prediction = np.asarray(prediction, dtype=np.float64).reshape(len(target), -1)
    target = np.asarray(target, dtype=np.float64).reshape(len(target), -1)
    residual = ((target - prediction) ** 2).sum(axis=0)
    total = ((target - target.mean(axis=0)) ** 2).sum(axis=0)
    return float(np.mean(1.0 - residual / np.maximum(total, 1e-300)))


def rmse(prediction: np.ndarray, target: np.ndarray) -> float:
    """Root mean squared error over all entries (regression)."""
    prediction = np.asarray(prediction, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64).reshape(prediction.shape)
    return float(np.sqrt(np.mean((prediction - target) ** 2)))
