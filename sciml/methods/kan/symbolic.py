"""Symbolic regression with a trained KAN (Liu et al. 2024, arXiv 2404.19756, section 2.5.1 and
pykan's ``auto_symbolic``):

1. each edge phi(x) that pruning left is matched against a library f of simple functions with
   affine parameters, phi(x) ~ c f(a x + b) + d: (a, b) by a grid sweep that zooms in around the
   best cell (pykan's ``fit_params``), then polished by nonlinear least squares, (c, d) by
   linear least squares; R^2 of the fit is reported per edge;
2. the function with the best trade-off of R^2 and complexity is chosen, score =
   w complexity + (1 - w) log2(1 + 1e-5 - R^2) with w = 0.8 by default (pykan's
   ``suggest_symbolic``; option ``weight_simple``);
3. composing the chosen functions through the layers (with the input and output normalisation)
   gives one formula per output, expanded with sympy;
4. (where the paper fine-tunes the affine parameters of the symbolic network by gradient
   descent) the outer coefficients of the expanded formula's terms are refit jointly by linear
   least squares on the data, and terms that contribute less than ``tolerance`` of the target's
   deviation are dropped one at a time (the smallest first) with a refit after each; the same
   is tried with every power's exponent snapped to the nearest multiple of 1/2 within 0.02
   (pykan rounds the displayed formula instead), and kept when it fits the training rows as
   well (residual at most twice as large, or below the tolerance).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.optimize
import sympy
import torch

from sciml.nets.kan import KAN

WEIGHT_SIMPLE = 0.8
SWEEP = 21  # grid points per axis of the (a, b) sweep
ZOOMS = 4
MAX_TERMS = 400  # an expanded formula larger than this is shown as composed, without refit
SNAP = 0.02  # exponents this close to a multiple of 1/2 are tried at that value


def _safe(fn: Any) -> Any:
    def call(z: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return fn(z)

    return call


# name -> (numpy function, sympy function, complexity); pykan's library and complexities
LIBRARY: dict[str, tuple[Any, Any, int]] = {
    "x": (lambda z: z, lambda z: z, 1),
    "x^2": (lambda z: z**2, lambda z: z**2, 2),
    "x^3": (lambda z: z**3, lambda z: z**3, 3),
    "x^4": (lambda z: z**4, lambda z: z**4, 3),
    "1/x": (_safe(lambda z: 1 / z), lambda z: 1 / z, 2),
    "1/x^2": (_safe(lambda z: 1 / z**2), lambda z: 1 / z**2, 2),
    "sqrt": (_safe(np.sqrt), sympy.sqrt, 2),
    "exp": (_safe(np.exp), sympy.exp, 2),
    "log": (_safe(np.log), sympy.log, 2),
    "sin": (np.sin, sympy.sin, 2),
    "tanh": (np.tanh, sympy.tanh, 3),
    "abs": (np.abs, sympy.Abs, 3),
    "gaussian": (_safe(lambda z: np.exp(-(z**2))), lambda z: sympy.exp(-(z**2)), 3),
}

# named libraries for the ``library`` option; the regressor also takes any list of names
LIBRARIES: dict[str, tuple[str, ...]] = {
    "all": tuple(LIBRARY),
    "polynomial": ("x", "x^2", "x^3"),
}


@dataclass(frozen=True)
class EdgeFit:
    """phi(x) ~ c f(a x + b) + d with its R^2 on the edge's samples."""

    function: str
    a: float
    b: float
    c: float
    d: float
    r2: float

    def expression(self, x: sympy.Expr) -> sympy.Expr:
        if self.function == "0":
            return sympy.Float(0)
        inner = LIBRARY[self.function][1](sympy.Float(self.a) * x + sympy.Float(self.b))
        return sympy.Float(self.c) * inner + sympy.Float(self.d)

    def as_dict(self) -> dict[str, Any]:
        return {
            "function": self.function,
            "a": self.a,
            "b": self.b,
            "c": self.c,
            "d": self.d,
            "r2": self.r2,
        }


def _affine(features: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """c, d of y ~ c features + d and the R^2 of that fit."""
    f = features - features.mean()
    t = y - y.mean()
    denominator = float(f @ f)
    total = float(t @ t)
    if denominator <= 0 or not np.isfinite(denominator):
        return 0.0, float(y.mean()), 0.0
    c = float(f @ t) / denominator
    r2 = 1.0 - float(((t - c * f) ** 2).sum()) / total if total > 0 else 1.0
    return c, float(y.mean() - c * features.mean()), r2


def _sweep_r2(fn: Any, x: np.ndarray, y: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """R^2 of the best affine fit of y by fn(a x + b), for every (a, b) of the grid: (A, B)."""
    z = fn(a[None, :, None] * x[:, None, None] + b[None, None, :])  # (N, A, B)
    z = np.where(np.isfinite(z), z, np.nan)
    zc = z - z.mean(axis=0)
    yc = (y - y.mean())[:, None, None]
    with np.errstate(all="ignore"):
        r2 = (zc * yc).sum(0) ** 2 / ((zc**2).sum(0) * (yc**2).sum())
    return np.nan_to_num(r2, nan=0.0, posinf=0.0, neginf=0.0)


def fit_function(x: np.ndarray, y: np.ndarray, name: str) -> EdgeFit:
    """The best c f(a x + b) + d for one library function ``name``."""
    fn = LIBRARY[name][0]
    if name == "x":
        c, d, r2 = _affine(x, y)
        return EdgeFit(name, 1.0, 0.0, c, d, r2)
    a_range, b_range = (-10.0, 10.0), (-10.0, 10.0)
    best = (1.0, 0.0)
    for _ in range(ZOOMS):
        a = np.linspace(*a_range, SWEEP)
        b = np.linspace(*b_range, SWEEP)
        r2 = _sweep_r2(fn, x, y, a, b)
        i, j = np.unravel_index(np.argmax(r2), r2.shape)
        best = (float(a[i]), float(b[j]))
        a_range = (a[max(i - 1, 0)], a[min(i + 1, SWEEP - 1)])
        b_range = (b[max(j - 1, 0)], b[min(j + 1, SWEEP - 1)])

    def residual(p: np.ndarray) -> np.ndarray:
        z = fn(p[0] * x + p[1])
        out = p[2] * z + p[3] - y
        return np.where(np.isfinite(out), out, 1e6)

    c, d, _ = _affine(fn(best[0] * x + best[1]), y)
    try:
        polished = scipy.optimize.least_squares(residual, [*best, c, d], method="lm", max_nfev=200)
        a_, b_ = float(polished.x[0]), float(polished.x[1])
    except (ValueError, np.linalg.LinAlgError):
        a_, b_ = best
    c, d, r2 = _affine(fn(a_ * x + b_), y)
    c0, d0, r20 = _affine(fn(best[0] * x + best[1]), y)
    if not np.isfinite(r2) or r20 > r2:
        a_, b_, c, d, r2 = best[0], best[1], c0, d0, r20
    return EdgeFit(name, a_, b_, c, d, float(r2))


def fit_edge(
    x: np.ndarray,
    y: np.ndarray,
    names: tuple[str, ...] = tuple(LIBRARY),
    weight_simple: float = WEIGHT_SIMPLE,
) -> EdgeFit:
    """The library function that best trades R^2 against complexity for samples (x, y)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if float(np.std(y)) <= 1e-12 * (1 + float(np.abs(y).max())):
        return EdgeFit("0", 0.0, 0.0, 0.0, float(np.mean(y)), 1.0)
    best, best_score = None, np.inf
    for name in names:
        fit = fit_function(x, y, name)
        score = weight_simple * LIBRARY[name][2] + (1 - weight_simple) * np.log2(
            max(1 + 1e-5 - fit.r2, 1e-12)
        )
        if score < best_score:
            best, best_score = fit, score
    assert best is not None
    return best


def _samples(x: torch.Tensor, n: int) -> torch.Tensor:
    """At most ``n`` rows of ``x`` (evenly spaced, deterministic)."""
    if len(x) <= n:
        return x
    return x[torch.linspace(0, len(x) - 1, n).round().long()]


@dataclass
class SymbolicResult:
    formulas: list[str]  # "output = expression", one per output
    expressions: list[sympy.Expr]
    edges: list[dict[str, Any]]


def symbolic_formula(
    net: KAN,
    x: np.ndarray,
    y: np.ndarray,
    input_names: tuple[str, ...],
    output_names: tuple[str, ...],
    tolerance: float = 1e-3,
    library: tuple[str, ...] = tuple(LIBRARY),
    weight_simple: float = WEIGHT_SIMPLE,
    max_samples: int = 256,
) -> SymbolicResult:
    """Fit every unmasked edge, compose the formula of each output and refit its terms."""
    device, dtype = net.input_shift.device, net.input_shift.dtype
    xt = torch.tensor(x, dtype=dtype, device=device)
    with torch.no_grad():
        layer_inputs = net.layer_inputs(_samples(xt, max_samples))
    symbols = [sympy.Symbol(name) for name in input_names]
    shift = net.input_shift.double().cpu().numpy()
    scale = net.input_scale.double().cpu().numpy()
    nodes = [(s - sympy.Float(m)) / sympy.Float(v) for s, m, v in zip(symbols, shift, scale)]
    edges = []
    for index, (layer, h) in enumerate(zip(net.layers, layer_inputs)):
        with torch.no_grad():
            phi = layer.edge_values(h).double().cpu().numpy()  # (B, out, in)
        inputs = h.double().cpu().numpy()
        mask = layer.mask.cpu().numpy()
        out_nodes = []
        for j in range(layer.n_out):
            total = sympy.Float(0)
            for i in range(layer.n_in):
                if mask[j, i] == 0:
                    continue
                fit = fit_edge(inputs[:, i], phi[:, j, i], library, weight_simple)
                edges.append({"layer": index, "out": j, "in": i, **fit.as_dict()})
                total = total + fit.expression(nodes[i])
            out_nodes.append(total)
        nodes = out_nodes
    out_shift = net.output_shift.double().cpu().numpy()
    out_scale = net.output_scale.double().cpu().numpy()
    expressions = []
    for j, node in enumerate(nodes):
        composed = node * sympy.Float(out_scale[j]) + sympy.Float(out_shift[j])
        expressions.append(refit_terms_snapped(composed, symbols, x, y[:, j], tolerance))
    formulas = [
        f"{name} = {sympy.sstr(sympy.N(expr, 6))}" for name, expr in zip(output_names, expressions)
    ]
    return SymbolicResult(formulas, expressions, edges)


def snap_exponents(expression: sympy.Expr, tolerance: float = SNAP) -> sympy.Expr:
    """Powers whose fitted exponent lies within ``tolerance`` of a multiple of 1/2 (a product
    composed as exp(log a + log b) gives a**0.998 * b**1.003) take that exponent exactly."""

    def snapped(power: sympy.Pow) -> sympy.Expr:
        exponent = float(power.exp)
        nearest = round(2 * exponent) / 2
        if nearest != 0 and abs(exponent - nearest) < tolerance:
            return sympy.Pow(power.base, sympy.Rational(int(2 * nearest), 2))
        return power

    return expression.replace(
        lambda e: isinstance(e, sympy.Pow) and isinstance(e.exp, sympy.Float), snapped
    )


def refit_terms_snapped(
    expression: sympy.Expr,
    symbols: list[sympy.Symbol],
    x: np.ndarray,
    y: np.ndarray,
    tolerance: float,
) -> sympy.Expr:
    """:func:`refit_terms` of the expression with snapped exponents when that fits the data as
    well (its residual at most twice the unsnapped one's, or below ``tolerance`` of the target's
    deviation), else of the expression as composed."""
    plain = refit_terms(expression, symbols, x, y, tolerance)
    snapped_expression = snap_exponents(expression)
    if snapped_expression == expression:
        return plain
    snapped = refit_terms(snapped_expression, symbols, x, y, tolerance)
    errors = []
    for candidate in (plain, snapped):
        try:
            values = evaluate_formula(candidate, symbols, x)
            errors.append(float(np.sqrt(np.mean((values - y) ** 2))))
        except (TypeError, ValueError, ZeroDivisionError):
            errors.append(np.inf)
    scale = float(np.std(y)) or 1.0
    if np.isfinite(errors[1]) and (errors[1] <= 2 * errors[0] or errors[1] < tolerance * scale):
        return snapped
    return plain


def refit_terms(
    expression: sympy.Expr,
    symbols: list[sympy.Symbol],
    x: np.ndarray,
    y: np.ndarray,
    tolerance: float,
) -> sympy.Expr:
    """The expanded ``expression`` with its terms' coefficients refit by least squares on (x, y)
    and negligible terms dropped (module docstring, step 4)."""
    expanded = sympy.expand(expression, power_exp=False, log=False)
    terms: dict[sympy.Expr, float] = {}
    for term in sympy.Add.make_args(expanded):
        coefficient, factor = term.as_coeff_Mul()
        if factor.free_symbols:
            terms[factor] = terms.get(factor, 0.0) + float(coefficient)
    if not terms or len(terms) > MAX_TERMS:
        return expanded
    factors = list(terms)
    columns = []
    for factor in factors:
        values = sympy.lambdify(symbols, factor, "numpy")(*x.T)
        columns.append(np.broadcast_to(np.asarray(values, dtype=np.float64), (len(x),)))
    features = np.stack(columns, axis=1)
    if not np.isfinite(features).all():
        return expanded
    norms = features.std(axis=0)
    norms = np.where(norms > 0, norms, np.abs(features).max(axis=0) + 1e-300)
    features = features / norms  # unit columns: high powers are otherwise hopelessly scaled
    keep = list(range(len(factors)))
    scale = float(np.std(y)) or 1.0
    while True:
        solution = _least_squares(features[:, keep], y)
        weight = np.abs(solution[:-1]) * features[:, keep].std(axis=0) / scale
        if not keep or weight.min() >= tolerance:
            break
        keep.pop(int(np.argmin(weight)))
    result = sympy.Float(solution[-1]) if abs(solution[-1]) > tolerance * scale else sympy.Float(0)
    for position, index in enumerate(keep):
        result = result + sympy.Float(solution[position] / norms[index]) * factors[index]
    return result


def _least_squares(features: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Coefficients of the columns of ``features`` and then the intercept."""
    design = np.concatenate([features, np.ones((len(features), 1))], axis=1)
    return np.linalg.lstsq(design, y, rcond=None)[0]


def evaluate_formula(
    expression: sympy.Expr, symbols: list[sympy.Symbol], x: np.ndarray
) -> np.ndarray:
    """The formula's values at the rows of ``x``."""
    values = sympy.lambdify(symbols, expression, "numpy")(*np.asarray(x, dtype=np.float64).T)
    return np.broadcast_to(np.asarray(values, dtype=np.float64), (len(x),)).copy()
