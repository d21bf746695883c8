"""gp-spectral's grid: a problem's operator terms, data and constrained nodes on the field's grid
(:class:`GridSystem`), per-axis products and solves with the kernel's factors, and the per-axis
operators D_k^(o) = K_k^(o) (K_k + eps I)^{-1}."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from sciml.core.errors import SciMLError
from sciml.nets.spectral_gp import SpectralGPField, kron_solve
from sciml.problems.base import Equation


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
