"""KAN against baselines on two kinds of regression, for docs/results.md.

``feynman``: eight formulas of the AI Feynman set (Udrescu & Tegmark 2020; variables drawn
uniformly from the ranges below), noise-free and with 1% Gaussian noise on the target; 800
training and 200 test rows. The KAN (KANRegressor, width [d, 4, 1], G = 5 then 10) against an
MLP (tanh, one hidden layer) with the same number of trainable parameters, trained with Adam
(full batch) for the same wall-clock time as the KAN's fit. Test R^2 of both, and whether the
KAN's formula is recovered: its RMSE against the noise-free truth on the test rows is below 0.1%
(noise-free data) or 1% (noisy data) of the target's standard deviation.

``diabetes``: scikit-learn's bundled diabetes data (442 rows, 10 inputs), 5-fold CV R^2 of the
KANRegressor, GradientBoostingRegressor and MLPRegressor (standardised inputs).

    OMP_NUM_THREADS=1 python benchmarks/kan_comparisons.py feynman --seeds 0,1,2 [--noise 0]
    OMP_NUM_THREADS=1 python benchmarks/kan_comparisons.py diabetes --seeds 0,1,2

Prints one JSON line per run and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import sympy
import torch

FEYNMAN = {  # name: (formula in the variables, ranges)
    "I.6.2a": ("exp(-theta**2/2)/sqrt(2*pi)", {"theta": (1, 3)}),
    "I.12.1": ("mu*Nn", {"mu": (1, 5), "Nn": (1, 5)}),
    "I.14.4": ("k*x**2/2", {"k": (1, 5), "x": (1, 5)}),
    "I.25.13": ("q/C", {"q": (1, 5), "C": (1, 5)}),
    "I.39.1": ("3*p*V/2", {"p": (1, 5), "V": (1, 5)}),
    "I.43.31": ("mu*k*T", {"mu": (1, 5), "k": (1, 5), "T": (1, 5)}),
    "II.3.24": ("P/(4*pi*r**2)", {"P": (1, 5), "r": (1, 5)}),
    "I.18.12": ("r*F*sin(theta)", {"r": (1, 5), "F": (1, 5), "theta": (0, 3.14159)}),
}


def feynman_data(name: str, seed: int, noise: float, n: int = 1000):
    text, ranges = FEYNMAN[name]
    symbols = [sympy.Symbol(v) for v in ranges]
    truth = sympy.lambdify(symbols, sympy.sympify(text, locals={s.name: s for s in symbols}))
    rng = np.random.default_rng(seed)
    x = np.stack([rng.uniform(lo, hi, n) for lo, hi in ranges.values()], axis=1)
    clean = np.asarray(truth(*x.T), dtype=np.float64)
    y = clean + noise * clean.std() * rng.standard_normal(n)
    return x, y, clean, tuple(ranges)


def mlp_for_time(x, y, x_test, n_params: int, seconds: float, seed: int) -> np.ndarray:
    """A one-hidden-layer tanh MLP with about ``n_params`` parameters, Adam for ``seconds``."""
    d = x.shape[1]
    hidden = max(1, round((n_params - 1) / (d + 2)))  # d*h + h + h + 1 parameters
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(d, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 1)
    ).double()
    mean, std = x.mean(0), x.std(0)
    xt = torch.tensor((x - mean) / std)
    ym, ys = y.mean(), y.std()
    yt = torch.tensor((y - ym) / ys)[:, None]
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(50):
            optimizer.zero_grad()
            loss = ((net(xt) - yt) ** 2).mean()
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        out = net(torch.tensor((x_test - mean) / std))[:, 0].numpy()
    return out * ys + ym, sum(p.numel() for p in net.parameters())


def r2(prediction, target) -> float:
    return float(1 - ((prediction - target) ** 2).sum() / ((target - target.mean()) ** 2).sum())


def run_feynman(name: str, seed: int, noise: float) -> dict:
    import pandas as pd

    import sciml

    x, y, clean, names = feynman_data(name, seed, noise)
    train, test = slice(0, 800), slice(800, None)
    model = sciml.KANRegressor(width=4, grid=5, grid_extensions=(10,), steps=30, seed=seed)
    frame = pd.DataFrame(x[train], columns=list(names))
    started = time.perf_counter()
    model.fit(frame, y[train])
    seconds = time.perf_counter() - started
    kan_test = model.predict(pd.DataFrame(x[test], columns=list(names)))
    n_params = sum(p.numel() for p in model.network_.parameters())
    formula = model.symbolic_formula()
    expression = model.expressions_[0]
    values = sympy.lambdify([sympy.Symbol(v) for v in names], expression, "numpy")(*x[test].T)
    values = np.broadcast_to(np.asarray(values, dtype=np.float64), clean[test].shape)
    formula_error = float(np.sqrt(np.mean((values - clean[test]) ** 2)) / clean[test].std())
    mlp_test, mlp_params = mlp_for_time(x[train], y[train], x[test], n_params, seconds, seed)
    return {
        "formula_name": name,
        "seed": seed,
        "noise": noise,
        "kan_r2": r2(kan_test, y[test]),
        "mlp_r2": r2(mlp_test, y[test]),
        "kan_params": n_params,
        "mlp_params": mlp_params,
        "seconds": seconds,
        "formula": formula,
        "formula_error": formula_error,
        "recovered": formula_error < (1e-3 if noise == 0 else 1e-2),
    }


def run_diabetes(seed: int) -> dict:
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.model_selection import KFold, cross_val_score
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import sciml

    x, y = load_diabetes(return_X_y=True)
    folds = KFold(5, shuffle=True, random_state=seed)
    models = {
        "kan": sciml.KANRegressor(width=2, grid=3, steps=20, lamb=1e-2, seed=seed, symbolic=False),
        "gbr": GradientBoostingRegressor(random_state=seed),
        "mlp": make_pipeline(
            StandardScaler(),
            MLPRegressor(hidden_layer_sizes=(32,), alpha=1.0, max_iter=3000, random_state=seed),
        ),
    }
    out = {"seed": seed}
    for name, model in models.items():
        started = time.perf_counter()
        scores = cross_val_score(model, x, y, cv=folds, scoring="r2")
        out[name] = float(scores.mean())
        out[f"{name}_seconds"] = time.perf_counter() - started
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("feynman", "diabetes"))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--noise", type=float, default=None, help="only this noise level")
    parser.add_argument("--only", default="", help="comma-separated formula names")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = []
    if args.what == "diabetes":
        for seed in seeds:
            rows.append(run_diabetes(seed))
            print(json.dumps(rows[-1]), flush=True)
        print("| model | 5-fold CV R^2, median of seeds (range) | seconds per CV |")
        print("| --- | --- | --- |")
        for name in ("kan", "gbr", "mlp"):
            values = [r[name] for r in rows]
            seconds = np.median([r[f"{name}_seconds"] for r in rows])
            print(
                f"| {name} | {np.median(values):.3f} ({min(values):.3f}-{max(values):.3f}) | "
                f"{seconds:.1f} |"
            )
        return
    names = args.only.split(",") if args.only else list(FEYNMAN)
    noises = [args.noise] if args.noise is not None else [0.0, 0.01]
    for noise in noises:
        for name in names:
            for seed in seeds:
                rows.append(run_feynman(name, seed, noise))
                print(json.dumps(rows[-1]), flush=True)
    print(
        "| formula | noise | KAN R^2 | MLP R^2 (same params, same time) | params KAN/MLP | "
        "KAN s | recovered (seeds) | KAN formula (first seed) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for noise in noises:
        for name in names:
            group = [r for r in rows if r["formula_name"] == name and r["noise"] == noise]
            kan = [r["kan_r2"] for r in group]
            mlp = [r["mlp_r2"] for r in group]
            print(
                f"| {name} | {noise:g} | {np.median(kan):.5f} | {np.median(mlp):.5f} | "
                f"{group[0]['kan_params']}/{group[0]['mlp_params']} | "
                f"{np.median([r['seconds'] for r in group]):.1f} | "
                f"{sum(r['recovered'] for r in group)}/{len(group)} | "
                f"`{group[0]['formula']}` |"
            )


if __name__ == "__main__":
    main()
