"""The field task: a network u(x[, t]) trained against the equation, scored on the reference grid.

Headline metric ``rel_l2``: ||u_pred - u_ref||_2 / ||u_ref||_2 over the reference grid (and per
output when there are several). Figures: prediction / reference / absolute error panels (the
jaxpi layout): curves for one input, images for two ((x, t) with t across; (x, y) steady), the
final snapshot for three.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from sciml.core.errors import OutsideDomainWarning
from sciml.core.metrics import relative_l2
from sciml.data.field import cache_path, write_field_reference
from sciml.problems.base import Equation
from sciml.tasks.base import TASKS, Run, Task, column_array
from sciml.tasks.figures import plot_histories, plt, save_figure


class FieldTask(Task):
    name = "field"
    metric = "rel_l2"
    metric_label = "rel. L2"
    description = "u(x[, t]) from the equation, scored on the reference solver's grid"

    def prepare(self, problem: Equation) -> Any:
        return problem.reference()

    def write_dataset(self, problem: Equation, out: str | os.PathLike | None) -> Path:
        path = Path(out) if out else cache_path(problem)
        return write_field_reference(path, problem, problem.reference())

    def example_inputs(self, problem: Equation) -> np.ndarray:
        points = problem.reference().points()
        return points[:: max(1, len(points) // 64)]

    def check_inputs(self, problem: Equation, surrogate: Any, inputs: Any) -> np.ndarray:
        points = super().check_inputs(problem, surrogate, inputs)
        points = column_array(points, surrogate.inputs, "points")
        lower = np.array([lo for lo, _ in problem.domain.values()])
        upper = np.array([hi for _, hi in problem.domain.values()])
        span = upper - lower
        outside = ((points < lower - 1e-9 * span) | (points > upper + 1e-9 * span)).any(axis=1)
        if outside.any():
            bounds = ", ".join(f"{k} in [{lo:g}, {hi:g}]" for k, (lo, hi) in problem.domain.items())
            warnings.warn(
                f"{int(outside.sum())} of {len(points)} points lie outside the domain ({bounds}); "
                "the surrogate extrapolates there",
                OutsideDomainWarning,  # refuse instead: warnings.simplefilter("error", it)
                stacklevel=3,
            )
        return points

    def evaluate(self, surrogate: Any, problem: Equation) -> dict[str, Any]:
        """Relative L2 error on the reference grid, overall and per output when there are
        several."""
        reference = problem.reference()
        outputs = list(problem.reference_outputs)
        prediction = surrogate.predict(reference.points())[:, outputs]
        truth = reference.flat_values()
        metrics: dict[str, Any] = {"rel_l2": relative_l2(prediction, truth)}
        if len(outputs) > 1:
            for k, index in enumerate(outputs):
                name = problem.outputs[index]
                metrics[f"rel_l2_{name}"] = relative_l2(prediction[:, k], truth[:, k])
        return metrics

    def plot_solution(self, surrogate: Any, problem: Equation, path: str | os.PathLike) -> None:
        """Prediction, reference, error; a fourth panel with the error of each time window when
        the method marched in windows (``rel_l2_windows``)."""
        grid, prediction, truth = _panels(surrogate, problem)
        windows = surrogate.metrics.get("rel_l2_windows")
        fig, axes = plt.subplots(1, 4 if windows else 3, figsize=(20 if windows else 15, 4))
        _draw_row(axes[:3], grid, prediction, truth, surrogate.method, problem.time_input)
        if windows:
            _draw_window_errors(axes[3], surrogate.metrics["window_edges"], windows)
        rel = surrogate.metrics.get("rel_l2")
        if rel is not None:
            fig.suptitle(f"{problem.spec.title}: {surrogate.method}, rel. L2 = {rel:.2e}")
        fig.tight_layout()
        save_figure(fig, path)

    def plot_comparison(self, runs: list[Run], problem: Equation, path: str | os.PathLike) -> None:
        """One row per method (prediction, reference, error) and a row of error-vs-time curves."""
        n = len(runs)
        fig = plt.figure(figsize=(15, 3.6 * (n + 1)))
        grid_spec = fig.add_gridspec(n + 1, 3)
        for row, (surrogate, metrics) in enumerate(runs):
            axes_row = [fig.add_subplot(grid_spec[row, c]) for c in range(3)]
            grid, prediction, truth = _panels(surrogate, problem)
            label = f"{surrogate.method} ({metrics['rel_l2']:.2e})"
            _draw_row(axes_row, grid, prediction, truth, label, problem.time_input)
        plot_histories(fig.add_subplot(grid_spec[n, :]), runs, self.metric, "relative L2 error")
        fig.suptitle(f"{problem.spec.title}: method comparison (same problem, seed and budget)")
        fig.tight_layout()
        save_figure(fig, path)


def _draw_window_errors(ax, edges: list[float], errors: list[float | None]) -> None:
    """Relative L2 error per time-marching window against the window's end time."""
    ends = [e for e, v in zip(edges[1:], errors) if v is not None]
    ax.semilogy(ends, [v for v in errors if v is not None], "o-", ms=3)
    ax.set_title("error per time window (rel. L2)")
    ax.set_xlabel("window end time")
    ax.grid(True, which="both", alpha=0.3)


def _panels(surrogate: Any, problem: Equation) -> tuple[dict, np.ndarray, np.ndarray]:
    """The reference axes, the predicted and the reference values on the reference grid."""
    reference = problem.reference()
    outputs = list(problem.reference_outputs)
    shape = reference.values.shape
    prediction = surrogate.predict(reference.grid_points())[:, outputs].reshape(shape)
    truth = reference.values
    if reference.mask is not None:  # blank outside the domain (holes)
        prediction = np.where(reference.mask[..., None], prediction, np.nan)
        truth = np.where(reference.mask[..., None], truth, np.nan)
    return reference.axes, prediction, truth


def _draw_row(
    axes_row, grid: dict, prediction: np.ndarray, truth: np.ndarray, label: str, time: str | None
) -> None:
    names = list(grid)
    error = np.abs(prediction - truth)
    if len(names) == 1:  # one input (an ODE in t, a 1D steady problem): outputs as curves
        s = grid[names[0]]
        for k in range(truth.shape[-1]):
            axes_row[0].plot(s, prediction[:, k], lw=1.2)
            axes_row[1].plot(s, truth[:, k], lw=1.2)
            axes_row[2].semilogy(s, error[:, k] + 1e-16, lw=1.0)
        for ax, title in zip(axes_row, ("prediction", "reference", "absolute error")):
            ax.set_title(f"{label}: {title}" if title == "prediction" else title)
            ax.set_xlabel(names[0])
        return
    if len(names) == 3:  # 2D in space and time: the final snapshot
        prediction, truth, error = prediction[:, :, -1], truth[:, :, -1], error[:, :, -1]
        names = names[:2]
    if len(names) == 2 and names[1] == time:  # (x, t): t across, x up
        extent = [*grid[names[1]][[0, -1]], *grid[names[0]][[0, -1]]]
        xlabel, ylabel = names[1], names[0]
        images = [p[..., 0] for p in (prediction, truth, error)]
    else:  # (x, y): x across, y up
        extent = [*grid[names[0]][[0, -1]], *grid[names[1]][[0, -1]]]
        xlabel, ylabel = names[0], names[1]
        images = [p[..., 0].T for p in (prediction, truth, error)]
    vmin, vmax = np.nanmin(images[1]), np.nanmax(images[1])
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


TASKS.register("field")(FieldTask())
