"""What a method must provide: options with per-budget defaults, ``fit``, and a surrogate.

A method is one module with a :class:`Method` subclass registered in ``METHODS``. It declares the
task kinds it solves (``tasks``) and what it needs from a problem (``needs``, capabilities from
:data:`sciml.problems.base.CAPABILITIES`); ``sciml.solve`` checks both in one place. The problem is
handed to it; the method never reaches into the problem's reference solver, and never tests a
problem's name: per-problem tuning lives in the problem's TOML (``[tasks.TASK.options]``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from sciml.core.errors import SciMLError
from sciml.core.options import Option, as_options, resolve
from sciml.core.registry import Registry
from sciml.core.training import Evaluator, Phase, Trainer, TrainResult
from sciml.problems.base import Equation
from sciml.problems.spec import BUDGETS

DTYPES = {"float32": torch.float32, "float64": torch.float64}
CHECKPOINT_VERSION = 2


class Method:
    """Base class: subclasses set ``name``, ``tasks``, ``needs``, ``paper``, ``defaults`` (option
    name -> :class:`~sciml.core.options.Option` or plain default) and ``budgets``."""

    name: ClassVar[str] = ""
    tasks: ClassVar[tuple[str, ...]] = ()
    needs: ClassVar[frozenset[str]] = frozenset()
    task_needs: ClassVar[dict[str, frozenset[str]]] = {}  # per task kind, where they differ
    paper: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}
    budgets: ClassVar[dict[str, dict[str, Any]]] = {}
    # trains under torchrun: its objective shards every global batch with
    # sciml.core.distributed (docs/scaling.md); the others refuse several processes
    data_parallel: ClassVar[bool] = False
    # torch CPU threads when the user chose none (--threads, OMP_NUM_THREADS); None: torch's
    cpu_threads: ClassVar[int | None] = None

    def __init__(
        self,
        problem: Equation,
        *,
        budget: str = "default",
        options: dict[str, Any] | None = None,
        device: torch.device | str = "cpu",
        seed: int = 0,
    ) -> None:
        if budget not in BUDGETS:
            raise SciMLError(f"unknown budget {budget!r}; choices: {', '.join(BUDGETS)}")
        self.problem = problem
        self.budget = budget
        self.device = torch.device(device)
        self.seed = seed
        self.overrides = dict(options or {})
        self.options = self.resolve_options(problem, budget, self.overrides)

    @classmethod
    def needs_of(cls, task: str) -> frozenset[str]:
        """What the method needs from a problem for ``task``: ``task_needs[task]`` where a method
        solving several task kinds needs different data for each, else ``needs``."""
        return cls.task_needs.get(task, cls.needs)

    @classmethod
    def option_specs(cls) -> dict[str, Option]:
        """Every option with its type and valid range or choices."""
        return as_options(cls.defaults)

    @classmethod
    def resolve_options(
        cls, problem: Equation, budget: str, overrides: dict[str, Any]
    ) -> dict[str, Any]:
        """Defaults, then the class's ``budgets[budget]``, then what the problem's TOML tunes for
        this task and budget, then ``overrides``; every value parsed and checked."""
        specs = cls.option_specs()
        shared, specific = problem.spec.method_options(problem.task, budget, cls.name)
        tuned = {k: v for k, v in {**cls.budgets.get(budget, {}), **shared}.items() if k in specs}
        try:  # the problem file's values are checked even where --set replaces them
            resolve(specs, {**tuned, **specific}, f"method {cls.name}")
        except SciMLError as error:
            raise SciMLError(f"{problem.spec.source or problem.name}: {error}") from None
        return resolve(specs, {**tuned, **specific, **overrides}, f"method {cls.name}")

    def fit(
        self,
        progress: bool = True,
        checkpoint_dir: Path | None = None,
        resume: bool = False,
        evaluate: Evaluator | None = None,
    ) -> TrainResult:
        """Train; ``evaluate`` scores the current state (for error-vs-time histories)."""
        raise NotImplementedError

    def trainer(
        self,
        net: torch.nn.Module,
        objective: Any,
        phases: list[Phase],
        evaluate: Evaluator | None,
        checkpoint_path: Path | None,
        progress: bool,
        eval_every: int | None = None,
        label: str = "",
    ) -> Trainer:
        """The shared training loop with this run's evaluation and checkpoint cadence."""
        every = int(self.options["eval_every"]) if eval_every is None else eval_every
        return Trainer(
            net,
            objective,
            phases,
            evaluate=evaluate,
            eval_every=every,
            checkpoint_every=int(self.options["checkpoint_every"]),
            checkpoint_path=checkpoint_path,
            progress=progress,
            description=f"{self.name} {self.problem.name}{label}",
            identity=self.run_identity(),
            precision=str(self.options.get("precision", "float32")),
        )

    def run_identity(self) -> dict[str, Any]:
        """What a checkpoint must match to be resumed: problem, parameters, method, options (all
        but the evaluation and checkpoint cadence), budget, seed and checkpoint layout."""
        cadence = ("eval_every", "eval_every_epochs", "checkpoint_every")
        return {
            "problem": self.problem.name,
            "equation": self.problem.spec.equation,
            "task": self.problem.task,
            "parameters": self.problem.params,
            "method": self.name,
            "options": {k: v for k, v in self.options.items() if k not in cadence},
            "budget": self.budget,
            "seed": self.seed,
            "checkpoint_version": CHECKPOINT_VERSION,
        }

    def network_config(self) -> dict[str, Any]:
        """{"type": registered network name, "kwargs": JSON constructor arguments}."""
        raise NotImplementedError

    @property
    def network(self) -> torch.nn.Module:
        raise NotImplementedError

    def extra_metrics(self) -> dict[str, Any]:
        return {}

    def extra_arrays(self) -> dict[str, np.ndarray]:
        """Arrays besides the weights that prediction needs (saved in the surrogate file)."""
        return {}

    def metadata(self) -> dict[str, Any]:
        """JSON metadata for the surrogate file (e.g. a symbolic formula); empty by default."""
        return {}

    @classmethod
    def predict(cls, surrogate: Any, inputs: np.ndarray) -> np.ndarray:
        """The surrogate's outputs for checked ``inputs`` (the task's calling convention)."""
        raise NotImplementedError

    @classmethod
    def learned_curves(cls, surrogate: Any, inputs: np.ndarray) -> list[tuple[str, Any, Any]]:
        """(label, x, y) curves of what the method learned, drawn beside its solution figure
        (a KAN's edge functions on the range of ``inputs``); none by default."""
        return []

    @classmethod
    def generate(cls, surrogate: Any, initial: np.ndarray, steps: int) -> np.ndarray:
        """A free run of ``steps`` states from ``initial`` (dynamics methods only)."""
        raise SciMLError(f"method {cls.name} does not generate trajectories")

    @classmethod
    def subregions(cls, surrogate: Any, initial: np.ndarray, steps: int) -> np.ndarray | None:
        """The linear subregion (an integer code) of each state of the free run ``generate``
        gives, for piecewise-linear dynamics models (alrnn); None for every other method."""
        return None


METHODS: Registry[type[Method]] = Registry("method")
