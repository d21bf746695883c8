"""The operations behind the CLI: ``solve``, ``compare``, ``evaluate_file``, ``write_dataset``.

``sciml.solve(problem, method, ...)`` is exactly ``sciml solve PROBLEM --method METHOD ...``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

import sciml
from sciml.core.errors import SciMLError
from sciml.tasks.evaluation import evaluate
from sciml.core.io import ensure_directory, write_json
from sciml.methods import METHODS, Method
from sciml.problems.base import Equation, load_problem
from sciml.problems.spec import load_spec
from sciml.core.surrogate import Surrogate, load

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(device: str) -> torch.device:
    if device not in DEVICES:
        raise SciMLError(f"unknown device {device!r}; choices: {', '.join(DEVICES)}")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise SciMLError("--device cuda was requested but no CUDA device is available; use cpu")
    return torch.device(device)


def _split_overrides(
    problem: str, method_cls: type[Method], overrides: dict[str, Any]
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Pick the task and split ``--set`` values into problem parameters and method options."""
    spec = load_spec(problem)
    tasks = [t for t in method_cls.tasks if t in spec.tasks]
    if not tasks:
        raise SciMLError(
            f"method {method_cls.name} solves {'/'.join(method_cls.tasks)} tasks; problem "
            f"{spec.name} has {'/'.join(spec.tasks)}"
        )
    task = tasks[0]
    parameters = spec.task_parameters(task)
    problem_values, method_values = {}, {}
    for key, value in overrides.items():
        if key in parameters:
            problem_values[key] = value
        elif key in method_cls.defaults:
            method_values[key] = value
        else:
            raise SciMLError(
                f"unknown --set key {key!r}; problem {spec.name} parameters: "
                f"{', '.join(parameters)}; method {method_cls.name} options: "
                f"{', '.join(method_cls.defaults)}"
            )
    return task, problem_values, method_values


def solve(
    problem: str,
    method: str,
    budget: str = "default",
    seed: int = 0,
    device: str = "auto",
    out: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    resume: bool = False,
    progress: bool = True,
) -> tuple[Surrogate, dict[str, Any]]:
    """Train ``method`` on ``problem`` and score it against the reference solver.

    **Main arguments:** ``problem`` is a registered name or a problem file; ``overrides`` maps
    problem parameters or method options to values (strings are parsed and range-checked).
    **Returns:** the surrogate and its metrics. With ``out``, also writes ``model.h5``,
    ``metrics.json`` and ``solution.png`` there (and checkpoints, for ``resume``).
    """
    method_cls = METHODS.get(method)
    task, problem_values, method_values = _split_overrides(problem, method_cls, overrides or {})
    spec = load_spec(problem)
    sizes = method_cls.problem_defaults(spec.equation, budget)  # e.g. smaller data at smoke
    known = spec.task_parameters(task)
    problem_values = {**{k: v for k, v in sizes.items() if k in known}, **problem_values}
    the_problem = load_problem(problem, task, problem_values, seed)
    torch_device = resolve_device(device)
    out_dir = ensure_directory(out) if out is not None else None
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    runner = method_cls(the_problem, budget, method_values, torch_device, seed)

    reference_started = time.perf_counter()
    _prepare_reference(the_problem)  # solve (or load) it before the training clock starts
    reference_seconds = time.perf_counter() - reference_started

    def score() -> dict[str, Any]:
        return evaluate(_surrogate(runner, the_problem, {}), the_problem)

    result = runner.fit(progress=progress, checkpoint_dir=out_dir, resume=resume, evaluate=score)
    surrogate = _surrogate(runner, the_problem, {})
    metrics: dict[str, Any] = {
        "problem": the_problem.name,
        "method": method_cls.name,
        "task": task,
        **evaluate(surrogate, the_problem),
        "train_seconds": result.seconds,
        "steps": result.steps,
        "n_params": surrogate.n_params,
        "device": str(torch_device),
        "seed": seed,
        "budget": budget,
        "sciml_version": sciml.__version__,
        "parameters": the_problem.params,
        "options": runner.options,
        "reference_seconds": reference_seconds,
        **runner.extra_metrics(),
    }
    if result.diverged:
        metrics["diverged"] = result.diverged
    metrics["history"] = result.history
    surrogate.metrics = metrics
    if out_dir is not None:
        from sciml.tasks.figures import plot_solution

        surrogate.save(out_dir / "model.h5")
        write_json(out_dir / "metrics.json", metrics)
        plot_solution(surrogate, the_problem, out_dir / "solution.png")
    return surrogate, metrics


def _prepare_reference(problem: Equation) -> Any:
    """The reference data of the problem's task: a field solution or an operator dataset."""
    if problem.task == "operator":
        return problem.operator_dataset()
    return problem.reference()


def _surrogate(runner: Method, problem: Equation, metrics: dict[str, Any]) -> Surrogate:
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
        },
        "budget": runner.budget,
        "seed": runner.seed,
    }
    return Surrogate(
        problem=problem.name,
        method=runner.name,
        task=problem.task,
        inputs=problem.inputs,
        outputs=problem.outputs,
        config=config,
        network=runner.network,
        metrics=metrics,
        arrays=runner.extra_arrays(),
    )


def problem_of(surrogate: Surrogate) -> Equation:
    """Rebuild the problem a surrogate was trained on, from the file's metadata alone."""
    from sciml.problems.base import EQUATIONS
    from sciml.problems.spec import ProblemSpec

    info = surrogate.config["problem"]
    spec = ProblemSpec(
        name=info["name"],
        equation=info["equation"],
        title=info.get("title", info["name"]),
        description="",
        parameters={},
        tasks={info["task"]: {}},
    )
    import sciml.problems  # noqa: F401

    return EQUATIONS.get(info["equation"])(spec, info["task"], info["parameters"], info["seed"])


def evaluate_file(path: str | Path) -> dict[str, Any]:
    """Recompute a saved surrogate's metrics against the reference solver."""
    surrogate = load(path)
    return {
        "problem": surrogate.problem,
        "method": surrogate.method,
        "task": surrogate.task,
        **evaluate(surrogate, problem_of(surrogate)),
        "n_params": surrogate.n_params,
    }


def compare(
    problem: str,
    methods: list[str],
    budget: str = "default",
    seed: int = 0,
    device: str = "auto",
    out: str | Path = "runs/compare",
    overrides: dict[str, Any] | None = None,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Run each method on the same problem and seed; write the figure, table and metrics."""
    from sciml.tasks.figures import plot_comparison

    for name in methods:
        METHODS.get(name)
    out_dir = ensure_directory(out)
    runs = []
    for name in methods:
        surrogate, metrics = solve(
            problem, name, budget, seed, device, out_dir / name, overrides, progress=progress
        )
        runs.append((surrogate, metrics))
    the_problem = problem_of(runs[0][0])
    plot_comparison(runs, the_problem, out_dir / "comparison.png")
    write_json(out_dir / "metrics.json", [m for _, m in runs])
    write_comparison_table(out_dir / "comparison.md", the_problem, [m for _, m in runs])
    return [m for _, m in runs]


def write_comparison_table(path: Path, problem: Equation, rows: list[dict[str, Any]]) -> None:
    from sciml.core.io import atomic_path

    lines = [
        f"# {problem.spec.title}: method comparison",
        "",
        f"Problem `{problem.name}` with {_format_params(problem.params)}; "
        f"budget `{rows[0]['budget']}`, seed {rows[0]['seed']}, device `{rows[0]['device']}`.",
        "",
    ]
    if problem.task == "operator":  # epochs and seconds per epoch matter for operator learning
        lines += [
            "| method | rel. L2 (test mean) | parameters | epochs | seconds per epoch | "
            "train seconds |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for row in rows:
            lines.append(
                f"| {row['method']} | {row['rel_l2']:.3e} | {row['n_params']:,} | "
                f"{row.get('epochs', 0):g} | {row.get('seconds_per_epoch', float('nan')):.2f} | "
                f"{row['train_seconds']:.1f} |"
            )
    else:
        lines += ["| method | rel. L2 | train seconds | parameters |"]
        lines += ["| --- | ---: | ---: | ---: |"]
        for row in rows:
            lines.append(
                f"| {row['method']} | {row['rel_l2']:.3e} | {row['train_seconds']:.1f} | "
                f"{row['n_params']:,} |"
            )
    with atomic_path(path) as temporary:
        temporary.write_text("\n".join(lines) + "\n")


def _format_params(params: dict[str, Any]) -> str:
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
    from sciml.data.cache import cache_path, write_field_reference

    the_problem = load_problem(problem, task, overrides, seed)
    if the_problem.task == "operator":
        from sciml.data import operator as operator_data

        dataset = the_problem.operator_dataset()  # generated and cached at the stored resolution
        path = operator_data.cache_path(the_problem)
        if out:
            path = operator_data.write_operator_dataset(out, the_problem, dataset)
        return path
    path = Path(out) if out else cache_path(the_problem)
    return write_field_reference(path, the_problem, the_problem.reference())
