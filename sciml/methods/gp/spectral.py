"""Gaussian-process solver with spectral-mixture kernels for high-frequency and multi-scale PDEs
(GP-HM: Fang, Xu, Chen, Kirby & Zhe, "Solving High Frequency and Multi-Scale PDEs with Gaussian
Processes", ICLR 2024).

The solution's values U on a grid X_1 x ... x X_d have the prior N(0, (K_1 + eps I) (x) ... (x)
(K_d + eps I)), each K_k a spectral mixture in one dimension (:mod:`sciml.nets.spectral_gp`);
u(x) = k(x, X) alpha, alpha = K^{-1} vec U, and the derivatives of u on the grid are
D_k^(o) U with D_k^(o) = K_k^(o) (K_k + eps I)^{-1} from the kernel's analytic derivatives.
For L u = sum_k c_k d^o u / dx_k^o = f (a Kronecker sum of per-dimension operators M_k) the MAP
objective

    1/2 U^T K^{-1} U + 1/2 log|K| + |U_B - g|^2 / (2 tau_b) + |(L U)_I - f_I|^2 / (2 tau_r)

is minimised by alternating: for the current hyperparameters the noise-free limit
(tau -> 0) fixes U: Dirichlet values on the grid's faces and the residual zero at the interior
nodes, a square system solved as a Sylvester equation from per-dimension Schur forms (a dense
solve in 1D), never an N x N system; then one Adam step on the hyperparameters (log weights,
frequencies, log length scales) for the prior's negative log density of U, evaluated with
per-dimension Cholesky factors (at that U the residual and boundary terms are zero with zero
gradient). Weights in the log domain are the Jeffreys prior of the paper: unneeded frequencies
are pruned. Everything in float64.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.linalg
import torch

from sciml.core.errors import SciMLError
from sciml.core.options import Option
from sciml.core.training import Evaluator, Phase, TrainResult
from sciml.methods.base import METHODS, Method
from sciml.nets.spectral_gp import BASES, SpectralGPField, kron_solve
from sciml.problems.base import Equation

MAX_GRID_VALUES = 4_000_000  # grid nodes: the solve holds a few (m_k x m_k) and (N,) arrays


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


class GPObjective:
    """The alternating MAP of the module docstring: :meth:`solve` fixes U (and the network's
    alpha) for the current hyperparameters; :meth:`loss` is the prior's negative log density of
    that U per grid node."""

    def __init__(self, problem: Equation, net: SpectralGPField, jitter: float) -> None:
        self.net, self.jitter = net, jitter
        operator = problem.linear_operator()
        self.terms = operator_terms(operator.coefficients, problem.inputs)
        axes = [a.detach().cpu().numpy() for a in net.axes]
        mesh = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(axes))
        shape = tuple(net.grid_points)
        self.source = np.asarray(operator.source(mesh), dtype=np.float64).reshape(shape)
        on_face = np.zeros(shape, dtype=bool)
        for k in range(len(shape)):
            index = [slice(None)] * len(shape)
            index[k] = [0, -1]
            on_face[tuple(index)] = True
        self.on_face = on_face
        self.boundary = np.zeros(shape)
        values = problem.boundary_values(mesh[on_face.reshape(-1)])
        self.boundary[on_face] = np.asarray(values, dtype=np.float64)[:, 0]
        self.values = torch.zeros(shape, dtype=torch.float64)  # U
        self.solve()

    def operators(self) -> tuple[list[np.ndarray], list[tuple[torch.Tensor, torch.Tensor]]]:
        """The per-dimension operators M_k on the grid and the eigendecompositions of K_k."""
        matrices, eigen = [], []
        with torch.no_grad():
            for k, terms in enumerate(self.terms):
                gram = self.net.grid_kernel(k)
                lam, q = torch.linalg.eigh(gram)
                eigen.append((lam, q))
                inverse = (q / (lam + self.jitter)) @ q.T
                m = torch.zeros_like(gram)
                for order, c in terms.items():
                    m += c * (self.net.grid_kernel(k, order=order) @ inverse)
                matrices.append(m.cpu().numpy())
        return matrices, eigen

    def solve(self) -> None:
        """U from the boundary values on the faces and L U = f at the interior nodes."""
        matrices, eigen = self.operators()
        u = self.boundary.copy()
        inner = slice(1, -1)
        if len(matrices) == 1:
            (m,) = matrices
            rhs = self.source[inner] - m[inner][:, [0, -1]] @ u[[0, -1]]
            u[inner] = np.linalg.solve(m[inner, inner], rhs)
        elif len(matrices) == 2:
            m1, m2 = matrices
            rhs = (
                self.source[inner, inner]
                - m1[inner][:, [0, -1]] @ u[[0, -1], inner]
                - u[inner][:, [0, -1]] @ m2[inner][:, [0, -1]].T
            )
            u[inner, inner] = scipy.linalg.solve_sylvester(
                m1[inner, inner], m2[inner, inner].T, rhs
            )
        else:
            raise SciMLError("gp-spectral solves problems in one or two inputs")
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
            moved = torch.movedim(z, k, 0).reshape(len(gram), -1)
            z = torch.movedim(
                torch.linalg.solve_triangular(factor, moved, upper=False).reshape(
                    torch.movedim(z, k, 0).shape
                ),
                0,
                k,
            )
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


@METHODS.register("gp-spectral")
class GPSpectral(Method):
    name = "gp-spectral"
    tasks = ("field",)
    needs = frozenset({"linear_operator", "steady"})
    paper = "Fang, Xu, Chen, Kirby & Zhe, ICLR 2024 (GP-HM)"
    defaults: dict[str, Any] = {
        "grid": Option(128, min=4, max=65536),
        "components": Option(30, min=1, max=1024),
        "base": Option("gaussian", choices=BASES),
        "max_frequency": Option(0.0, min=0.0, max=1e7),
        "jitter": Option(1e-6, min=0.0, max=1.0),
        "adam_steps": Option(100, min=0, max=100_000_000),
        "lr": Option(1e-2, min=1e-12, max=10.0),
        "eval_every": Option(25, min=1, max=100_000_000),
        "checkpoint_every": Option(100, min=1, max=100_000_000),
    }
    budgets = {
        "smoke": {"grid": 48, "adam_steps": 5, "eval_every": 5},
        "default": {},
        "paper": {"adam_steps": 1000},
    }

    def __init__(self, problem: Equation, **kwargs: Any) -> None:
        super().__init__(problem, **kwargs)
        d, m = len(problem.inputs), int(self.options["grid"])
        if d not in (1, 2):
            raise SciMLError(
                f"gp-spectral solves problems in one or two inputs; {problem.name} has {d}"
            )
        if m**d > MAX_GRID_VALUES:
            raise SciMLError(
                f"grid={m} in {d} dimensions is {m**d:,} nodes (about "
                f"{8 * 6 * m**d / 2**20:,.0f} MiB of arrays); at most {MAX_GRID_VALUES:,}: use a "
                "smaller grid"
            )
        operator_terms(problem.linear_operator().coefficients, problem.inputs)  # checked early
        self._network: SpectralGPField | None = None
        self.objective: GPObjective | None = None

    def network_config(self) -> dict[str, Any]:
        o, p = self.options, self.problem
        domain = p.domain
        m = int(o["grid"])
        top = float(o["max_frequency"])
        return {
            "type": "SpectralGPField",
            "kwargs": {
                "lower": [lo for lo, _ in domain.values()],
                "upper": [hi for _, hi in domain.values()],
                "grid_points": [m] * len(domain),
                "components": int(o["components"]),
                "base": o["base"],
                "max_frequency": [top] * len(domain) if top > 0 else None,
                "n_outputs": len(p.outputs),
                "input_names": list(p.inputs),
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
        started = time.perf_counter()  # the first solve is training time too
        self.objective = GPObjective(self.problem, self.network, float(self.options["jitter"]))
        first_solve = time.perf_counter() - started
        steps = int(self.options["adam_steps"])
        phases = [Phase("adam", steps, lr=float(self.options["lr"]))] if steps else []
        checkpoint = checkpoint_dir / "checkpoint.pt" if checkpoint_dir else None
        trainer = self.trainer(self.network, self.objective, phases, evaluate, checkpoint, progress)
        result = trainer.run(resume=resume)
        result.seconds += first_solve
        for entry in result.history:
            entry["seconds"] += first_solve
        if evaluate is not None and not result.history:  # the solve alone: one point of history
            result.history.append({"step": 0, "seconds": first_solve, **evaluate.score()})
        if result.diverged or not math.isfinite(float(self.network.alpha.abs().max())):
            self.objective.solve()  # the kept finite hyperparameters' solution
        return result

    def extra_metrics(self) -> dict[str, Any]:
        if self.objective is None:
            return {}
        net = self.network
        weights = torch.exp(net.log_weight.detach())
        kept = (weights > 1e-3 * weights.max(dim=1, keepdim=True).values).sum(dim=1)
        return {"grid_nodes": int(self.objective.values.numel()), "components_kept": kept.tolist()}

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
