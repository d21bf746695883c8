"""PINN training-step time: input derivatives by Taylor-mode jets against nested reverse mode.

Times the PINN family's two step kinds on a problem at its default options (Burgers causal-pinn
unless told otherwise): an Adam step (fresh collocation points, loss, backward, update) and an
L-BFGS ``step`` call (10 iterations with the strong-Wolfe line search, then the accepted-point
loss the trainer logs). The two derivative modes (``--set derivatives=autograd|jet``) run in one
process, alternately, round by round, from the same start: the speed-up is the median of the
per-round ratios, so a load that comes and goes on a shared machine hits both alike.

    OMP_NUM_THREADS=1 python benchmarks/pinn_step.py [--problem burgers] [--method causal-pinn]
        [--rounds 7] [--adam 20] [--lbfgs 2] [--dtype float32] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

from sciml.api import load_problem
from sciml.core.training import Phase
from sciml.methods.base import METHODS
from sciml.methods.pinn.objective import PINNObjective

MODES = ("autograd", "jet")


def build(problem_name: str, method: str, mode: str, dtype: str):
    problem = load_problem(problem_name, "field", {}, 0)
    options = {"derivatives": mode, "dtype": dtype}
    runner = METHODS.get(method)(problem, budget="default", options=options, seed=0)
    net = runner.network.windows[0]
    generator = torch.Generator().manual_seed(0)
    t0, t1 = problem.time_range
    initial = problem.initial_data(int(runner.options["n_initial"]), generator)
    schedule = runner.schedule() if hasattr(runner, "schedule") else None
    objective = PINNObjective(
        problem, net, runner.options, (t0, t1), initial, generator, causal=schedule
    )
    return net, objective


def adam_seconds(net, objective, steps: int) -> float:
    phase = Phase("adam", steps, lr=1e-3)
    optimizer = phase.make(list(net.parameters()))
    start = time.perf_counter()
    for _ in range(steps):
        optimizer.zero_grad(set_to_none=True)
        loss, logs = objective.loss(phase)
        loss.backward()
        optimizer.step()
        objective.after_step(phase, logs)
    return (time.perf_counter() - start) / steps


def lbfgs_seconds(net, objective, calls: int) -> float:
    phase = Phase("lbfgs", 10 * calls, lr=1.0, name="round1")
    optimizer = phase.make(list(net.parameters()))

    def closure():
        optimizer.zero_grad(set_to_none=True)
        loss, _ = objective.loss(phase)
        loss.backward()
        return loss

    objective.points_for(phase)  # the fixed (adaptive) set is drawn outside the clock
    start = time.perf_counter()
    for _ in range(calls):
        optimizer.step(closure)
        getattr(objective, "loss_for_log", objective.loss)(phase)
    return (time.perf_counter() - start) / (10 * calls)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", default="burgers")
    parser.add_argument("--method", default="causal-pinn")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--adam", type=int, default=20, help="Adam steps per round")
    parser.add_argument("--lbfgs", type=int, default=2, help="L-BFGS step calls per round")
    parser.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    models = {m: build(args.problem, args.method, m, args.dtype) for m in MODES}
    for net, objective in models.values():  # warm up: plans, first allocations
        adam_seconds(net, objective, 3)
    times = {(m, kind): [] for m in MODES for kind in ("adam", "lbfgs")}
    for _ in range(args.rounds):
        for mode, (net, objective) in models.items():
            times[mode, "adam"].append(adam_seconds(net, objective, args.adam))
            times[mode, "lbfgs"].append(lbfgs_seconds(net, objective, args.lbfgs))
    rows = {}
    for kind in ("adam", "lbfgs"):
        ratios = [a / j for a, j in zip(times["autograd", kind], times["jet", kind])]
        rows[kind] = {
            "autograd_ms": 1e3 * statistics.median(times["autograd", kind]),
            "jet_ms": 1e3 * statistics.median(times["jet", kind]),
            "speedup": statistics.median(ratios),
            "speedup_range": [min(ratios), max(ratios)],
        }
    print(f"{args.problem} {args.method} ({args.dtype}, {torch.get_num_threads()} thread(s))")
    print("| step | autograd ms | jet ms | speed-up (median, range) |")
    print("| --- | ---: | ---: | ---: |")
    for kind, r in rows.items():
        low, high = r["speedup_range"]
        print(
            f"| {kind} | {r['autograd_ms']:.1f} | {r['jet_ms']:.1f} | "
            f"{r['speedup']:.2f}x ({low:.2f}-{high:.2f}) |"
        )
    if args.json:
        args.json.write_text(json.dumps({"speedup": rows["adam"]["speedup"], **rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
