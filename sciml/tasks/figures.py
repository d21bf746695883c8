"""What every task's figures share: the backend, atomic PNG output, error-vs-time curves."""

from __future__ import annotations

import os
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sciml.core.io import atomic_path  # noqa: E402

__all__ = ["plot_histories", "plt", "save_figure"]


def save_figure(fig: Any, path: str | os.PathLike) -> None:
    """Write ``fig`` as a PNG atomically and close it."""
    with atomic_path(path) as temporary:
        fig.savefig(temporary, dpi=150, bbox_inches="tight", format="png")
    plt.close(fig)


def plot_histories(
    ax: Any, runs: list[tuple[Any, dict[str, Any]]], metric: str, label: str, style: str = "-"
) -> None:
    """The headline metric against training time, one curve per method (log y)."""
    for surrogate, metrics in runs:
        history = [h for h in metrics.get("history", []) if h.get(metric) is not None]
        if history:
            seconds = [h["seconds"] for h in history]
            ax.semilogy(seconds, [h[metric] for h in history], style, label=surrogate.method)
    ax.set_xlabel("training time [s]")
    ax.set_ylabel(label)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
