"""Scoring against the reference solver, one function per task (operator and dynamics join here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sciml.metrics import relative_l2
from sciml.problems.base import Equation


def evaluate_field(
    predict: Callable[[np.ndarray], np.ndarray], problem: Equation
) -> dict[str, Any]:
    """Relative L2 error on the reference grid, overall and per output when there are several."""
    reference = problem.reference()
    outputs = list(problem.reference_outputs)
    prediction = predict(reference.points())[:, outputs]
    truth = reference.flat_values()
    metrics: dict[str, Any] = {"rel_l2": relative_l2(prediction, truth)}
    if len(outputs) > 1:
        for k, index in enumerate(outputs):
            name = problem.outputs[index]
            metrics[f"rel_l2_{name}"] = relative_l2(prediction[:, k], truth[:, k])
    return metrics


EVALUATORS: dict[str, Callable[..., dict[str, Any]]] = {"field": evaluate_field}


def evaluate(surrogate: Any, problem: Equation) -> dict[str, Any]:
    return EVALUATORS[problem.task](surrogate.predict, problem)
