"""What a method must provide: options with per-budget defaults, ``fit``, and a surrogate.

A method is one module with a :class:`Method` subclass registered in ``METHODS``. The problem is
handed to it; the method never reaches into the problem's reference solver, and the problem never
knows the method (the diffrax split of ``ODETerm`` and solver).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from sciml.core.errors import SciMLError
from sciml.problems.base import Equation
from sciml.core.registry import Registry
from sciml.core.training import Phase, Trainer, TrainResult

BUDGETS = ("smoke", "default", "paper")


class Method:
    """Base class: subclasses set ``name``, ``tasks``, ``paper``, ``defaults`` and ``budgets``."""

    name: ClassVar[str] = ""
    tasks: ClassVar[tuple[str, ...]] = ()
    paper: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}
    budgets: ClassVar[dict[str, dict[str, Any]]] = {}

    def __init__(
        self,
        problem: Equation,
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
        self.options = self.resolve_options(problem, budget, options or {})

    @classmethod
    def budget_defaults(cls, problem: Equation, budget: str) -> dict[str, Any]:
        """Option values for ``budget``; override to tune per problem."""
        return dict(cls.budgets.get(budget, {}))

    @classmethod
    def resolve_options(
        cls, problem: Equation, budget: str, overrides: dict[str, Any]
    ) -> dict[str, Any]:
        options = {**cls.defaults, **cls.budget_defaults(problem, budget)}
        for key, value in overrides.items():
            if key not in cls.defaults:
                raise SciMLError(
                    f"unknown option {key!r} for method {cls.name}; "
                    f"valid: {', '.join(cls.defaults)}"
                )
            options[key] = parse_option(key, value, cls.defaults[key])
        return options

    @classmethod
    def problem_defaults(cls, equation: str, budget: str) -> dict[str, Any]:
        """Problem parameter values for ``budget`` (e.g. smaller datasets at smoke); ``--set``
        values override them."""
        return {}

    def fit(
        self,
        progress: bool = True,
        checkpoint_dir: Path | None = None,
        resume: bool = False,
        evaluate: Callable[[], dict[str, float]] | None = None,
    ) -> TrainResult:
        """Train; ``evaluate()`` scores the current state (for error-vs-time histories)."""
        raise NotImplementedError

    def trainer(
        self,
        net: torch.nn.Module,
        objective: Any,
        phases: list[Phase],
        evaluate: Callable[[], dict[str, float]] | None,
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
        )

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

    @classmethod
    def predict(cls, surrogate: Any, points: np.ndarray) -> np.ndarray:
        """Outputs at ``points`` (N, n_inputs) in the order ``surrogate.inputs``."""
        raise NotImplementedError


def parse_option(name: str, value: Any, default: Any) -> Any:
    """Convert a CLI string to the type of the option's default, or fail in one line."""
    if not isinstance(value, str):
        return value
    try:
        if isinstance(default, bool):
            if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return value.lower() in ("true", "1", "yes")
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, (list, tuple)):
            parsed = json.loads(value) if value.startswith("[") else value.split(",")
            return [type(default[0])(v) for v in parsed] if default else list(parsed)
    except (ValueError, json.JSONDecodeError):
        kind = type(default).__name__
        raise SciMLError(f"invalid value {value!r} for option {name}: expected {kind}") from None
    return value


METHODS: Registry[type[Method]] = Registry("method")
