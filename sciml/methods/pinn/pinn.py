"""Vanilla physics-informed neural network (Raissi, Perdikaris & Karniadakis, "Physics-informed
neural networks", J. Comput. Phys. 378, 2019).

An MLP u_theta(x, t) (tanh) minimises the mean squared PDE residual at random collocation points
plus the initial- and boundary-condition misfits (:mod:`sciml.methods.pinn.objective`), first with
Adam (collocation points resampled every step), then with L-BFGS on a fixed set. Optional input
embeddings: ``embedding=periodic`` (exact periodicity in periodic inputs) or ``fourier`` (random
Fourier features). ``windows > 1`` marches in time: window k starts from window k-1's prediction.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sciml.methods.pinn.causal import EpsilonSchedule
from sciml.methods.base import METHODS, Method
from sciml.methods.pinn.objective import PINNObjective
from sciml.nets import WindowedFieldNet
from sciml.problems.base import Equation
from sciml.core.training import Phase, TrainResult

EMBEDDINGS = ("none", "periodic", "fourier", "periodic+fourier")
DTYPES = {"float32": torch.float32, "float64": torch.float64}


@METHODS.register("pinn")
class PINN(Method):
    name = "pinn"
    tasks = ("field",)
    paper = "Raissi, Perdikaris & Karniadakis, J. Comput. Phys. 378 (2019)"
    causal = False
    defaults: dict[str, Any] = {
        "width": 48,
        "depth": 4,
        "activation": "tanh",
        "architecture": "mlp",
        "embedding": "none",
        "harmonics": 1,
        "fourier_features": 128,
        "fourier_scale": 1.0,
        "n_collocation": 2048,
        "n_initial": 512,
        "n_boundary": 256,
        "ic_weight": 1.0,
        "bc_weight": 1.0,
        "adam_steps": 1500,
        "lr": 1e-3,
        "decay_rate": 0.9,
        "decay_steps": 1000,
        "lbfgs_steps": 4500,
        "resample": True,
        "adaptive_fraction": 0.0,
        "hard_constraints": False,
        "lbfgs_rounds": 1,
        "windows": 1,
        "dtype": "float32",
        "eval_every": 250,
        "checkpoint_every": 200,
    }
    budgets = {
        "smoke": {"adam_steps": 150, "lbfgs_steps": 50, "n_collocation": 1024, "eval_every": 50},
        "default": {},
        "paper": {"adam_steps": 20000, "lbfgs_steps": 20000, "n_collocation": 8192},
    }
    # Per-equation adjustments: an ODE in t needs far fewer collocation points than a PDE.
    equation_budgets: dict[str, dict[str, dict[str, Any]]] = {
        "lorenz": {
            "smoke": {"n_collocation": 256, "n_chunks": 16},
            "default": {"n_collocation": 512, "adam_steps": 2000, "lbfgs_steps": 1000},
            "paper": {"n_collocation": 1024},
        },
    }

    @classmethod
    def budget_defaults(cls, problem: Equation, budget: str) -> dict[str, Any]:
        options = dict(cls.budgets.get(budget, {}))
        options.update(cls.equation_budgets.get(problem.spec.equation, {}).get(budget, {}))
        return {k: v for k, v in options.items() if k in cls.defaults}

    def __init__(
        self,
        problem: Equation,
        budget: str = "default",
        options: dict[str, Any] | None = None,
        device: torch.device | str = "cpu",
        seed: int = 0,
    ) -> None:
        super().__init__(problem, budget, options, device, seed)
        if self.options["embedding"] not in EMBEDDINGS:
            from sciml.core.errors import SciMLError

            raise SciMLError(
                f"invalid value {self.options['embedding']!r} for option embedding; "
                f"choices: {', '.join(EMBEDDINGS)}"
            )
        self._network: WindowedFieldNet | None = None
        ansatz = self.problem.hard_constraint()
        self.hard_constraints = bool(self.options["hard_constraints"])
        applicable = ansatz is not None and int(self.options["windows"]) == 1
        if self.hard_constraints and not applicable and "hard_constraints" not in (options or {}):
            self.hard_constraints = False  # a default that this problem cannot use
        if self.hard_constraints and not applicable:
            from sciml.core.errors import SciMLError

            raise SciMLError(
                "hard_constraints=true needs one time window and an initial condition given by a "
                f"formula; problem {self.problem.name} with windows={self.options['windows']} "
                "has not"
            )
        self.objectives: list[PINNObjective] = []

    # -- network --------------------------------------------------------------------------
    def network_config(self) -> dict[str, Any]:
        o, p = self.options, self.problem
        domain = p.domain
        embedding = o["embedding"]
        periods = [p.periodic.get(name, 0.0) if "periodic" in embedding else 0.0 for name in domain]
        window = {
            "lower": [lo for lo, _ in domain.values()],
            "upper": [hi for _, hi in domain.values()],
            "n_outputs": len(p.outputs),
            "width": int(o["width"]),
            "depth": int(o["depth"]),
            "activation": o["activation"],
            "architecture": o["architecture"],
            "periods": periods,
            "harmonics": int(o["harmonics"]),
            "fourier_features": int(o["fourier_features"]) if "fourier" in embedding else 0,
            "fourier_scale": float(o["fourier_scale"]),
            "output_scale": list(p.output_scale),
            "input_names": list(p.inputs),
        }
        if self.hard_constraints:
            window.update(p.hard_constraint())
        t0, t1 = p.time_range
        n = int(o["windows"])
        edges = [t0 + (t1 - t0) * k / n for k in range(n + 1)]
        return {
            "type": "WindowedFieldNet",
            "kwargs": {"edges": edges, "time_index": p.inputs.index("t"), "window": window},
        }

    @property
    def network(self) -> WindowedFieldNet:
        if self._network is None:
            torch.manual_seed(self.seed)
            kwargs = self.network_config()["kwargs"]
            dtype = DTYPES[self.options["dtype"]]
            self._network = WindowedFieldNet(**kwargs).to(self.device, dtype)
        return self._network

    # -- training -------------------------------------------------------------------------
    def phases(self) -> list[Phase]:
        o = self.options
        phases = []
        if o["adam_steps"] > 0:
            phases.append(
                Phase(
                    "adam",
                    int(o["adam_steps"]),
                    lr=float(o["lr"]),
                    decay_rate=float(o["decay_rate"]),
                    decay_steps=int(o["decay_steps"]),
                )
            )
        rounds = max(1, int(o["lbfgs_rounds"]))
        for k in range(rounds if o["lbfgs_steps"] > 0 else 0):  # new points, fresh memory
            steps = int(o["lbfgs_steps"]) * (k + 1) // rounds - int(o["lbfgs_steps"]) * k // rounds
            phases.append(Phase("lbfgs", steps, lr=1.0, name=f"round{k + 1}"))
        return phases

    def schedule(self) -> EpsilonSchedule | None:
        return None

    def fit(
        self,
        progress: bool = True,
        checkpoint_dir: Path | None = None,
        resume: bool = False,
        evaluate: Any = None,
    ) -> TrainResult:
        net = self.network
        generator = torch.Generator().manual_seed(self.seed)
        initial = self.problem.initial_data(int(self.options["n_initial"]), generator)
        edges = net.edges.tolist()
        t_index = self.problem.inputs.index("t")
        total = TrainResult()
        for k, subnet in enumerate(net.windows):
            if k > 0:  # time marching: start from the previous window's final state
                points = initial[0].clone()
                points[:, t_index] = edges[k]
                with torch.no_grad():
                    values = net.windows[k - 1](points.to(self.device, subnet.head.weight.dtype))
                initial = (points, values.double().cpu())
            objective = PINNObjective(
                self.problem,
                subnet,
                self.options,
                (edges[k], edges[k + 1]),
                initial,
                generator,
                causal=self.schedule(),
            )
            self.objectives.append(objective)
            label = f" window {k + 1}/{len(net.windows)}" if len(net.windows) > 1 else ""
            checkpoint = checkpoint_dir / f"checkpoint-window{k}.pt" if checkpoint_dir else None
            trainer = self.trainer(
                subnet, objective, self.phases(), evaluate, checkpoint, progress, label=label
            )
            result = trainer.run(resume=resume)
            for entry in result.history:
                total.history.append(
                    {
                        **entry,
                        "step": entry["step"] + total.steps,
                        "seconds": entry["seconds"] + total.seconds,
                    }
                )
            total.steps += result.steps
            total.seconds += result.seconds
            total.last_info = result.last_info
            if result.diverged:
                total.diverged = result.diverged
                break
        return total

    # -- prediction -----------------------------------------------------------------------
    @classmethod
    def predict(cls, surrogate: Any, points: Any) -> np.ndarray:
        return predict_field(surrogate.network, points, len(surrogate.inputs))


def predict_field(
    net: torch.nn.Module, points: Any, n_inputs: int, chunk: int = 65536
) -> np.ndarray:
    """Evaluate a coordinate network at (N, n_inputs) points, in chunks, without gradients."""
    array = np.asarray(points, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != n_inputs:
        raise ValueError(f"points must have shape (N, {n_inputs}); got {array.shape}")
    param = next(net.parameters())
    out = []
    with torch.no_grad():
        for start in range(0, len(array), chunk):
            batch = torch.as_tensor(array[start : start + chunk], device=param.device)
            out.append(net(batch.to(param.dtype)).double().cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, net.windows[0].head.out_features))


def default_windows(problem: Equation, window_length: float) -> int:
    t0, t1 = problem.time_range
    return max(1, math.ceil((t1 - t0) / window_length - 1e-9))
