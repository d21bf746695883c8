"""The physics-informed family: vanilla PINN, causal PINN, Lagrangian PINN."""

from sciml.methods.pinn import causal_pinn, lpinn, pinn  # noqa: F401  (registers the methods)
