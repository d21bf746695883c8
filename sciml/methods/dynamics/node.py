"""``node``: a neural ODE baseline (Chen, Rubanova, Bettencourt & Duvenaud, "Neural Ordinary
Differential Equations", NeurIPS 2018) for dynamical systems reconstruction:

    dx/dt = f_theta(x)   (x z-scored; f an MLP, :class:`sciml.nets.vector_field.VectorField`),

trained on the same random windows of the training trajectory as the RNNs: from each window's
first state, torchdiffeq's ``odeint`` integrates f over the window's sampling times and the loss
is the mean squared error against the observed states (``adjoint=true``: gradients by the adjoint
method, ``odeint_adjoint``, memory constant in the window length). ``predict`` integrates one
``dt``; ``generate`` integrates the whole run on the sampling grid.

Chaos limits the windows: errors grow like exp(lambda t) (lambda ~ 0.9 for Lorenz-63), so the
default window is 40 steps (0.4 time units), not the RNNs' 200, which teacher forcing makes
trainable for them.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
from torchdiffeq import odeint, odeint_adjoint

from sciml.core.options import Option
from sciml.core.training import Phase
from sciml.methods.base import METHODS
from sciml.methods.dynamics.base import COMMON_OPTIONS, DynamicsMethod, as_tensor
from sciml.methods.dynamics.gtf import WindowSampler
from sciml.methods.dynamics.initial_value import InitialValueFit
from sciml.nets.activations import ACTIVATIONS
from sciml.nets.vector_field import VectorField

SOLVERS = ("rk4", "dopri5", "euler", "midpoint")


def integrate(
    net: VectorField, z0: torch.Tensor, steps: int, dt: float, solver: str, adjoint: bool = False
) -> torch.Tensor:
    """States (steps, B, d) on the grid 0, dt, ..., (steps - 1) dt from z0 (B, d), z-scored;
    fixed-step solvers take one step per sampling interval."""
    times = torch.arange(steps, dtype=z0.dtype, device=z0.device) * dt
    options = {"step_size": dt} if solver in ("rk4", "euler", "midpoint") else None
    solve = odeint_adjoint if adjoint else odeint
    kwargs = {"adjoint_params": tuple(net.parameters())} if adjoint else {}
    return solve(net, z0, times, method=solver, options=options, rtol=1e-5, atol=1e-6, **kwargs)


class NeuralODEObjective:
    """Windows through ``odeint``; a training-time limit as in the teacher-forcing objective."""

    def __init__(
        self, net: VectorField, data: torch.Tensor, dt: float, options: dict[str, Any], seed: int
    ) -> None:
        self.net, self.dt = net, dt
        self.solver, self.adjoint = options["solver"], bool(options["adjoint"])
        self.sampler = WindowSampler(
            data, int(options["batch_size"]), int(options["sequence_length"]), seed
        )
        self.time_limit = float(options["time_limit"])
        self.seconds, self._started = 0.0, 0.0

    def loss(self, phase: Phase) -> tuple[torch.Tensor, dict[str, float]]:
        self._started = time.perf_counter()
        x = self.sampler.sample()  # (B, L, d)
        run = integrate(self.net, x[:, 0], x.shape[1], self.dt, self.solver, self.adjoint)
        return torch.mean((run.transpose(0, 1)[:, 1:] - x[:, 1:]) ** 2), {}

    def after_step(self, phase: Phase, info: dict[str, float]) -> bool:
        self.seconds += time.perf_counter() - self._started
        return bool(self.time_limit) and self.seconds >= self.time_limit

    def state_dict(self) -> dict[str, Any]:
        return {"seconds": self.seconds, "generator": self.sampler.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.seconds = float(state["seconds"])
        self.sampler.generator.set_state(state["generator"])


@METHODS.register("node")
class NeuralODE(InitialValueFit, DynamicsMethod):
    name = "node"
    tasks = ("dynamics", "operator")  # operator: initial-value data (initial_value.py)
    task_needs = {"operator": frozenset({"initial_value_data"})}
    integrate = staticmethod(integrate)
    paper = "Chen, Rubanova, Bettencourt & Duvenaud, NeurIPS 2018 (neural ODE)"
    defaults: dict[str, Any] = {
        **COMMON_OPTIONS,
        "sequence_length": Option(40, min=2, max=100_000),
        "lr_end": Option(1e-5, min=1e-12, max=10.0),
        "width": Option(64, min=1, max=100_000),
        "depth": Option(3, min=1, max=100),
        "activation": Option("tanh", choices=tuple(ACTIVATIONS)),
        "solver": Option("rk4", choices=SOLVERS, description="torchdiffeq method"),
        "adjoint": Option(False, description="gradients by the adjoint method"),
    }
    budgets = {
        "smoke": {"steps": 20, "sequence_length": 10, "eval_every": 20},
        "default": {"steps": 4000, "eval_every": 1000},
        "paper": {"steps": 40_000, "eval_every": 10_000},
    }

    def network_config(self) -> dict[str, Any]:
        o = self.options
        kwargs = {
            "dim": self.dim,
            "width": int(o["width"]),
            "depth": int(o["depth"]),
            "activation": o["activation"],
        }
        return {"type": "VectorField", "kwargs": kwargs}

    def objective(self, data: torch.Tensor) -> NeuralODEObjective:
        dt = float(self.problem.trajectories()["dt"])
        return NeuralODEObjective(self.network, data, dt, self.options, 2 * self.seed + 1)

    @staticmethod
    def _settings(surrogate: Any) -> tuple[float, str]:
        dt = float(surrogate.config["problem"]["parameters"]["dt"])
        return dt, str(surrogate.config["options"]["solver"])

    @classmethod
    def one_step(cls, surrogate: Any, states: np.ndarray) -> np.ndarray:
        return cls.free_run(surrogate, states, 2)[:, 1]

    @classmethod
    def free_run(cls, surrogate: Any, initial: np.ndarray, steps: int) -> np.ndarray:
        net = surrogate.network
        dt, solver = cls._settings(surrogate)
        with torch.no_grad():
            z = integrate(net, net.scale(as_tensor(net, initial)), steps, dt, solver)
            return net.scale.inverse(z.transpose(0, 1)).cpu().double().numpy()
