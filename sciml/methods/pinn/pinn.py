"""Vanilla physics-informed neural network (Raissi, Perdikaris & Karniadakis, "Physics-informed
neural networks", J. Comput. Phys. 378, 2019).

An MLP u_theta(x, t) (tanh) minimises the mean squared PDE residual at random collocation points
plus the initial- and boundary-condition misfits (:mod:`sciml.methods.pinn.objective`), first with
Adam (collocation points resampled every step), then with L-BFGS on a fixed set. Optional input
embeddings: ``embedding=periodic`` (exact periodicity in periodic inputs) or ``fourier`` (random
Fourier features). ``windows > 1`` marches in time: window k starts from window k-1's prediction.
A steady problem (no time input) has one window, no initial loss, collocation points uniform in
the domain and a Dirichlet loss on points of the boundary (``problem.boundary_data``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sciml.core.errors import SciMLError
from sciml.core.metrics import relative_l2
from sciml.core.options import Option
from sciml.core.training import Evaluator, Phase, TrainResult
from sciml.methods.base import DTYPES, METHODS, Method
from sciml.methods.pinn.causal import EpsilonSchedule
from sciml.methods.pinn.objective import PINNObjective, adam_phases
from sciml.nets.activations import ACTIVATIONS
from sciml.nets.field import ARCHITECTURES, WindowedFieldNet
from sciml.problems.base import Equation

EMBEDDINGS = ("none", "periodic", "fourier", "periodic+fourier")


@METHODS.register("pinn")
class PINN(Method):
    name = "pinn"
    tasks = ("field",)
    needs = frozenset({"residual"})
    paper = "Raissi, Perdikaris & Karniadakis, J. Comput. Phys. 378 (2019)"
    causal = False
    data_parallel = True  # collocation points sharded over torchrun's ranks (objective.py)
    # small networks: a second thread buys little and spins against any other job on the machine
    # (docs/results.md, "Threads"); --threads or OMP_NUM_THREADS choose otherwise
    cpu_threads = 1
    defaults: dict[str, Any] = {
        "width": Option(48, min=1, max=4096),
        "depth": Option(4, min=1, max=64),
        "activation": Option("tanh", choices=tuple(ACTIVATIONS)),
        "architecture": Option("mlp", choices=ARCHITECTURES),
        "embedding": Option("none", choices=EMBEDDINGS),
        "harmonics": Option(1, min=1, max=64),
        "fourier_features": Option(128, min=1, max=4096),
        "fourier_scale": Option(1.0, min=0.0, max=1e4),
        "n_collocation": Option(2048, min=1, max=10_000_000),
        "n_initial": Option(512, min=1, max=10_000_000),
        "n_boundary": Option(256, min=1, max=10_000_000),
        "ic_weight": Option(1.0, min=0.0, max=1e8),
        "bc_weight": Option(1.0, min=0.0, max=1e8),
        "adam_steps": Option(1500, min=0, max=100_000_000),
        "lr": Option(1e-3, min=1e-12, max=10.0),
        "decay_rate": Option(0.9, min=1e-6, max=1.0),
        "decay_steps": Option(1000, min=1, max=100_000_000),
        "lbfgs_steps": Option(4500, min=0, max=100_000_000),
        "resample": True,
        "adaptive_fraction": Option(0.0, min=0.0, max=1.0),
        "hard_constraints": False,
        # the problem's mirror symmetry built into the network (Equation.symmetry)
        "symmetric": False,
        "lbfgs_rounds": Option(1, min=1, max=1000),
        "windows": Option(1, min=1, max=1000),
        "dtype": Option("float32", choices=tuple(DTYPES)),
        # input derivatives of the residual: one Taylor-mode pass (nets/jets.py) or nested
        # reverse-mode autograd.grad calls; the same numbers up to rounding
        "derivatives": Option("autograd", choices=("jet", "autograd")),
        "eval_every": Option(250, min=1, max=100_000_000),
        "checkpoint_every": Option(200, min=1, max=100_000_000),
    }
    budgets = {
        "smoke": {"adam_steps": 150, "lbfgs_steps": 50, "n_collocation": 1024, "eval_every": 50},
        "default": {},
        "paper": {"adam_steps": 20000, "lbfgs_steps": 20000, "n_collocation": 8192},
    }

    def __init__(self, problem: Equation, **kwargs: Any) -> None:
        super().__init__(problem, **kwargs)
        self._network: WindowedFieldNet | None = None
        ansatz = self.problem.hard_constraint()
        self.hard_constraints = bool(self.options["hard_constraints"])
        if self.problem.steady and int(self.options["windows"]) != 1:
            raise SciMLError(
                f"windows={self.options['windows']} marches in time; problem {self.problem.name} "
                "is steady (no time input): use windows=1"
            )
        applicable = ansatz is not None and int(self.options["windows"]) == 1
        if self.hard_constraints and not applicable and "hard_constraints" not in self.overrides:
            self.hard_constraints = False  # a default that this problem cannot use
        if self.hard_constraints and not applicable:
            raise SciMLError(
                "hard_constraints=true needs one time window and an initial condition given by a "
                f"formula; problem {self.problem.name} with windows={self.options['windows']} "
                "has not"
            )
        self.symmetric = bool(self.options["symmetric"])
        if self.symmetric and self.problem.symmetry() is None:
            if "symmetric" in self.overrides:
                raise SciMLError(
                    f"symmetric=true builds a mirror symmetry into the network; problem "
                    f"{self.problem.name} declares none"
                )
            self.symmetric = False  # a default that this problem cannot use
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
            window.update(p.hard_constraint(), time_input=p.time_input)
        if self.symmetric:
            name, parity = p.symmetry()
            low, high = domain[name]
            window["mirror"] = [p.inputs.index(name), (low + high) / 2, parity]
        if p.steady:
            return {
                "type": "WindowedFieldNet",
                "kwargs": {"edges": None, "time_index": None, "window": window},
            }
        t0, t1 = p.time_range
        n = int(o["windows"])
        edges = [t0 + (t1 - t0) * k / n for k in range(n + 1)]
        return {
            "type": "WindowedFieldNet",
            "kwargs": {
                "edges": edges,
                "time_index": p.inputs.index(p.time_input),
                "window": window,
            },
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
        phases = adam_phases(o)
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
        evaluate: Evaluator | None = None,
    ) -> TrainResult:
        net = self.network
        generator = torch.Generator().manual_seed(self.seed)
        steady = self.problem.steady
        if steady:  # one window over the whole domain, boundary data instead of initial data
            initial, edges, t_index = None, None, None
        else:
            initial = self.problem.initial_data(int(self.options["n_initial"]), generator)
            edges = net.edges.tolist()
            t_index = self.problem.inputs.index(self.problem.time_input)
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
                None if steady else (edges[k], edges[k + 1]),
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
            if result.diverged:
                total.diverged = result.diverged
                break
        return total

    def extra_metrics(self) -> dict[str, Any]:
        """Time marching: the relative L2 error on each window's part of the reference grid
        (``rel_l2_windows``, with ``window_edges``), to show how errors grow window to window."""
        net = self._network
        if net is None or self.problem.steady or len(net.windows) < 2:
            return {}
        reference = self.problem.reference()
        points = reference.points()
        outputs = list(self.problem.reference_outputs)
        prediction = predict_field(net, points, len(self.problem.inputs))[:, outputs]
        truth = reference.flat_values()
        t = points[:, self.problem.inputs.index(self.problem.time_input)]
        edges = net.edges.tolist()
        errors = []
        for k in range(len(edges) - 1):
            inside = (t >= edges[k]) & (t <= edges[k + 1])
            errors.append(relative_l2(prediction[inside], truth[inside]) if inside.any() else None)
        return {"rel_l2_windows": errors, "window_edges": edges}

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
