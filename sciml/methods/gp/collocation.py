"""``solver=collocation``: the noise-free limit of the MAP for the current hyperparameters, a
square system (dense in 1D, Sylvester in 2D, Newton for a pointwise nonlinearity in 1D or, on a
problem's own residual, :mod:`.grid_newton`), and the prior's density of its solution."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg
import torch

from sciml.core.errors import SciMLError
from sciml.core.training import Phase
from sciml.methods.gp.grid import GridSystem, factor_solve, grid_operators
from sciml.methods.gp.grid_newton import newton_solve
from sciml.nets.spectral_gp import SpectralGPField, kron_solve

NEWTON_TOLERANCE = 1e-10  # the last Newton step's change of the field, relative


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
