"""The regression task: y = f(X) learned from the rows of a data table (a CSV file), scored on a
held-out split. Its methods (KAN regressors) arrive with their own issue; this module fixes the
task's contract.

Headline metric ``r2`` (higher is better), plus ``rmse``. Problems provide ``tabular``:
``problem.table()`` returns an object with ``train_inputs``/``test_inputs`` (N, d) and
``train_targets``/``test_targets`` (N, m) arrays and the column names (``input_columns``,
``target_columns``), which are the surrogate's inputs and outputs: a problem whose equation has
other variables (Lorenz: t -> x, y, z) regresses on its table's columns (x, y, z -> dx/dt, ...).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from sciml.core.io import atomic_path
from sciml.core.metrics import r2_score, rmse
from sciml.methods import METHODS
from sciml.problems.base import Equation
from sciml.tasks.base import TASKS, Run, Task, column_array
from sciml.tasks.figures import plt, save_figure

MAX_CURVES = 24  # edge functions drawn in the solution figure


class RegressionTask(Task):
    name = "regression"
    metric = "r2"
    metric_label = "R^2 (test)"
    lower_is_better = False
    metric_format = ".4f"
    description = "y = f(X) from the rows of a table, scored on a held-out split"

    def prepare(self, problem: Equation) -> Any:
        return problem.table()

    def write_dataset(self, problem: Equation, out: str | os.PathLike | None) -> Path:
        """The train/test split as HDF5 (``train/inputs``, ``train/targets``, ``test/...``, the
        column names as attributes); beside the CSV unless ``out`` is given."""
        table = problem.table()
        path = Path(out) if out else Path(problem.spec.source).with_suffix(".split.h5")
        with atomic_path(path) as temporary, h5py.File(temporary, "w") as f:
            f.attrs["format"] = "sciml-table-split"
            f.attrs["source"] = problem.spec.source
            f.attrs["inputs"] = json.dumps(list(table.input_columns))
            f.attrs["outputs"] = json.dumps(list(table.target_columns))
            f.attrs["parameters"] = json.dumps(problem.params)
            f.attrs["seed"] = problem.seed
            for split in ("train", "test"):
                group = f.create_group(split)
                group.create_dataset("inputs", data=getattr(table, f"{split}_inputs"))
                group.create_dataset("targets", data=getattr(table, f"{split}_targets"))
        return path

    def interface(self, problem: Equation) -> tuple[tuple[str, ...], tuple[str, ...]]:
        table = problem.table()
        return tuple(table.input_columns), tuple(table.target_columns)

    def example_inputs(self, problem: Equation) -> np.ndarray:
        return np.asarray(problem.table().test_inputs[:8], dtype=np.float64)

    def check_inputs(self, problem: Equation, surrogate: Any, inputs: Any) -> np.ndarray:
        rows = super().check_inputs(problem, surrogate, inputs)
        return column_array(rows, surrogate.inputs, "inputs")  # the file's columns: no CSV read

    def evaluate(self, surrogate: Any, problem: Equation) -> dict[str, Any]:
        table = problem.table()
        prediction = np.asarray(surrogate.predict(table.test_inputs), dtype=np.float64)
        target = np.asarray(table.test_targets, dtype=np.float64).reshape(prediction.shape)
        return {"r2": r2_score(prediction, target), "rmse": rmse(prediction, target)}

    def plot_solution(self, surrogate: Any, problem: Equation, path: str | os.PathLike) -> None:
        """Predicted against true on the test split, then what the method learned (a KAN's edge
        functions, at most ``MAX_CURVES``) when it shows any."""
        table = problem.table()
        curves = METHODS.get(surrogate.method).learned_curves(surrogate, table.train_inputs)
        curves = curves[:MAX_CURVES]
        columns = 4
        rows = 1 + -(-len(curves) // columns)
        fig = plt.figure(figsize=(3.2 * columns, 3.0 * rows))
        ax = fig.add_subplot(rows, 2, 1)
        self._scatter(ax, surrogate, surrogate.metrics, table)
        for n, (label, x, y) in enumerate(curves):
            curve_ax = fig.add_subplot(rows, columns, columns + n + 1)
            curve_ax.plot(x, y, lw=1.5)
            curve_ax.set_title(label, fontsize=8)
            curve_ax.tick_params(labelsize=7)
        fig.suptitle(
            f"{problem.spec.title}: test split" + (", learned functions" if curves else "")
        )
        fig.tight_layout()
        save_figure(fig, path)

    def _scatter(self, ax: Any, surrogate: Any, metrics: dict[str, Any], table: Any) -> None:
        target = np.asarray(table.test_targets, dtype=np.float64).ravel()
        prediction = np.asarray(surrogate.predict(table.test_inputs)).ravel()
        ax.scatter(target, prediction, s=6, alpha=0.6)
        low, high = float(target.min()), float(target.max())
        ax.plot([low, high], [low, high], "k--", lw=1)
        ax.set_xlabel(f"true {', '.join(table.target_columns)}")
        ax.set_ylabel("predicted")
        value = metrics.get("r2")
        ax.set_title(f"{surrogate.method}" + (f", R^2 = {value:.4f}" if value is not None else ""))

    def plot_comparison(self, runs: list[Run], problem: Equation, path: str | os.PathLike) -> None:
        """Predicted against true on the test split, one panel per method."""
        table = problem.table()
        fig, axes = plt.subplots(1, len(runs), figsize=(4.4 * len(runs), 4.2), squeeze=False)
        for ax, (surrogate, metrics) in zip(axes[0], runs):
            self._scatter(ax, surrogate, metrics, table)
        fig.suptitle(f"{problem.spec.title}: test split")
        fig.tight_layout()
        save_figure(fig, path)

    def table_columns(self) -> list[tuple[str, str]]:
        return [
            (self.metric_label, "{r2:.4f}"),
            ("RMSE", "{rmse:.3e}"),
            ("train seconds", "{train_seconds:.1f}"),
            ("parameters", "{n_params:,}"),
        ]


TASKS.register("regression")(RegressionTask())
