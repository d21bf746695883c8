"""What ``nie`` and ``anie`` share on initial-value data (initial state -> trajectory on a time
grid, e.g. ``lotka-volterra``): the network's standardization, the fixed-point solve
(:mod:`sciml.methods.integral.solver`), training through the solver, the ``contraction`` metric,
and ``predict``.

Training: relative L2 of the solved trajectory against the reference (as the operator methods),
plus ``residual_weight`` times the last fixed-point residual, which rewards operators whose
iteration has converged within ``max_iterations`` -- the reference's solver never did (its
notebooks warn "Error increased on iteration ..." at every step). Adam with weight decay and a
cosine learning rate (the paper's), minibatches of device-resident pairs.

``predict(initial)`` takes initial states (B, d) in physical units and returns the trajectories
(B, K, d) on the training time grid. ``metrics.json`` gets ``contraction`` (the mean ratio of
successive fixed-point residuals on the test set; below 1: the iteration converges),
``fixed_point_residuals`` (their test mean per iteration) and ``fixed_point_iterations``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from sciml.core import distributed
from sciml.core.errors import SciMLError
from sciml.core.options import Option
from sciml.core.quadrature import KINDS
from sciml.core.training import Evaluator, TrainResult
from sciml.methods.base import Method
from sciml.methods.integral.solver import contraction, fixed_point
from sciml.methods.operators.base import (
    OPERATOR_DEFAULTS,
    OperatorObjective,
    epoch_metrics,
    fit_epochs,
    relative_l2_errors,
)

INTEGRAL_DEFAULTS: dict[str, Any] = {
    **{k: v for k, v in OPERATOR_DEFAULTS.items() if k != "normalize"},
    "kind": Option("fredholm", choices=KINDS, description="integral over [0, T] or [0, t]"),
    "mixing": Option(0.5, min=0.0, max=0.99, description="a in y <- a y + (1 - a) T[y]"),
    "tolerance": Option(1e-4, min=0.0, max=1.0, description="relative fixed-point residual"),
    "max_iterations": Option(8, min=1, max=10_000),
    "backprop_iterations": Option(
        0, min=0, max=10_000, description="gradient through the last n iterations (0: all)"
    ),
    "residual_weight": Option(
        0.1, min=0.0, max=1e6, description="loss weight of the last fixed-point residual"
    ),
}


class IntegralObjective(OperatorObjective):
    """Relative L2 of the solved trajectories plus the weighted last fixed-point residual."""

    def loss(self, phase: Any) -> tuple[torch.Tensor, dict[str, float]]:
        index, scale = distributed.shard_index(self.next_batch())  # this rank's share
        prediction, residuals = self.method.solve(self.method.network, self.inputs[index])
        last = distributed.mean_of_shard(residuals[:, -1], scale)
        weight = float(self.method.options["residual_weight"])
        errors = relative_l2_errors(prediction, self.targets[index])
        error = distributed.mean_of_shard(errors, scale)
        return error + weight * last, {"residual": float(last.detach())}


class IntegralEquationMethod(Method):
    """Base of the neural integral equations on initial-value data."""

    tasks = ("operator",)
    needs = frozenset({"initial_value_data"})
    defaults: ClassVar[dict[str, Any]] = dict(INTEGRAL_DEFAULTS)
    data_parallel = True

    def __init__(self, problem: Any, **kwargs: Any) -> None:
        super().__init__(problem, **kwargs)
        self._network: torch.nn.Module | None = None
        self._dataset = None
        self._result: TrainResult | None = None
        self._batches_per_epoch = 1

    @property
    def dataset(self):
        if self._dataset is None:
            self._dataset = self.problem.operator_dataset()
        return self._dataset

    def network_kwargs(self) -> dict[str, Any]:
        raise NotImplementedError

    def network_config(self) -> dict[str, Any]:
        d = self.dataset
        kwargs = {
            "dim": int(d.train_inputs.shape[1]),
            "times": [float(t) for t in d.coordinates["t"]],
            "kind": self.options["kind"],
            **self.network_kwargs(),
        }
        return {"type": self.network_type, "kwargs": kwargs}

    @property
    def network(self) -> torch.nn.Module:
        if self._network is None:
            from sciml.nets import NETWORKS

            torch.manual_seed(self.seed)
            config = self.network_config()
            net = NETWORKS.get(config["type"])(**config["kwargs"])
            outputs = self.dataset.train_outputs.reshape(-1, net.dim).astype(np.float64)
            net.mean.copy_(torch.as_tensor(outputs.mean(0)))
            net.std.copy_(torch.as_tensor(outputs.std(0)).clamp_min(1e-12))
            self._network = net.to(self.device)
        return self._network

    def training_tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        d = self.dataset
        return tuple(
            torch.as_tensor(a, dtype=torch.float32, device=self.device)
            for a in (d.train_inputs, d.train_outputs)
        )

    def solve(self, net: torch.nn.Module, initial: torch.Tensor):
        return solve(net, initial, self.options)

    # -- training -------------------------------------------------------------------------
    def fit(
        self,
        progress: bool = True,
        checkpoint_dir: Path | None = None,
        resume: bool = False,
        evaluate: Evaluator | None = None,
    ) -> TrainResult:
        return fit_epochs(self, IntegralObjective, progress, checkpoint_dir, resume, evaluate)

    def extra_metrics(self) -> dict[str, Any]:
        """Epochs, time per epoch, and how the fixed-point iteration contracts on the test set."""
        metrics: dict[str, Any] = {}
        if self._result is not None:
            metrics.update(epoch_metrics(self._result, self._batches_per_epoch))
        net = self.network
        initial = torch.as_tensor(self.dataset.test_inputs, dtype=torch.float32, device=self.device)
        with torch.no_grad():
            _, residuals = self.solve(net, initial)
        metrics.update(
            contraction=contraction(residuals),
            fixed_point_residuals=[float(r) for r in residuals.mean(0)],
            fixed_point_iterations=int(residuals.shape[1]),
            n_train=int(self.problem.params["n_train"]),
            n_test=int(self.problem.params["n_test"]),
        )
        return metrics

    # -- prediction -----------------------------------------------------------------------
    @classmethod
    def predict(cls, surrogate: Any, inputs: Any, chunk: int = 256) -> np.ndarray:
        """Trajectories (B, K, d) on the training grid from initial states (B, d)."""
        net = surrogate.network
        array = np.asarray(inputs, dtype=np.float64)
        if array.ndim != 2 or array.shape[1] != net.dim:
            raise SciMLError(
                f"{cls.name} expects initial states of shape (B, {net.dim}) with components "
                f"{', '.join(surrogate.inputs)}; got {array.shape}"
            )
        net.eval()
        device = next(net.parameters()).device
        out = []
        with torch.no_grad():
            for start in range(0, len(array), chunk):
                initial = torch.as_tensor(array[start : start + chunk], dtype=torch.float32)
                trajectory, _ = solve(net, initial.to(device), surrogate.config["options"])
                out.append(trajectory.double().cpu().numpy())
        if not out:
            return np.zeros((0, len(net.times), net.dim))
        return np.concatenate(out)


def solve(net: torch.nn.Module, initial: torch.Tensor, options: dict[str, Any]):
    """Trajectories (B, K, d) in physical units and fixed-point residuals (B, iterations) from
    initial states (B, d) in physical units."""
    free = net.free(net.standardize(initial))
    z, residuals = fixed_point(
        net.operator_for(free),
        free,
        mixing=float(options["mixing"]),
        tolerance=float(options["tolerance"]),
        max_iterations=int(options["max_iterations"]),
        backprop_iterations=int(options["backprop_iterations"]),
    )
    return net.physical(z), residuals
