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

with U_B the constrained nodes (Dirichlet faces of a steady problem; the t = 0 face of a
time-dependent one, whose other inputs are periodic), the residual at every node, tau and v
learned precisions and w the boundary weight (200 in the paper's code). Two solvers:

- ``solver=map`` minimises it jointly over U, the kernel hyperparameters (log weights,
  frequencies, log length scales), log tau and log v by Adam, as the reference code does
  (xuangu-fang/Gaussian-Process-Slover-for-High-Freq-PDE, ``model_GP_solver_1d.py``), with the
  quadratic form and the log-determinant from per-dimension Cholesky factors: never an N x N
  matrix.
- ``solver=collocation`` (the default) takes its noise-free limit (tau, v -> infinity): the
  constrained values are g and the residual is zero at every other node, a square system solved
  for the current hyperparameters as a Sylvester equation from per-dimension Schur forms (a dense
  solve in 1D, Newton iterations when r is nonlinear), never an N x N system; ``adam_steps``
  optional Adam steps on the hyperparameters for the prior's negative log density of that U (at
  which the residual and boundary terms vanish with zero gradient) alternate with the solve.

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
import scipy.linalg
import torch
from torch import nn

from sciml.core.errors import SciMLError
from sciml.core.memory import check_memory
from sciml.core.options import Option
from sciml.core.training import Evaluator, Phase, TrainResult
from sciml.methods.base import METHODS, Method
from sciml.methods.gp.grid_fields import GridFields
from sciml.methods.gp.grid_newton import newton_solve
from sciml.nets.spectral_gp import BASES, MAX_IMAGES, TAIL, SpectralGPField, kron_solve
from sciml.problems.base import Equation

SOLVERS = ("auto", "collocation", "map")
RESIDUALS = ("auto", "pde")
MAP_INITS = ("zeros", "collocation")
MAP_VARIABLES = ("whitened", "values")
NEWTON_TOLERANCE = 1e-10  # the last Newton step's change of the field, relative


def operator_terms(
    coefficients: dict[str, float], inputs: tuple[str, ...]
) -> list[dict[int, float]]:
    """Per dimension k, {derivative order: coefficient} of L = sum_k M_k (a Kronecker sum); the
    ``u`` term goes to dimension 0. Mixed derivatives (``u_xy``) have no such form: refused."""
    terms: list[dict[int, float]] = [{} for _ in inputs]
    for name, value in coefficients.items():
        head, _, tail = name.partition("_")
        if head != "u" or (name != "u" and not tail):
            raise SciMLError(f"cannot read the operator term {name!r} (expected u, u_x, u_xx, ...)")
        if not tail:
            terms[0][0] = terms[0].get(0, 0.0) + float(value)
            continue
        axes = {tail.count(n) for n in inputs if n in tail}
        used = [k for k, n in enumerate(inputs) if n in tail]
        if len(used) != 1 or len(tail) > 2 or axes != {len(tail)}:
            raise SciMLError(
                f"gp-spectral handles first and second derivatives in one input at a time; the "
                f"operator term {name!r} is not of that form"
            )
        k = used[0]
        terms[k][len(tail)] = terms[k].get(len(tail), 0.0) + float(value)
    return terms


def along(matrix: torch.Tensor, values: torch.Tensor, axis: int) -> torch.Tensor:
    """``matrix`` applied to ``values`` along ``axis`` (a Kronecker factor's product)."""
    return torch.movedim(torch.tensordot(matrix, values, dims=([1], [axis])), 0, axis)


def factor_solve(factor: torch.Tensor, values: torch.Tensor, axis: int, half: bool) -> torch.Tensor:
    """``values`` along ``axis`` solved with the Cholesky factor L of K_k: L^{-1} (``half``) or
    K_k^{-1} = L^{-T} L^{-1}."""
    moved = torch.movedim(values, axis, 0)
    flat = moved.reshape(len(factor), -1)
    if half:
        out = torch.linalg.solve_triangular(factor, flat, upper=False)
    else:
        out = torch.cholesky_solve(flat, factor)
    return torch.movedim(out.reshape(moved.shape), 0, axis)


def refresh_alpha(net: SpectralGPField, values: torch.Tensor, jitter: float) -> None:
    """alpha = K^{-1} vec U for the field's current hyperparameters."""
    with torch.no_grad():
        eigen = [torch.linalg.eigh(net.grid_kernel(k)) for k in range(values.dim())]
        net.alpha.copy_(kron_solve(eigen, values.to(net.alpha.device), jitter))


def uses_operator(problem: Equation, residual: str) -> bool:
    """Whether the residual comes from the problem's operator coefficients (``residual=auto``
    where it provides them) or from its ``pde_residual`` on the grid (:mod:`.grid_fields`)."""
    return residual == "auto" and "linear_operator" in problem.provides


def implements(problem: Equation, hook: str) -> bool:
    """Whether ``problem``'s class overrides the :class:`Equation` hook ``hook``."""
    return getattr(type(problem), hook) is not getattr(Equation, hook)


class GridSystem:
    """A problem on the field's grid: the per-axis operators' terms, the pointwise nonlinearity,
    the source, and the constrained nodes, or (``operator=False``: ``terms`` None) the problem's
    own ``pde_residual``, evaluated on :class:`GridFields` (its source inside it). Per axis,
    ``fixed`` holds the indices whose values are given and ``free`` the rest: both ends of a
    bounded input (Dirichlet: ``boundary_values``), the first of the time input (the initial
    condition: ``initial_values``, which wins at the corners), none of a periodic input."""

    def __init__(self, problem: Equation, net: SpectralGPField, operator: bool = True) -> None:
        self.problem = problem
        axes = [a.detach().cpu().numpy() for a in net.axes]
        self.shape = tuple(len(a) for a in axes)
        mesh = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(axes))
        self.mesh = mesh
        self.terms: list[dict[int, float]] | None = None
        self.reaction = None
        self.source = np.zeros(self.shape)
        if operator:
            linear = problem.linear_operator()
            self.terms = operator_terms(linear.coefficients, problem.inputs)
            self.reaction = linear.reaction
            self.source = np.asarray(linear.source(mesh), dtype=np.float64).reshape(self.shape)
        self.fixed: list[np.ndarray] = []
        for k, name in enumerate(problem.inputs):
            if net.period[k] is not None:
                self.fixed.append(np.zeros(0, dtype=int))
            elif name == problem.time_input:
                self.fixed.append(np.array([0]))
            else:
                self.fixed.append(np.array([0, self.shape[k] - 1]))
        self.free = [np.setdiff1d(np.arange(m), f) for m, f in zip(self.shape, self.fixed)]
        self.mask = np.zeros(self.shape, dtype=bool)
        for k, index in enumerate(self.fixed):
            where: list[Any] = [slice(None)] * len(self.shape)
            where[k] = index
            self.mask[tuple(where)] = True
        self.given = np.zeros(self.shape)
        initial = np.zeros(self.shape, dtype=bool)
        if problem.time_input is not None:
            where = [slice(None)] * len(self.shape)
            where[problem.inputs.index(problem.time_input)] = 0
            initial[tuple(where)] = True
        for on, hook in (
            (self.mask & ~initial, problem.boundary_values),
            (initial, problem.initial_values),
        ):
            if on.any():
                points = mesh[on.reshape(-1)]
                values = np.asarray(hook(points), dtype=np.float64).reshape(len(points), -1)
                self.given[on] = values[:, 0]


def grid_operators(
    net: SpectralGPField, terms: list[dict[int, float]], jitter: float
) -> tuple[list[np.ndarray], list[tuple[torch.Tensor, torch.Tensor]]]:
    """The per-dimension operators M_k = sum_o c_o K_k^(o) (K_k + eps I)^{-1} on the grid and the
    eigendecompositions of K_k."""
    matrices, eigen = [], []
    with torch.no_grad():
        for k, axis_terms in enumerate(terms):
            gram = net.grid_kernel(k)
            lam, q = torch.linalg.eigh(gram)
            eigen.append((lam, q))
            inverse = (q / (lam + jitter)) @ q.T
            m = torch.zeros_like(gram)
            for order, c in axis_terms.items():
                m += c * (net.grid_kernel(k, order=order) @ inverse)
            matrices.append(m.cpu().numpy())
    return matrices, eigen


def collocation_solve(
    system: GridSystem,
    matrices: list[np.ndarray],
    eigen: list[tuple[torch.Tensor, torch.Tensor]],
    jitter: float,
    newton_steps: int,
) -> tuple[np.ndarray, int | None]:
    """U with the given values at the constrained nodes and L U + r(u) = f at the others; the
    Newton iterations taken (None when the operator is linear, -1 when Newton did not converge).

    The square system is nearly singular (K's smallest eigenvalues are far below the jitter), so
    U carries large components along those eigenvectors that the field u = K (K + eps I)^{-1} U
    filters out: the nonlinearity is evaluated on the field's grid values u, not on U."""
    u = system.given.copy()
    free, fixed = system.free, system.fixed
    if len(matrices) == 1:
        (m,) = matrices
        (fr,), (fx,) = free, fixed
        a = m[np.ix_(fr, fr)]
        rest = system.source[fr] - m[np.ix_(fr, fx)] @ u[fx]
        u[fr] = np.linalg.solve(a, rest)  # the linear part alone: Newton's first iterate
        if system.reaction is None:
            return u, None
        ((lam, q),) = eigen
        smooth = ((q * (lam / (lam + jitter))) @ q.T).cpu().numpy()  # U -> u on the grid
        for iteration in range(1, newton_steps + 1):
            field = torch.as_tensor(smooth @ u).requires_grad_(True)
            r = system.reaction(field)
            (slope,) = torch.autograd.grad(r.sum(), field)
            gap = a @ u[fr] + r.detach().numpy()[fr] - rest
            jacobian = a + slope.numpy()[fr, None] * smooth[np.ix_(fr, fr)]
            step = np.linalg.solve(jacobian, gap)
            u[fr] -= step
            if not np.all(np.isfinite(u)):
                break
            change = np.linalg.norm(smooth[:, fr] @ step)  # the field's change, not U's
            if change <= NEWTON_TOLERANCE * max(np.linalg.norm(smooth @ u), 1.0):
                return u, iteration
        return u, -1
    if len(matrices) == 2:
        m1, m2 = matrices
        (f1, f2), (x1, x2) = free, fixed
        rhs = (
            system.source[np.ix_(f1, f2)]
            - m1[np.ix_(f1, x1)] @ u[np.ix_(x1, f2)]
            - u[np.ix_(f1, x2)] @ m2[np.ix_(f2, x2)].T
        )
        u[np.ix_(f1, f2)] = scipy.linalg.solve_sylvester(
            m1[np.ix_(f1, f1)], m2[np.ix_(f2, f2)].T, rhs
        )
        return u, None
    raise SciMLError("gp-spectral solves problems in one or two inputs")


class CollocationObjective:
    """``solver=collocation``: :meth:`solve` fixes U (and the network's alpha) for the current
    hyperparameters; :meth:`loss` is the prior's negative log density of that U per grid node."""

    def __init__(
        self, system: GridSystem, net: SpectralGPField, jitter: float, newton_steps: int
    ) -> None:
        self.system, self.net, self.jitter, self.newton_steps = system, net, jitter, newton_steps
        self.values = torch.zeros(system.shape, dtype=torch.float64)  # U
        self.newton_iterations: int | None = None
        self.solve()

    def solve(self) -> None:
        if self.system.terms is None:  # the problem's own residual: Newton, dense Jacobian
            u, self.newton_iterations = newton_solve(
                self.system, self.net, self.jitter, self.newton_steps, NEWTON_TOLERANCE
            )
            with torch.no_grad():
                eigen = [torch.linalg.eigh(self.net.grid_kernel(k)) for k in range(u.ndim)]
        else:
            matrices, eigen = grid_operators(self.net, self.system.terms, self.jitter)
            u, self.newton_iterations = collocation_solve(
                self.system, matrices, eigen, self.jitter, self.newton_steps
            )
        self.values = torch.as_tensor(u, dtype=torch.float64)
        with torch.no_grad():
            alpha = kron_solve(eigen, self.values.to(self.net.alpha.device), self.jitter)
            self.net.alpha.copy_(alpha)

    def loss(self, phase: Phase | None = None) -> tuple[torch.Tensor, dict[str, float]]:
        z = self.values.to(self.net.alpha.device)
        n = z.numel()
        logdet = z.new_zeros(())
        for k in range(z.dim()):
            gram = self.net.grid_kernel(k)
            eye = torch.eye(len(gram), dtype=gram.dtype, device=gram.device)
            factor = torch.linalg.cholesky(gram + self.jitter * eye)
            z = factor_solve(factor, z, k, half=True)
            logdet = logdet + (n / len(gram)) * 2 * torch.log(torch.diagonal(factor)).sum()
        quadratic = (z**2).sum()
        loss = 0.5 * (quadratic + logdet) / n
        return loss, {"quadratic": float(quadratic.detach()) / n}

    def after_step(self, phase: Phase, info: dict[str, float]) -> bool:
        self.solve()  # U and alpha for the updated hyperparameters, before any evaluation
        return False

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.solve()


class MAPState(nn.Module):
    """What ``solver=map`` optimises: the field's hyperparameters (its parameters), the grid
    values (U itself, or z with U = (L_1 (x) ... (x) L_d) z for the Cholesky factors L_k of the
    K_k: the whitened coordinates) and the log precisions of the boundary (tau) and residual (v)
    likelihoods."""

    def __init__(self, net: SpectralGPField, values: torch.Tensor) -> None:
        super().__init__()
        self.net = net
        self.values = nn.Parameter(values.clone())
        self.log_tau = nn.Parameter(torch.zeros((), dtype=torch.float64))
        self.log_v = nn.Parameter(torch.zeros((), dtype=torch.float64))


class MAPObjective:
    """``solver=map``: the negative log joint of the module docstring per grid node, over U, the
    hyperparameters and the precisions together (one Adam step each call)."""

    def __init__(
        self,
        system: GridSystem,
        state: MAPState,
        jitter: float,
        boundary_weight: float,
        refresh_every: int,
        steps: int,
        whitened: bool = False,
    ) -> None:
        self.system, self.state, self.jitter = system, state, jitter
        self.boundary_weight, self.whitened = boundary_weight, whitened
        self.refresh_every, self.steps, self.count = refresh_every, steps, 0
        self.source = torch.tensor(system.source, dtype=torch.float64)
        self.mesh = torch.as_tensor(system.mesh, dtype=torch.float64)
        self.mask = torch.as_tensor(system.mask)
        self.given = torch.as_tensor(system.given[system.mask], dtype=torch.float64)
        self.gaps = {"boundary_rms": float("nan"), "residual_rms": float("nan")}
        self.refresh()

    @staticmethod
    def cholesky_factors(net: SpectralGPField, d: int, jitter: float) -> list[torch.Tensor]:
        """The Cholesky factors of K_k + eps I."""
        out = []
        for k in range(d):
            gram = net.grid_kernel(k)
            eye = torch.eye(len(gram), dtype=gram.dtype, device=gram.device)
            out.append(torch.linalg.cholesky(gram + jitter * eye))
        return out

    def factors(self) -> list[torch.Tensor]:
        return self.cholesky_factors(self.state.net, self.state.values.dim(), self.jitter)

    def grid_values(self, factors: list[torch.Tensor]) -> torch.Tensor:
        """U from the optimised variables."""
        u = self.state.values
        if self.whitened:
            for k, factor in enumerate(factors):
                u = along(factor, u, k)
        return u

    def loss(self, phase: Phase | None = None) -> tuple[torch.Tensor, dict[str, float]]:
        net = self.state.net
        factors = self.factors()
        u = self.grid_values(factors)
        n, nb = u.numel(), int(self.mask.sum())
        z, logdet = self.state.values, u.new_zeros(())
        for k, factor in enumerate(factors):
            if not self.whitened:
                z = factor_solve(factor, z, k, half=True)
            logdet = logdet + (n / len(factor)) * 2 * torch.log(torch.diagonal(factor)).sum()
        quadratic = (z**2).sum()
        solved: dict[int, torch.Tensor] = {}

        def derivative(k: int, order: int, values: torch.Tensor) -> torch.Tensor:
            """K_k^(order) (K_k + eps I)^{-1} along axis k (the solve cached for U itself)."""
            if values is u:
                if k not in solved:
                    solved[k] = factor_solve(factors[k], u, k, half=False)
                inner = solved[k]
            else:
                inner = factor_solve(factors[k], values, k, half=False)
            return along(net.grid_kernel(k, order=order), inner, k)

        if self.system.terms is None:  # the problem's own residual on the grid
            problem = self.system.problem
            fields = GridFields(u, derivative, self.mesh, problem.inputs, problem.outputs)
            lu = problem.pde_residual(fields)[:, 0].reshape(u.shape)
        else:
            lu = torch.zeros_like(u)
            for k, axis_terms in enumerate(self.system.terms):
                for order, c in axis_terms.items():
                    lu = lu + c * (u if order == 0 else derivative(k, order, u))
        if self.system.reaction is not None:
            lu = lu + self.system.reaction(u)
        residual = ((lu - self.source) ** 2).sum()
        boundary = ((u[self.mask] - self.given) ** 2).sum()
        log_tau, log_v = self.state.log_tau, self.state.log_v
        nll = (
            0.5 * (quadratic + logdet)
            - self.boundary_weight * (0.5 * nb * log_tau - 0.5 * torch.exp(log_tau) * boundary)
            - (0.5 * n * log_v - 0.5 * torch.exp(log_v) * residual)
        )
        self.gaps = {
            "boundary_rms": math.sqrt(float(boundary.detach()) / nb),
            "residual_rms": math.sqrt(float(residual.detach()) / n),
        }
        return nll / n, dict(self.gaps)

    def after_step(self, phase: Phase, info: dict[str, float]) -> bool:
        self.count += 1
        if self.count % self.refresh_every == 0 or self.count >= self.steps:
            self.refresh()  # alpha for the evaluations the trainer may make now
        return False

    def refresh(self) -> None:
        with torch.no_grad():
            self.values = self.grid_values(self.factors()).detach()
        refresh_alpha(self.state.net, self.values, self.jitter)

    def state_dict(self) -> dict[str, Any]:
        return {"count": self.count}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.count = int(state.get("count", 0))
        self.refresh()


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
