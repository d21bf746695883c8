"""The equation side of a problem: physics in code, parameters from the problem file.

An :class:`Equation` subclass holds one PDE or ODE family: its variables, its residual written
through :class:`sciml.core.derivatives.Fields`, its initial and boundary data, and its trusted reference
solver. Register it with ``@EQUATIONS.register("name")`` and describe instances in
``problems/NAME.toml``; :func:`load_problem` joins the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch

from sciml.core.derivatives import Fields
from sciml.core.errors import SciMLError
from sciml.problems.spec import ProblemSpec, load_spec
from sciml.core.registry import Registry

TASKS = ("field", "operator", "dynamics", "regression")


@dataclass
class FieldReference:
    """A reference on a tensor grid: ``values[i0, i1, ..., k]`` at ``axes`` (input order)."""

    axes: dict[str, np.ndarray]
    values: np.ndarray

    def points(self) -> np.ndarray:
        grids = np.meshgrid(*self.axes.values(), indexing="ij")
        return np.stack([g.ravel() for g in grids], axis=-1)

    def flat_values(self) -> np.ndarray:
        return self.values.reshape(-1, self.values.shape[-1])


class Equation:
    """One equation family with resolved parameter values, for one task.

    Subclasses set ``inputs``, ``outputs``, ``domain`` and implement the task hooks they serve;
    the field task needs :meth:`pde_residual`, :meth:`initial_data` and :meth:`reference`.
    """

    inputs: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = ()
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
    def time_range(self) -> tuple[float, float]:
        return self.domain["t"]

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
        from sciml.data.cache import cached_reference

        return cached_reference(self)

    def compute_reference(self) -> FieldReference:
        raise NotImplementedError

    def describe(self) -> str:
        return self.equation_text


EQUATIONS: Registry[type[Equation]] = Registry("equation")


def problem_tasks(spec: ProblemSpec) -> list[str]:
    return [task for task in spec.tasks if task in TASKS]


def load_problem(
    name_or_path: str,
    task: str | None = None,
    overrides: dict[str, Any] | None = None,
    seed: int = 0,
) -> Equation:
    """The problem ``name_or_path`` (built-in name or TOML path) for ``task``, with overrides."""
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
