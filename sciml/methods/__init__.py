"""Methods, grouped by family, each one module with a class registered in ``METHODS`` by name."""

from sciml.methods import gp, kan, operators, pinn  # noqa: F401  (each family registers its methods)
from sciml.methods.base import METHODS, Method

__all__ = ["METHODS", "Method"]
