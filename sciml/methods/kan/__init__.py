"""Kolmogorov-Arnold networks: the ``kan`` regression method, its training and symbolic
formulas, and the scikit-learn-style :class:`~sciml.methods.kan.regressor.KANRegressor`."""

from sciml.methods.kan import kan  # noqa: F401  (registers the method)
