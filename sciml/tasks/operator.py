"""The operator task: a map between functions on a grid, learned from input/output pairs that the
reference solver generated, scored on held-out test pairs.

Headline metric ``rel_l2``: the mean over test pairs of ||G(u) - y||_2 / ||y||_2 (also the median,
the maximum and, for time windows and trajectories, the error of the last predicted snapshot).
Initial-value problems (``initial_value_data``, e.g. Lotka-Volterra) map initial states (B, d) to
trajectories (B, K, d) on the dataset's time grid.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from sciml.core.metrics import batched_relative_l2
from sciml.data.operator import cache_path, write_operator_dataset
from sciml.problems.base import Equation
from sciml.tasks.base import TASKS, Run, Task
from sciml.tasks.operator_figures import plot_operator_comparison, plot_operator_solution


class OperatorTask(Task):
    name = "operator"
    metric = "rel_l2"
    metric_label = "rel. L2 (test mean)"
    description = "input function -> solution, learned from reference-solver pairs"

    def prepare(self, problem: Equation) -> Any:
        return problem.operator_dataset()

    def write_dataset(self, problem: Equation, out: str | os.PathLike | None) -> Path:
        dataset = problem.operator_dataset()  # generated and cached at the stored resolution
        if out:
            return write_operator_dataset(out, problem, dataset)
        return cache_path(problem)

    def interface(self, problem: Equation) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The input and output functions (e.g. ``u0`` -> ``u``), not the grid coordinates."""
        attributes = problem.operator_dataset().attributes
        return tuple(json.loads(attributes["inputs"])), tuple(json.loads(attributes["outputs"]))

    def example_inputs(self, problem: Equation) -> np.ndarray:
        return problem.operator_dataset().test_inputs[:2]

    def evaluate(self, surrogate: Any, problem: Equation) -> dict[str, Any]:
        data = problem.operator_dataset()
        prediction = surrogate.predict(data.test_inputs)
        errors = batched_relative_l2(prediction, data.test_outputs)
        metrics: dict[str, Any] = {
            "rel_l2": float(errors.mean()),
            "rel_l2_median": float(np.median(errors)),
            "rel_l2_max": float(errors.max()),
        }
        if "t_output" in data.coordinates:
            last = batched_relative_l2(prediction[..., -1], data.test_outputs[..., -1])
            metrics["rel_l2_last_step"] = float(last.mean())
        elif data.trajectories:  # (B, K, d): the state at the last time
            last = batched_relative_l2(prediction[:, -1], data.test_outputs[:, -1])
            metrics["rel_l2_last_step"] = float(last.mean())
        return metrics

    def plot_solution(self, surrogate: Any, problem: Equation, path: str | os.PathLike) -> None:
        plot_operator_solution(surrogate, problem, path)

    def plot_comparison(self, runs: list[Run], problem: Equation, path: str | os.PathLike) -> None:
        plot_operator_comparison(runs, problem, path)

    def table_columns(self) -> list[tuple[str, str]]:
        """Epochs and seconds per epoch matter for operator learning."""
        return [
            (self.metric_label, "{rel_l2:.3e}"),
            ("parameters", "{n_params:,}"),
            ("epochs", "{epochs:g}"),
            ("seconds per epoch", "{seconds_per_epoch:.2f}"),
            ("train seconds", "{train_seconds:.1f}"),
        ]


TASKS.register("operator")(OperatorTask())
