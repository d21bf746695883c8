"""Neural integral equations: NIE (quadrature) and ANIE (Galerkin attention), one fixed-point
solver."""

from sciml.methods.integral import anie, nie  # noqa: F401  (registers them)
