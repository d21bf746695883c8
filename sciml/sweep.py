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

from sciml.core.errors import SciMLError
from sciml.core.io import atomic_path, ensure_directory, write_json

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
    budget: str = "default",
    seed: int = 0,
    device: str = "auto",
    out: str | Path = "runs/sweep",
    figure: str | Path | None = None,
    table: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Solve ``problem`` with each method at each value of the problem parameter ``param``.

    **Main arguments:** ``values`` are parsed and range-checked like ``--set`` values;
    ``overrides`` are further ``--set`` values shared by every run.
    **Returns:** one metrics dict per run, in (value, method) order. Writes ``figure``
    (default ``OUT/sweep.png``), ``table`` (default ``OUT/sweep.md``) and ``OUT/metrics.json``.
    """
    from sciml.api import _split_overrides, solve
    from sciml.methods import METHODS
    from sciml.methods.base import BUDGETS
    from sciml.problems.spec import load_spec

    overrides = dict(overrides or {})
    if not methods:
        raise SciMLError("--methods is empty; give a comma-separated list, e.g. pinn,lpinn")
    if len(set(methods)) != len(methods):
        raise SciMLError(f"--methods lists a method twice: {','.join(methods)}")
    if budget not in BUDGETS:
        raise SciMLError(f"unknown budget {budget!r}; choices: {', '.join(BUDGETS)}")
    spec = load_spec(problem)
    for name in methods:
        task, _, _ = _split_overrides(problem, METHODS.get(name), overrides)
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
                budget,
                seed,
                device,
                out_dir / f"{param}={value:g}" / name,
                {**overrides, param: value},
                progress=progress,
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
    """rel. L2 against the swept parameter, log y, one line per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for name in methods:
        errors = [_cell(rows, param, v, name)["rel_l2"] for v in values]
        ax.semilogy(values, errors, marker="o", lw=1.6, label=name)
    ax.set_xlabel(param)
    ax.set_ylabel("relative L2 error")
    ax.set_xticks(values)
    ax.grid(True, which="both", alpha=0.3)
    budget, device = rows[0]["budget"], rows[0]["device"]
    ax.set_title(f"{title}\nrel. L2 against {param} (budget {budget}, {device})", fontsize=10)
    ax.legend()
    with atomic_path(path) as temporary:
        fig.savefig(temporary, dpi=150, bbox_inches="tight", format="png")
    plt.close(fig)


def write_sweep_table(
    path: Path,
    title: str,
    param: str,
    values: list[float],
    methods: list[str],
    rows: list[dict[str, Any]],
    command: str,
) -> None:
    """A markdown table: one row per value, rel. L2 (training seconds) per method."""
    first = rows[0]
    fixed = {k: v for k, v in first["parameters"].items() if k != param}
    fixed_text = ", ".join(
        f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in fixed.items()
    )
    lines = [
        f"# {title}: relative L2 error against {param}",
        "",
        f"Generated by `{command}`.",
        "",
        f"Fixed parameters: {fixed_text}. Budget `{first['budget']}`, seed {first['seed']}, "
        f"device `{first['device']}`, {torch.get_num_threads()} torch thread(s), "
        f"sciml {first['sciml_version']}.",
        "",
        "Each cell: rel. L2 error on the reference grid (training seconds).",
        "",
        f"| {param} | " + " | ".join(methods) + " |",
        "| ---: | " + " | ".join("---:" for _ in methods) + " |",
    ]
    for value in values:
        cells = []
        for name in methods:
            row = _cell(rows, param, value, name)
            mark = " (diverged)" if "diverged" in row else ""
            cells.append(f"{row['rel_l2']:.2e} ({row['train_seconds']:.0f} s){mark}")
        lines.append(f"| {value:g} | " + " | ".join(cells) + " |")
    with atomic_path(path) as temporary:
        temporary.write_text("\n".join(lines) + "\n")
