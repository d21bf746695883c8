"""Dynamical systems reconstruction: plrnn, alrnn (teacher-forced PLRNNs) and node."""

from sciml.methods.dynamics import alrnn, node, plrnn  # noqa: F401  (registers the methods)
