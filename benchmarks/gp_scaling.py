"""gp-spectral on 2D Poisson (sin(6x) cos(20x) + sin(6y) cos(20y)): solve time and peak memory
vs grid size, the Kronecker path (per-dimension eigendecompositions + a Sylvester solve) against
a dense N x N solve of the same collocation system where that still fits. One subprocess per
run, so the peak resident memory (ru_maxrss) is that run's alone; the table gives its growth
during the solve.

    OMP_NUM_THREADS=1 python benchmarks/gp_scaling.py [--sizes 32,64,128,256,512] [--dense 32,64]

Writes figures/gp_scaling.png and prints a table with the fitted log-log slopes (time vs N).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def run_one(m: int, dense: bool) -> dict:
    """One solve on an m x m grid; the dense variant solves the same system as one matrix."""
    import torch

    from sciml.methods.gp.collocation import CollocationObjective
    from sciml.methods.gp.grid import GridSystem, grid_operators
    from sciml.methods.gp.spectral import GPSpectral
    from sciml.problems import load_problem

    problem = load_problem("poisson", overrides={"solution": "sin6cos20"})
    method = GPSpectral(problem, options={"grid": m, "jitter": 1e-7, "adam_steps": 0})
    reference = problem.reference()
    difference = 0.0
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB (Linux: KiB)
    started = time.perf_counter()
    system = GridSystem(problem, method.network)
    objective = CollocationObjective(system, method.network, 1e-7, 1)  # kernels and the solve
    seconds = time.perf_counter() - started
    if dense:
        started = time.perf_counter()
        (m1, m2), _ = grid_operators(method.network, system.terms, 1e-7)
        n = m * m
        matrix = np.kron(m1, np.eye(m)) + np.kron(np.eye(m), m2)
        face = system.mask.reshape(-1)
        matrix[face] = np.eye(n)[face]
        rhs = np.where(face, system.given.reshape(-1), system.source.reshape(-1))
        values = np.linalg.solve(matrix, rhs).reshape(m, m)
        seconds = time.perf_counter() - started
        # the same system: the two solutions differ only by its conditioning
        difference = np.abs(values - objective.values.numpy()).max() / np.abs(values).max()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - baseline
    with torch.no_grad():
        prediction = method.network(torch.as_tensor(reference.points())).numpy()
    truth = reference.flat_values()
    error = float(np.linalg.norm(prediction - truth) / np.linalg.norm(truth))
    return {
        "m": m,
        "n": m * m,
        "dense": dense,
        "seconds": seconds,
        "peak_mib": peak,
        "rel_l2": error,
        "dense_vs_kronecker": difference if dense else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="32,64,128,256,512")
    parser.add_argument("--dense", default="32,48,64")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        m, dense = args.one.split(":")
        print(json.dumps(run_one(int(m), dense == "dense")))
        return
    rows = []
    runs = [(int(m), "kron") for m in args.sizes.split(",")]
    runs += [(int(m), "dense") for m in args.dense.split(",") if m]
    for m, kind in runs:
        out = subprocess.run(
            [sys.executable, __file__, "--one", f"{m}:{kind}"],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"{kind:5s} {m:4d}^2 = {row['n']:7d} nodes: {row['seconds']:8.3f} s, "
            f"+{row['peak_mib']:7.0f} MiB peak, rel_l2 {row['rel_l2']:.2e}"
            + (
                f", max |U_dense - U_kron| / max |U| {row['dense_vs_kronecker']:.1e}"
                if row["dense"]
                else ""
            ),
            flush=True,
        )
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for kind, marker in (("kron", "o-"), ("dense", "s--")):
        part = [r for r in rows if (r["dense"] == (kind == "dense"))]
        if not part:
            continue
        n = np.array([r["n"] for r in part], dtype=float)
        t = np.array([r["seconds"] for r in part])
        slope = np.polyfit(np.log(n), np.log(t), 1)[0] if len(part) > 1 else float("nan")
        label = f"{'Kronecker' if kind == 'kron' else 'dense'} (slope {slope:.2f})"
        print(f"{label}: time ~ N^{slope:.2f}")
        left.loglog(n, t, marker, label=label)
        right.loglog(n, [r["peak_mib"] for r in part], marker, label=kind)
    left.set(xlabel="grid nodes N", ylabel="solve seconds", title="gp-spectral solve time")
    right.set(
        xlabel="grid nodes N", ylabel="peak resident MiB added by the solve", title="peak memory"
    )
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    path = Path(__file__).resolve().parents[1] / "figures" / "gp_scaling.png"
    fig.savefig(path, dpi=120)
    print(f"-> {path}")


if __name__ == "__main__":
    main()
