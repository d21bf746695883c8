"""The operations behind the CLI: ``solve``, ``compare``, ``load``, ``evaluate_file``,
``write_dataset``.

``sciml.solve(problem, method, ...)`` is exactly ``sciml solve PROBLEM --method METHOD ...``. Here
a problem and a method meet: the problem's task (``sciml.tasks``) prepares the data, scores the
surrogate, draws the figures and checks the surrogate's inputs; the method trains. Whether they fit
is checked in one place, :func:`plan`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sciml.core.device import resolve_device
from sciml.core.errors import SciMLError
from sciml.core.io import atomic_path, directory_lock, ensure_directory, write_json
from sciml.core.surrogate import Surrogate, read_surrogate
from sciml.core.training import Evaluator
from sciml.core.version import __version__
from sciml.methods import METHODS, Method
from sciml.nets import NETWORKS
from sciml.problems.base import CAPABILITIES, EQUATIONS, Equation, load_problem
from sciml.problems.spec import BUDGETS, ProblemSpec, load_spec
from sciml.tasks import TASKS, Task


@dataclass(frozen=True)
class Plan:
    """A problem and a method that fit: the task, and ``--set`` values split between them."""

    spec: ProblemSpec
    method: type[Method]
    task: str
    problem_values: dict[str, Any]
    method_values: dict[str, Any]


def plan(problem: str, method: str, overrides: dict[str, Any] | None = None) -> Plan:
    """Check that ``method`` can solve ``problem`` (task kind and capabilities) and split the
    ``--set`` values; every mismatch is one line naming both sides."""
    method_cls = METHODS.get(method)
    spec = load_spec(problem)
    tasks = [t for t in method_cls.tasks if t in spec.tasks]
    if not tasks:
        raise SciMLError(
            f"method {method_cls.name} solves {'/'.join(method_cls.tasks)} tasks; problem "
            f"{spec.name} has {'/'.join(spec.tasks)}"
        )
    task = tasks[0]
    provides = EQUATIONS.get(spec.equation).provides
    missing = sorted(method_cls.needs - provides)
    if missing:
        raise SciMLError(
            f"method {method_cls.name} needs {', '.join(missing)} "
            f"({'; '.join(CAPABILITIES[m] for m in missing)}); problem {spec.name} provides "
            f"{', '.join(sorted(provides)) or 'nothing'}"
        )
    parameters = spec.task_parameters(task)
    options = method_cls.option_specs()
    problem_values, method_values = {}, {}
    for key, value in (overrides or {}).items():
        if key in parameters:
            problem_values[key] = value
        elif key in options:
            method_values[key] = value
        else:
            raise SciMLError(
                f"unknown --set key {key!r}; problem {spec.name} parameters: "
                f"{', '.join(parameters) or 'none'}; method {method_cls.name} options: "
                f"{', '.join(options)}"
            )
    return Plan(spec, method_cls, task, problem_values, method_values)


def solve(
    problem: str,
    method: str,
    *,
    budget: str = "default",
    seed: int = 0,
    device: str = "auto",
    out: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    resume: bool = False,
    progress: bool = True,
) -> tuple[Surrogate, dict[str, Any]]:
    """Train ``method`` on ``problem`` and score it against the reference solver.

    **Main arguments:** ``problem`` is a registered name or a problem file (TOML, or CSV for a
    regression); ``overrides`` maps problem parameters or method options to values (strings are
    parsed, every value is checked). **Returns:** the surrogate and its metrics. With ``out``,
    also writes ``model.h5``, ``metrics.json`` and ``solution.png`` there (and checkpoints, for
    ``resume``).
    """
    if budget not in BUDGETS:
        raise SciMLError(f"unknown budget {budget!r}; choices: {', '.join(BUDGETS)}")
    run = plan(problem, method, overrides)
    if out is None:
        return _solve(run, problem, budget, seed, device, None, resume, progress)
    out_dir = ensure_directory(out)
    with directory_lock(out_dir):
        return _solve(run, problem, budget, seed, device, out_dir, resume, progress)


def _solve(
    run: Plan,
    problem: str,
    budget: str,
    seed: int,
    device: str,
    out_dir: Path | None,
    resume: bool,
    progress: bool,
) -> tuple[Surrogate, dict[str, Any]]:
    sizes = run.spec.budget_parameters(run.task, budget)  # e.g. smaller data at smoke
    the_problem = load_problem(problem, run.task, {**sizes, **run.problem_values}, seed)
    torch_device = resolve_device(device)
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    runner = run.method(
        the_problem, budget=budget, options=run.method_values, device=torch_device, seed=seed
    )
    task = TASKS.get(run.task)

    reference_started = time.perf_counter()
    task.prepare(the_problem)  # solve (or load) it before the training clock starts
    reference_seconds = time.perf_counter() - reference_started

    def score() -> dict[str, Any]:
        return task.evaluate(_surrogate(runner, the_problem, task), the_problem)

    result = runner.fit(
        progress=progress,
        checkpoint_dir=out_dir,
        resume=resume,
        evaluate=Evaluator(task.metric, score),
    )
    surrogate = _surrogate(runner, the_problem, task)
    metrics: dict[str, Any] = {
        "problem": the_problem.name,
        "method": run.method.name,
        "task": run.task,
        **task.evaluate(surrogate, the_problem),
        "train_seconds": result.seconds,
        "steps": result.steps,
        "n_params": surrogate.n_params,
        "device": str(torch_device),
        "seed": seed,
        "budget": budget,
        "sciml_version": __version__,
        "parameters": the_problem.params,
        "options": runner.options,
        "reference_seconds": reference_seconds,
        **runner.extra_metrics(),
    }
    if result.diverged:
        metrics["diverged"] = result.diverged
    headline = metrics.get(task.metric)
    if not isinstance(headline, (int, float)) or not math.isfinite(headline):
        metrics["diverged"] = metrics.get("diverged") or f"{task.metric} is not finite"
    metrics["history"] = result.history
    surrogate.metrics = metrics
    if out_dir is not None:
        surrogate.save(out_dir / "model.h5")
        write_json(out_dir / "metrics.json", metrics)
        task.plot_solution(surrogate, the_problem, out_dir / "solution.png")
    return surrogate, metrics


def _surrogate(runner: Method, problem: Equation, task: Task) -> Surrogate:
    inputs, outputs = task.interface(problem)
    config = {
        "network": runner.network_config(),
        "options": runner.options,
        "problem": {
            "name": problem.name,
            "equation": problem.spec.equation,
            "title": problem.spec.title,
            "task": problem.task,
            "parameters": problem.params,
            "seed": problem.seed,
            "source": problem.spec.source,
        },
        "budget": runner.budget,
        "seed": runner.seed,
    }
    surrogate = Surrogate(
        problem=problem.name,
        method=runner.name,
        task=problem.task,
        inputs=inputs,
        outputs=outputs,
        config=config,
        network=runner.network,
        arrays=runner.extra_arrays(),
        metadata=runner.metadata(),
    )
    return _bind(surrogate, problem)


def _bind(surrogate: Surrogate, problem: Equation) -> Surrogate:
    """Attach the method's predict (and generate), behind the task's input checks."""
    method = METHODS.get(surrogate.method)
    task = TASKS.get(surrogate.task)

    def predict(s: Surrogate, inputs: Any) -> np.ndarray:
        return method.predict(s, task.check_inputs(problem, s, inputs))

    def generate(s: Surrogate, initial: Any, steps: int) -> np.ndarray:
        return method.generate(s, task.check_inputs(problem, s, initial), steps)

    return surrogate.bind(predict, generate if task.generates else None)


def load(path: str | Path, device: str = "cpu") -> Surrogate:
    """Read a surrogate file (no pickle: JSON and named arrays) ready to ``predict``."""
    surrogate = read_surrogate(
        path, lambda kind, kwargs: NETWORKS.get(kind)(**kwargs), str(resolve_device(device))
    )
    if surrogate.method not in METHODS or surrogate.task not in TASKS:
        raise SciMLError(
            f"{path} was written by method {surrogate.method!r} for task {surrogate.task!r}, "
            f"which this sciml does not have; methods: {', '.join(METHODS.names())}"
        )
    return _bind(surrogate, problem_of(surrogate))


def problem_of(surrogate: Surrogate) -> Equation:
    """Rebuild the problem a surrogate was trained on, from the file's metadata alone."""
    info = surrogate.config["problem"]
    spec = ProblemSpec(
        name=info["name"],
        equation=info["equation"],
        title=info.get("title", info["name"]),
        description="",
        parameters={},
        tasks={info["task"]: {}},
        source=info.get("source", ""),
    )
    return EQUATIONS.get(info["equation"])(spec, info["task"], info["parameters"], info["seed"])


def evaluate_file(path: str | Path) -> dict[str, Any]:
    """Recompute a saved surrogate's metrics against the reference solver."""
    surrogate = load(path)
    return {
        "problem": surrogate.problem,
        "method": surrogate.method,
        "task": surrogate.task,
        **TASKS.get(surrogate.task).evaluate(surrogate, problem_of(surrogate)),
        "n_params": surrogate.n_params,
        **({"metadata": surrogate.metadata} if surrogate.metadata else {}),
    }


def compare(
    problem: str,
    methods: list[str],
    *,
    budget: str = "default",
    seed: int = 0,
    device: str = "auto",
    out: str | Path = "runs/compare",
    overrides: dict[str, Any] | None = None,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Run each method on the same problem, task and seed; write the figure, table and metrics.

    Every method is checked before the first one trains, and all must solve the same task kind
    (a field PINN and an operator FNO answer different questions).
    """
    if not methods:
        raise SciMLError("no methods to compare; give a comma-separated list, e.g. pinn,lpinn")
    if len(set(methods)) != len(methods):
        raise SciMLError(f"a method is listed twice: {','.join(methods)}")
    plans = {name: plan(problem, name, overrides) for name in methods}
    tasks = {name: p.task for name, p in plans.items()}
    if len(set(tasks.values())) > 1:
        kinds = ", ".join(f"{name} ({task})" for name, task in tasks.items())
        raise SciMLError(f"cannot compare methods of different tasks: {kinds}; compare per task")
    out_dir = ensure_directory(out)
    runs = []
    for name in methods:
        surrogate, metrics = solve(
            problem,
            name,
            budget=budget,
            seed=seed,
            device=device,
            out=out_dir / name,
            overrides=overrides,
            progress=progress,
        )
        runs.append((surrogate, metrics))
    the_problem = problem_of(runs[0][0])
    task = TASKS.get(the_problem.task)
    task.plot_comparison(runs, the_problem, out_dir / "comparison.png")
    write_json(out_dir / "metrics.json", [m for _, m in runs])
    write_comparison_table(out_dir / "comparison.md", the_problem, [m for _, m in runs])
    return [m for _, m in runs]


def write_comparison_table(path: Path, problem: Equation, rows: list[dict[str, Any]]) -> None:
    """A markdown table with the task's columns, one row per method."""
    columns = TASKS.get(problem.task).table_columns()
    lines = [
        f"# {problem.spec.title}: method comparison",
        "",
        f"Problem `{problem.name}` with {format_params(problem.params)}; "
        f"budget `{rows[0]['budget']}`, seed {rows[0]['seed']}, device `{rows[0]['device']}`.",
        "",
        "| method | " + " | ".join(header for header, _ in columns) + " |",
        "| --- | " + " | ".join("---:" for _ in columns) + " |",
    ]
    for row in rows:
        cells = [_cell(fmt, row) for _, fmt in columns]
        lines.append(f"| {row['method']} | " + " | ".join(cells) + " |")
    with atomic_path(path) as temporary:
        temporary.write_text("\n".join(lines) + "\n")


def _cell(fmt: str, row: dict[str, Any]) -> str:
    try:
        return fmt.format_map(row)
    except (KeyError, ValueError, TypeError):
        return "n/a"


def format_params(params: dict[str, Any]) -> str:
    return ", ".join(
        f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in params.items()
    )


def write_dataset(
    problem: str,
    task: str | None = None,
    overrides: dict[str, Any] | None = None,
    seed: int = 0,
    out: str | Path | None = None,
) -> Path:
    """Solve the reference and write it as HDF5 (the cache path unless ``out`` is given)."""
    the_problem = load_problem(problem, task, overrides, seed)
    return TASKS.get(the_problem.task).write_dataset(the_problem, out)
