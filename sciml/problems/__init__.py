"""Problems: equations in code (one module each), parameters and tasks in ``problems/*.toml``."""

from sciml.problems import (  # noqa: F401
    allen_cahn,
    allen_cahn_steady,
    burgers,
    convection_diffusion,
    darcy,
    linear2d,
    lorenz,
    lotka_volterra,
    navier_stokes,
    poisson,
    rossler,
)
from sciml.problems import tabular as _tabular  # noqa: F401  (CSV files, the regression task)
from sciml.problems.base import EQUATIONS, Equation, FieldReference, load_problem

__all__ = ["EQUATIONS", "Equation", "FieldReference", "load_problem"]
