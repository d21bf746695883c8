"""Methods, one module each, registered in ``METHODS`` by name."""

from sciml.methods import (  # noqa: F401
    causal_pinn,
    deeponet,
    dymixop,
    fno,
    mgno,
    pinn,
)
from sciml.methods.base import METHODS, Method

__all__ = ["METHODS", "Method"]
