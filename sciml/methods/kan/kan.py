"""The ``kan`` method: a B-spline Kolmogorov-Arnold network regressor with symbolic formulas
(Liu, Wang, Vaidya, Ruehle, Halverson, Soljacic, Hou & Tegmark, "KAN: Kolmogorov-Arnold
Networks", arXiv 2404.19756, 2024).

    f(x) = sum_q Phi_q( sum_p phi_{q,p}(x_p) ),  phi(x) = w_b silu(x) + sum_c c_c B_c(x)

The layer is :class:`sciml.nets.kan.KAN`; training (sparsity penalty, grid updates, pruning,
grid extension) is :mod:`sciml.methods.kan.training`; the formula is
:mod:`sciml.methods.kan.symbolic`. Data: the problem's table (the regression task).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import sympy
import torch

from sciml.core.errors import SciMLError
from sciml.core.metrics import r2_score
from sciml.core.options import Option
from sciml.core.progress import ProgressBar
from sciml.core.training import Evaluator, TrainResult
from sciml.methods.base import METHODS, Method
from sciml.methods.kan.symbolic import LIBRARIES, LIBRARY, evaluate_formula, symbolic_formula
from sciml.methods.kan.training import Schedule, fit_kan
from sciml.nets.kan import KAN
from sciml.problems.base import Equation

CURVE_POINTS = 101


def kan_schedule(options: dict[str, Any]) -> Schedule:
    """The training schedule of resolved ``kan`` options."""
    return Schedule(
        steps=int(options["steps"]),
        lamb=float(options["lamb"]),
        lamb_entropy=float(options["lamb_entropy"]),
        grid_extensions=tuple(int(g) for g in options["grid_extensions"]),
        prune_threshold=float(options["prune_threshold"]),
    )


def check_kan_options(options: dict[str, Any], library: Any = ()) -> tuple[str, ...]:
    """Grid extensions must refine (integers above the grid); the library's functions: the
    named ``library`` option's, or those of ``library`` when given (a list of names)."""
    grids = [float(options["grid"]), *map(float, options["grid_extensions"])]
    if any(g != int(g) for g in grids) or any(b <= a for a, b in zip(grids, grids[1:])):
        raise SciMLError(
            f"invalid grid_extensions {[float(g) for g in options['grid_extensions']]}: "
            "expected increasing integers "
            f"above grid={options['grid']}, e.g. 10,20"
        )
    names = tuple(library) or LIBRARIES[options["library"]]
    unknown = [name for name in names if name not in LIBRARY]
    if unknown or not names:
        raise SciMLError(
            f"unknown symbolic function(s) {', '.join(map(repr, unknown)) or 'none given'} in "
            f"library; choices: {', '.join(LIBRARY)}"
        )
    return names


KAN_OPTIONS: dict[str, Option] = {
    "width": Option([5], min=1, max=4096, description="hidden layer widths, e.g. 5 or 8,4"),
    "grid": Option(5, min=1, max=1000, description="grid intervals G of the first stage"),
    "grid_extensions": Option(
        [], type="list", min=2, max=1000, description="finer grids, one training stage each"
    ),
    "k": Option(3, min=1, max=8, description="spline order"),
    "lamb": Option(1e-3, min=0.0, max=10.0, description="sparsity penalty weight"),
    "lamb_entropy": Option(2.0, min=0.0, max=100.0, description="entropy share of the penalty"),
    "steps": Option(50, min=1, max=1_000_000, description="L-BFGS steps per training stage"),
    "prune_threshold": Option(1e-2, min=0.0, max=10.0, description="|phi|_1 below: pruned"),
    "symbolic": Option(True, description="fit a formula after training"),
    "library": Option(
        "all", choices=tuple(LIBRARIES), description="functions an edge may be matched to"
    ),
    "weight_simple": Option(
        0.8, min=0.0, max=1.0, description="weight of simplicity against R^2 in choosing"
    ),
    "formula_tolerance": Option(
        1e-3, min=0.0, max=1.0, description="terms below this share of the target are dropped"
    ),
    "dtype": Option("float64", choices=("float32", "float64")),
}


@METHODS.register("kan")
class KANMethod(Method):
    name = "kan"
    tasks = ("regression",)
    needs = frozenset({"tabular"})
    paper = "Liu et al., KAN: Kolmogorov-Arnold Networks (arXiv 2404.19756, 2024)"
    defaults: dict[str, Any] = KAN_OPTIONS
    budgets = {
        "smoke": {"steps": 4, "width": [3]},
        "default": {},
        "paper": {"steps": 200, "grid_extensions": [10, 20]},
    }

    def __init__(self, problem: Equation, **kwargs: Any) -> None:
        super().__init__(problem, **kwargs)
        check_kan_options(self.options)
        self._network: KAN | None = None
        self.formula: dict[str, Any] = {}

    def network_config(self) -> dict[str, Any]:
        table = self.problem.table()
        grid = self._network.grid_size if self._network is not None else int(self.options["grid"])
        width = [
            len(table.input_columns),
            *map(int, self.options["width"]),
            len(table.target_columns),
        ]
        return {
            "type": "KAN",
            "kwargs": {
                "width": width,
                "grid": grid,
                "k": int(self.options["k"]),
                "dtype": self.options["dtype"],
            },
        }

    @property
    def network(self) -> KAN:
        if self._network is None:
            self._network = KAN(**self.network_config()["kwargs"]).to(self.device)
        return self._network

    def fit(
        self,
        progress: bool = True,
        checkpoint_dir: Path | None = None,
        resume: bool = False,
        evaluate: Evaluator | None = None,
    ) -> TrainResult:
        if resume:
            raise SciMLError("kan trains in a few seconds to minutes and does not resume; rerun")
        table = self.problem.table()
        net = self.network
        dtype = net.input_shift.dtype
        x = torch.tensor(table.train_inputs, dtype=dtype, device=self.device)
        y = torch.tensor(table.train_targets, dtype=dtype, device=self.device)
        schedule = kan_schedule(self.options)
        stages = 1 + max(len(schedule.grid_extensions), 1 if schedule.prune_threshold else 0)
        total = stages * schedule.steps
        done = 0
        with ProgressBar(f"kan {self.problem.name}", total, enabled=progress) as bar:

            def log(stage: str, step: int, loss: float) -> None:
                nonlocal done
                done += 1
                bar.advance(1, f"{stage} loss {loss:.3e}")

            info = fit_kan(net, x, y, schedule, log)
        seconds = info["seconds"]
        if self.options["symbolic"]:
            started = time.perf_counter()
            self.formula = self.fit_formula(table)
            seconds += time.perf_counter() - started
        history = []
        if evaluate is not None:
            history.append({"step": done, "seconds": seconds, **evaluate.score()})
        return TrainResult(steps=done, seconds=seconds, history=history)

    def fit_formula(self, table: Any) -> dict[str, Any]:
        """The symbolic formula of the trained network, with its R^2 on the test rows."""
        result = symbolic_formula(
            self.network,
            table.train_inputs,
            np.asarray(table.train_targets, dtype=np.float64),
            tuple(table.input_columns),
            tuple(table.target_columns),
            tolerance=float(self.options["formula_tolerance"]),
            library=LIBRARIES[self.options["library"]],
            weight_simple=float(self.options["weight_simple"]),
        )
        symbols = [sympy.Symbol(n) for n in table.input_columns]
        r2 = [
            r2_score(evaluate_formula(e, symbols, table.test_inputs), table.test_targets[:, j])
            for j, e in enumerate(result.expressions)
        ]
        return {"formula": result.formulas, "formula_r2": r2, "edges": result.edges}

    def extra_metrics(self) -> dict[str, Any]:
        if not self.formula:
            return {}
        edges_left = int(sum(layer.mask.sum() for layer in self.network.layers))
        return {
            "formula": self.formula["formula"],
            "formula_r2": self.formula["formula_r2"],
            "edges_left": edges_left,
        }

    def metadata(self) -> dict[str, Any]:
        return dict(self.formula)

    @classmethod
    def predict(cls, surrogate: Any, inputs: np.ndarray) -> np.ndarray:
        net = surrogate.network
        dtype = net.input_shift.dtype
        with torch.no_grad():
            x = torch.tensor(np.asarray(inputs), dtype=dtype, device=net.input_shift.device)
            return net(x).double().cpu().numpy()

    @classmethod
    def learned_curves(cls, surrogate: Any, inputs: np.ndarray) -> list[tuple[str, Any, Any]]:
        """Every unpruned edge function of the first layer, phi(x_i) over the range of input i,
        then those of the later layers over their inputs' range on ``inputs``."""
        net = surrogate.network
        dtype, device = net.input_shift.dtype, net.input_shift.device
        with torch.no_grad():
            x = torch.tensor(np.asarray(inputs), dtype=dtype, device=device)
            layer_inputs = net.layer_inputs(x)
            curves = []
            for index, (layer, h) in enumerate(zip(net.layers, layer_inputs)):
                grid = torch.stack(
                    [
                        torch.linspace(float(lo), float(hi), CURVE_POINTS, dtype=dtype)
                        for lo, hi in zip(h.min(dim=0).values, h.max(dim=0).values)
                    ],
                    dim=1,
                ).to(device)
                phi = layer.edge_values(grid).double().cpu().numpy()
                for j in range(layer.n_out):
                    for i in range(layer.n_in):
                        if layer.mask[j, i] > 0:
                            name = (
                                f"{surrogate.inputs[i]} (normalised)"
                                if index == 0
                                else f"h{index}.{i}"
                            )
                            curves.append(
                                (
                                    f"layer {index}: {name} -> {j}",
                                    grid[:, i].double().cpu().numpy(),
                                    phi[:, j, i],
                                )
                            )
        return curves
