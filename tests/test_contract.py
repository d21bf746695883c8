"""Contract tests over the whole registry: every method on every compatible built-in problem
solves at the smoke budget, writes its files, and its surrogate predicts identically after a
save/load round trip. A new method or problem is covered without editing this file.

Compatibility is decided by ``sciml.api.plan`` (task kind and capabilities), the same check that
``sciml solve`` makes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sciml
from sciml.api import plan, problem_of
from sciml.core.errors import SciMLError
from sciml.methods import METHODS
from sciml.problems.spec import builtin_problem_names
from sciml.tasks import TASKS


def _pairs() -> list[tuple[str, str]]:
    pairs = []
    for problem in builtin_problem_names():
        for method in METHODS.names():
            try:
                plan(problem, method)
            except SciMLError:
                continue
            pairs.append((problem, method))
    return pairs


PAIRS = _pairs()


def test_every_method_has_a_compatible_problem():
    covered = {method for _, method in PAIRS}
    assert covered == set(METHODS.names())


@pytest.mark.parametrize(("problem", "method"), PAIRS, ids=[f"{p}-{m}" for p, m in PAIRS])
def test_solve_save_load_predict_round_trip(problem, method, tmp_path):
    surrogate, metrics = sciml.solve(
        problem, method, budget="smoke", out=tmp_path, progress=False, device="cpu"
    )
    task = TASKS.get(metrics["task"])
    headline = metrics[task.metric]
    assert math.isfinite(headline) and "diverged" not in metrics  # accuracy: tests/test_accuracy.py
    for name in ("model.h5", "metrics.json", "solution.png"):
        assert (tmp_path / name).stat().st_size > 0

    loaded = sciml.load(tmp_path / "model.h5")
    assert (loaded.method, loaded.task, loaded.inputs) == (method, task.name, surrogate.inputs)
    inputs = task.example_inputs(problem_of(loaded))
    np.testing.assert_array_equal(loaded.predict(inputs), surrogate.predict(inputs))
    rescored = sciml.evaluate_file(tmp_path / "model.h5")
    assert rescored[task.metric] == pytest.approx(headline, rel=1e-6, abs=1e-12)
