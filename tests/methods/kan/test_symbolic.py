"""Symbolic fitting: a known edge function is recovered with its affine parameters, a trained
KAN reads as the formula it learned, and the term refit drops what the data does not need."""

import numpy as np
import sympy
import torch

from sciml.methods.kan.symbolic import (
    evaluate_formula,
    fit_edge,
    refit_terms,
    refit_terms_snapped,
    symbolic_formula,
)
from sciml.methods.kan.training import Schedule, fit_kan
from sciml.nets.kan import KAN


def test_an_edge_that_is_a_sine_is_recognised_with_its_parameters():
    x = np.linspace(-2, 2, 200)
    fit = fit_edge(x, 1.5 * np.sin(2.0 * x + 0.3) - 0.7)
    assert fit.function == "sin" and fit.r2 > 0.999999
    # sin(a x + b) = sin(-a x + pi - b): compare the fitted function, not the parameters
    fitted = fit.c * np.sin(fit.a * x + fit.b) + fit.d
    assert np.abs(fitted - (1.5 * np.sin(2.0 * x + 0.3) - 0.7)).max() < 1e-6


def test_simple_edges_prefer_the_simplest_function():
    x = np.linspace(-1, 1, 100)
    assert fit_edge(x, 3 * x - 1).function == "x"
    assert fit_edge(x, (x - 0.2) ** 2).function == "x^2"
    assert fit_edge(x, np.zeros_like(x)).function == "0"


def test_a_trained_kan_on_a_sine_reads_as_a_sine():
    torch.manual_seed(0)
    x = np.linspace(-1.5, 1.5, 300)[:, None]
    y = np.sin(2 * x)
    net = KAN([1, 1], grid=5, k=3, dtype="float64")
    fit_kan(net, torch.tensor(x), torch.tensor(y), Schedule(steps=20, grid_extensions=(10,)))
    result = symbolic_formula(net, x, y, ("x",), ("y",))
    (edge,) = result.edges
    assert edge["function"] == "sin" and edge["r2"] > 0.999, edge
    values = evaluate_formula(result.expressions[0], [sympy.Symbol("x")], x)
    assert np.abs(values - y[:, 0]).max() < 1e-3
    assert result.formulas[0].startswith("y = ")


def test_the_term_refit_recovers_coefficients_and_drops_spurious_terms():
    x, z = sympy.symbols("x z")
    rng = np.random.default_rng(0)
    data = rng.uniform(-3, 3, (400, 2))
    target = 28 * data[:, 0] - data[:, 0] * data[:, 1]
    # roughly right coefficients plus a spurious square, as a composed KAN formula gives them
    rough = 27.0 * x - 0.9 * x * z + 0.05 * z**2 + 0.3
    refit = refit_terms(rough, [x, z], data, target, tolerance=1e-3)
    assert len(sympy.Add.make_args(refit)) == 2  # the square and the constant are gone
    difference = sympy.Poly(sympy.expand(refit - (28 * x - x * z)), x, z)
    assert all(abs(float(c)) < 1e-9 for c in difference.coeffs())


def test_a_product_composed_through_powers_snaps_to_the_exact_product():
    mu, n = sympy.symbols("mu Nn")
    # what the KAN composed for y = mu * Nn (AI Feynman I.12.1, seed 0)
    composed = (
        0.192789 * (2.01224 * n - 0.00445375) ** 0.999013 * (2.57412 * mu + 0.0100518) ** 1.00133
    )
    data = np.random.default_rng(0).uniform(1, 5, (400, 2))
    refit = refit_terms_snapped(composed, [mu, n], data, data[:, 0] * data[:, 1], 1e-3)
    assert sympy.Poly(refit, mu, n).as_dict().keys() == {(1, 1)}
    assert abs(float(sympy.Poly(refit, mu, n).coeffs()[0]) - 1) < 1e-9
