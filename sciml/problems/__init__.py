"""Problems: equations in code (one module each), parameters and tasks in ``problems/*.toml``."""

from sciml.problems import burgers, convection_diffusion, lorenz, navier_stokes, poisson  # noqa: F401
from sciml.problems import tabular as _tabular  # noqa: F401  (CSV files, the regression task)
from sciml.problems.base import EQUATIONS, Equation, FieldReference, load_problem

__all__ = ["EQUATIONS", "Equation", "FieldReference", "load_problem"]
