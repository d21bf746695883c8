"""Training-step time and peak memory: sciml's KAN against pykan (``pip install pykan``, the
reference implementation of Liu et al. 2024) at equal width, grid and spline order.

Timed: forward, mean squared error and backward (the issue's "forward + backward per step"), on
a batch of 1024 rows (float32), in the two modes of pykan's ``fit``: without the sparsity
penalty (lamb = 0: pykan turns ``save_act`` and the symbolic branch off) and with it
(lamb = 1e-3: pykan keeps every activation, ``save_act``, and adds ``get_reg``; ours forms the
per-edge activations for the penalty). The full step with an Adam update is timed beside it.
Both models are timed in one process, alternately, step by step: the speed-up is the median of
the per-round ratios, so a load that comes and goes on a shared machine hits both alike. A plain
one-hidden-layer MLP with the KAN's parameter count runs in the same rounds: pykan's time over
its time is what any network of that size could gain in eager PyTorch (a bound for a KAN, which
does strictly more work per parameter).
Memory: each (implementation, width, mode) runs again in its own subprocess in a temporary
directory (pykan writes checkpoints to ./model), so the peak resident memory is that run's alone.

    OMP_NUM_THREADS=1 python benchmarks/kan_vs_pykan.py [--widths 4-8-1,16-16-1,64-64-1]
        [--grid 5] [--k 3] [--batch 1024] [--steps 30]

Prints a Markdown table and writes it to figures/kan_vs_pykan.md.
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
    if variant == "mlp":  # a one-hidden-layer silu MLP with the KAN's parameter count
        size = sum(p.numel() for p in model.parameters())
        hidden = max(1, (size - 1) // (width[0] + 2))
        model = torch.nn.Sequential(
            torch.nn.Linear(width[0], hidden), torch.nn.SiLU(), torch.nn.Linear(hidden, width[-1])
        )
        return model, lambda x: model(x)
    if variant == "sciml+penalty":
        schedule = Schedule(lamb=LAMB)
        return model, lambda x: (model, lambda y: penalized_loss(model, x, y, schedule, LAMB))
    return model, lambda x: model(x)


def _data(width: list[int], batch: int):  # noqa: ANN202
    import torch

    generator = torch.Generator().manual_seed(0)
    x = torch.rand(batch, width[0], generator=generator) * 2 - 1
    return x, torch.sin(x.sum(dim=1, keepdim=True))


def _steps(variant: str, width: list[int], grid: int, k: int, x, y):  # noqa: ANN001, ANN202
    """(model, forward + loss + backward, the same plus an Adam update) for one variant."""
    import torch

    model, forward = _model(variant, list(width), grid, k)  # pykan rewrites its width
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def backward() -> None:
        out = forward(x)
        loss = out[1](y) if isinstance(out, tuple) else ((out - y) ** 2).mean()
        loss.backward()

    def step() -> None:
        optimizer.zero_grad()
        backward()
        optimizer.step()

    return model, backward, step


def run_pair(penalty: bool, width: list[int], grid: int, k: int, batch: int, steps: int) -> dict:
    """Median milliseconds of ours and pykan's, alternating step by step, and the median of the
    per-round ratios, for forward + backward and for the full Adam step."""
    x, y = _data(width, batch)
    ours = _steps("sciml+penalty" if penalty else "sciml", width, grid, k, x, y)
    theirs = _steps("pykan+penalty" if penalty else "pykan", width, grid, k, x, y)
    mlp = _steps("mlp", width, grid, k, x, y)
    result = {}
    for name, index in (("backward", 1), ("step", 2)):
        runs = {"ours": ours[index], "pykan": theirs[index], "mlp": mlp[index]}
        for _ in range(3):
            for run in runs.values():
                run()
        times = {key: [] for key in runs}
        for _ in range(steps):
            for key, run in runs.items():
                started = time.perf_counter()
                run()
                times[key].append(time.perf_counter() - started)
        result[name] = {
            "ours_ms": 1e3 * float(np.median(times["ours"])),
            "pykan_ms": 1e3 * float(np.median(times["pykan"])),
            "speedup": float(np.median([b / a for a, b in zip(times["ours"], times["pykan"])])),
            "mlp_speedup": float(np.median([b / a for a, b in zip(times["mlp"], times["pykan"])])),
        }
    result["params"] = [
        sum(p.numel() for p in model.parameters() if p.requires_grad)
        for model in (ours[0], theirs[0])
    ]
    return result


def run_one(variant: str, width: list[int], grid: int, k: int, batch: int, steps: int) -> dict:
    """Peak resident memory growth (MiB) from model creation over ``steps`` Adam steps."""
    if variant.startswith("pykan"):
        import kan  # noqa: F401  (imports before the baseline: memory of the run alone)
    else:
        import sciml.methods.kan.training  # noqa: F401
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    x, y = _data(width, batch)
    _, _, step = _steps(variant, width, grid, k, x, y)
    for _ in range(steps):
        step()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"growth_mib": peak - baseline}


def _subprocess(args: argparse.Namespace, which: str, env: dict) -> dict:
    with tempfile.TemporaryDirectory() as directory:  # pykan's ./model lands here
        command = [sys.executable, str(Path(__file__).resolve()), which]
        for flag in ("grid", "k", "batch", "steps"):
            command += [f"--{flag}", str(getattr(args, flag))]
        done = subprocess.run(
            command, cwd=directory, env=env, capture_output=True, text=True, check=True
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="4-8-1,16-16-1,64-64-1")
    parser.add_argument("--grid", type=int, default=5)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--pair", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one or args.pair:
        variant, width = (args.one or args.pair).split(":")
        width = [int(w) for w in width.split("-")]
        if args.one:
            result = run_one(variant, width, args.grid, args.k, args.batch, args.steps)
        else:
            penalty = variant == "penalty"
            result = run_pair(penalty, width, args.grid, args.k, args.batch, args.steps)
        print(json.dumps(result))
        return
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    load = os.getloadavg()[0]
    rows = [
        f"Forward + MSE + backward (and the full step with Adam), batch {args.batch}, float32, "
        f"G = {args.grid}, k = {args.k}, {os.environ.get('OMP_NUM_THREADS', 'all')} thread(s); "
        f"median of {args.steps} alternating rounds; load average {load:.1f} at the start.",
        "",
        "| width | params ours / pykan | lamb = 0: ours ms | pykan ms | speed-up | with Adam | "
        "MLP, equal params | lamb = 1e-3: ours ms | pykan ms | speed-up | with Adam | "
        "peak MiB growth ours / pykan |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for width in args.widths.split(","):
        plain = _subprocess(args, f"--pair=plain:{width}", env)
        penalty = _subprocess(args, f"--pair=penalty:{width}", env)
        memory = {v: _subprocess(args, f"--one={v}:{width}", env) for v in VARIANTS[2:]}
        cells = [width, "{:,} / {:,}".format(*plain["params"])]
        for result in (plain, penalty):
            fb, step = result["backward"], result["step"]
            cells += [
                f"{fb['ours_ms']:.2f}",
                f"{fb['pykan_ms']:.2f}",
                f"**{fb['speedup']:.1f}x**",
                f"{step['speedup']:.1f}x",
            ]
            if result is plain:  # the same step for a plain MLP: what eager PyTorch allows
                cells.append(f"{fb['mlp_speedup']:.1f}x")
        cells.append(
            f"{memory['sciml+penalty']['growth_mib']:.1f} / "
            f"{memory['pykan+penalty']['growth_mib']:.1f}"
        )
        rows.append("| " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    out = root / "figures" / "kan_vs_pykan.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(rows) + "\n")
    print("\n".join(rows[:4]))
    print(f"-> {out}")


if __name__ == "__main__":
    main()
