"""What the dynamics methods share: the training data in z-scored units (the statistics stored in
the network), the RAdam phase with its exponential learning-rate decay, and the surrogate's
calls: ``predict`` (the one-step map) and ``generate`` (a free run), both in physical units."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from sciml.core.errors import SciMLError
from sciml.core.memory import check_memory
from sciml.core.options import Option
from sciml.core.training import Evaluator, Phase, TrainResult
from sciml.methods.base import DTYPES, Method
from sciml.nets import NETWORKS

COMMON_OPTIONS: dict[str, Any] = {
    "steps": Option(20_000, min=0, max=100_000_000, description="optimizer steps (batches)"),
    "batch_size": Option(16, min=1, max=100_000),
    "sequence_length": Option(200, min=2, max=100_000),
    "lr": Option(1e-3, min=1e-12, max=10.0, description="RAdam's initial learning rate"),
    "lr_end": Option(1e-6, min=1e-12, max=10.0, description="learning rate at the last step"),
    "time_limit": Option(
        0.0, min=0.0, max=1e9, description="stop training after this many seconds (0: never)"
    ),
    "dtype": Option("float32", choices=tuple(DTYPES)),
    "eval_every": Option(2000, min=1, max=100_000_000),
    "checkpoint_every": Option(1000, min=1, max=100_000_000),
}


class DynamicsMethod(Method):
    """Base of the dynamics methods: subclasses give the network (whose ``scale`` holds the
    standardization), ``objective(data)`` (the trainer's objective on the z-scored training
    trajectory), ``one_step`` and ``free_run``."""

    tasks = ("dynamics",)
    needs = frozenset({"trajectories"})

    def __init__(self, problem: Any, **kwargs: Any) -> None:
        super().__init__(problem, **kwargs)
        self._network: torch.nn.Module | None = None
        self.objective_: Any = None

    @property
    def dim(self) -> int:
        return len(self.problem.outputs)

    @property
    def network(self) -> torch.nn.Module:
        if self._network is None:
            config = self.network_config()
            torch.manual_seed(self.seed)
            net = NETWORKS.get(config["type"])(**config["kwargs"])
            self._network = net.to(self.device, DTYPES[self.options["dtype"]])
        return self._network

    def objective(self, data: torch.Tensor) -> Any:
        raise NotImplementedError

    def fit(
        self,
        progress: bool = True,
        checkpoint_dir: Path | None = None,
        resume: bool = False,
        evaluate: Evaluator | None = None,
    ) -> TrainResult:
        net = self.network
        train = torch.as_tensor(self.problem.trajectories()["train"])
        train = train.to(self.device, DTYPES[self.options["dtype"]])
        net.scale.fit(train)
        self.objective_ = self.objective(net.scale(train))
        o = self.options
        steps = int(o["steps"])
        phases = (
            [
                Phase(
                    "radam",
                    steps,
                    lr=float(o["lr"]),
                    decay_rate=float(o["lr_end"]) / float(o["lr"]),
                    decay_steps=max(steps, 1),
                )
            ]
            if steps
            else []
        )
        checkpoint = checkpoint_dir / "checkpoint.pt" if checkpoint_dir else None
        trainer = self.trainer(net, self.objective_, phases, evaluate, checkpoint, progress)
        return trainer.run(resume=resume)

    # -- the surrogate's calls ------------------------------------------------------------
    @classmethod
    def predict(cls, surrogate: Any, states: np.ndarray) -> np.ndarray:
        """The one-step map x_t -> x_{t+1} for states (d,) or (B, d), physical units."""
        batch = np.atleast_2d(states)
        out = cls.one_step(surrogate, batch)
        return out.reshape(np.shape(states))

    @classmethod
    def generate(cls, surrogate: Any, initial: np.ndarray, steps: int) -> np.ndarray:
        """A free run (steps, d) from x0 (d,), or (B, steps, d) from x0 (B, d): row 0 is x0, row k
        the state k dt later (physical units)."""
        batch = np.atleast_2d(initial)
        steps = check_steps(steps, len(batch), surrogate.network)
        run = cls.free_run(surrogate, batch, steps)
        return run[0] if np.ndim(initial) == 1 else run

    @classmethod
    def one_step(cls, surrogate: Any, states: np.ndarray) -> np.ndarray:
        """x_t (B, d) -> x_{t+1} (B, d), physical units."""
        raise NotImplementedError

    @classmethod
    def free_run(cls, surrogate: Any, initial: np.ndarray, steps: int) -> np.ndarray:
        """(B, steps, d) from x0 (B, d), physical units; row 0 is x0."""
        raise NotImplementedError


def check_steps(steps: Any, batch: int, net: torch.nn.Module) -> int:
    """``steps`` as a positive integer whose free run fits in memory, or a one-line error."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps <= 0:
        raise SciMLError(f"n_steps must be a positive integer; got {str(steps)[:40]!r}")
    width = int(getattr(net, "latent", 0)) + 3 * int(net.scale.mean.numel())
    check_memory(
        8.0 * int(steps) * batch * width,
        f"a free run of {int(steps):,} steps from {batch} state(s)",
        "ask for fewer steps, or generate in pieces (the last state of one run starts the next)",
    )
    return int(steps)


def as_tensor(net: torch.nn.Module, states: np.ndarray) -> torch.Tensor:
    param = next(net.parameters())
    return torch.as_tensor(np.asarray(states), dtype=param.dtype, device=param.device)
