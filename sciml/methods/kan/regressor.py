"""``sciml.KANRegressor``: the ``kan`` method as a scikit-learn estimator (fit / predict / score
/ get_params / set_params) with its symbolic formula and an HDF5 file that ``sciml.load`` reads.

Every hyperparameter is an explicit keyword of ``__init__`` (scikit-learn's convention), each
checked by the same :class:`~sciml.core.options.Option` as ``--set`` on the command line. The
file written by :meth:`KANRegressor.save` is a regression surrogate (layout in
``docs/formats.md``) of a table problem with no CSV behind it: ``sciml.load`` returns a
surrogate whose ``predict`` gives the same numbers as the regressor's (as an (N, m) array).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import sympy
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from sciml.core.errors import SciMLError
from sciml.core.options import as_options, resolve
from sciml.core.surrogate import Surrogate
from sciml.core.version import __version__
from sciml.methods.kan.kan import KAN_OPTIONS, check_kan_options, kan_schedule
from sciml.methods.kan.symbolic import symbolic_formula
from sciml.methods.kan.training import fit_kan
from sciml.nets.kan import KAN

# parameters of the regressor that are options of the ``kan`` method (the rest: ``seed``)
_OPTION_NAMES = (
    "width",
    "grid",
    "k",
    "lamb",
    "steps",
    "grid_extensions",
    "lamb_entropy",
    "prune_threshold",
    "symbolic",
    "library",
    "weight_simple",
    "formula_tolerance",
    "dtype",
)


class KANRegressor(RegressorMixin, BaseEstimator):
    """A Kolmogorov-Arnold network regressor (Liu et al. 2024) with a symbolic formula.

    **Main arguments:** ``width`` hidden layer widths (an int or a sequence), ``grid`` grid
    intervals G, ``k`` spline order, ``lamb`` sparsity penalty weight, ``steps`` L-BFGS steps per
    training stage, ``seed``; ``library`` a named library ("all", "polynomial") or a list of
    function names; the others as the ``kan`` method's options (``sciml list``).
    """

    def __init__(
        self,
        width: int | tuple[int, ...] = (5,),
        grid: int = 5,
        k: int = 3,
        lamb: float = 1e-3,
        steps: int = 50,
        seed: int = 0,
        grid_extensions: tuple[int, ...] = (),
        lamb_entropy: float = 2.0,
        prune_threshold: float = 1e-2,
        symbolic: bool = True,
        library: str | tuple[str, ...] | None = None,
        weight_simple: float = 0.8,
        formula_tolerance: float = 1e-3,
        dtype: str = "float64",
    ) -> None:
        self.width = width
        self.grid = grid
        self.k = k
        self.lamb = lamb
        self.steps = steps
        self.seed = seed
        self.grid_extensions = grid_extensions
        self.lamb_entropy = lamb_entropy
        self.prune_threshold = prune_threshold
        self.symbolic = symbolic
        self.library = library
        self.weight_simple = weight_simple
        self.formula_tolerance = formula_tolerance
        self.dtype = dtype

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags

    def _options(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in _OPTION_NAMES}
        values["width"] = [self.width] if np.isscalar(self.width) else list(self.width)
        values["grid_extensions"] = list(self.grid_extensions)
        named = self.library is None or isinstance(self.library, str)
        values["library"] = "all" if self.library is None else self.library if named else "all"
        try:
            options = resolve(as_options(KAN_OPTIONS), values, "KANRegressor")
            self.library_ = check_kan_options(options, () if named else list(self.library))
        except SciMLError as error:
            raise ValueError(str(error)) from None
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)):
            raise ValueError(f"invalid seed {self.seed!r}: expected an integer")
        return options

    def fit(self, X: Any, y: Any) -> KANRegressor:
        """Train on rows ``X`` (N, d) and targets ``y`` (N,) or (N, m); then fit the formula."""
        options = self._options()
        X, y = validate_data(self, X, y, y_numeric=True, multi_output=True, dtype=np.float64)
        targets = y.reshape(len(y), -1)
        self.n_outputs_ = targets.shape[1]
        self._single_output = y.ndim == 1
        names = getattr(self, "feature_names_in_", None)
        self.input_names_ = (
            tuple(str(n) for n in names)
            if names is not None
            else tuple(f"x{i}" for i in range(X.shape[1]))
        )
        self.output_names_ = (
            ("y",) if self.n_outputs_ == 1 else tuple(f"y{j}" for j in range(self.n_outputs_))
        )
        width = [X.shape[1], *map(int, options["width"]), self.n_outputs_]
        self.network_config_ = {
            "width": width,
            "grid": int(options["grid"]),
            "k": int(options["k"]),
            "dtype": options["dtype"],
        }
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(self.seed))
            net = KAN(**self.network_config_)
            dtype = net.input_shift.dtype
            fit_kan(
                net,
                torch.tensor(X, dtype=dtype),
                torch.tensor(targets, dtype=dtype),
                kan_schedule(options),
            )
        self.network_config_["grid"] = net.grid_size
        self.network_ = net.eval()
        self.options_ = options
        self.formula_: list[str] | None = None
        self.edges_: list[dict[str, Any]] = []
        if options["symbolic"]:
            self._fit_formula(X, targets)
        return self

    def _fit_formula(self, X: np.ndarray, targets: np.ndarray) -> None:
        result = symbolic_formula(
            self.network_,
            X,
            targets,
            self.input_names_,
            self.output_names_,
            tolerance=float(self.options_["formula_tolerance"]),
            library=self.library_,
            weight_simple=float(self.options_["weight_simple"]),
        )
        self.formula_, self.edges_ = result.formulas, result.edges
        self.expressions_: list[sympy.Expr] = result.expressions

    def predict(self, X: Any) -> np.ndarray:
        """Predictions for rows ``X``: (N,) for a single target given as (N,), else (N, m)."""
        check_is_fitted(self, "network_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        net = self.network_
        with torch.no_grad():
            out = net(torch.tensor(X, dtype=net.input_shift.dtype)).double().numpy()
        return out[:, 0] if self._single_output else out

    def symbolic_formula(self) -> str | list[str]:
        """The formula ``y = ...`` (a list of them for several targets), fitted after training
        (module :mod:`sciml.methods.kan.symbolic`)."""
        check_is_fitted(self, "network_")
        if self.formula_ is None:
            raise SciMLError("this KANRegressor was fitted with symbolic=False: it has no formula")
        return self.formula_[0] if self._single_output else list(self.formula_)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted model as a regression surrogate (HDF5, no pickle); ``sciml.load``
        reads it back."""
        check_is_fitted(self, "network_")
        options = dict(self.options_)
        config = {
            "network": {"type": "KAN", "kwargs": self.network_config_},
            "options": options,
            "problem": {
                "name": "KANRegressor",
                "equation": "tabular",
                "title": "KANRegressor",
                "task": "regression",
                "parameters": {"target": self.output_names_[0], "test_fraction": 0.2},
                "seed": int(self.seed),
                "source": "",
            },
            "budget": "default",
            "seed": int(self.seed),
        }
        metadata: dict[str, Any] = {"estimator": "KANRegressor", "sciml_version": __version__}
        if self.formula_ is not None:
            metadata.update({"formula": self.formula_, "edges": self.edges_})
        surrogate = Surrogate(
            problem="KANRegressor",
            method="kan",
            task="regression",
            inputs=self.input_names_,
            outputs=self.output_names_,
            config=config,
            network=self.network_,
            metadata=metadata,
        )
        return surrogate.save(path)
