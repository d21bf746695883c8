"""Training-step time and peak memory: sciml's KAN against pykan (``pip install pykan``, the
reference implementation of Liu et al. 2024) at equal width, grid and spline order.

One step = forward, mean squared error, backward and an Adam update, on a batch of 1024 rows
(float32), in the two modes of pykan's ``fit``: without the sparsity penalty (lamb = 0: pykan
turns ``save_act`` and the symbolic branch off) and with it (lamb = 1e-3: pykan keeps every
activation, ``save_act``, and adds ``get_reg``; ours forms the per-edge activations for the
penalty). Like is compared with like. Every (implementation, width) runs in its own subprocess
in a temporary directory (pykan writes checkpoints to ./model), so the peak resident memory is
that run's alone.

    OMP_NUM_THREADS=1 python benchmarks/kan_vs_pykan.py [--widths 4-8-1,16-16-1,64-64-1]
        [--grid 5] [--k 3] [--batch 1024] [--steps 30]

Prints a Markdown table (median step time over ``--steps`` after 3 warm-up steps, speed-up,
peak resident memory growth from model
creation to the last step, imports excluded) and writes it to figures/kan_vs_pykan.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

VARIANTS = ("sciml", "pykan", "sciml+penalty", "pykan+penalty")
LAMB = 1e-3


def _model(variant: str, width: list[int], grid: int, k: int):  # noqa: ANN202
    import torch

    if variant.startswith("pykan"):
        from kan import KAN as PyKAN

        penalty = variant == "pykan+penalty"  # the modes that pykan's fit sets for its lamb
        model = PyKAN(
            width=width,
            grid=grid,
            k=k,
            seed=0,
            auto_save=False,
            save_act=penalty,
            symbolic_enabled=False,
        )
        if penalty:

            def loss(x):  # noqa: ANN001, ANN202
                out = model(x)
                reg = model.get_reg("edge_forward_spline_n", 1.0, 2.0, 0.0, 0.0)
                return model, lambda y: ((out - y) ** 2).mean() + LAMB * reg

            return model, loss
        return model, lambda x: model(x)
    from sciml.methods.kan.training import Schedule, penalized_loss
    from sciml.nets.kan import KAN

    torch.manual_seed(0)
    model = KAN(width, grid=grid, k=k, dtype="float32")
    if variant == "sciml+penalty":
        schedule = Schedule(lamb=LAMB)
        return model, lambda x: (model, lambda y: penalized_loss(model, x, y, schedule, LAMB))
    return model, lambda x: model(x)


def run_one(variant: str, width: list[int], grid: int, k: int, batch: int, steps: int) -> dict:
    """Median seconds per training step and the peak memory growth (MiB) over the steps."""
    import torch

    if variant.startswith("pykan"):
        import kan  # noqa: F401  (imports before the baseline: memory of the run alone)
    else:
        import sciml.methods.kan.training  # noqa: F401
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    model, forward = _model(variant, list(width), grid, k)  # pykan rewrites its width
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(batch, width[0], generator=generator) * 2 - 1
    y = torch.sin(x.sum(dim=1, keepdim=True))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step() -> None:
        optimizer.zero_grad()
        out = forward(x)
        loss = out[1](y) if isinstance(out, tuple) else ((out - y) ** 2).mean()
        loss.backward()
        optimizer.step()

    for _ in range(3):
        step()
    times = []
    for _ in range(steps):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {
        "seconds": float(np.median(times)),
        "peak_mib": peak,
        "growth_mib": peak - baseline,
        "params": n_params,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="4-8-1,16-16-1,64-64-1")
    parser.add_argument("--grid", type=int, default=5)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        variant, width = args.one.split(":")
        result = run_one(
            variant, [int(w) for w in width.split("-")], args.grid, args.k, args.batch, args.steps
        )
        print(json.dumps(result))
        return
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    rows = [
        f"Step = forward + MSE + backward + Adam, batch {args.batch}, float32, G = {args.grid}, "
        f"k = {args.k}, {os.environ.get('OMP_NUM_THREADS', 'all')} thread(s); median of "
        f"{args.steps} steps.",
        "",
        "| width | params (ours / pykan) | lamb = 0: sciml ms | pykan ms | speed-up | "
        "lamb = 1e-3: sciml ms | pykan ms | speed-up | peak MiB growth sciml / pykan |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for width in args.widths.split(","):
        results = {}
        for variant in VARIANTS:
            with tempfile.TemporaryDirectory() as directory:  # pykan's ./model lands here
                command = [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--one",
                    f"{variant}:{width}",
                    "--grid",
                    str(args.grid),
                    "--k",
                    str(args.k),
                    "--batch",
                    str(args.batch),
                    "--steps",
                    str(args.steps),
                ]
                done = subprocess.run(
                    command, cwd=directory, env=env, capture_output=True, text=True, check=True
                )
                results[variant] = json.loads(done.stdout.strip().splitlines()[-1])
        ours, theirs = results["sciml"], results["pykan"]
        ours_p, theirs_p = results["sciml+penalty"], results["pykan+penalty"]
        rows.append(
            f"| {width} | {ours['params']:,} / {theirs['params']:,} | "
            f"{1e3 * ours['seconds']:.2f} | {1e3 * theirs['seconds']:.2f} | "
            f"{theirs['seconds'] / ours['seconds']:.1f}x | {1e3 * ours_p['seconds']:.2f} | "
            f"{1e3 * theirs_p['seconds']:.2f} | {theirs_p['seconds'] / ours_p['seconds']:.1f}x | "
            f"{ours_p['growth_mib']:.1f} / {theirs_p['growth_mib']:.1f} |"
        )
        print(rows[-1], flush=True)
    out = root / "figures" / "kan_vs_pykan.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(rows) + "\n")
    print("\n".join(rows[:4]))
    print(f"-> {out}")


if __name__ == "__main__":
    main()
