"""``node`` on initial-value data (initial state -> trajectory on a time grid, e.g.
``lotka-volterra``'s operator task): the neural-ODE baseline of the neural-integral-equation
comparison (Zappala et al. 2024 compare against it).

    dx/dt = f_theta(x)  (z-scored; :class:`sciml.nets.vector_field.VectorField`),

integrated from each initial state over the whole grid by :func:`sciml.methods.dynamics.node.
integrate` (fixed-step ``rk4`` by default, one step per grid interval); the loss is the relative L2
error of the trajectory in physical units, the metric of the operator task, on minibatches of the
training pairs (the operator methods' sampler). RAdam with exponential decay to ``lr_end`` over
``steps`` minibatches, stopped early by ``time_limit`` seconds (for comparisons at equal training
time). ``predict(initial)``: ``(B, d)`` -> ``(B, K, d)``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sciml.core.errors import SciMLError
from sciml.core.training import Evaluator, Phase, TrainResult
from sciml.methods.operators.base import OperatorObjective, relative_l2_loss


def grid_step(times: np.ndarray) -> float:
    """The step of a uniform grid, or a one-line error."""
    steps = np.diff(np.asarray(times, dtype=np.float64))
    if len(steps) == 0 or np.ptp(steps) > 1e-9 * max(abs(steps).max(), 1.0):
        raise SciMLError("node integrates on uniform time grids only")
    return float(steps.mean())


def trajectories(
    integrate: Callable, net: Any, initial: torch.Tensor, n_times: int, dt: float, solver: str
) -> torch.Tensor:
    """(B, K, d) in physical units from initial states (B, d) in physical units; ``integrate``
    is :func:`sciml.methods.dynamics.node.integrate` (states (K, B, d), z-scored)."""
    z = integrate(net, net.scale(initial), n_times, dt, solver)
    return net.scale.inverse(z.transpose(0, 1))


class InitialValueObjective(OperatorObjective):
    """Relative L2 of integrated trajectories; stops at the method's ``time_limit``."""

    def __init__(self, method: Any, batch_size: int, seed: int) -> None:
        super().__init__(method, batch_size, seed)
        self.time_limit = float(method.options["time_limit"])
        self.seconds, self._started = 0.0, 0.0

    def loss(self, phase: Any) -> tuple[torch.Tensor, dict[str, float]]:
        self._started = time.perf_counter()
        index = self.next_batch()
        m = self.method
        run = trajectories(
            m.integrate, m.network, self.inputs[index], m.n_times, m.dt, m.options["solver"]
        )
        return relative_l2_loss(run, self.targets[index]), {}

    def after_step(self, phase: Any, info: dict[str, float]) -> bool:
        self.seconds += time.perf_counter() - self._started
        return bool(self.time_limit) and self.seconds >= self.time_limit

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "seconds": self.seconds}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.seconds = float(state["seconds"])


class InitialValueFit:
    """Mixed into ``node``: the fit and predict of the operator task's initial-value data (the
    class provides ``integrate``)."""

    integrate: Callable

    @property
    def dataset(self):
        return self.problem.operator_dataset()

    @property
    def n_times(self) -> int:
        return len(self.dataset.coordinates["t"])

    @property
    def dt(self) -> float:
        return grid_step(self.dataset.coordinates["t"])

    def metadata(self) -> dict[str, Any]:
        if self.problem.task != "operator":
            return super().metadata()
        return {"times": [float(t) for t in self.dataset.coordinates["t"]]}

    def training_tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        dtype = next(self.network.parameters()).dtype
        d = self.dataset
        return tuple(
            torch.as_tensor(a, dtype=dtype, device=self.device)
            for a in (d.train_inputs, d.train_outputs)
        )

    def fit(
        self,
        progress: bool = True,
        checkpoint_dir: Path | None = None,
        resume: bool = False,
        evaluate: Evaluator | None = None,
    ) -> TrainResult:
        if self.problem.task != "operator":
            return super().fit(progress, checkpoint_dir, resume, evaluate)
        o, net = self.options, self.network
        net.scale.fit(torch.as_tensor(self.dataset.train_outputs).to(self.device))
        objective = InitialValueObjective(self, int(o["batch_size"]), 2 * self.seed + 1)
        steps = int(o["steps"])
        phases = [
            Phase(
                "radam",
                steps,
                lr=float(o["lr"]),
                decay_rate=float(o["lr_end"]) / float(o["lr"]),
                decay_steps=max(steps, 1),
            )
        ]
        checkpoint = checkpoint_dir / "checkpoint.pt" if checkpoint_dir else None
        phases = phases if steps else []
        trainer = self.trainer(net, objective, phases, evaluate, checkpoint, progress)
        return trainer.run(resume=resume)

    @classmethod
    def predict(cls, surrogate: Any, inputs: Any) -> np.ndarray:
        if surrogate.task != "operator":
            return super().predict(surrogate, inputs)
        net = surrogate.network
        array = np.asarray(inputs, dtype=np.float64)
        dim = int(net.scale.mean.numel())
        if array.ndim != 2 or array.shape[1] != dim:
            raise SciMLError(
                f"node expects initial states of shape (B, {dim}) with components "
                f"{', '.join(surrogate.inputs)}; got {array.shape}"
            )
        times = np.asarray(surrogate.metadata["times"], dtype=np.float64)
        param = next(net.parameters())
        with torch.no_grad():
            x0 = torch.as_tensor(array, dtype=param.dtype, device=param.device)
            solver = surrogate.config["options"]["solver"]
            run = trajectories(cls.integrate, net, x0, len(times), grid_step(times), solver)
        return run.double().cpu().numpy()
