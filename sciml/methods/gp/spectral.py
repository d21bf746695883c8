"""Gaussian-process solver with spectral-mixture kernels for high-frequency and multi-scale PDEs
(GP-HM: Fang, Xu, Chen, Kirby & Zhe, "Solving High Frequency and Multi-Scale PDEs with Gaussian
Processes", ICLR 2024).

The solution's values U on a grid X_1 x ... x X_d have the prior N(0, (K_1 + eps I) (x) ... (x)
(K_d + eps I)), each K_k a spectral mixture in one dimension (:mod:`sciml.nets.spectral_gp`);
u(x) = k(x, X) alpha, alpha = K^{-1} vec U, and the derivatives of u on the grid are
D_k^(o) U with D_k^(o) = K_k^(o) (K_k + eps I)^{-1} from the kernel's analytic derivatives,
applied along axis k. For L u + r(u) = f with L = sum_k M_k a Kronecker sum of per-dimension
operators (constant coefficients) and r a pointwise nonlinearity (None for a linear problem), the
MAP objective of the paper is

    1/2 U^T K^{-1} U + 1/2 log|K|
      - w (|B|/2 log tau - tau/2 |U_B - g|^2) - (N/2 log v - v/2 |L U + r(U) - f|^2),

with U_B the constrained nodes (the Dirichlet faces of bounded inputs; the t = 0 face of the time
input; none on a periodic input), the residual at every node (from the operator's coefficients,
or the problem's own ``pde_residual`` on the grid: :mod:`.grid_fields`), tau and v
learned precisions and w the boundary weight (200 in the paper's code). Two solvers:

- ``solver=map`` minimises it jointly over U, the kernel hyperparameters (log weights,
  frequencies, log length scales), log tau and log v by Adam, as the reference code does
  (xuangu-fang/Gaussian-Process-Slover-for-High-Freq-PDE, ``model_GP_solver_1d.py``), with the
  quadratic form and the log-determinant from per-dimension Cholesky factors: never an N x N
  matrix.
- ``solver=collocation`` (``auto``'s choice on coefficients) takes its noise-free limit (tau,
  v -> infinity): the constrained values are g and the residual is zero at every other node, a
  square system solved
  for the current hyperparameters as a Sylvester equation from per-dimension Schur forms (a dense
  solve in 1D, Newton iterations when r is nonlinear), never an N x N system; ``adam_steps``
  optional Adam steps on the hyperparameters for the prior's negative log density of that U (at
  which the residual and boundary terms vanish with zero gradient) alternate with the solve.

Modules, one concept each: :mod:`.grid` (the problem on the grid, per-axis operators),
:mod:`.grid_fields` (a residual on the grid), :mod:`.collocation` and :mod:`.grid_newton` (the
noise-free solve), :mod:`.map_objective` (the joint MAP), this one (the method).

Periodic inputs use the periodic summation of the kernel (the field is periodic by construction,
so a periodic boundary condition needs no constraint). Weights in the log domain are the Jeffreys
prior of the paper: unneeded frequencies are pruned. Everything in float64.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from sciml.core.errors import SciMLError
from sciml.core.memory import check_memory
from sciml.core.options import Option
from sciml.core.training import Evaluator, Phase, TrainResult
from sciml.methods.base import METHODS, Method
from sciml.methods.gp.collocation import CollocationObjective
from sciml.methods.gp.grid import (
    GridSystem,
    factor_solve,
    implements,
    operator_terms,
    uses_operator,
)
from sciml.methods.gp.map_objective import MAPObjective, MAPState
from sciml.nets.spectral_gp import BASES, MAX_IMAGES, TAIL, SpectralGPField
from sciml.problems.base import Equation

SOLVERS = ("auto", "collocation", "map")
RESIDUALS = ("auto", "pde")
MAP_INITS = ("zeros", "collocation")
MAP_VARIABLES = ("whitened", "values")


def memory_estimate(
    grid_points: list[int], components: int, images: list[int], autograd: bool
) -> float:
    """Bytes the solver holds at its peak, roughly: per axis a few (m, m) matrices (more when
    hyperparameters are learned and the backward pass keeps them) and the kernel's terms on the
    2m - 1 lags, once per periodic image; and the grid-sized arrays (mesh, source, values,
    solve copies). benchmarks/gp_scaling.py measured 69 MiB added at 512^2 (this gives 150 MB:
    it errs on the safe side)."""
    n = math.prod(grid_points)
    matrices, live = (40, 60) if autograd else (16, 6)
    per_axis = sum(
        matrices * m * m + live * (2 * i + 1) * components * 2 * m
        for m, i in zip(grid_points, images)
    )
    return 8.0 * (per_axis + 40 * n)


@METHODS.register("gp-spectral")
class GPSpectral(Method):
    name = "gp-spectral"
    tasks = ("field",)
    # the residual as coefficients (linear_operator) where given, else pde_residual on the grid
    needs = frozenset({"residual", "grid_values"})
    paper = "Fang, Xu, Chen, Kirby & Zhe, ICLR 2024 (GP-HM)"
    defaults: dict[str, Any] = {
        "solver": Option(
            "auto",
            choices=SOLVERS,
            description="auto: collocation on an operator's coefficients, else map",
        ),
        "residual": Option(
            "auto",
            choices=RESIDUALS,
            description="auto: the operator's coefficients if given, else pde_residual on the grid",
        ),
        "grid": Option(128, min=4, max=65536),
        "time_grid": Option(
            0, min=0, max=65536, description="grid points on the time input (0: grid)"
        ),
        "components": Option(30, min=1, max=1024),
        "base": Option("gaussian", choices=BASES),
        "max_frequency": Option(0.0, min=0.0, max=1e7),
        "jitter": Option(1e-6, min=0.0, max=1.0),
        "adam_steps": Option(
            100, min=0, max=100_000_000, description="collocation: hyperparameter steps"
        ),
        "newton_steps": Option(
            50, min=1, max=10_000, description="collocation: most Newton iterations (nonlinear)"
        ),
        "map_steps": Option(2000, min=1, max=100_000_000, description="map: Adam steps"),
        "map_init": Option("zeros", choices=MAP_INITS, description="map: the first U"),
        "map_variables": Option(
            "whitened", choices=MAP_VARIABLES, description="map: Adam on U or on whitened z"
        ),
        "map_decay": Option(
            0.1, min=1e-6, max=1.0, description="map: the learning rate's factor at the end"
        ),
        "boundary_weight": Option(
            200.0, min=0.0, max=1e12, description="map: weight of the boundary likelihood"
        ),
        "lr": Option(1e-2, min=1e-12, max=10.0),
        "eval_every": Option(25, min=1, max=100_000_000),
        "checkpoint_every": Option(100, min=1, max=100_000_000),
    }
    budgets = {
        "smoke": {"grid": 48, "adam_steps": 5, "map_steps": 2000, "eval_every": 5},
        "default": {},
        "paper": {"adam_steps": 1000, "map_steps": 100_000},
    }

    def __init__(self, problem: Equation, **kwargs: Any) -> None:
        super().__init__(problem, **kwargs)
        d = len(problem.inputs)
        if d not in (1, 2):
            raise SciMLError(
                f"gp-spectral solves problems in one or two inputs; {problem.name} has {d}"
            )
        if len(problem.outputs) != 1:
            raise SciMLError(
                f"gp-spectral solves problems with one output; {problem.name} has "
                f"{len(problem.outputs)}"
            )
        bounded = [
            n for n in problem.inputs if n != problem.time_input and n not in problem.periodic
        ]
        for hook, needed, what in (
            ("initial_values", not problem.steady, "initial values at given points"),
            ("boundary_values", bool(bounded), "Dirichlet values at given boundary points"),
        ):
            if needed and not implements(problem, hook):
                raise SciMLError(
                    f"gp-spectral places its own grid and needs {what} ({hook}); "
                    f"{problem.name} does not provide them"
                )
        self.operator = uses_operator(problem, self.options["residual"])
        solver = self.options["solver"]
        self.solver = ("collocation" if self.operator else "map") if solver == "auto" else solver
        if self.operator:
            operator = problem.linear_operator()
            operator_terms(operator.coefficients, problem.inputs)  # checked early
            if operator.reaction is not None and d > 1 and self.solver == "collocation":
                raise SciMLError(
                    f"gp-spectral's collocation solver handles a nonlinear operator "
                    f"({problem.name}) in one input only; use --set solver=map"
                )
        elif self.solver == "collocation" and int(self.options["adam_steps"]) > 0:
            raise SciMLError(
                "gp-spectral's Newton on a residual takes no hyperparameter steps (each would "
                "need a new dense solve): --set adam_steps=0"
            )
        kwargs = self.network_config()["kwargs"]
        images = [
            0
            if p is None
            else min(
                MAX_IMAGES,
                math.ceil(TAIL[kwargs["base"]] * self._longest_length(k, kwargs) / p + 0.5),
            )
            for k, p in enumerate(kwargs["period"])
        ]
        grid = kwargs["grid_points"]
        learned = self.solver == "map" or int(self.options["adam_steps"]) > 0
        check_memory(
            memory_estimate(grid, int(self.options["components"]), images, learned),
            f"gp-spectral on a {' x '.join(map(str, grid))} grid",
            "use a smaller grid (--set grid=...)",
        )
        self._network: SpectralGPField | None = None
        self.objective: CollocationObjective | MAPObjective | None = None

    @staticmethod
    def _longest_length(k: int, kwargs: dict[str, Any]) -> float:
        """The initial length scale of dimension ``k`` (see :class:`SpectralGPField`)."""
        top = kwargs["max_frequency"]
        m, lo, hi = kwargs["grid_points"][k], kwargs["lower"][k], kwargs["upper"][k]
        f = top[k] if top else m / (4 * (hi - lo))
        return 1 / (2 * math.pi * max(f, 1e-3) / max(kwargs["components"] - 1, 1))

    def network_config(self) -> dict[str, Any]:
        o, p = self.options, self.problem
        domain = p.domain
        m = int(o["grid"])
        m_time = int(o["time_grid"]) or m
        top = float(o["max_frequency"])
        return {
            "type": "SpectralGPField",
            "kwargs": {
                "lower": [lo for lo, _ in domain.values()],
                "upper": [hi for _, hi in domain.values()],
                "grid_points": [m_time if n == p.time_input else m for n in p.inputs],
                "components": int(o["components"]),
                "base": o["base"],
                "max_frequency": [top] * len(domain) if top > 0 else None,
                "n_outputs": len(p.outputs),
                "input_names": list(p.inputs),
                "period": [p.periodic.get(n) for n in p.inputs],
            },
        }

    @property
    def network(self) -> SpectralGPField:
        if self._network is None:
            kwargs = self.network_config()["kwargs"]
            self._network = SpectralGPField(**kwargs).to(self.device)
        return self._network

    def fit(
        self,
        progress: bool = True,
        checkpoint_dir: Path | None = None,
        resume: bool = False,
        evaluate: Evaluator | None = None,
    ) -> TrainResult:
        o = self.options
        started = time.perf_counter()  # the first solve is training time too
        net, jitter = self.network, float(o["jitter"])
        system = GridSystem(self.problem, net, self.operator)
        model: nn.Module
        if self.solver == "collocation":
            self.objective = CollocationObjective(system, net, jitter, int(o["newton_steps"]))
            model, steps = net, int(o["adam_steps"])
        else:
            whitened = o["map_variables"] == "whitened"
            start = torch.zeros(system.shape, dtype=torch.float64)
            if o["map_init"] == "collocation":  # the field's grid values (as z if whitened)
                CollocationObjective(system, net, jitter, int(o["newton_steps"]))
                with torch.no_grad():
                    start = net(torch.as_tensor(system.mesh)).reshape(system.shape)
                    if whitened:
                        factors = MAPObjective.cholesky_factors(net, start.dim(), jitter)
                        for k, factor in enumerate(factors):
                            start = factor_solve(factor, start, k, half=True)
            model, steps = MAPState(net, start.to(self.device)), int(o["map_steps"])
            self.objective = MAPObjective(
                system,
                model,
                jitter,
                float(o["boundary_weight"]),
                int(o["eval_every"]),
                steps,
                whitened,
            )
        first_solve = time.perf_counter() - started
        decay = float(o["map_decay"]) if self.solver == "map" else 1.0
        phases = (
            [Phase("adam", steps, lr=float(o["lr"]), decay_rate=decay, decay_steps=steps)]
            if steps
            else []
        )
        checkpoint = checkpoint_dir / "checkpoint.pt" if checkpoint_dir else None
        trainer = self.trainer(model, self.objective, phases, evaluate, checkpoint, progress)
        result = trainer.run(resume=resume)
        result.seconds += first_solve
        for entry in result.history:
            entry["seconds"] += first_solve
        if evaluate is not None and not result.history:  # the solve alone: one point of history
            result.history.append({"step": 0, "seconds": first_solve, **evaluate.score()})
        if isinstance(self.objective, MAPObjective):
            self.objective.refresh()  # the final state's alpha (the last finite one if diverged)
        elif result.diverged or not math.isfinite(float(net.alpha.abs().max())):
            self.objective.solve()  # the kept finite hyperparameters' solution
        return result

    def extra_metrics(self) -> dict[str, Any]:
        objective = self.objective
        if objective is None:
            return {}
        net = self.network
        weights = torch.exp(net.log_weight.detach())
        kept = (weights > 1e-3 * weights.max(dim=1, keepdim=True).values).sum(dim=1)
        out: dict[str, Any] = {
            "grid_nodes": int(math.prod(objective.system.shape)),
            "components_kept": kept.tolist(),
        }
        if isinstance(objective, MAPObjective):
            out.update(objective.gaps)
        elif objective.newton_iterations is not None:
            out["newton_iterations"] = objective.newton_iterations  # -1: not converged
        return out

    @classmethod
    def predict(cls, surrogate: Any, points: Any) -> np.ndarray:
        net = surrogate.network
        array = np.asarray(points, dtype=np.float64)
        if array.ndim != 2 or array.shape[1] != len(surrogate.inputs):
            raise ValueError(
                f"points must have shape (N, {len(surrogate.inputs)}); got {array.shape}"
            )
        out = [np.zeros((0, 1))]
        with torch.no_grad():
            for start in range(0, len(array), 16384):  # a chunk holds 16384 x grid values
                batch = torch.as_tensor(array[start : start + 16384], device=net.alpha.device)
                out.append(net(batch).cpu().numpy())
        return np.concatenate(out)
