"""Parameter sweeps: every method at every value of one problem parameter, on the same seed.

``sciml sweep convection-diffusion --param beta=10,30,50,100 --methods pinn,causal-pinn,lpinn``
is :func:`sweep` here: it runs :func:`sciml.api.solve` for each (value, method) pair and writes

* the figure: relative L2 error against the parameter, log y, one line per method;
* a markdown table of rel. L2 and training seconds (rows: values, columns: methods);
* ``metrics.json``: every run's metrics (without the per-step history, which stays in the run's
  own ``metrics.json`` under ``OUT/PARAM=VALUE/METHOD/``).

Every input is checked before the first run starts, so a typo fails in one line, not an hour in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from sciml.api import plan, solve
from sciml.core.errors import SciMLError
from sciml.core.io import atomic_path, ensure_directory, write_json
from sciml.problems.spec import BUDGETS, load_spec
from sciml.tasks import TASKS
from sciml.tasks.figures import plt, save_figure

NUMERIC_TYPES = ("float", "int")


def parse_param(text: str) -> tuple[str, list[str]]:
    """``"beta=10,30,50"`` -> ``("beta", ["10", "30", "50"])``, or a one-line error."""
    name, sep, values = text.partition("=")
    items = [v.strip() for v in values.split(",")]
    if not sep or not name.strip() or not values.strip() or any(not v for v in items):
        raise SciMLError(
            f"invalid --param {text!r}: expected NAME=V1,V2,... (e.g. beta=10,30,50,100)"
        )
    return name.strip(), items


def sweep(
    problem: str,
    param: str,
    values: list[Any],
    methods: list[str],
    *,
    budget: str = "default",
    seed: int = 0,
    device: str = "auto",
    out: str | Path = "runs/sweep",
    figure: str | Path | None = None,
    table: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    progress: bool = True,
    threads: int | None = None,
) -> list[dict[str, Any]]:
    """Solve ``problem`` with each method at each value of the problem parameter ``param``.

    **Main arguments:** ``values`` are parsed and range-checked like ``--set`` values;
    ``overrides`` are further ``--set`` values shared by every run.
    **Returns:** one metrics dict per run, in (value, method) order. Writes ``figure``
    (default ``OUT/sweep.png``), ``table`` (default ``OUT/sweep.md``) and ``OUT/metrics.json``.
    """
    overrides = dict(overrides or {})
    if not methods:
        raise SciMLError("--methods is empty; give a comma-separated list, e.g. pinn,lpinn")
    if len(set(methods)) != len(methods):
        raise SciMLError(f"--methods lists a method twice: {','.join(methods)}")
    if budget not in BUDGETS:
        raise SciMLError(f"unknown budget {budget!r}; choices: {', '.join(BUDGETS)}")
    spec = load_spec(problem)
    tasks = {plan(problem, name, overrides).task for name in methods}
    if len(tasks) > 1:
        raise SciMLError(f"cannot sweep methods of different tasks ({', '.join(sorted(tasks))})")
    task = tasks.pop()
    parameters = spec.task_parameters(task)
    if param not in parameters:
        raise SciMLError(
            f"unknown sweep parameter {param!r} for problem {spec.name}; "
            f"parameters: {', '.join(parameters)}"
        )
    if param in overrides:
        raise SciMLError(f"{param} is both swept (--param) and set (--set); give it once")
    if parameters[param].type not in NUMERIC_TYPES:
        kind = parameters[param].type
        raise SciMLError(f"can only sweep a numeric parameter; {param} is a {kind}")
    if not values:
        raise SciMLError(f"no values to sweep for {param}")
    numbers = [parameters[param].parse(v) for v in values]
    if len(set(numbers)) != len(numbers):
        raise SciMLError(f"--param {param} lists a value twice")

    command = (
        f"sciml sweep {spec.name} --param {param}={','.join(f'{v:g}' for v in numbers)} "
        f"--methods {','.join(methods)} --budget {budget} --seed {seed}"
        + "".join(f" --set {k}={v}" for k, v in overrides.items())
        + (f" --figure {figure}" if figure else "")
        + (f" --table {table}" if table else "")
    )
    out_dir = ensure_directory(out)
    figure = Path(figure) if figure else out_dir / "sweep.png"
    table = Path(table) if table else out_dir / "sweep.md"
    rows = []
    for value in numbers:
        for name in methods:
            _, metrics = solve(
                problem,
                name,
                budget=budget,
                seed=seed,
                device=device,
                out=out_dir / f"{param}={value:g}" / name,
                overrides={**overrides, param: value},
                progress=progress,
                threads=threads,
            )
            rows.append({k: v for k, v in metrics.items() if k != "history"})
    write_json(out_dir / "metrics.json", rows)
    plot_sweep(figure, spec.title, param, numbers, methods, rows)
    write_sweep_table(table, spec.title, param, numbers, methods, rows, command)
    return rows


def _cell(rows: list[dict[str, Any]], param: str, value: float, method: str) -> dict[str, Any]:
    return next(r for r in rows if r["method"] == method and r["parameters"][param] == value)


def plot_sweep(
    path: Path,
    title: str,
    param: str,
    values: list[float],
    methods: list[str],
    rows: list[dict[str, Any]],
) -> None:
    """The task's headline metric against the swept parameter, log y, one line per method."""
    task = TASKS.get(rows[0]["task"])
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for name in methods:
        errors = [_cell(rows, param, v, name)[task.metric] for v in values]
        ax.semilogy(values, errors, marker="o", lw=1.6, label=name)
    ax.set_xlabel(param)
    ax.set_ylabel(task.metric_label)
    ax.set_xticks(values)
    ax.grid(True, which="both", alpha=0.3)
    budget, device = rows[0]["budget"], rows[0]["device"]
    ax.set_title(
        f"{title}\n{task.metric_label} against {param} (budget {budget}, {device})", fontsize=10
    )
    ax.legend()
    save_figure(fig, path)


def write_sweep_table(
    path: Path,
    title: str,
    param: str,
    values: list[float],
    methods: list[str],
    rows: list[dict[str, Any]],
    command: str,
) -> None:
    """A markdown table: one row per value, the headline metric (training seconds) per method."""
    first = rows[0]
    task = TASKS.get(first["task"])
    fixed = {k: v for k, v in first["parameters"].items() if k != param}
    fixed_text = ", ".join(
        f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in fixed.items()
    )
    lines = [
        f"# {title}: {task.metric_label} against {param}",
        "",
        f"Generated by `{command}`.",
        "",
        f"Fixed parameters: {fixed_text}. Budget `{first['budget']}`, seed {first['seed']}, "
        f"device `{first['device']}`, {torch.get_num_threads()} torch thread(s), "
        f"sciml {first['sciml_version']}.",
        "",
        f"Each cell: {task.metric_label} (training seconds).",
        "",
        f"| {param} | " + " | ".join(methods) + " |",
        "| ---: | " + " | ".join("---:" for _ in methods) + " |",
    ]
    for value in values:
        cells = []
        for name in methods:
            row = _cell(rows, param, value, name)
            mark = " (diverged)" if "diverged" in row else ""
            score = row.get(task.metric)
            shown = f"{score:.2e}" if score is not None else "n/a"
            cells.append(f"{shown} ({row['train_seconds']:.0f} s){mark}")
        lines.append(f"| {value:g} | " + " | ".join(cells) + " |")
    with atomic_path(path) as temporary:
        temporary.write_text("\n".join(lines) + "\n")
