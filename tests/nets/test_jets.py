"""Taylor-mode jets (nets/jets.py, FieldNet.jet) against nested reverse-mode autograd."""

import math

import pytest
import torch

from sciml.core.derivatives import Fields, JetPlan
from sciml.nets.field import FieldNet
from sciml.nets.jets import Jet

CONFIGS = {
    "mlp": {},
    "periodic": {"periods": [2.0, 0.0]},
    "modified": {"architecture": "modified", "periods": [2.0, 0.0], "harmonics": 3},
    "fourier": {"fourier_features": 8, "fourier_scale": 2.0},
    "sin": {"activation": "sin"},
    "hard": {
        "initial": ["-sin(pi*x)", "x**2*cos(pi*x)"],
        "dirichlet": [True, False],
        "time_input": "t",
        "periods": [2.0, 0.0],
    },
    "hard-constant": {"initial": ["1.5", "x"], "dirichlet": [False, False], "time_input": "t"},
    "mirror-odd": {"periods": [2.0, 0.0], "mirror": [0, 0.0, -1]},
    "mirror-even-t": {"mirror": [1, 0.5, 1], "architecture": "modified"},
    "mirror-hard": {
        "initial": ["-sin(pi*x)", "x**3"],
        "dirichlet": [True, False],
        "time_input": "t",
        "mirror": [0, 0.0, -1],
    },
}
KEYS = [("u", "t"), ("u", "x"), ("u", "x", "x"), ("v", "t", "t"), ("v", "x")]


def field_net(**kwargs):
    torch.manual_seed(0)
    config = {"lower": [-1.0, 0.0], "upper": [1.0, 1.0], "n_outputs": 2, "width": 16, "depth": 3}
    config.update(input_names=["x", "t"], **kwargs)
    return FieldNet(**config).double()


def points(n=64):
    generator = torch.Generator().manual_seed(1)
    unit = torch.rand(n, 2, generator=generator, dtype=torch.float64)
    return unit * torch.tensor([2.0, 1.0], dtype=torch.float64) - torch.tensor([1.0, 0.0])


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_jet_derivatives_and_their_parameter_gradients_equal_autograd(name):
    net, x = field_net(**CONFIGS[name]), points()
    reverse = Fields(net, x, ("x", "t"), ("u", "v"))
    expected = [reverse.d(*key) for key in KEYS]
    plan = reverse.plan()
    assert plan == JetPlan(dirs=(0, 1), seconds=(0, 1))
    jet = Fields(net, x, ("x", "t"), ("u", "v"), plan)
    torch.testing.assert_close(jet.values, reverse.values, rtol=1e-13, atol=1e-13)
    for key, value in zip(KEYS, expected):
        torch.testing.assert_close(jet.d(*key), value, rtol=1e-11, atol=1e-11)
    params = list(net.parameters())
    loss_reverse = sum(v.square().sum() for v in expected)
    loss_jet = sum(jet.d(*key).square().sum() for key in KEYS)
    grads_reverse = torch.autograd.grad(loss_reverse, params, allow_unused=True)
    grads_jet = torch.autograd.grad(loss_jet, params, allow_unused=True)
    for a, b in zip(grads_reverse, grads_jet):
        assert (a is None) == (b is None)
        if a is not None:
            torch.testing.assert_close(b, a, rtol=1e-9, atol=1e-9)


def test_jet_of_a_known_function():
    """tanh(a x + b t) pushed through Jet: d/dx, d/dt, d2/dx2 against closed forms."""
    x = points(32)
    jet = Jet.coordinates(x, dirs=(0, 1), seconds=(0,))
    weight = torch.tensor([[0.7, -1.3]], dtype=torch.float64)
    out = jet.linear(weight, torch.tensor([0.2], dtype=torch.float64)).apply("tanh")
    z = x @ weight.T + 0.2
    s = 1 - torch.tanh(z) ** 2
    torch.testing.assert_close(out.value, torch.tanh(z))
    torch.testing.assert_close(out.first[0], 0.7 * s)
    torch.testing.assert_close(out.first[1], -1.3 * s)
    torch.testing.assert_close(out.second[0], -2 * torch.tanh(z) * s * 0.7**2)
    product = out * out  # (f^2)'' = 2 f'^2 + 2 f f''
    torch.testing.assert_close(
        product.second[0], 2 * out.first[0] ** 2 + 2 * out.value * out.second[0]
    )


def test_a_mixed_or_third_derivative_leaves_the_plan_to_reverse_mode():
    net, x = field_net(), points(8)
    fields = Fields(net, x, ("x", "t"), ("u", "v"))
    fields.d("u", "x", "t")
    assert fields.plan() is None
    fields = Fields(net, x, ("x", "t"), ("u", "v"))
    fields.d("u", "x", "x", "x")
    assert fields.plan() is None


def test_only_the_planned_seconds_are_computed():
    net, x = field_net(**CONFIGS["hard"]), points(16)
    fields = Fields(net, x, ("x", "t"), ("u", "v"), JetPlan(dirs=(0, 1), seconds=(0,)))
    assert ("u", "x", "x") in fields._cache and ("u", "t", "t") not in fields._cache
    with pytest.raises(RuntimeError, match="not in this Fields' jet plan"):
        fields.d("u", "t", "t")


def test_a_network_without_a_jet_rule_falls_back_to_autograd():
    net, x = field_net(activation="gelu"), points(16)
    fields = Fields(net, x, ("x", "t"), ("u", "v"), JetPlan(dirs=(0,), seconds=(0,)))
    expected = Fields(net, x, ("x", "t"), ("u", "v")).d("u", "x", "x")
    torch.testing.assert_close(fields.d("u", "x", "x"), expected)
    assert math.isfinite(float(fields.d("u", "t").sum()))


@pytest.mark.parametrize("parity", [-1, 1])
def test_a_mirrored_network_has_the_parity_it_is_given(parity):
    net, x = field_net(periods=[2.0, 0.0], mirror=[0, 0.0, parity]), points(32)
    reflected = x.clone()
    reflected[:, 0] = -x[:, 0]
    torch.testing.assert_close(net(reflected), parity * net(x), rtol=0, atol=1e-15)
