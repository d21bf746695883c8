"""The dynamics task: from an observed trajectory, a generative model whose long free runs
reproduce the attractor (dynamical systems reconstruction). Its methods arrive with the dynamics
issue (shPLRNN, AL-RNN, neural ODE); this module fixes the task's contract.

Headline metric ``d_stsp``: the state-space divergence between the test trajectory's and a
generated free run's invariant distributions (:func:`sciml.core.metrics.state_space_divergence`),
the run started from the first test state, its first 25% discarded. Surrogates ``generate``.
Problems provide ``trajectories``: ``problem.trajectories()`` returns a dict with ``"test"``
(T, d) states in physical units and ``"dt"``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from sciml.core.errors import SciMLError
from sciml.core.metrics import state_space_divergence
from sciml.problems.base import Equation
from sciml.tasks.base import TASKS, Run, Task
from sciml.tasks.figures import plot_histories, plt, save_figure

BURN_IN = 0.25


class DynamicsTask(Task):
    name = "dynamics"
    metric = "d_stsp"
    metric_label = "D_stsp"
    generates = True
    description = "a generative model of a trajectory, scored on its long free runs"

    def prepare(self, problem: Equation) -> Any:
        return problem.trajectories()

    def example_inputs(self, problem: Equation) -> np.ndarray:
        return np.asarray(problem.trajectories()["test"][:4], dtype=np.float64)

    def check_inputs(self, problem: Equation, surrogate: Any, inputs: Any) -> np.ndarray:
        states = super().check_inputs(problem, surrogate, inputs)
        dim = len(problem.outputs)
        if states.shape[-1:] != (dim,) or states.ndim > 2:
            raise SciMLError(
                f"states must have shape ({dim},) or (B, {dim}) with components "
                f"{', '.join(problem.outputs)}; got {states.shape}"
            )
        return states

    def interface(self, problem: Equation) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return tuple(problem.outputs), tuple(problem.outputs)  # state -> next state

    def free_run(self, surrogate: Any, problem: Equation) -> tuple[np.ndarray, np.ndarray]:
        test = np.asarray(problem.trajectories()["test"], dtype=np.float64)
        generated = np.asarray(surrogate.generate(test[0], len(test)))
        start = int(BURN_IN * len(test))
        return test[start:], generated[start:]

    def evaluate(self, surrogate: Any, problem: Equation) -> dict[str, Any]:
        test, generated = self.free_run(surrogate, problem)
        return {"d_stsp": state_space_divergence(test, generated)}

    def plot_solution(self, surrogate: Any, problem: Equation, path: str | os.PathLike) -> None:
        self.plot_comparison([(surrogate, surrogate.metrics)], problem, path)

    def plot_comparison(self, runs: list[Run], problem: Equation, path: str | os.PathLike) -> None:
        """Per method: the test attractor and the free run in the first two state components."""
        names = problem.outputs
        fig, axes = plt.subplots(1, len(runs) + 1, figsize=(4.5 * (len(runs) + 1), 4.2))
        axes = np.atleast_1d(axes)
        for ax, (surrogate, metrics) in zip(axes, runs):
            test, generated = self.free_run(surrogate, problem)
            ax.plot(test[:, 0], test[:, 1], lw=0.3, color="0.6", label="test")
            ax.plot(generated[:, 0], generated[:, 1], lw=0.3, color="C3", label="generated")
            value = metrics.get("d_stsp")
            ax.set_title(f"{surrogate.method}" + (f", D_stsp {value:.2f}" if value else ""))
            ax.set_xlabel(names[0])
            ax.set_ylabel(names[1])
            ax.legend(fontsize=8)
        plot_histories(axes[-1], runs, self.metric, "D_stsp")
        fig.suptitle(f"{problem.spec.title}: free runs against the test trajectory")
        fig.tight_layout()
        save_figure(fig, path)


TASKS.register("dynamics")(DynamicsTask())
