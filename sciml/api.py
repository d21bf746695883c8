"""The operations behind the CLI: ``solve``, ``compare``, ``load``, ``evaluate_file``,
``write_dataset``.

``sciml.solve(problem, method, ...)`` is exactly ``sciml solve PROBLEM --method METHOD ...``. Here
a problem and a method meet: the problem's task (``sciml.tasks``) prepares the data, scores the
surrogate, draws the figures and checks the surrogate's inputs; the method trains. Whether they fit
is checked in one place, :func:`plan`.

Under torchrun (``sciml solve --nproc N``) every rank runs :func:`solve`: the data-parallel
methods train on their share of each batch (:mod:`sciml.core.distributed`), rank 0 prepares the
reference first (the others then read its cache), scores the model and writes every file, and
every rank returns rank 0's metrics.
"""

from __future__ import annotations

import contextlib
import difflib
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sciml.core import distributed
from sciml.core.device import resolve_device
from sciml.core.errors import SciMLError, SurrogateFormatError, brief
from sciml.core.io import atomic_path, directory_lock, ensure_directory, write_json
from sciml.core.memory import build_on_meta, check_memory
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
    missing = sorted(method_cls.needs_of(task) - provides)
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
            close = difflib.get_close_matches(key, [*parameters, *options], n=3, cutoff=0.6)
            known = (
                f"did you mean {', '.join(close)}?"
                if close
                else f"method {method_cls.name} options: {', '.join(options)}"
            )
            raise SciMLError(
                f"unknown --set key {key[:40]!r}; problem {spec.name} parameters: "
                f"{', '.join(parameters) or 'none'}; {known}"
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
    threads: int | None = None,
) -> tuple[Surrogate, dict[str, Any]]:
    """Train ``method`` on ``problem`` and score it against the reference solver.

    **Main arguments:** ``problem`` is a registered name or a problem file (TOML, or CSV for a
    regression); ``overrides`` maps problem parameters or method options to values (strings are
    parsed, every value is checked). **Returns:** the surrogate and its metrics. With ``out``,
    also writes ``model.h5``, ``metrics.json`` and ``solution.png`` there (and checkpoints, for
    ``resume``). ``threads``: torch's CPU threads for this run; by default the method's
    ``cpu_threads`` (1 for the PINN family) unless ``OMP_NUM_THREADS`` is set, else torch's.
    """
    run = check_solve(problem, method, budget, seed, overrides, ranks=distributed.world_size())
    torch_device = distributed.init(resolve_device(device))
    with cpu_threads(run.method, torch_device, threads):
        return _solve_in(run, problem, budget, seed, torch_device, out, resume, progress)


@contextlib.contextmanager
def cpu_threads(method: type[Method], device: torch.device, threads: int | None) -> Iterator[None]:
    """Torch's thread count for one run: ``threads``, else the method's default on CPU when the
    environment does not set ``OMP_NUM_THREADS``; restored afterwards."""
    chosen = threads
    if chosen is None and device.type == "cpu" and not os.environ.get("OMP_NUM_THREADS"):
        chosen = method.cpu_threads
    before = torch.get_num_threads()
    if chosen:
        torch.set_num_threads(int(chosen))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _solve_in(
    run: Plan,
    problem: str,
    budget: str,
    seed: int,
    torch_device: torch.device,
    out: str | Path | None,
    resume: bool,
    progress: bool,
) -> tuple[Surrogate, dict[str, Any]]:
    if out is None:
        return _solve(run, problem, budget, seed, torch_device, None, resume, progress)
    lock = contextlib.ExitStack()

    def take(directory: str | Path) -> Path:  # rank 0's; its failure is every rank's error
        lock.enter_context(directory_lock(ensure_directory(directory)))
        return Path(directory)

    out_dir = distributed.from_main(lambda: take(out))
    with lock:
        return _solve(run, problem, budget, seed, torch_device, out_dir, resume, progress)


def check_solve(
    problem: str,
    method: str,
    budget: str = "default",
    seed: int = 0,
    overrides: dict[str, Any] | None = None,
    ranks: int = 1,
) -> Plan:
    """The checks of :func:`solve` that need no training (budget, seed, :func:`plan`, and
    whether the method trains data-parallel when ``ranks`` > 1), each failure one line."""
    if budget not in BUDGETS:
        raise SciMLError(f"unknown budget {budget!r}; choices: {', '.join(BUDGETS)}")
    check_seed(seed)
    run = plan(problem, method, overrides)
    if ranks > 1 and not run.method.data_parallel:
        parallel = ", ".join(n for n in METHODS.names() if METHODS.get(n).data_parallel)
        raise SciMLError(
            f"method {run.method.name} does not train data-parallel; run it in one process "
            f"(without torchrun or --nproc); data-parallel methods: {parallel}"
        )
    return run


def _solve(
    run: Plan,
    problem: str,
    budget: str,
    seed: int,
    torch_device: torch.device,
    out_dir: Path | None,
    resume: bool,
    progress: bool,
) -> tuple[Surrogate, dict[str, Any]]:
    sizes = run.spec.budget_parameters(run.task, budget)  # e.g. smaller data at smoke
    the_problem = load_problem(problem, run.task, {**sizes, **run.problem_values}, seed)
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    runner = run.method(
        the_problem, budget=budget, options=run.method_values, device=torch_device, seed=seed
    )
    task = TASKS.get(run.task)

    reference_started = time.perf_counter()
    # solve (or load) it before the training clock starts; rank 0 first, who fills the cache
    distributed.main_first(lambda: task.prepare(the_problem))
    reference_seconds = time.perf_counter() - reference_started
    check_network_memory(runner)

    def score() -> dict[str, Any]:
        return task.evaluate(_surrogate(runner, the_problem, task), the_problem)

    result = runner.fit(
        progress=progress,
        checkpoint_dir=out_dir,
        resume=resume,
        evaluate=Evaluator(task.metric, score),
    )
    surrogate = _surrogate(runner, the_problem, task)

    def finish() -> dict[str, Any]:
        """Score the surrogate; with ``out_dir``, write model.h5, metrics.json, the figure."""
        try:
            scores = task.evaluate(surrogate, the_problem)
        except Exception as error:
            if out_dir is None:
                raise
            # a finished training is never lost to a failure in scoring it (e.g. its reference data)
            surrogate.metrics = {"scoring_error": str(error)[:300], "steps": result.steps}
            surrogate.save(out_dir / "model.h5")
            if not isinstance(error, SciMLError):
                raise
            raise SciMLError(
                f"{error}; the trained model is saved in {out_dir / 'model.h5'}: score it with "
                "`sciml eval` once this is fixed"
            ) from None
        metrics: dict[str, Any] = {
            "problem": the_problem.name,
            "method": run.method.name,
            "task": run.task,
            **scores,
            "train_seconds": result.seconds,
            "steps": result.steps,
            "n_params": surrogate.n_params,
            "device": str(torch_device),
            "threads": torch.get_num_threads(),
            **({"ranks": distributed.world_size()} if distributed.active() else {}),
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
        return metrics

    # rank 0 scores and writes; every rank returns its metrics
    surrogate.metrics = distributed.from_main(finish)
    return surrogate, surrogate.metrics


def check_network_memory(runner: Method) -> None:
    """Refuse a training that could not fit in memory, before the network is built. The network
    is counted on the meta device (nothing allocated): its parameters times 6 (weights, gradients,
    two Adam moments, the trainer's last finite copy, a checkpoint's; plus 100 for an L-BFGS
    history of 50 steps) and, for point-wise networks, the activations of a batch: points
    (``n_collocation + n_initial + n_boundary``) x hidden units x 6 (1 + inputs) values (the
    residual's derivatives; measured: about 12.5 per point and unit for 2 inputs)."""
    config = runner.network_config()
    rng = torch.get_rng_state()
    try:
        skeleton = build_on_meta(lambda: NETWORKS.get(config["type"])(**config["kwargs"]))
    except Exception:  # noqa: BLE001 - not buildable on meta: nothing to estimate
        return
    finally:
        torch.set_rng_state(rng)
    value_bytes = 8 if runner.options.get("dtype") == "float64" else 4
    count = sum(p.numel() for p in skeleton.parameters())
    state = count * value_bytes * (6 + (100 if runner.options.get("lbfgs_steps") else 0))
    units = sum(m.out_features for m in skeleton.modules() if isinstance(m, torch.nn.Linear))
    points = sum(
        int(runner.options.get(k, 0)) for k in ("n_collocation", "n_initial", "n_boundary")
    )
    activations = points * units * value_bytes * 6 * (1 + len(runner.problem.inputs))
    check_memory(
        state + activations,
        f"training the {runner.name} network ({count:,} parameters"
        + (f", {points:,} points per step)" if points else ")"),
        "use a smaller network (width, depth, layers, windows) or fewer points",
    )


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


def _bind(surrogate: Surrogate, problem: Equation, source: Path | None = None) -> Surrogate:
    """Attach the method's predict (and generate), behind the task's input checks; for a
    surrogate read from ``source``, a network that fails on checked inputs is reported as a
    malformed file (its config describes no working network), in one line."""
    method = METHODS.get(surrogate.method)
    task = TASKS.get(surrogate.task)

    def predict(s: Surrogate, inputs: Any) -> np.ndarray:
        checked = task.check_inputs(problem, s, inputs)
        with _file_network(source):
            return method.predict(s, checked)

    def generate(s: Surrogate, initial: Any, steps: int) -> np.ndarray:
        checked = task.check_inputs(problem, s, initial)
        with _file_network(source):
            return method.generate(s, checked, steps)

    return surrogate.bind(predict, generate if task.generates else None)


@contextlib.contextmanager
def _file_network(source: Path | None) -> Iterator[None]:
    try:
        yield
    except SciMLError:
        raise
    except Exception as error:
        if source is None:
            raise
        reason = (str(error).strip().splitlines() or [""])[0][:160]
        raise SurrogateFormatError(
            f"{source} is malformed: its network fails on valid inputs "
            f"({type(error).__name__}: {reason})"
        ) from None


def load(path: str | Path, device: str = "cpu") -> Surrogate:
    """Read a surrogate file (no pickle: JSON and named arrays) ready to ``predict``."""
    surrogate = read_surrogate(
        path, lambda kind, kwargs: NETWORKS.get(kind)(**kwargs), str(resolve_device(device))
    )
    if surrogate.method not in METHODS or surrogate.task not in TASKS:
        raise SciMLError(
            f"{path} was written by method {brief(surrogate.method)} for task "
            f"{brief(surrogate.task)}, "
            f"which this sciml does not have; methods: {', '.join(METHODS.names())}"
        )
    return _bind(surrogate, problem_of(surrogate), Path(path))


def problem_of(surrogate: Surrogate) -> Equation:
    """Rebuild the problem a surrogate was trained on, from the file's metadata alone; the stored
    parameter values are checked again by the problem's own ranges (:func:`stored_parameters`)."""
    info = surrogate.config.get("problem") if isinstance(surrogate.config, dict) else None
    if (
        not isinstance(info, dict)
        or not all(isinstance(info.get(k), str) for k in ("name", "equation", "task"))
        or not isinstance(info.get("parameters"), dict)
        or not isinstance(info.get("seed"), int)
        or isinstance(info.get("seed"), bool)
    ):
        raise SurrogateFormatError(
            "the surrogate's config.problem is malformed: it needs name, equation and task "
            "(strings), parameters (an object) and seed (an integer)"
        )
    check_seed(info["seed"])
    parameters = stored_parameters(info)
    spec = ProblemSpec(
        name=info["name"],
        equation=info["equation"],
        title=info.get("title", info["name"]),
        description="",
        parameters={},
        tasks={info["task"]: {}},
        source=info.get("source", ""),
    )
    return EQUATIONS.get(info["equation"])(spec, info["task"], parameters, info["seed"])


def stored_parameters(info: dict[str, Any]) -> dict[str, Any]:
    """A surrogate's stored parameter values, each parsed again by its problem's option (type,
    range, formula bounds), so that a file cannot ask for what a ``--set`` could not: by the
    problem file it names when that can be read, else by the built-in problem of its equation;
    values that neither knows are kept as stored."""
    name, source, stored = info["name"], str(info.get("source", "")), info["parameters"]
    candidates = [name] if source == f"problems/{name}.toml" else [source] if source else []
    for candidate in (*candidates, info["equation"]):  # built-ins are named after their equation
        try:
            options = load_spec(candidate).task_parameters(info["task"])
        except SciMLError:
            continue
        missing = sorted(set(options) - set(stored))
        if missing:
            raise SurrogateFormatError(
                f"the surrogate records no value for the parameter(s) {', '.join(missing)}"
            )
        try:
            return {k: options[k].parse(v) if k in options else v for k, v in stored.items()}
        except SciMLError as error:
            raise SciMLError(f"the surrogate records a parameter out of range: {error}") from None
    return dict(stored)


def check_seed(seed: Any) -> int:
    """Seeds are integers in [0, 2^62): every generator derived from one (2 seed + 1) fits."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**62:
        raise SciMLError(f"invalid seed {str(seed)[:40]}: expected an integer in [0, 2^62)")
    return seed


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
    threads: int | None = None,
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
    out_dir = ensure_directory(out) if distributed.is_main() else Path(out)
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
            threads=threads,
        )
        runs.append((surrogate, metrics))
    if distributed.is_main():  # under torchrun, each solve above was data-parallel
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
    the_problem = load_problem(problem, task, overrides, check_seed(seed))
    return TASKS.get(the_problem.task).write_dataset(the_problem, out)
