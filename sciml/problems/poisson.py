"""The Poisson equation with manufactured solutions, the steady test problem of the PINN family.

    -Δu = f  in [0, 1]^d,   u = u_exact on the boundary,

with u_exact and f = -Δu_exact given as formulas in :data:`SOLUTIONS`; the parameter ``solution``
picks one, and its dimension sets the inputs: ``sinpi`` is u = sin(pi x) in 1D, ``sinpi2d`` is
u = sin(pi x) sin(pi y) in 2D. A new manufactured solution is one entry of that table (the
problem file lists the names a user may choose). Reference: the exact solution on a grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from sciml.core.derivatives import Fields
from sciml.core.errors import SciMLError
from sciml.core.expressions import Expression
from sciml.problems.base import EQUATIONS, Equation, FieldReference, LinearOperator
from sciml.problems.spec import ProblemSpec

AXES = ("x", "y", "z")


@dataclass(frozen=True)
class Manufactured:
    """An exact solution ``u`` of -Δu = ``f`` on [0, 1]^dimension, both formulas in the first
    ``dimension`` of x, y, z; ``grid`` is its evaluation grid's default points per axis."""

    dimension: int
    u: str
    f: str
    grid: int


SOLUTIONS: dict[str, Manufactured] = {
    "sinpi": Manufactured(1, "sin(pi*x)", "pi**2*sin(pi*x)", grid=201),
    "sinpi2d": Manufactured(2, "sin(pi*x)*sin(pi*y)", "2*pi**2*sin(pi*x)*sin(pi*y)", grid=101),
    # the high-frequency and multi-scale cases of Fang et al. (ICLR 2024); grids of 60 or more
    # points per wavelength
    "sin100": Manufactured(1, "sin(100*x)", "10000*sin(100*x)", grid=1001),
    "sin6cos100": Manufactured(
        1,
        "sin(6*x)*cos(100*x)",
        "10036*sin(6*x)*cos(100*x) + 1200*cos(6*x)*sin(100*x)",
        grid=1001,
    ),
    "xsin200": Manufactured(1, "x*sin(200*x)", "40000*x*sin(200*x) - 400*cos(200*x)", grid=2001),
    "sin500": Manufactured(1, "sin(500*x) - 2*(x - 0.5)**2", "250000*sin(500*x) + 4", grid=5001),
    "mix": Manufactured(
        1,
        "sin(x) + 0.1*sin(20*x) + 0.05*cos(100*x)",
        "sin(x) + 40*sin(20*x) + 500*cos(100*x)",
        grid=1001,
    ),
    "sin100sin100": Manufactured(
        2, "sin(100*x)*sin(100*y)", "20000*sin(100*x)*sin(100*y)", grid=401
    ),
    "sin6cos20": Manufactured(
        2,
        "sin(6*x)*cos(20*x) + sin(6*y)*cos(20*y)",
        "436*sin(6*x)*cos(20*x) + 240*cos(6*x)*sin(20*x)"
        " + 436*sin(6*y)*cos(20*y) + 240*cos(6*y)*sin(20*y)",
        grid=201,
    ),
}


@EQUATIONS.register("poisson")
class Poisson(Equation):
    outputs = ("u",)
    time_input = None
    provides = frozenset({"residual", "steady", "linear_operator", "exact_solution", "grid_values"})
    equation_text = "-Δu = f on [0,1]^d, u = u_exact on the boundary"
    solutions: dict[str, Manufactured] = SOLUTIONS  # a subclass with other physics has its own

    def __init__(self, spec: ProblemSpec, task: str, params: dict, seed: int = 0) -> None:
        super().__init__(spec, task, params, seed)
        name = params["solution"]
        if name not in self.solutions:
            raise SciMLError(
                f"unknown solution {name!r} for problem {self.name}; "
                f"choices: {', '.join(self.solutions)}"
            )
        if int(params["nx"]) == 1:
            raise SciMLError(f"nx = 1 for problem {self.name}: use 0 (the solution's grid) or >= 2")
        self.solution = self.solutions[name]
        self._u = Expression(self.solution.u, self.inputs)
        self._f = Expression(self.solution.f, self.inputs)

    # The inputs follow the ``solution`` parameter, so they belong to the instance (other
    # problems set them on the class).
    @property
    def inputs(self) -> tuple[str, ...]:  # type: ignore[override]
        return AXES[: self.solution.dimension]

    @property
    def domain(self) -> dict[str, tuple[float, float]]:
        return {name: (0.0, 1.0) for name in self.inputs}

    def describe(self) -> str:
        return f"-Δu = {self.solution.f} on [0,1]^{self.solution.dimension}, u = {self.solution.u}"

    def _evaluate(self, formula: Expression, points):
        """``formula`` at (N, d) points (numpy or torch), as an (N, 1) column."""
        values = formula(**{name: points[:, k] for k, name in enumerate(self.inputs)})
        if isinstance(points, torch.Tensor):
            values = torch.as_tensor(values, dtype=points.dtype, device=points.device)
            return values.expand(len(points))[:, None]
        return np.broadcast_to(np.asarray(values, dtype=np.float64), (len(points),))[:, None]

    # -- field task -----------------------------------------------------------------------
    def pde_residual(self, f: Fields) -> torch.Tensor:
        source = self._evaluate(self._f, f.points.detach())
        return -f.laplacian("u", self.inputs)[:, None] - source

    def boundary_data(
        self, n: int, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``n`` points spread evenly over the 2d faces (face k gets points k, k + 2d, ...),
        uniform along each face; the exact solution there."""
        points = self.sample_domain(n, generator)
        face = torch.arange(n) % (2 * len(self.inputs))
        for k, (low, high) in enumerate(self.domain.values()):
            on = face // 2 == k
            points[on, k] = low + (high - low) * (face[on] % 2).to(points.dtype)
        return points, self._evaluate(self._u, points)

    def boundary_values(self, points: np.ndarray) -> np.ndarray:
        return self.exact_solution(points)

    def hard_constraint(self) -> None:
        return None

    def linear_operator(self) -> LinearOperator:
        """-sum_i u_(x_i x_i) = f."""
        return LinearOperator(
            {f"u_{name}{name}": -1.0 for name in self.inputs},
            lambda points: self._evaluate(self._f, np.asarray(points, dtype=np.float64)),
        )

    def exact_solution(self, points: np.ndarray) -> np.ndarray:
        return self._evaluate(self._u, np.asarray(points, dtype=np.float64))

    def compute_reference(self) -> FieldReference:
        n = int(self.params["nx"]) or self.solution.grid
        axes = {name: np.linspace(low, high, n) for name, (low, high) in self.domain.items()}
        reference = FieldReference(axes, np.zeros((n,) * len(axes) + (1,)))
        values = self.exact_solution(reference.points())
        return FieldReference(axes, values.reshape(reference.values.shape))
