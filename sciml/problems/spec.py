"""Problem files: a problem's parameters (defaults, valid ranges) and tasks, described as data.

A problem file is TOML (see ``problems/*.toml`` and ``docs/problems.md``)::

    name = "burgers"
    equation = "burgers"            # the equation class that holds the physics, in code
    title = "Viscous Burgers equation"
    [parameters.nu]
    default = 0.0031830988618379067
    min = 1e-5
    max = 1.0
    description = "viscosity"
    [tasks.field]                   # tasks this problem serves
    [tasks.operator]
    defaults = { nu = 0.1 }         # per-task defaults and extra parameters
    [tasks.operator.budgets.smoke]  # problem parameters at a budget (e.g. smaller data)
    n_train = 48
    [tasks.operator.options.default]  # method options this problem tunes, for every method ...
    epochs = 20
    [tasks.operator.options.default.fno]  # ... or for one
    width = 36

A user's own file may say ``extends = "burgers"`` (or a path) and override any of this.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from sciml.core.errors import SciMLError
from sciml.core.options import Option
from sciml.data.tabular import read_csv_table

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PARAMETER_TYPES = ("float", "int", "formula", "choice", "list")
TASK_KEYS = ("defaults", "parameters", "budgets", "options")
BUDGETS = ("smoke", "default", "paper")


@dataclass(frozen=True)
class ProblemSpec:
    """A problem as data: the equation it uses, its parameters and the tasks it serves."""

    name: str
    equation: str
    title: str
    description: str
    parameters: dict[str, Option]
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = ""

    def task_parameters(self, task: str) -> dict[str, Option]:
        """The parameters of ``task``: shared ones with the task's defaults, plus its own."""
        if task not in self.tasks:
            raise SciMLError(
                f"problem {self.name!r} has no task {task!r}; tasks: {', '.join(self.tasks)}"
            )
        table = self.tasks[task]
        params = dict(self.parameters)
        for name, entry in table.get("parameters", {}).items():
            params[name] = _parameter(name, entry, self.source)
        for name, value in table.get("defaults", {}).items():
            if name not in params:
                raise SciMLError(
                    f"{self.source}: task {task!r} sets a default for unknown {name!r}"
                )
            params[name] = replace(params[name], default=params[name].parse(value))
        return params

    def budget_parameters(self, task: str, budget: str) -> dict[str, Any]:
        """Problem parameter values at ``budget`` (e.g. smaller datasets at smoke), from the
        ``[tasks.TASK.budgets.BUDGET]`` table; ``--set`` values override them."""
        return dict(self.tasks.get(task, {}).get("budgets", {}).get(budget, {}))

    def resolve(self, task: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Parameter values for ``task``: defaults, then ``overrides`` (each validated)."""
        params = self.task_parameters(task)
        values = {name: spec.default for name, spec in params.items()}
        for name, value in (overrides or {}).items():
            if name not in params:
                valid = ", ".join(params) or "none"
                raise SciMLError(
                    f"unknown parameter {name!r} for problem {self.name} ({task}); valid: {valid}"
                )
            values[name] = params[name].parse(value)
        return values

    def method_options(
        self, task: str, budget: str, method: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Method options this problem tunes: ``[tasks.TASK.options.all]`` and
        ``[tasks.TASK.options.BUDGET]`` hold values for every method of the task (a method
        skips keys it lacks), their ``.METHOD`` sub-tables values for one method (checked).
        Returns (shared, for this method); the budget's tables win over ``all``."""
        table = self.tasks.get(task, {}).get("options", {})
        shared: dict[str, Any] = {}
        specific: dict[str, Any] = {}
        for scope in ("all", budget):
            entries = table.get(scope, {})
            shared.update({k: v for k, v in entries.items() if not isinstance(v, dict)})
            specific.update(entries.get(method, {}))
        return shared, specific


def _parameter(name: str, entry: Any, source: str) -> Option:
    if not isinstance(entry, dict) or "default" not in entry:
        raise SciMLError(f"{source}: parameter {name!r} needs a table with a 'default'")
    unknown = set(entry) - {"default", "type", "min", "max", "choices", "variables", "description"}
    if unknown:
        raise SciMLError(f"{source}: parameter {name!r} has unknown keys {sorted(unknown)}")
    kind = entry.get("type", "float")
    if kind not in PARAMETER_TYPES:
        raise SciMLError(
            f"{source}: parameter {name!r} has type {kind!r}; choices: {', '.join(PARAMETER_TYPES)}"
        )
    spec = Option(
        name=name,
        default=entry["default"],
        type=kind,
        min=entry.get("min"),
        max=entry.get("max"),
        choices=tuple(entry.get("choices", ())),
        variables=tuple(entry.get("variables", ())),
        description=entry.get("description", ""),
    )
    return replace(spec, default=spec.parse(spec.default))


def _check_tasks(tasks: Any, source: str) -> None:
    if not isinstance(tasks, dict) or not tasks:
        raise SciMLError(f"problem file {source} names no [tasks.*] table")
    for task, table in tasks.items():
        unknown = set(table) - set(TASK_KEYS)
        if unknown:
            raise SciMLError(
                f"{source}: [tasks.{task}] has unknown keys {sorted(unknown)}; "
                f"valid: {', '.join(TASK_KEYS)}"
            )
        for key in ("budgets", "options"):
            for budget in table.get(key, {}):
                if budget not in (*BUDGETS, "all") or (key == "budgets" and budget == "all"):
                    raise SciMLError(
                        f"{source}: [tasks.{task}.{key}.{budget}] names no budget; "
                        f"choices: {', '.join(BUDGETS)}"
                    )


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def builtin_problem_names() -> list[str]:
    return sorted(p.name[:-5] for p in _builtin_dir().iterdir() if p.name.endswith(".toml"))


def _builtin_dir() -> Any:
    return resources.files("sciml.problem_files")


def _read_table(name_or_path: str, seen: tuple[str, ...] = ()) -> tuple[dict, str]:
    path = Path(name_or_path)
    # a file (or a .toml name) is a user's problem; a directory named like a problem (an earlier
    # run's --out, e.g. ./burgers) must not shadow the built-in one
    if name_or_path.endswith(".toml") or path.is_file():
        if not path.is_file():
            raise SciMLError(f"problem file {name_or_path!r} does not exist")
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error.strerror
            raise SciMLError(f"cannot read problem file {source}: {reason}") from None
    else:
        names = builtin_problem_names()
        if name_or_path not in names:
            raise SciMLError(f"unknown problem {name_or_path!r}; choices: {', '.join(names)}")
        source = f"problems/{name_or_path}.toml"
        text = (_builtin_dir() / f"{name_or_path}.toml").read_text()
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SciMLError(f"problem file {source} is not valid TOML: {error}") from None
    parent = table.pop("extends", None)
    if parent is not None:
        parent = str(parent)
        if (parent.endswith(".toml") or "/" in parent) and not Path(parent).is_absolute():
            if source.endswith(".toml") and Path(source).is_file():  # relative to this file
                parent = os.path.normpath(Path(source).parent / parent)
        if parent in seen:
            raise SciMLError(f"problem file {source} extends itself through {parent!r}")
        base, _ = _read_table(str(parent), (*seen, source))
        table = _merge(base, table)
    return table, source


def load_spec(name_or_path: str) -> ProblemSpec:
    """Read a built-in problem by name, a user's problem file by path, or a CSV file: a
    regression on its rows (the ``tabular`` equation; columns and split in ``docs/formats.md``)."""
    if str(name_or_path).lower().endswith(".csv"):
        return _csv_spec(str(name_or_path))
    table, source = _read_table(name_or_path)
    for key in ("name", "equation"):
        if key not in table:
            raise SciMLError(f"problem file {source} lacks the key {key!r}")
    params = {n: _parameter(n, e, source) for n, e in table.get("parameters", {}).items()}
    tasks = table.get("tasks", {})
    _check_tasks(tasks, source)
    return ProblemSpec(
        name=table["name"],
        equation=table["equation"],
        title=table.get("title", table["name"]),
        description=table.get("description", ""),
        parameters=params,
        tasks=tasks,
        source=source,
    )


def _csv_spec(path: str) -> ProblemSpec:
    """The problem of a CSV file, named after it; the file is read (and checked) here, so the
    target's choices are its columns."""
    table = read_csv_table(path)
    parameters = {
        "target": Option(
            table.columns[-1],
            type="choice",
            choices=table.columns,
            description="the column to predict; every other column is an input",
            name="target",
        ),
        "test_fraction": Option(  # in (0, 1), checked by the problem: Option bounds are closed
            0.2,
            description="share of the rows held out for testing, in (0, 1); the rows are drawn "
            "by a permutation seeded with the run's seed",
            name="test_fraction",
        ),
    }
    return ProblemSpec(
        name=Path(path).stem,
        equation="tabular",
        title=f"Regression on {Path(path).name}",
        description=f"{table.n_rows} rows; columns {', '.join(table.columns)}",
        parameters=parameters,
        tasks={"regression": {}},
        source=str(Path(path).resolve()),
    )
