"""The hypernetwork's weights as a sciml HDF5 surrogate file (``docs/formats.md``): JSON config
plus one dataset per weight, no pickle. The package ships one, ``hypino.h5`` beside this module,
trained by

    OMP_NUM_THREADS=1 python -m sciml.methods.hypino.weights --seconds 3600 --out hypino.h5

(``--seconds`` of wall time on one thread, or ``--steps``; the recipe is in docs/methods.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

import torch

from sciml.core.errors import SciMLError
from sciml.core.surrogate import Surrogate, read_surrogate
from sciml.methods.hypino.hypernet import HyPINOHypernet
from sciml.methods.hypino.training import train
from sciml.nets import NETWORKS

SHIPPED = Path(__file__).with_name("hypino.h5")
TASK = "hypernetwork"


def config_of(net: HyPINOHypernet) -> dict[str, Any]:
    return {"type": "HyPINOHypernet", "kwargs": net.config}


def save(net: HyPINOHypernet, path: str | os.PathLike, training: dict[str, Any]) -> Path:
    """Write the hypernetwork (atomically) with how it was trained."""
    surrogate = Surrogate(
        problem="linear2d-mms",
        method="hypino",
        task=TASK,
        inputs=("coefficients", "grids"),
        outputs=("pinn_weights",),
        config={"network": config_of(net), "training": training},
        network=net,
        metrics={k: v for k, v in training.items() if k.startswith("final_")},
    )
    return surrogate.save(path)


def load(path: str | os.PathLike = SHIPPED) -> tuple[HyPINOHypernet, dict[str, Any]]:
    """The hypernetwork of a weights file and its training record (one line if unreadable)."""
    surrogate = read_surrogate(path, lambda kind, kwargs: NETWORKS.get(kind)(**kwargs))
    if surrogate.method != "hypino" or surrogate.task != TASK:
        raise SciMLError(
            f"{path} is a {surrogate.method} {surrogate.task} file, not HyPINO weights"
        )
    net = surrogate.network
    assert isinstance(net, HyPINOHypernet)
    return net.eval(), dict(surrogate.config.get("training", {}))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train HyPINO's hypernetwork on MMS data.")
    parser.add_argument("--out", type=Path, default=SHIPPED)
    parser.add_argument("--steps", type=int, default=10**9)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save-every", type=int, default=500)
    args = parser.parse_args(argv)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    torch.manual_seed(args.seed)
    net = HyPINOHypernet()
    record = {
        "steps": 0,
        "batch": args.batch,
        "lr": args.lr,
        "seed": args.seed,
        "seconds_budget": args.seconds,
        "threads": torch.get_num_threads(),
        "machine": platform.processor() or platform.machine(),
    }

    def on_log(entry: dict[str, float]) -> None:
        print(json.dumps({k: round(v, 5) for k, v in entry.items()}), flush=True)
        record.update(steps=int(entry["step"]), seconds=round(entry["seconds"], 1))
        record.update(
            {f"final_{k}": float(entry[k]) for k in ("loss", "u", "residual", "dirichlet")}
        )
        if int(entry["step"]) % args.save_every == 0:
            save(net, args.out, record)

    train(
        net,
        steps=args.steps,
        seconds=args.seconds,
        batch=args.batch,
        lr=args.lr,
        seed=args.seed,
        on_log=on_log,
    )
    save(net, args.out, record)
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
