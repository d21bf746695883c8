"""LPINN: the Eulerian mapping on analytic characteristics, the smoke pipeline, files, bad input."""

import math

import numpy as np
import pytest
import torch
from torch import nn

import sciml
from sciml.core.errors import SciMLError
from sciml.methods.pinn.lpinn import eulerian_prediction, lagrangian_to_eulerian

TWO_PI = 2 * math.pi


def burgers_characteristics(labels, times):
    """Inviscid Burgers characteristics of u0 = -sin(pi X): straight lines, u constant."""
    u = -torch.sin(torch.pi * labels)[None, :].expand(len(times), -1)
    return labels[None, :] + u * times[:, None], u


def hopf_lax(x, t, nu=0.0):
    """Burgers with u0 = -sin(pi x): Lax-Oleinik (nu = 0) or Cole-Hopf (nu > 0) by quadrature."""
    y = np.linspace(-3.0, 3.0, 120001)
    action = (x[:, None] - y[None, :]) ** 2 / (2 * t) + (np.cos(np.pi * y) - 1) / np.pi
    action -= action.min(axis=1, keepdims=True)
    if nu == 0:
        return (x - y[action.argmin(axis=1)]) / t
    weight = np.exp(-action / (2 * nu))
    return (weight * (x[:, None] - y[None, :])).sum(1) / weight.sum(1) / t


def test_mapping_recovers_translated_periodic_wave():
    labels = torch.linspace(0, TWO_PI, 1025, dtype=torch.float64)[:-1]
    times = torch.tensor([0.0, 0.3, 1.0], dtype=torch.float64)
    beta, nu = 100.0, 0.01
    x_l = labels[None, :] + beta * times[:, None]  # far outside [0, 2 pi): needs the wrap
    u = torch.exp(-nu * times[:, None]) * torch.sin(labels)[None, :]
    queries = torch.rand(3, 50, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    queries = queries * 3 * TWO_PI - TWO_PI  # queries outside one period too
    values = lagrangian_to_eulerian(x_l, u, queries, TWO_PI, temperature=0.0)
    exact = torch.exp(-nu * times[:, None]) * torch.sin(queries - beta * times[:, None])
    assert torch.allclose(values, exact, atol=1e-5)


def test_mapping_of_a_stretching_non_periodic_map():
    labels = torch.linspace(0.0, 1.0, 513, dtype=torch.float64)
    times = torch.tensor([0.0, 0.5, 2.0], dtype=torch.float64)
    x_l = labels[None, :] * (1 + times[:, None])  # x_L = X (1 + t)
    u = labels[None, :].expand(3, -1) ** 2  # u carried unchanged: u(x, t) = (x / (1 + t))^2
    queries = torch.linspace(0.0, 1.0, 7, dtype=torch.float64)[None, :].expand(3, -1)
    values = lagrangian_to_eulerian(x_l, u, queries.contiguous(), 0.0, temperature=0.0)
    exact = (queries / (1 + times[:, None])) ** 2
    assert torch.allclose(values, exact, atol=1e-5)


def test_crossing_characteristics_select_the_entropy_solution():
    """After the Burgers shock forms (t > 1/pi) x_L folds; the lower envelope of the potential
    is the Lax-Oleinik solution, and the viscous weights give the Cole-Hopf shock profile."""
    labels = torch.linspace(-1, 1, 4097, dtype=torch.float64)[:-1]
    times = torch.tensor([0.6, 1.0], dtype=torch.float64)
    x_l, u = burgers_characteristics(labels, times)
    assert (x_l[:, 1:] < x_l[:, :-1]).any()  # the map is not monotone: characteristics cross
    x = np.linspace(-1, 1, 201)
    queries = torch.as_tensor(x)[None, :].expand(2, -1).contiguous()
    entropy = lagrangian_to_eulerian(x_l, u, queries, 2.0, temperature=0.0).numpy()
    nu = 0.01 / math.pi
    viscous = lagrangian_to_eulerian(x_l, u, queries, 2.0, temperature=2 * nu).numpy()
    away = np.abs(x) > 0.02  # the inviscid shock sits at x = 0
    for k, t in enumerate(times.tolist()):
        assert np.abs(entropy[k] - hopf_lax(x, t))[away].max() < 2e-3
        assert np.abs(viscous[k] - hopf_lax(x, t, nu)).max() < 1e-2
    # just right of the shock: the entropy solution has jumped, the viscous profile is mid-way
    assert entropy[1][101] < -0.6 and entropy[1][101] + 0.1 < viscous[1][101] < -0.3


class ExactCharacteristics(nn.Module):
    """x_L = X + beta t, u = sin X: the exact Lagrangian solution of linear convection."""

    def __init__(self, beta: float) -> None:
        super().__init__()
        self.beta = beta
        self.period = TWO_PI
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, points):
        labels, t = points[:, 0], points[:, 1]
        return torch.stack([labels + self.beta * t, torch.sin(labels)], dim=-1) + self.dummy


def test_eulerian_prediction_groups_any_points_by_time():
    rng = np.random.default_rng(0)
    times = rng.choice(np.linspace(0, 1, 7), size=300)  # repeated times, in no order
    points = np.stack([rng.uniform(0, TWO_PI, 300), times], axis=-1)
    labels = np.linspace(0, TWO_PI, 2049)[:-1]
    net = ExactCharacteristics(beta=50.0)
    values = eulerian_prediction(net, labels, points, 0.0, max_elements=3 * 2049 * 2)
    assert values.shape == (300, 1)
    exact = np.sin(points[:, 0] - 50.0 * points[:, 1])
    assert np.abs(values[:, 0] - exact).max() < 1e-5
    with pytest.raises(ValueError):
        eulerian_prediction(net, labels, np.zeros((3, 3)), 0.0)


def test_smoke_linear_convection_pipeline_and_file_round_trip(tmp_path):
    beta = 30.0
    surrogate, metrics = sciml.solve(
        "convection-diffusion",
        "lpinn",
        budget="smoke",
        out=tmp_path,
        overrides={"beta": str(beta)},
        progress=False,
        device="cpu",
    )
    assert metrics["rel_l2"] < 5e-2
    assert {"loss_characteristics", "loss_state", "loss_ic"} <= set(metrics)
    # the characteristics learned are the exact ones, x_L = X + beta t
    labels = torch.linspace(0, TWO_PI, 65)[:-1]
    for t in (0.0, 0.5, 1.0):
        points = torch.stack([labels, torch.full_like(labels, t)], dim=-1)
        with torch.no_grad():
            x_l = surrogate.network(points)[:, 0]
        assert (x_l - labels - beta * t).abs().max() < 0.05
    loaded = sciml.load(tmp_path / "model.h5")
    assert loaded.config["network"]["type"] == "LagrangianNet"
    assert loaded.config["network"]["kwargs"]["period"] == pytest.approx(TWO_PI)
    assert len(loaded.arrays["labels"]) == loaded.config["options"]["grid"]
    rng = np.random.default_rng(1)
    points = np.stack([rng.uniform(-1, 7, 50), rng.uniform(0, 1, 50)], axis=-1)
    np.testing.assert_array_equal(loaded.predict(points), surrogate.predict(points))
    assert sciml.evaluate_file(tmp_path / "model.h5")["rel_l2"] == pytest.approx(metrics["rel_l2"])
    assert (tmp_path / "solution.png").stat().st_size > 10_000


def test_smoke_burgers():
    _, metrics = sciml.solve("burgers", "lpinn", budget="smoke", progress=False, device="cpu")
    assert metrics["rel_l2"] < 0.15
    assert metrics["options"]["selection"] == "viscous"


@pytest.mark.parametrize(
    "problem, overrides, message",
    [
        ("convection-diffusion", {"beta": "500"}, "expected a number in [0, 200]"),
        ("convection-diffusion", {"nu": "-1"}, "invalid value '-1' for nu"),
        (
            "burgers",
            {"diffusion": "exact"},
            "invalid value 'exact' for diffusion: expected one of label, eulerian",
        ),
        (
            "burgers",
            {"selection": "sort"},
            "invalid value 'sort' for selection: expected one of viscous, entropy",
        ),
        ("burgers", {"grid": "4"}, "invalid value '4' for grid: expected an integer in [16, "),
        (
            "burgers",
            {"activation": "elu"},
            "invalid value 'elu' for activation: expected one of tanh, sin, relu, gelu, silu",
        ),
        ("burgers", {"grid": "many"}, "invalid value 'many' for grid: expected an integer"),
        ("burgers", {"depth": "3"}, "unknown --set key 'depth'"),
        ("lorenz", {}, "method lpinn needs lagrangian (a Lagrangian form"),
    ],
)
def test_bad_input_fails_in_one_line(problem, overrides, message):
    with pytest.raises(SciMLError) as error:
        sciml.solve(
            problem, "lpinn", budget="smoke", overrides=overrides, progress=False, device="cpu"
        )
    assert message in str(error.value)
    assert "\n" not in str(error.value)
