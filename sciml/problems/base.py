"""The equation side of a problem: physics in code, parameters from the problem file.

An :class:`Equation` subclass holds one PDE or ODE family: its variables, its residual written
through :class:`sciml.core.derivatives.Fields`, its initial and boundary data, and its trusted
reference solver. Register it with ``@EQUATIONS.register("name")`` and describe instances in
``problems/NAME.toml``; :func:`load_problem` joins the two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch

from sciml.core.derivatives import Fields
from sciml.core.errors import SciMLError
from sciml.core.registry import Registry
from sciml.data.field import FieldReference
from sciml.problems.spec import ProblemSpec, load_spec

# What a problem can declare it provides (``Equation.provides``) and a method can need
# (``Method.needs``); ``sciml.solve`` compares the two in one place.
CAPABILITIES = {
    "residual": "a PDE or ODE residual for physics-informed training (pde_residual)",
    "time_dependent": "a time input with initial data (initial_data)",
    "steady": "no time input: boundary data only (boundary_data, boundary_values)",
    "lagrangian": "a Lagrangian form (lagrangian_period, characteristic_speed, initial_state, "
    "viscosity)",
    "linear_operator": "an operator given as constant coefficients of derivatives, an optional "
    "pointwise nonlinearity and a source (linear_operator)",
    "exact_solution": "a closed-form solution (exact_solution)",
    "grid_values": "initial and Dirichlet values at points a method places itself, e.g. a grid's "
    "faces (initial_values when time-dependent, boundary_values on bounded inputs)",
    "operator_data": "input/output function pairs from the reference solver (operator_dataset)",
    "initial_value_data": "initial states -> reference trajectories on a time grid "
    "(operator_dataset)",
    "trajectories": "observed trajectories of a dynamical system (trajectories)",
    "tabular": "rows of a data table with a target column (table)",
    "pde_grids": "the problem rasterized as PDEGrids, HyPINO's inputs (pde_grids, "
    "boundary_normals)",
}


@dataclass(frozen=True)
class LinearOperator:
    """L u + r(u) = sum_k c_k D_k u + r(u) = f, for methods that need the operator as data (GP
    solver, HyPINO).

    ``coefficients`` maps a derivative of the output, named like ``u``, ``u_x``, ``u_xx``,
    ``u_xy``, ``u_t``, to its constant coefficient; ``source(points)`` is f at (N, d) points.
    ``reaction`` is a pointwise nonlinearity r(u) of the values (a torch function, elementwise,
    differentiable), None for a linear operator: a method that handles only linear operators
    checks that it is None.
    """

    coefficients: dict[str, float]
    source: Callable[[np.ndarray], np.ndarray]
    reaction: Callable[[torch.Tensor], torch.Tensor] | None = None


class Equation:
    """One equation family with resolved parameter values, for one task.

    Subclasses set ``inputs``, ``outputs``, ``domain`` and implement the task hooks they serve;
    the field task needs :meth:`pde_residual`, :meth:`initial_data` and :meth:`reference`.
    """

    inputs: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = ()
    provides: ClassVar[frozenset[str]] = frozenset()  # keys of CAPABILITIES
    time_input: ClassVar[str | None] = None  # the time input's name; None for a steady problem
    equation_text: ClassVar[str] = ""
    generator_version: ClassVar[str] = "1"

    def __init__(self, spec: ProblemSpec, task: str, params: dict[str, Any], seed: int = 0):
        self.spec = spec
        self.name = spec.name
        self.task = task
        self.params = params
        self.seed = seed

    # -- geometry -------------------------------------------------------------------------
    @property
    def domain(self) -> dict[str, tuple[float, float]]:
        """Bounds of each input, in input order."""
        raise NotImplementedError

    @property
    def periodic(self) -> dict[str, float]:
        """Inputs on which the solution is periodic, with their period."""
        return {}

    @property
    def output_scale(self) -> tuple[float, ...]:
        """Typical magnitude of each output, so networks can work on O(1) numbers."""
        return (1.0,) * len(self.outputs)

    @property
    def steady(self) -> bool:
        return self.time_input is None

    @property
    def time_range(self) -> tuple[float, float]:
        if self.time_input is None:
            raise SciMLError(f"problem {self.name} is steady: it has no time range")
        return self.domain[self.time_input]

    def sample_domain(self, n: int, generator: torch.Generator, **fixed: float) -> torch.Tensor:
        """``n`` uniform random points of the domain (N, d); ``fixed`` pins inputs to values."""
        columns = []
        for name, (low, high) in self.domain.items():
            if name in fixed:
                columns.append(torch.full((n,), float(fixed[name]), dtype=torch.float64))
            else:
                u = torch.rand(n, generator=generator, dtype=torch.float64)
                columns.append(low + (high - low) * u)
        return torch.stack(columns, dim=-1)

    # -- field task -----------------------------------------------------------------------
    def pde_residual(self, fields: Fields) -> torch.Tensor:
        """Residual of each equation at the points of ``fields``, shape (N, n_equations)."""
        raise NotImplementedError

    def initial_data(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Points at the initial time (N, d) and the initial values of every output (N, n_out)."""
        raise NotImplementedError

    @property
    def reference_outputs(self) -> tuple[int, ...]:
        """Indices of the outputs that the reference solution gives (the rest are auxiliary)."""
        return tuple(range(len(self.outputs)))

    @property
    def initial_outputs(self) -> tuple[int, ...]:
        """Indices of the outputs that the initial condition prescribes."""
        return tuple(range(len(self.outputs)))

    def boundary_residual(self, net: Any, t: torch.Tensor) -> torch.Tensor | None:
        """Boundary-condition residuals of ``net`` at times ``t`` (n, 1), or None if there are none.

        ``t`` has the network's dtype and device; periodic inputs need no residual when the network
        is periodic by construction, but a plain network is trained on u(lower) = u(upper).
        """
        return None

    def hard_constraint(self) -> dict[str, list] | None:
        """Formulas of the initial values (one per output, in the spatial inputs) and, per input,
        whether every output vanishes on both ends: what an exact-constraint ansatz needs.
        None when the initial data is no formula (e.g. a random field)."""
        return None

    def reference(self) -> FieldReference:
        """The trusted reference solution on the evaluation grid (cached on disk)."""
        from sciml.data.field import cached_reference

        return cached_reference(self)

    def compute_reference(self) -> FieldReference:
        raise NotImplementedError

    def describe(self) -> str:
        return self.equation_text

    def boundary_data(
        self, n: int, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Steady problems: ``n`` points on the boundary (N, d) and the Dirichlet values of every
        output there (N, n_out)."""
        raise NotImplementedError

    def boundary_values(self, points: np.ndarray) -> np.ndarray:
        """The Dirichlet values of every output at given (N, d) points on the faces of bounded
        (non-periodic, non-time) inputs (N, n_out), for methods that place their own boundary
        points (e.g. a grid's faces); steady problems, and time-dependent ones with Dirichlet
        data in space (Burgers)."""
        raise NotImplementedError

    def initial_values(self, points: np.ndarray) -> np.ndarray:
        """Time-dependent problems: the initial values of every output at given (N, d) points at
        the initial time (N, n_out), for methods that place their own points (a grid's face)."""
        raise NotImplementedError

    def trajectories(self) -> dict[str, Any]:
        """Problems that provide ``trajectories``: ``{"train": (T, d), "test": (T, d), "dt": dt}``
        in physical units (the dynamics task)."""
        raise NotImplementedError

    def table(self) -> Any:
        """Problems that provide ``tabular``: the train/test split of a data table (the regression
        task; see :mod:`sciml.tasks.regression`)."""
        raise NotImplementedError

    def linear_operator(self) -> LinearOperator:
        """The operator as coefficients (problems that provide ``linear_operator``)."""
        raise NotImplementedError

    def exact_solution(self, points: np.ndarray) -> np.ndarray:
        """The closed-form solution at (N, d) points, (N, n_outputs)."""
        raise NotImplementedError


EQUATIONS: Registry[type[Equation]] = Registry("equation")


def load_problem(
    name_or_path: str,
    task: str | None = None,
    overrides: dict[str, Any] | None = None,
    seed: int = 0,
) -> Equation:
    """The problem ``name_or_path`` (built-in name, TOML path, or CSV path: a regression on the
    file's rows) for ``task``, with overrides."""
    import sciml.problems  # noqa: F401  (fills EQUATIONS)

    spec = load_spec(name_or_path)
    if spec.equation not in EQUATIONS:
        raise SciMLError(
            f"problem {spec.name!r} uses unknown equation {spec.equation!r}; "
            f"choices: {', '.join(EQUATIONS.names())}"
        )
    task = task or next(iter(spec.tasks))
    params = spec.resolve(task, overrides)
    return EQUATIONS.get(spec.equation)(spec, task, params, seed)
