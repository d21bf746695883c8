"""Methods, grouped by family, each one module with a class registered in ``METHODS`` by name."""

from sciml.methods import (  # noqa: F401  (each family registers its methods)
    dynamics,
    gp,
    hypino,
    integral,
    kan,
    operators,
    pinn,
)
from sciml.methods.base import METHODS, Method

__all__ = ["METHODS", "Method"]
