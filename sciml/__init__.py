"""sciml: PINNs, neural operators and dynamics models, scored against trusted reference solvers.

Main entry points: :func:`solve` (train and score a method on a problem), :func:`load` (read a
surrogate file), :func:`compare`; the ``sciml`` command wraps the same operations.
"""

__version__ = "0.1.0"

from sciml.api import compare, evaluate_file, solve  # noqa: E402
from sciml.core.errors import DivergenceError, SciMLError, SurrogateFormatError  # noqa: E402
from sciml.core.surrogate import Surrogate, load  # noqa: E402
from sciml.sweep import sweep  # noqa: E402

__all__ = [
    "DivergenceError",
    "SciMLError",
    "Surrogate",
    "SurrogateFormatError",
    "__version__",
    "compare",
    "evaluate_file",
    "load",
    "solve",
    "sweep",
]
