"""Error metrics shared by every method (dynamics metrics join here later)."""

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
