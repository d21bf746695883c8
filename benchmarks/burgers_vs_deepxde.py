"""Burgers (nu = 0.01/pi): our causal-pinn against DeepXDE's own Burgers example, in one run.

Both are scored by sciml's reference solver on the same 256 x 101 grid. DeepXDE is optional
(`pip install deepxde`); without it only sciml runs. Figures are ratios within this run: the
machines are shared and noisy.

    DDE_BACKEND=pytorch python benchmarks/burgers_vs_deepxde.py [--budget default] [--threads 2]

With ``--json FILE`` (how ``sciml bench`` runs it) the figures are also written there, DeepXDE's
as the headline (``rel_l2``, ``train_seconds``) and ours as ``sciml_rel_l2``,
``sciml_train_seconds``; without DeepXDE the script then exits with status 3 before training.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time

import numpy as np
import torch

import sciml
from sciml.core.metrics import relative_l2
from sciml.problems import load_problem


def run_deepxde(iterations: int, lbfgs: bool) -> tuple[float, float]:
    """DeepXDE's examples/pinn_forward/Burgers.py, scored on our reference grid."""
    os.environ.setdefault("DDE_BACKEND", "pytorch")
    import deepxde as dde

    geom = dde.geometry.Interval(-1, 1)
    timedomain = dde.geometry.TimeDomain(0, 0.99)
    geomtime = dde.geometry.GeometryXTime(geom, timedomain)

    def pde(x, y):
        dy_x = dde.grad.jacobian(y, x, i=0, j=0)
        dy_t = dde.grad.jacobian(y, x, i=0, j=1)
        dy_xx = dde.grad.hessian(y, x, i=0, j=0)
        return dy_t + y * dy_x - 0.01 / np.pi * dy_xx

    bc = dde.icbc.DirichletBC(geomtime, lambda x: 0, lambda _, on_boundary: on_boundary)
    ic = dde.icbc.IC(
        geomtime, lambda x: -np.sin(np.pi * x[:, 0:1]), lambda _, on_initial: on_initial
    )
    data = dde.data.TimePDE(
        geomtime, pde, [bc, ic], num_domain=2540, num_boundary=80, num_initial=160
    )
    net = dde.nn.FNN([2] + [20] * 3 + [1], "tanh", "Glorot normal")
    model = dde.Model(data, net)
    start = time.perf_counter()
    model.compile("adam", lr=1e-3)
    model.train(iterations=iterations, display_every=5000)
    if lbfgs:
        model.compile("L-BFGS")
        model.train()
    seconds = time.perf_counter() - start
    reference = load_problem("burgers").reference()
    prediction = model.predict(reference.points().astype(np.float32))
    return relative_l2(prediction, reference.flat_values()), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", default="default")
    parser.add_argument("--method", default="causal-pinn")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--deepxde-iterations", type=int, default=15000)
    parser.add_argument("--deepxde-lbfgs", action="store_true")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.json and importlib.util.find_spec("deepxde") is None:
        print("deepxde is not installed: pip install deepxde", file=sys.stderr)
        sys.exit(3)

    rows = []
    _, metrics = sciml.solve(
        "burgers", args.method, budget=args.budget, device="cpu", progress=False
    )
    rows.append(
        (f"sciml {args.method} ({args.budget})", metrics["rel_l2"], metrics["train_seconds"])
    )
    try:
        error, seconds = run_deepxde(args.deepxde_iterations, args.deepxde_lbfgs)
        label = f"DeepXDE Burgers example ({args.deepxde_iterations} Adam"
        label += " + L-BFGS)" if args.deepxde_lbfgs else ")"
        rows.append((label, error, seconds))
    except ImportError:
        print("deepxde is not installed: pip install deepxde")
    print(f"threads: {args.threads}")
    print("| run | rel. L2 | train seconds |")
    print("| --- | ---: | ---: |")
    for label, error, seconds in rows:
        print(f"| {label} | {error:.3e} | {seconds:.1f} |")
    if len(rows) == 2:
        print(
            f"error ratio (DeepXDE / sciml): {rows[1][1] / rows[0][1]:.1f}x; "
            f"time ratio: {rows[1][2] / rows[0][2]:.2f}x"
        )
        if args.json:
            figures = {
                "rel_l2": rows[1][1],
                "train_seconds": rows[1][2],
                "sciml_rel_l2": rows[0][1],
                "sciml_train_seconds": rows[0][2],
            }
            with open(args.json, "w") as f:
                json.dump(figures, f)


if __name__ == "__main__":
    main()
