"""Methods, one module each, registered in ``METHODS`` by name."""

from sciml.methods import causal_pinn, pinn  # noqa: F401
from sciml.methods.base import METHODS, Method

__all__ = ["METHODS", "Method"]
