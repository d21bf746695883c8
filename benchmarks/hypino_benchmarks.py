"""HyPINO on the seven benchmarks of the paper (issue #15), with the shipped weights.

For each problem: zero-shot rel_l2 and the time to generate; refinement K = 1, 3, 10; fine-tuning
from the HyPINO PINN and from a random PINN (Adam, ``--finetune`` steps, scored every
``--every``): the steps the HyPINO start needs to reach the random start's final error.

    OMP_NUM_THREADS=1 python benchmarks/hypino_benchmarks.py --json hypino.json [--finetune 300]
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings

import torch

import sciml
from sciml.core.io import write_json

PROBLEMS = ("heat", "helmholtz", "helmholtz-g", "poisson-c", "poisson-g", "poisson-l", "wave")


def stages(problem: str, **overrides: object) -> dict[str, dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, metrics = sciml.solve(problem, "hypino", overrides=overrides, progress=False)
    return metrics["stages"]


def steps_to_reach(history: dict[str, dict], target: float) -> int | None:
    for name, entry in history.items():
        if name.startswith("finetune_") and entry["rel_l2"] <= target:
            return int(name.split("_")[1])
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", default="hypino_benchmarks.json")
    parser.add_argument("--finetune", type=int, default=300)
    parser.add_argument("--every", type=int, default=25)
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--no-refine", action="store_true", help="fine-tuning figures only")
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    rows = {}
    for problem in args.problems.split(","):
        started = time.perf_counter()
        row = {}
        if not args.no_refine:
            refined = stages(problem, refine=10)
            row.update(
                zero_shot=refined["zero_shot"]["rel_l2"],
                generate_seconds=refined["zero_shot"]["generate_seconds"],
                **{f"refine_{k}": refined[f"refine_{k}"]["rel_l2"] for k in (1, 3, 10)},
            )
        if args.finetune:
            tuning = {"finetune_steps": args.finetune, "eval_every": args.every}
            hypino = stages(problem, **tuning)
            random = stages(problem, init="random", **tuning)
            final_random = random[f"finetune_{args.finetune}"]["rel_l2"]
            reached = steps_to_reach(hypino, final_random)
            row.update(
                finetune_hypino=hypino[f"finetune_{args.finetune}"]["rel_l2"],
                finetune_random=final_random,
                hypino_steps_to_random_final=reached,
                speedup=None if not reached else args.finetune / reached,
            )
        row["seconds"] = time.perf_counter() - started
        rows[problem] = row
        print(problem, json.dumps(row), flush=True)
        write_json(args.json, rows)


if __name__ == "__main__":
    main()
