"""Methods, grouped by family, each one module with a class registered in ``METHODS`` by name."""

from sciml.methods import dynamics, gp, operators, pinn  # noqa: F401  (each family registers its methods)
from sciml.methods.base import METHODS, Method

__all__ = ["METHODS", "Method"]
