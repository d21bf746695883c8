"""Scoring against the reference solver, one function per task (operator and dynamics join here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sciml.core.metrics import batched_relative_l2, relative_l2
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


def evaluate_operator(
    predict: Callable[[np.ndarray], np.ndarray], problem: Equation
) -> dict[str, Any]:
    """Mean (and median, max) over the test set of the per-sample relative L2 error; for time
    windows also the error of the last predicted snapshot."""
    data = problem.operator_dataset()
    prediction = predict(data.test_inputs)
    errors = batched_relative_l2(prediction, data.test_outputs)
    metrics: dict[str, Any] = {
        "rel_l2": float(errors.mean()),
        "rel_l2_median": float(np.median(errors)),
        "rel_l2_max": float(errors.max()),
    }
    if "t_output" in data.coordinates:
        last = batched_relative_l2(prediction[..., -1], data.test_outputs[..., -1])
        metrics["rel_l2_last_step"] = float(last.mean())
    return metrics


EVALUATORS: dict[str, Callable[..., dict[str, Any]]] = {
    "field": evaluate_field,
    "operator": evaluate_operator,
}


def evaluate(surrogate: Any, problem: Equation) -> dict[str, Any]:
    return EVALUATORS[problem.task](surrogate.predict, problem)
