"""What a task kind owns: its data, its evaluation (a headline metric and the others), its figures,
its comparison-table columns and how its surrogates are called.

``sciml.solve`` and ``compare``, the CLI, sweeps and the progress bar ask the problem's task
(``TASKS.get(problem.task)``) and never branch on the task's name. A new task kind is one module
here with a :class:`Task` subclass registered in ``TASKS``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from sciml.core.errors import SciMLError
from sciml.core.registry import Registry
from sciml.problems.base import Equation

Run = tuple[Any, dict[str, Any]]  # (surrogate, metrics) of one method


class Task:
    """Base class: subclasses set ``name``, ``metric`` (the headline, e.g. ``rel_l2``), whether
    lower is better, and implement the hooks below."""

    name: ClassVar[str] = ""
    metric: ClassVar[str] = ""
    metric_label: ClassVar[str] = ""  # for axes and tables, e.g. "relative L2 error"
    metric_format: ClassVar[str] = ".3e"
    lower_is_better: ClassVar[bool] = True
    generates: ClassVar[bool] = False  # surrogates have ``generate`` (free runs), not only predict
    description: ClassVar[str] = ""

    # -- data -----------------------------------------------------------------------------
    def prepare(self, problem: Equation) -> Any:
        """Solve (or load) what the task scores against, before the training clock starts."""
        raise NotImplementedError

    def write_dataset(self, problem: Equation, out: str | os.PathLike | None) -> Path:
        """Write the task's data as HDF5 (the cache path unless ``out`` is given)."""
        raise NotImplementedError

    # -- surrogates -----------------------------------------------------------------------
    def interface(self, problem: Equation) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """What a surrogate of this task takes and returns (names recorded in model.h5)."""
        return tuple(problem.inputs), tuple(problem.outputs)

    def example_inputs(self, problem: Equation) -> np.ndarray:
        """A few valid inputs for this problem's surrogates (docs, contract tests)."""
        raise NotImplementedError

    def check_inputs(self, problem: Equation, surrogate: Any, inputs: Any) -> np.ndarray:
        """``inputs`` as a real, finite float array, or a one-line error (the task's calling
        convention; subclasses check the shape against ``surrogate.inputs``)."""
        return real_finite_array(inputs)

    # -- evaluation -----------------------------------------------------------------------
    def evaluate(self, surrogate: Any, problem: Equation) -> dict[str, Any]:
        """The headline metric first, then the others."""
        raise NotImplementedError

    def summary(self, metrics: dict[str, Any]) -> str:
        """One line for the terminal."""
        value = metrics.get(self.metric)
        shown = format(value, self.metric_format) if isinstance(value, (int, float)) else "n/a"
        return (
            f"{metrics['problem']} / {metrics['method']}: {self.metric} {shown}, "
            f"train {metrics['train_seconds']:.1f} s, {metrics['n_params']:,} parameters"
        )

    # -- figures and tables ---------------------------------------------------------------
    def plot_solution(self, surrogate: Any, problem: Equation, path: str | os.PathLike) -> None:
        raise NotImplementedError

    def plot_comparison(self, runs: list[Run], problem: Equation, path: str | os.PathLike) -> None:
        raise NotImplementedError

    def table_columns(self) -> list[tuple[str, str]]:
        """(header, format) per column after the method's name; format is applied to the row's
        metrics with ``str.format_map``, e.g. ``("rel. L2", "{rel_l2:.3e}")``."""
        return [
            (self.metric_label or self.metric, f"{{{self.metric}:{self.metric_format}}}"),
            ("train seconds", "{train_seconds:.1f}"),
            ("parameters", "{n_params:,}"),
        ]


def real_finite_array(inputs: Any, name: str = "inputs") -> np.ndarray:
    """A float64 array of ``inputs``, refusing complex, non-numeric, ragged and non-finite
    values."""
    try:
        array = np.asarray(inputs)
    except (TypeError, ValueError):  # ragged nested lists, objects numpy cannot hold
        raise SciMLError(f"{name} are no rectangular array of numbers") from None
    if np.iscomplexobj(array):
        raise SciMLError(f"{name} are complex; give real numbers")
    try:
        array = array.astype(np.float64, copy=False)
    except (TypeError, ValueError):
        raise SciMLError(f"{name} are not numbers (dtype {array.dtype})") from None
    if not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).sum())
        raise SciMLError(f"{name} hold {bad} NaN or infinite value(s); give finite numbers")
    return array


def column_array(array: np.ndarray, columns: tuple[str, ...], name: str) -> np.ndarray:
    """``array`` as (N, len(columns)) (a 1D array is N rows of one column), or a one-line error
    naming the expected columns."""
    n = len(columns)
    if array.ndim == 1 and n == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] != n:
        raise SciMLError(
            f"{name} must have shape (N, {n}) with columns {', '.join(columns)}; got {array.shape}"
        )
    return array


TASKS: Registry[Task] = Registry("task")
