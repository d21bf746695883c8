"""The ``sciml`` command: list, solve, eval, compare, data, sweep, bench.

Bad input ends with one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from pathlib import Path
from typing import Annotated, Any

import click
import typer

from sciml.core.errors import SciMLError

app = typer.Typer(
    help="Scientific machine learning: PINNs, neural operators and dynamics models, "
    "scored against trusted reference solvers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a problem parameter or method option, KEY=VALUE (repeatable), "
        "e.g. --set nu=0.001 --set adam_steps=5000.",
    ),
]
Budget = Annotated[
    str,
    typer.Option(
        help="smoke (about 20 s, pipeline check), default (at most 5 min on a 2-core CPU), "
        "paper (the paper's settings; meant for a GPU)."
    ),
]
Seed = Annotated[
    int, typer.Option(help="Random seed; the same seed gives the same numbers on CPU.")
]
Device = Annotated[str, typer.Option(help="auto (cuda when available), cpu or cuda.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
Threads = Annotated[
    int | None,
    typer.Option(
        min=1,
        max=1024,
        help="Torch CPU threads (default: OMP_NUM_THREADS if set, else the method's choice: 1 for "
        "the PINN family (small networks), one per core for the others). Errors depend on it at "
        "the last digits (float summation order); on a machine shared with other jobs, fewer "
        "threads than cores avoid spin-waiting. Recorded in metrics.json.",
    ),
]


Nproc = Annotated[
    int | None,
    typer.Option(
        min=1,
        max=1024,
        help="Train data-parallel in this many processes on this machine (torchrun --standalone "
        "--nproc_per_node N; one per GPU on CUDA): operator and PINN methods. See "
        "docs/scaling.md.",
    ),
]


def _one_process(command: str) -> None:
    """Commands other than ``solve`` write their files from every process: not under torchrun."""
    if os.environ.get("WORLD_SIZE", "1") not in ("", "0", "1"):
        raise SciMLError(
            f"sciml {command} runs in one process; under torchrun use `sciml solve` (for a "
            "comparison, one data-parallel solve per method)"
        )


def _set_threads(threads: int | None) -> None:
    if threads:
        import torch

        torch.set_num_threads(threads)


def parse_sets(values: list[str] | None) -> dict[str, str]:
    overrides = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SciMLError(f"invalid --set {item!r}: expected KEY=VALUE")
        overrides[key.strip()] = value.strip()
    return overrides


@app.command("list")
def list_command(
    problem: Annotated[
        str | None,
        typer.Argument(help="Show just this problem: a name, a .toml file or a .csv file."),
    ] = None,
) -> None:
    """List problems (tasks, parameters with defaults and ranges), methods and task kinds; with
    PROBLEM, just that problem."""
    from sciml.methods import METHODS
    from sciml.problems.spec import builtin_problem_names, load_spec
    from sciml.tasks import TASKS

    if problem is not None:
        _print_problem(load_spec(problem))
        return
    print("Problems:")
    for name in builtin_problem_names():
        _print_problem(load_spec(name))
    print("Methods:")
    for name in METHODS.names():
        method = METHODS.get(name)
        print(f"  {name:<22} tasks: {', '.join(method.tasks):<16} {method.paper}")
    print("Tasks:")
    for name in TASKS.names():
        task = TASKS.get(name)
        print(f"  {name:<22} headline: {task.metric:<10} {task.description}")
    print("A CSV file with --set target=COLUMN is a regression problem: sciml list DATA.csv")


def _print_problem(spec: Any) -> None:
    print(f"  {spec.name:<22} tasks: {', '.join(spec.tasks):<16} {spec.title}")
    for task in spec.tasks:
        for param in spec.task_parameters(task).values():
            default = (
                param.default if not isinstance(param.default, float) else f"{param.default:g}"
            )
            print(
                f"      [{task}] {param.name} = {default}  ({param.describe_range()})"
                + (f"  {param.description}" if param.description else "")
            )


@app.command()
def solve(
    problem: Annotated[
        str,
        typer.Argument(
            help="A problem name (see `sciml list`), a .toml problem file or a .csv table."
        ),
    ],
    method: Annotated[str, typer.Option(help="The method, e.g. pinn, causal-pinn.")],
    budget: Budget = "default",
    seed: Seed = 0,
    device: Device = "auto",
    out: Annotated[
        Path | None, typer.Option(help="Output directory (default: runs/PROBLEM-METHOD).")
    ] = None,
    set_: SetOption = None,
    resume: Annotated[bool, typer.Option(help="Continue from the checkpoints in --out.")] = False,
    threads: Threads = None,
    nproc: Nproc = None,
    quiet: Quiet = False,
) -> None:
    """Train METHOD on PROBLEM; write model.h5, metrics.json and solution.png."""
    import sciml
    from sciml.core import distributed
    from sciml.problems.spec import load_spec

    _set_threads(threads)
    overrides = parse_sets(set_)
    out = out or Path("runs") / f"{load_spec(problem).name}-{method}"
    if nproc is not None and nproc > 1:
        _check_nproc(nproc, problem, method, budget, seed, device, overrides)
        argv = ["solve", problem, "--method", method, "--budget", budget, "--seed", str(seed)]
        argv += ["--device", device, "--out", str(out)]
        argv += [a for item in set_ or [] for a in ("--set", item)]
        argv += ["--resume"] * resume + ["--quiet"] * quiet
        argv += ["--threads", str(threads)] if threads else []
        # the ranks (or the launcher, for a killed rank) have said what happened: exit quietly
        sys.exit(distributed.launch(nproc, argv))
    _, metrics = sciml.solve(
        problem,
        method,
        budget=budget,
        seed=seed,
        device=device,
        out=out,
        overrides=overrides,
        resume=resume,
        progress=not quiet,
        threads=threads,
    )
    if distributed.is_main():
        print(_summary(metrics) + f"  -> {out}")
        for line in metrics.get("formula", []):  # a method that reads as a formula (kan)
            print(f"  {line}")
        if "diverged" in metrics:
            print(f"warning: {metrics['diverged']}", file=sys.stderr)
    if "diverged" in metrics:
        raise typer.Exit(1)


def _check_nproc(
    nproc: int,
    problem: str,
    method: str,
    budget: str,
    seed: int,
    device: str,
    overrides: dict[str, str],
) -> None:
    """Everything about ``solve --nproc`` that can be refused before any process starts."""
    from sciml.api import check_solve
    from sciml.core import distributed
    from sciml.core.device import resolve_device

    if distributed.launched():
        raise SciMLError("--nproc starts torchrun itself; under torchrun leave it out")
    check_solve(problem, method, budget, seed, overrides, ranks=nproc)
    if resolve_device(device).type == "cuda":
        import torch

        if nproc > torch.cuda.device_count():
            raise SciMLError(
                f"--nproc {nproc} needs one CUDA device per process; this machine has "
                f"{torch.cuda.device_count()}"
            )


@app.command("eval")
def eval_command(
    model: Annotated[Path, typer.Argument(help="A model.h5 written by sciml.")],
) -> None:
    """Recompute a saved surrogate's metrics against the reference solver."""
    import sciml
    from sciml.core.io import json_text
    from sciml.tasks import TASKS

    metrics = sciml.evaluate_file(model)
    print(json_text(metrics))  # strict JSON: a NaN score is null
    headline = metrics.get(TASKS.get(metrics["task"]).metric)
    if not isinstance(headline, (int, float)) or not math.isfinite(headline):
        print(f"warning: {TASKS.get(metrics['task']).metric} is not finite", file=sys.stderr)
        raise typer.Exit(1)


@app.command()
def compare(
    problem: Annotated[
        str, typer.Argument(help="A problem name, a .toml problem file or a .csv table.")
    ],
    methods: Annotated[str, typer.Option(help="Comma-separated methods, e.g. pinn,causal-pinn.")],
    budget: Budget = "default",
    seed: Seed = 0,
    device: Device = "auto",
    out: Annotated[
        Path | None, typer.Option(help="Output directory (default: runs/PROBLEM-compare).")
    ] = None,
    set_: SetOption = None,
    threads: Threads = None,
    quiet: Quiet = False,
) -> None:
    """Run several methods on the same problem and seed; write comparison.png/.md/metrics.json."""
    import sciml
    from sciml.problems.spec import load_spec

    _one_process("compare")
    _set_threads(threads)
    names = [m.strip() for m in methods.split(",") if m.strip()]
    if not names:
        raise SciMLError("--methods is empty; give a comma-separated list, e.g. pinn,causal-pinn")
    out = out or Path("runs") / f"{load_spec(problem).name}-compare"
    rows = sciml.compare(
        problem,
        names,
        budget=budget,
        seed=seed,
        device=device,
        out=out,
        overrides=parse_sets(set_),
        progress=not quiet,
        threads=threads,
    )
    for row in rows:
        print(_summary(row))
    print(f"-> {out}/comparison.png, comparison.md, metrics.json")


@app.command()
def data(
    problem: Annotated[
        str, typer.Argument(help="A problem name, a .toml problem file or a .csv table.")
    ],
    task: Annotated[
        str | None, typer.Option(help="The task (default: the problem's first).")
    ] = None,
    seed: Seed = 0,
    out: Annotated[
        Path | None, typer.Option(help="Output file (default: datasets/ cache).")
    ] = None,
    set_: SetOption = None,
) -> None:
    """Solve the reference and write it to HDF5 (layout in docs/formats.md)."""
    _one_process("data")
    from sciml.api import write_dataset

    path = write_dataset(problem, task, parse_sets(set_), seed, out)
    print(path)


def _summary(metrics: dict[str, Any]) -> str:
    from sciml.tasks import TASKS

    return TASKS.get(metrics["task"]).summary(metrics)


# typer raises the usage errors of its own copy of click (missing option, bad integer, unknown
# command); both kinds are one line
_USAGE_ERRORS = tuple(
    {click.exceptions.UsageError}
    | {c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"}
)


def _one_line(text: str, limit: int = 1000) -> str:
    """Whatever a message quotes from a file, it prints as one line of at most ``limit``."""
    text = " ".join(text.splitlines())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _one_line_warning(
    message: Warning | str, category: type[Warning], *args: Any, **kw: Any
) -> str:
    return f"warning: {_one_line(str(message))}\n"


def main() -> None:
    """The console entry point: every SciMLError is one line on stderr and exit status 2.

    Under torchrun only rank 0 reports what every rank would (bad input, Ctrl-C); a rank that
    loses contact with another reports it in one line (exit status 1), unless ``--nproc``
    launched it: then the launcher names the rank that failed."""
    warnings.formatwarning = _one_line_warning
    try:
        code = app(standalone_mode=False, prog_name="sciml")
    except SciMLError as error:
        _report_error(error)
    except _USAGE_ERRORS as error:
        command = error.ctx.command_path if error.ctx else "sciml"
        if _speaks():
            print(f"error: {error.format_message()} (see {command} --help)", file=sys.stderr)
        _leave(2)
    except (KeyboardInterrupt, click.exceptions.Abort, typer.Abort):
        code = 130
    if code == 130 and _speaks():  # Ctrl-C: typer turns KeyboardInterrupt into this exit code
        print(
            "interrupted; rerun with --resume to continue from the last checkpoint", file=sys.stderr
        )
    _leave(code if isinstance(code, int) else 0)


def _report_error(error: SciMLError) -> None:
    """One line on stderr (see :func:`main` for who speaks under torchrun), then exit."""
    from sciml.core import distributed

    if isinstance(error, distributed.PeerLost):
        if not os.environ.get(distributed.LAUNCHER_ENV):
            print(
                f"error: {_one_line(str(error))}; rerun with --resume to continue from the last "
                "checkpoint",
                file=sys.stderr,
            )
            _leave(1)
        # stopped by our launcher: leave at once, without atexit callbacks (a library's
        # temporary-directory cleanup racing the launcher would print a traceback)
        sys.stderr.flush()
        os._exit(1)
    own = isinstance(error, distributed.RankError) or distributed.joined()
    if isinstance(error, distributed.RankZeroError):
        pass  # rank 0 reports it
    elif own and distributed.rank() > 0:  # this rank's own failure
        print(f"error: rank {distributed.rank()}: {_one_line(str(error))}", file=sys.stderr)
    elif _speaks():
        print(f"error: {_one_line(str(error))}", file=sys.stderr)
    _leave(2)


def _speaks() -> bool:
    """Rank 0 (or the only process) reports what every rank would."""
    return os.environ.get("RANK", "0") == "0"


def _leave(code: int) -> None:
    if "sciml.core.distributed" in sys.modules:  # leave torchrun's process group, if joined
        sys.modules["sciml.core.distributed"].shutdown()
    sys.exit(code)


@app.command()
def sweep(
    problem: Annotated[
        str, typer.Argument(help="A problem name, a .toml problem file or a .csv table.")
    ],
    param: Annotated[
        str, typer.Option(help="The problem parameter and its values, e.g. beta=10,30,50,100.")
    ],
    methods: Annotated[str, typer.Option(help="Comma-separated methods, e.g. pinn,lpinn.")],
    budget: Budget = "default",
    seed: Seed = 0,
    device: Device = "auto",
    out: Annotated[
        Path | None,
        typer.Option(help="Output directory for the runs (default: runs/PROBLEM-sweep-PARAM)."),
    ] = None,
    figure: Annotated[
        Path | None,
        typer.Option(help="The figure (rel. L2 vs the parameter) (default: OUT/sweep.png)."),
    ] = None,
    table: Annotated[
        Path | None, typer.Option(help="The markdown table (default: OUT/sweep.md).")
    ] = None,
    set_: SetOption = None,
    threads: Threads = None,
    quiet: Quiet = False,
) -> None:
    """Run several methods at several values of one problem parameter; write figure and table."""
    from sciml.problems.spec import load_spec

    _one_process("sweep")
    _set_threads(threads)
    from sciml.sweep import parse_param
    from sciml.sweep import sweep as run_sweep

    name, values = parse_param(param)
    names = [m.strip() for m in methods.split(",") if m.strip()]
    out = out or Path("runs") / f"{load_spec(problem).name}-sweep-{name}"
    rows = run_sweep(
        problem,
        name,
        values,
        names,
        budget=budget,
        seed=seed,
        device=device,
        out=out,
        figure=figure,
        table=table,
        overrides=parse_sets(set_),
        progress=not quiet,
        threads=threads,
    )
    for row in rows:
        print(f"{name} = {row['parameters'][name]:g}  " + _summary(row))
    print(f"-> {figure or out / 'sweep.png'}, {table or out / 'sweep.md'}, {out}/metrics.json")


@app.command()
def bench(
    quick: Annotated[
        bool, typer.Option("--quick", help="Only the smoke-budget runs (a few minutes).")
    ] = False,
    timing: Annotated[
        bool,
        typer.Option("--timing", help="Also flag training times that moved by more than 20%."),
    ] = False,
    only: Annotated[
        str | None,
        typer.Option(help="Comma-separated run ids of the manifest (sciml/bench/manifest.toml)."),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            min=1, help="Torch threads for every run (default: each run's recorded count)."
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option(help="Where results.json, results.md and the runs go.")
    ] = Path("bench"),
    manifest: Annotated[
        Path | None,
        typer.Option(help="Another manifest of runs (default: sciml/bench/manifest.toml)."),
    ] = None,
    device: Device = "auto",
    quiet: Quiet = False,
) -> None:
    """Regenerate the measured tables of docs/results.md from the manifest of runs; flag a change
    of more than 20% in error (or in time, with --timing). Exit status 1 when anything moved."""
    _one_process("bench")
    from sciml.bench import run_bench
    from sciml.bench.runner import MANIFEST

    ids = [i.strip() for i in only.split(",") if i.strip()] if only else None
    rows = run_bench(
        quick=quick,
        timing=timing,
        only=ids,
        out=out,
        threads=threads,
        device=device,
        manifest=manifest or MANIFEST,
        progress=not quiet,
    )
    changed = [r for r in rows if r["flags"]]
    print(
        f"-> {out}/results.json, {out}/results.md: {len(rows) - len(changed)} of {len(rows)} "
        "within 20% of the record"
        + (f"; changed: {', '.join(r['id'] for r in changed)}" if changed else "")
    )
    if changed:
        raise typer.Exit(1)
