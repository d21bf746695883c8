"""Load the bench manifest, run its entries, compare them with their records, write the tables."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from sciml.api import plan, solve
from sciml.core.errors import SciMLError
from sciml.core.io import atomic_path, ensure_directory, write_json
from sciml.problems.spec import BUDGETS, tomllib
from sciml.tasks import TASKS

MANIFEST = Path(__file__).with_name("manifest.toml")
TOLERANCE = 0.2  # a change of more than 20% is flagged
OVERHEAD_SECONDS = 20.0  # per run: imports, data, reference, evaluation, figure


@dataclass(frozen=True)
class BenchRun:
    """One manifest entry: a ``sciml solve`` (or a benchmark ``script``) and its record."""

    id: str
    group: str
    problem: str = ""
    method: str = ""
    budget: str = "default"
    seed: int = 0
    settings: dict[str, Any] = field(default_factory=dict)
    threads: int | None = None
    recorded: dict[str, float] = field(default_factory=dict)
    script: str = ""
    note: str = ""

    @property
    def quick(self) -> bool:
        return self.budget == "smoke" and not self.script

    @property
    def metric(self) -> str:
        """The headline error: the task's metric (rel_l2, d_stsp, r2, ...)."""
        if self.script:
            return "rel_l2"
        return TASKS.get(plan(self.problem, self.method, self.settings).task).metric


def load_manifest(path: str | Path = MANIFEST) -> list[BenchRun]:
    """The manifest's runs, each checked (problem, method, budget, settings) before any runs."""
    try:
        with open(path, "rb") as f:
            table = tomllib.load(f)
    except FileNotFoundError:
        raise SciMLError(f"bench manifest not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SciMLError(f"bench manifest {path} is not valid TOML: {error}") from None
    runs, seen = [], set()
    for k, entry in enumerate(table.get("run", [])):
        try:
            run = BenchRun(**{("settings" if key == "set" else key): v for key, v in entry.items()})
        except TypeError as error:
            raise SciMLError(f"bench manifest {path}, run {k}: {error}") from None
        if run.id in seen:
            raise SciMLError(f"bench manifest {path}: run id {run.id!r} appears twice")
        seen.add(run.id)
        if not run.script:
            if run.budget not in BUDGETS:
                raise SciMLError(f"run {run.id}: unknown budget {run.budget!r}")
            plan(run.problem, run.method, run.settings)  # one line if anything is wrong
        runs.append(run)
    return runs


def select(runs: list[BenchRun], quick: bool, only: list[str] | None) -> list[BenchRun]:
    if only:
        known = {r.id for r in runs}
        unknown = [i for i in only if i not in known]
        if unknown:
            raise SciMLError(
                f"unknown bench run {unknown[0]!r}; choices: {', '.join(sorted(known))}"
            )
        return [r for r in runs if r.id in only]
    return [r for r in runs if r.quick] if quick else [r for r in runs if not r.quick]


def expected_seconds(runs: list[BenchRun]) -> float:
    return sum(r.recorded.get("train_seconds", 0.0) + OVERHEAD_SECONDS for r in runs)


def change(measured: float | None, recorded: float | None) -> float | None:
    """Relative change ``|measured - recorded| / |recorded|`` (None when either is missing)."""
    if measured is None or recorded is None or not math.isfinite(measured):
        return None if measured is None or recorded is None else math.inf
    return abs(measured - recorded) / max(abs(recorded), 1e-300)


def compare_to_record(
    run: BenchRun, measured: dict[str, Any], timing: bool, tolerance: float = TOLERANCE
) -> list[str]:
    """The flags for one run: error (always) and training seconds (with ``timing``)."""
    flags = []
    keys = [run.metric] + (["train_seconds"] if timing else [])
    for key in keys:
        moved = change(measured.get(key), run.recorded.get(key))
        if moved is not None and moved > tolerance:
            flags.append(
                f"{key} {measured.get(key):.4g} vs recorded {run.recorded[key]:.4g} "
                f"({100 * moved:.0f}% change)"
            )
    return flags


def _solve(run: BenchRun, out: Path, device: str, progress: bool, threads: int) -> dict[str, Any]:
    _, metrics = solve(
        run.problem,
        run.method,
        budget=run.budget,
        seed=run.seed,
        device=device,
        out=out / run.id.replace("/", "-"),
        overrides=run.settings,
        progress=progress,
        threads=threads,
    )
    return metrics


def _script(run: BenchRun, out: Path, threads: int | None) -> dict[str, Any]:
    """A benchmark script of the repository (``python SCRIPT --json FILE``); skipped with a reason
    when the script or its optional dependency is missing (e.g. an installed sciml, no DeepXDE)."""
    root = Path(__file__).resolve().parents[2]
    script = root / run.script
    if not script.is_file():
        return {"skipped": f"{run.script} is not in this installation (run from a checkout)"}
    target = out / f"{run.id.replace('/', '-')}.json"
    command = [sys.executable, str(script), "--json", str(target), *run.settings.get("args", [])]
    if threads:
        command += ["--threads", str(threads)]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if result.returncode == 3:  # the script's "optional dependency missing"
        return {"skipped": (result.stderr.strip().splitlines() or ["missing dependency"])[-1]}
    if result.returncode != 0:
        tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return {"failed": f"{run.script} exited with {result.returncode}: {tail}"}
    return json.loads(target.read_text())


def run_bench(
    *,
    quick: bool = False,
    timing: bool = False,
    only: list[str] | None = None,
    out: str | Path = "bench",
    threads: int | None = None,
    device: str = "auto",
    manifest: str | Path = MANIFEST,
    progress: bool = True,
    report=print,
) -> list[dict[str, Any]]:
    """Run the selected manifest entries; write ``OUT/results.json`` and ``OUT/results.md``.

    Returns one row per run: the run's settings, ``measured`` figures, ``recorded`` figures and
    ``flags`` (empty when within ``TOLERANCE``)."""
    runs = select(load_manifest(manifest), quick, only)
    out_dir = ensure_directory(out)
    minutes = expected_seconds(runs) / 60
    report(
        f"sciml bench: {len(runs)} runs, expected about {minutes:.0f} min on a quiet 2-core CPU "
        f"(recorded training time plus about {OVERHEAD_SECONDS:.0f} s each)"
    )
    rows = []
    default_threads = torch.get_num_threads()
    for k, run in enumerate(runs, 1):
        n_threads = threads or run.threads or default_threads
        report(f"[{k}/{len(runs)}] {run.id}  ({n_threads} thread{'s' * (n_threads > 1)})")
        torch.set_num_threads(n_threads)
        start = time.perf_counter()
        try:
            if run.script:
                measured = _script(run, out_dir, n_threads)
            else:
                measured = _solve(run, out_dir / "runs", device, progress, n_threads)
        finally:
            torch.set_num_threads(default_threads)
        status = measured.get("skipped") or measured.get("failed")
        flags = [] if status else compare_to_record(run, measured, timing)
        row = {
            "id": run.id,
            "group": run.group,
            "problem": run.problem,
            "method": run.method or run.script,
            "budget": run.budget,
            "seed": run.seed,
            "settings": run.settings,
            "threads": n_threads,
            "metric": run.metric,
            "measured": {
                key: measured.get(key)
                for key in (run.metric, "train_seconds", "n_params")
                if key in measured
            },
            "recorded": run.recorded,
            "flags": flags,
            "status": status or ("changed" if flags else "ok"),
            "wall_seconds": time.perf_counter() - start,
            "script_figures": measured if run.script else {},
        }
        rows.append(row)
        report(f"    {row['status']}" + (": " + "; ".join(flags) if flags else ""))
        write_json(out_dir / "results.json", rows)  # after every run: nothing lost on Ctrl-C
        write_tables(out_dir / "results.md", rows)
    return rows


def write_tables(path: Path, rows: list[dict[str, Any]]) -> None:
    """One markdown table per manifest group, in manifest order."""
    lines = ["# sciml bench", ""]
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)
    for group, members in groups.items():
        lines += [
            f"## {group}",
            "",
            "| run | metric | measured | recorded | train s | recorded s | threads | status |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for r in members:
            metric = r["metric"]
            lines.append(
                f"| {r['id']} | {metric} | {_number(r['measured'].get(metric))} | "
                f"{_number(r['recorded'].get(metric))} | "
                f"{_number(r['measured'].get('train_seconds'), '.1f')} | "
                f"{_number(r['recorded'].get('train_seconds'), '.1f')} | {r['threads']} | "
                f"{r['status']}{': ' + '; '.join(r['flags']) if r['flags'] else ''} |"
            )
        lines.append("")
    with atomic_path(path) as temporary:
        Path(temporary).write_text("\n".join(lines))


def _number(value: float | None, fmt: str = ".3e") -> str:
    return "" if value is None else format(value, fmt)
