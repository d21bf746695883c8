"""The dynamics task: from an observed trajectory, a generative model whose long free runs
reproduce the attractor (dynamical systems reconstruction; methods: plrnn, alrnn, node).

Headline metric ``d_stsp``: the state-space divergence between the test trajectory's and a
generated free run's invariant distributions (:func:`sciml.core.metrics.state_space_divergence`),
the run started from the first test state, as long as the test trajectory, its first 25%
discarded; on the same pair ``d_h`` (power-spectrum distance) and ``pe`` (20-step prediction
error from every test state). Methods with linear subregions (alrnn) add their symbolic codes.
Surrogates ``generate``; ``predict`` is the one-step map. Problems provide ``trajectories``:
``problem.trajectories()`` returns a dict with ``"train"``, ``"test"`` (T, d) states in physical
units and ``"dt"``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from sciml.core.errors import SciMLError
from sciml.core.metrics import (
    power_spectrum_distance,
    prediction_error,
    smoothed_power_spectrum,
    state_space_divergence,
    subregion_statistics,
)
from sciml.data.cache import cache_path
from sciml.data.trajectory import Trajectories, write_trajectories
from sciml.methods import METHODS
from sciml.problems.base import Equation
from sciml.tasks.base import TASKS, Run, Task
from sciml.tasks.figures import plot_histories, plt, save_figure

BURN_IN = 0.25
PE_STEPS = 20


class DynamicsTask(Task):
    name = "dynamics"
    metric = "d_stsp"
    metric_label = "D_stsp"
    metric_format = ".3f"
    generates = True
    description = "a generative model of a trajectory, scored on its long free runs"

    def prepare(self, problem: Equation) -> Any:
        return problem.trajectories()

    def write_dataset(self, problem: Equation, out: str | os.PathLike | None) -> Path:
        """The train and test trajectories as HDF5 (``docs/formats.md``); the cache entry unless
        ``out`` is given."""
        data = problem.trajectories()  # computed once, then read from the cache
        path = Path(out) if out else cache_path(problem)
        if out:
            names = tuple(problem.outputs)
            trajectories = Trajectories(data["train"], data["test"], data["dt"], names)
            write_trajectories(path, problem, trajectories)
        return path

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
        bounded = bool(np.isfinite(generated).all())
        full = np.asarray(problem.trajectories()["test"], dtype=np.float64)
        scores: dict[str, Any] = {
            "d_stsp": state_space_divergence(test, generated) if bounded else float("inf"),
            "d_h": power_spectrum_distance(test, generated) if bounded else 1.0,
            "pe": prediction_error(
                lambda x, n: np.asarray(surrogate.generate(x, n + 1))[:, n], full, PE_STEPS
            ),
            "dt": float(problem.trajectories()["dt"]),
        }
        codes = self.subregions(surrogate, problem)
        if codes is not None:
            scores.update(subregion_statistics(codes))
        return scores

    def subregions(self, surrogate: Any, problem: Equation) -> np.ndarray | None:
        """The linear subregion of each state of the scored free run (burn-in discarded), for
        methods that have them (None otherwise)."""
        test = np.asarray(problem.trajectories()["test"], dtype=np.float64)
        codes = METHODS.get(surrogate.method).subregions(surrogate, test[0], len(test))
        return None if codes is None else np.asarray(codes)[int(BURN_IN * len(test)) :]

    def plot_solution(self, surrogate: Any, problem: Equation, path: str | os.PathLike) -> None:
        """The test attractor and the free run in 3D (colored by linear subregion where the
        method has them), the first 20 time units of each component, and the power spectra."""
        test, generated = self.free_run(surrogate, problem)
        dt = float(problem.trajectories()["dt"])
        codes = self.subregions(surrogate, problem)
        names = problem.outputs
        fig = plt.figure(figsize=(15, 8.5))
        for k, (run, title) in enumerate(((test, "test trajectory"), (generated, "free run"))):
            ax = fig.add_subplot(2, 3, k + 1, projection="3d")
            shown = run[:20000]
            if k == 1 and codes is not None:
                ax.scatter(*shown[:, :3].T, c=codes[:20000], s=0.3, cmap="tab10", vmin=0, vmax=9)
                title += f" ({len(np.unique(codes))} subregions, by color)"
            else:
                ax.plot(*shown[:, :3].T, lw=0.3, color="0.4" if k == 0 else "C3")
            ax.set_title(title)
            ax.set_xlabel(names[0])
            ax.set_ylabel(names[1])
            ax.set_zlabel(names[2])
        ax = fig.add_subplot(2, 3, 3)
        p, q = smoothed_power_spectrum(test), smoothed_power_spectrum(generated)
        frequency = np.fft.rfftfreq(len(test), dt)
        for j in range(min(3, test.shape[1])):
            ax.semilogy(frequency, p[:, j], color=f"C{j}", lw=1, label=f"{names[j]} test")
            ax.semilogy(frequency, q[:, j], color=f"C{j}", lw=1, ls="--", label=f"{names[j]} run")
        ax.set_xlim(0, frequency[-1] / 4)
        ax.set_ylim(max(1e-8, p.max() * 1e-6), None)
        ax.set_xlabel("frequency")
        ax.set_title("smoothed power spectra (D_H)")
        ax.legend(fontsize=7, ncol=2)
        window = min(len(test), int(round(20 / dt)))
        time = np.arange(window) * dt
        for j in range(min(3, test.shape[1])):
            ax = fig.add_subplot(2, 3, 4 + j)
            ax.plot(time, test[:window, j], color="0.4", lw=0.8, label="test")
            ax.plot(time, generated[:window, j], color="C3", lw=0.8, label="free run")
            ax.set_xlabel("time after burn-in")
            ax.set_ylabel(names[j])
            ax.legend(fontsize=7)
        m = surrogate.metrics
        shown = ", ".join(f"{k} {m[k]:.3g}" for k in ("d_stsp", "d_h", "pe") if k in m)
        fig.suptitle(f"{problem.spec.title}: {surrogate.method}" + (f" ({shown})" if shown else ""))
        fig.tight_layout()
        save_figure(fig, path)

    def plot_comparison(self, runs: list[Run], problem: Equation, path: str | os.PathLike) -> None:
        """Per method: the test attractor and the free run in the first two state components."""
        names = problem.outputs
        fig, axes = plt.subplots(1, len(runs) + 1, figsize=(4.5 * (len(runs) + 1), 4.2))
        axes = np.atleast_1d(axes)
        for ax, (surrogate, metrics) in zip(axes, runs):
            test, generated = self.free_run(surrogate, problem)
            ax.plot(test[:, 0], test[:, 2], lw=0.3, color="0.6", label="test")
            ax.plot(generated[:, 0], generated[:, 2], lw=0.3, color="C3", label="generated")
            shown = ", ".join(
                f"{label} {metrics[k]:.2f}"
                for k, label in (("d_stsp", "D_stsp"), ("d_h", "D_H"))
                if isinstance(metrics.get(k), (int, float))
            )
            ax.set_title(f"{surrogate.method}" + (f": {shown}" if shown else ""))
            ax.set_xlabel(names[0])
            ax.set_ylabel(names[2])
            ax.legend(fontsize=8)
        plot_histories(axes[-1], runs, self.metric, "D_stsp")
        fig.suptitle(f"{problem.spec.title}: free runs against the test trajectory")
        fig.tight_layout()
        save_figure(fig, path)

    def table_columns(self) -> list[tuple[str, str]]:
        return [
            ("D_stsp", "{d_stsp:.3f}"),
            ("D_H", "{d_h:.3f}"),
            ("PE(20)", "{pe:.3e}"),
            ("subregions", "{n_subregions}"),
            ("train seconds", "{train_seconds:.1f}"),
            ("parameters", "{n_params:,}"),
        ]


TASKS.register("dynamics")(DynamicsTask())
