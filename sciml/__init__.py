"""sciml: PINNs, neural operators and dynamics models, scored against trusted reference solvers.

Main entry points: :func:`solve` (train and score a method on a problem), :func:`load` (read a
surrogate file), :func:`compare`, :func:`sweep`; the ``sciml`` command wraps the same operations.
"""

from sciml.api import compare, evaluate_file, load, solve
from sciml.core.errors import (
    OutsideDomainWarning,
    SciMLError,
    SciMLWarning,
    SurrogateFormatError,
)
from sciml.core.surrogate import Surrogate
from sciml.core.version import __version__
from sciml.sweep import sweep

__all__ = [
    "KANRegressor",
    "OutsideDomainWarning",
    "SciMLError",
    "SciMLWarning",
    "Surrogate",
    "SurrogateFormatError",
    "__version__",
    "compare",
    "evaluate_file",
    "load",
    "solve",
    "sweep",
]


def __getattr__(name: str) -> object:
    """``sciml.KANRegressor`` is imported when first asked for (it brings in scikit-learn, which
    the command line does not need); ``sciml.hypino`` is HyPINO's package."""
    if name == "KANRegressor":
        from sciml.methods.kan.regressor import KANRegressor

        return KANRegressor
    if name == "hypino":  # sciml.hypino.pretrained(): the HyPINO model shipped with the package
        from sciml.methods import hypino

        return hypino
    raise AttributeError(f"module 'sciml' has no attribute {name!r}")
