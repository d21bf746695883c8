"""Methods, one module each, registered in ``METHODS`` by name."""

from sciml.methods import (  # noqa: F401  # noqa: F401  (neural operators)
    causal_pinn,
    deeponet,
    dymixop,
    fno,
    lpinn,  # noqa: F401
    mgno,
    pinn,
)
from sciml.methods.base import METHODS, Method

__all__ = ["METHODS", "Method"]
