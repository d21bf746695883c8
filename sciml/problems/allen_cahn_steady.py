"""The steady Allen–Cahn equation in 1D with manufactured solutions (the nonlinear test problem of
Fang et al., ICLR 2024):

    u_xx + u (u^2 - 1) = f  on [0, 1],   u = u_exact at x = 0 and x = 1,

with u_exact and f = u_exact'' + u_exact (u_exact^2 - 1) given as formulas in :data:`SOLUTIONS`
(``sin100``: u = sin(100 x)). The geometry, boundary data and reference (the exact solution on a
grid) are those of :mod:`sciml.problems.poisson`; only the operator differs.
"""

from __future__ import annotations

import numpy as np
import torch

from sciml.core.derivatives import Fields
from sciml.problems.base import EQUATIONS, LinearOperator
from sciml.problems.poisson import Manufactured, Poisson

SOLUTIONS: dict[str, Manufactured] = {
    "sin100": Manufactured(
        1,
        "sin(100*x)",
        "-10000*sin(100*x) + sin(100*x)**3 - sin(100*x)",
        grid=1001,
    ),
    "sin6cos100": Manufactured(
        1,
        "sin(6*x)*cos(100*x)",
        "-10036*sin(6*x)*cos(100*x) - 1200*cos(6*x)*sin(100*x)"
        " + (sin(6*x)*cos(100*x))**3 - sin(6*x)*cos(100*x)",
        grid=1001,
    ),
}


def allen_cahn_reaction(u: torch.Tensor) -> torch.Tensor:
    """r(u) = u (u^2 - 1), the pointwise part of the operator."""
    return u * (u**2 - 1)


@EQUATIONS.register("allen-cahn-steady")
class AllenCahnSteady(Poisson):
    equation_text = "u_xx + u(u^2 - 1) = f on [0,1], u = u_exact at both ends"
    solutions = SOLUTIONS

    def describe(self) -> str:
        return f"u_xx + u(u^2 - 1) = {self.solution.f} on [0,1], u = {self.solution.u}"

    def pde_residual(self, f: Fields) -> torch.Tensor:
        source = self._evaluate(self._f, f.points.detach())
        return f.d("u", "x", "x")[:, None] + allen_cahn_reaction(f["u"])[:, None] - source

    def linear_operator(self) -> LinearOperator:
        """u_xx + r(u) = f with r(u) = u (u^2 - 1)."""
        return LinearOperator(
            {"u_xx": 1.0},
            lambda points: self._evaluate(self._f, np.asarray(points, dtype=np.float64)),
            reaction=allen_cahn_reaction,
        )
