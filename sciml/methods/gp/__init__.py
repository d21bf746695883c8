"""The Gaussian-process family: the spectral-mixture GP solver for high-frequency PDEs."""

from sciml.methods.gp import spectral  # noqa: F401  (registers the method)
