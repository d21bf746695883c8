"""What buys the Burgers accuracy: `pinn` and `causal-pinn` with each extra on or off (issue 17).

`causal-pinn` is the causal weighting of Wang, Sankaran & Perdikaris (arXiv 2203.07404) plus
extras that any PINN can use: a periodic input embedding, initial/boundary loss weights 100/10,
hard initial conditions, residual-adaptive points (RAD), three L-BFGS rounds, a network with the
problem's mirror symmetry, Taylor-mode derivatives. This script trains `pinn` with each extra
switched on (and with all of them: the causal PINN without causality) and `causal-pinn` with each
switched off (and with causality off: eps = 0 makes every causal weight 1), at the default
budget, 1 torch thread, seeds 0-2, and writes the table of medians and ranges. Runs already in
``--runs`` (a ``metrics.json`` in ``NAME-sSEED/``) are read, not retrained, so an interrupted
grid continues where it stopped (each run is what ``sciml solve burgers --method M --seed S
--threads 1 --set ...`` writes).

The grid measures the method's generic defaults (width 48, 1500 Adam + 4500 L-BFGS steps, every
extra on): Burgers' own causal-pinn budget (burgers.toml, since issue 16: width 32, hard IC and
RAD off, one round, 400 Adam + 2400 L-BFGS steps) came out of this table, so the causal-pinn
rows pin the generic values (``generic_defaults()``) under their own switches.

It also draws the README's comparison figure from two runs (seed 0), by default the two that
isolate causality here: `pinn` with all the extras against `causal-pinn`; ``--pair A B`` names
others (e.g. runs of the Burgers default and `pinn` with the same settings).

    python benchmarks/burgers_ablation.py [--runs runs/ablation] [--seeds 0 1 2]
        [--table figures/burgers-ablation.md] [--figure figures/burgers-compare] [--no-train]
        [--pair pinn-all causal-pinn]

About 4 minutes a run on one core of a 2-core CPU: the full grid (16 configurations x 3 seeds)
takes about 3 hours on one core; run two copies on disjoint ``--only`` lists to use two.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

# every extra causal-pinn adds to pinn, as `--set` overrides (pinn's own values switch it off)
EXTRAS: dict[str, dict[str, object]] = {
    "embedding": {"embedding": "periodic"},
    "weights": {"ic_weight": 100.0, "bc_weight": 10.0},
    "hard": {"hard_constraints": True},
    "rad": {"adaptive_fraction": 0.5},
    "lbfgs3": {"lbfgs_rounds": 3},
    "symmetric": {"symmetric": True},
}
PINN_VALUES: dict[str, dict[str, object]] = {
    "embedding": {"embedding": "none"},
    "weights": {"ic_weight": 1.0, "bc_weight": 1.0},
    "hard": {"hard_constraints": False},
    "rad": {"adaptive_fraction": 0.0},
    "lbfgs3": {"lbfgs_rounds": 1},
    "symmetric": {"symmetric": False},
}
ALL_EXTRAS = {k: v for extra in EXTRAS.values() for k, v in extra.items()}
ALL_EXTRAS["derivatives"] = "jet"  # rounding only, as causal-pinn computes them
# the options burgers.toml's default budget sets for causal-pinn (issue 16), pinned to the
# method's generic defaults (read from the method, not repeated here)
OVERRIDDEN_BY_BURGERS = (
    "width",
    "adam_steps",
    "lbfgs_steps",
    "hard_constraints",
    "adaptive_fraction",
    "lbfgs_rounds",
)


def generic_defaults() -> dict[str, object]:
    from sciml.methods.pinn.causal_pinn import CausalPINN

    specs = CausalPINN.option_specs()
    return {key: specs[key].default for key in OVERRIDDEN_BY_BURGERS}


LABELS = {
    "embedding": "periodic embedding",
    "weights": "IC/BC weights 100/10",
    "hard": "hard initial condition",
    "rad": "RAD points (half)",
    "lbfgs3": "3 L-BFGS rounds",
    "symmetric": "symmetric network",
}


def configurations() -> list[tuple[str, str, dict[str, object], str]]:
    """(run name, method, overrides, table label), in the table's order."""
    rows = [
        ("pinn", "pinn", {}, "pinn (its defaults)"),
        *[(f"pinn-{key}", "pinn", EXTRAS[key], f"pinn + {LABELS[key]}") for key in EXTRAS],
        ("pinn-all", "pinn", ALL_EXTRAS, "pinn + all of causal-pinn's extras"),
        (
            "causal-nocausal",
            "causal-pinn",
            {"eps_schedule": [0.0]},
            "causal-pinn, causality off (eps = 0)",
        ),
        ("causal-pinn", "causal-pinn", {}, "causal-pinn (its generic defaults)"),
    ]
    names = {
        "embedding": "no-embedding",
        "weights": "unit-weights",
        "hard": "no-hard",
        "rad": "no-rad",
        "lbfgs3": "one-lbfgs",
        "symmetric": "no-symmetric",
    }
    rows += [
        (f"causal-{names[key]}", "causal-pinn", PINN_VALUES[key], f"causal-pinn - {LABELS[key]}")
        for key in EXTRAS
    ]
    generic = generic_defaults()
    return [
        (name, method, {**generic, **overrides} if method == "causal-pinn" else overrides, label)
        for name, method, overrides, label in rows
    ]


def run_one(runs: Path, name: str, method: str, overrides: dict, seed: int) -> dict:
    out = runs / f"{name}-s{seed}"
    if (out / "metrics.json").exists():
        return json.loads((out / "metrics.json").read_text())
    from sciml.api import solve

    _, metrics = solve("burgers", method, seed=seed, out=out, overrides=dict(overrides), threads=1)
    return metrics


def table(rows: list[tuple[str, str, list[dict]]]) -> str:
    lines = [
        "| configuration | rel. L2, seeds 0 / 1 / 2 | median [range] | train s (median) |",
        "| --- | --- | --- | ---: |",
    ]
    for _, label, metrics in rows:
        errors = [m["rel_l2"] for m in metrics]
        seconds = [m.get("train_seconds", float("nan")) for m in metrics]
        cells = " / ".join(f"{e:.2e}" for e in errors)
        summary = (
            f"**{statistics.median(errors):.2e}** [{min(errors):.1e} - {max(errors):.1e}]"
            if len(errors) == 3
            else "(incomplete)"
        )
        lines.append(f"| {label} | {cells} | {summary} | {statistics.median(seconds):.0f} |")
    return "\n".join(lines) + "\n"


def figure(runs: Path, out: Path, names: tuple[str, str] = ("pinn-all", "causal-pinn")) -> None:
    """The README's comparison: two runs (seed 0), the first a pinn with causal-pinn's extras."""
    import sciml
    from sciml.api import problem_of, write_comparison_table
    from sciml.core.io import write_json
    from sciml.tasks import TASKS

    pairs = [sciml.load(runs / f"{n}-s0" / "model.h5") for n in names]
    metrics = [json.loads((runs / f"{n}-s0" / "metrics.json").read_text()) for n in names]
    pairs[0].method = metrics[0]["method"] = "pinn + causal-pinn's extras"  # the panels' label
    problem = problem_of(pairs[0])
    out.mkdir(parents=True, exist_ok=True)
    TASKS.get(problem.task).plot_comparison(
        list(zip(pairs, metrics)), problem, out / "comparison.png"
    )
    write_json(out / "metrics.json", metrics)
    write_comparison_table(out / "comparison.md", problem, metrics)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=Path("runs/ablation"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", nargs="+", help="run names to train (default: all)")
    parser.add_argument("--table", type=Path, default=Path("figures/burgers-ablation.md"))
    parser.add_argument(
        "--figure", type=Path, default=None, help="write the README comparison here"
    )
    parser.add_argument("--no-train", action="store_true", help="read finished runs only")
    parser.add_argument(
        "--pair", nargs=2, default=["pinn-all", "causal-pinn"], help="the figure's two runs"
    )
    args = parser.parse_args(argv)
    rows = []
    for name, method, overrides, label in configurations():
        if args.only and name not in args.only:
            continue
        done = [s for s in args.seeds if (args.runs / f"{name}-s{s}" / "metrics.json").exists()]
        seeds = done if args.no_train else args.seeds
        if not seeds:
            continue
        rows.append((name, label, [run_one(args.runs, name, method, overrides, s) for s in seeds]))
    text = table(rows)
    args.table.parent.mkdir(parents=True, exist_ok=True)
    args.table.write_text(text)
    print(text)
    if args.figure is not None:
        figure(args.runs, args.figure, tuple(args.pair))
    return 0


if __name__ == "__main__":
    sys.exit(main())
