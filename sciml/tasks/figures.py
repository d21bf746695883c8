"""Figures: prediction / reference / absolute error panels, and method comparisons.

Field problems in (x, t) are drawn as images with t across and x up (the jaxpi layout), ODEs in t
as curves, and 2D-in-space problems as the final snapshot.
"""

from __future__ import annotations

import os
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sciml.core.io import atomic_path  # noqa: E402
from sciml.problems.base import Equation  # noqa: E402


def field_panels(surrogate: Any, problem: Equation) -> tuple[dict, np.ndarray, np.ndarray]:
    """The reference axes, the predicted and the reference values on the reference grid."""
    reference = problem.reference()
    outputs = list(problem.reference_outputs)
    shape = reference.values.shape
    prediction = surrogate.predict(reference.points())[:, outputs].reshape(shape)
    return reference.axes, prediction, reference.values


def _draw_row(axes_row, grid: dict, prediction: np.ndarray, truth: np.ndarray, label: str) -> None:
    names = list(grid)
    error = np.abs(prediction - truth)
    if len(names) == 1:  # an ODE: each output against time
        t = grid[names[0]]
        for k in range(truth.shape[-1]):
            axes_row[0].plot(t, prediction[:, k], lw=1.2)
            axes_row[1].plot(t, truth[:, k], lw=1.2)
            axes_row[2].semilogy(t, error[:, k] + 1e-16, lw=1.0)
        for ax, title in zip(axes_row, ("prediction", "reference", "absolute error")):
            ax.set_title(f"{label}: {title}" if title == "prediction" else title)
            ax.set_xlabel(names[0])
        return
    if len(names) == 3:  # 2D in space and time: the final snapshot
        prediction, truth, error = prediction[:, :, -1], truth[:, :, -1], error[:, :, -1]
        extent = [*grid[names[0]][[0, -1]], *grid[names[1]][[0, -1]]]
        xlabel, ylabel = names[0], names[1]
        images = [p[..., 0].T for p in (prediction, truth, error)]
    else:  # (x, t): t across, x up
        extent = [*grid[names[1]][[0, -1]], *grid[names[0]][[0, -1]]]
        xlabel, ylabel = names[1], names[0]
        images = [p[..., 0] for p in (prediction, truth, error)]
    vmin, vmax = images[1].min(), images[1].max()
    titles = (f"{label}: prediction", "reference", "absolute error")
    for ax, image, title, cmap in zip(axes_row, images, titles, ("RdBu_r", "RdBu_r", "magma")):
        limits = {"vmin": vmin, "vmax": vmax} if cmap != "magma" else {}
        mappable = ax.imshow(
            image, origin="lower", aspect="auto", extent=extent, cmap=cmap, **limits
        )
        ax.figure.colorbar(mappable, ax=ax)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)


def _save(fig: plt.Figure, path: str | os.PathLike) -> None:
    with atomic_path(path) as temporary:
        fig.savefig(temporary, dpi=150, bbox_inches="tight", format="png")
    plt.close(fig)


def plot_solution(surrogate: Any, problem: Equation, path: str | os.PathLike) -> None:
    if problem.task == "operator":
        from sciml.tasks.operator_figures import plot_operator_solution

        return plot_operator_solution(surrogate, problem, path)
    grid, prediction, truth = field_panels(surrogate, problem)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    _draw_row(axes, grid, prediction, truth, surrogate.method)
    rel = surrogate.metrics.get("rel_l2")
    if rel is not None:
        fig.suptitle(f"{problem.spec.title}: {surrogate.method}, rel. L2 = {rel:.2e}")
    fig.tight_layout()
    _save(fig, path)


def plot_comparison(
    runs: list[tuple[Any, dict[str, Any]]], problem: Equation, path: str | os.PathLike
) -> None:
    """One row per method (prediction, reference, error) and a row of error-vs-time curves."""
    if problem.task == "operator":
        from sciml.tasks.operator_figures import plot_operator_comparison

        return plot_operator_comparison(runs, problem, path)
    n = len(runs)
    fig = plt.figure(figsize=(15, 3.6 * (n + 1)))
    grid_spec = fig.add_gridspec(n + 1, 3)
    for row, (surrogate, metrics) in enumerate(runs):
        axes_row = [fig.add_subplot(grid_spec[row, c]) for c in range(3)]
        grid, prediction, truth = field_panels(surrogate, problem)
        label = f"{surrogate.method} ({metrics['rel_l2']:.2e})"
        _draw_row(axes_row, grid, prediction, truth, label)
    curves = fig.add_subplot(grid_spec[n, :])
    for surrogate, metrics in runs:
        history = [h for h in metrics.get("history", []) if "rel_l2" in h]
        if history:
            seconds = [h["seconds"] for h in history]
            curves.semilogy(seconds, [h["rel_l2"] for h in history], label=surrogate.method)
    curves.set_xlabel("training time [s]")
    curves.set_ylabel("relative L2 error")
    curves.grid(True, which="both", alpha=0.3)
    curves.legend()
    fig.suptitle(f"{problem.spec.title}: method comparison (same problem, seed and budget)")
    fig.tight_layout()
    _save(fig, path)
