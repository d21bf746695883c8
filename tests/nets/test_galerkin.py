"""Galerkin attention equals its defining sums, and its causal form looks only backwards."""

import pytest
import torch

from sciml.nets.galerkin import GalerkinAttention
from sciml.nets.integral_equation import ANIEGridNet, ANIENet, NIENet


def _explicit(attention, x, group=0):
    """Q_i sum_j K_j^T V_j / n by loops over samples, heads, queries and keys."""
    q = attention.split(attention.query(x))
    k = attention.key_norm(attention.split(attention.key(x)))
    v = attention.value_norm(attention.split(attention.value(x)))
    b, n, h, c = q.shape
    mixed = torch.zeros_like(q)
    for s in range(b):
        for head in range(h):
            for i in range(n):
                for j in range(n):
                    if group and j // group > i // group:
                        continue
                    mixed[s, i, head] += (q[s, i, head] @ k[s, j, head]) * v[s, j, head] / n
    return attention.out(mixed.flatten(-2))


def test_galerkin_attention_equals_an_explicit_loop():
    torch.manual_seed(0)
    attention = GalerkinAttention(width=6, heads=2).double()
    x = torch.randn(2, 5, 6, dtype=torch.float64)
    torch.testing.assert_close(attention(x), _explicit(attention, x))
    x = torch.randn(2, 6, 6, dtype=torch.float64)
    torch.testing.assert_close(attention(x, causal_group=2), _explicit(attention, x, 2))


def test_volterra_integrals_ignore_later_times():
    torch.manual_seed(0)
    times = [float(t) for t in torch.linspace(0, 5, 12)]
    nets = [
        NIENet(2, times, width=16, rank=4, kind="volterra"),
        NIENet(2, times, width=16, rank=4, kind="volterra", rule="gauss-legendre", order=3),
        ANIENet(2, times, width=8, kind="volterra"),
    ]
    z = torch.randn(3, 12, 2)
    later = z.clone()
    later[:, 7:] += torch.randn(3, 5, 2)
    for net in nets:
        a, b = net.integral(z), net.integral(later)
        torch.testing.assert_close(a[:, :7], b[:, :7])  # y(t) for t <= t_6 unchanged
        assert (a[:, 7:] - b[:, 7:]).abs().max() > 1e-3  # later times do see it
    fredholm = ANIENet(2, times, width=8, kind="fredholm")
    assert (fredholm.integral(z)[:, :7] - fredholm.integral(later)[:, :7]).abs().max() > 1e-3


@pytest.mark.parametrize("decoder_layers", [0, 2])
def test_volterra_on_a_grid_ignores_later_snapshots(decoder_layers):
    """ANIE on space-time tokens (the navier-stokes default): output snapshot k depends on the
    input window and the output snapshots up to k only."""
    torch.manual_seed(0)
    net = ANIEGridNet(
        2,
        [8, 8],
        t_in=3,
        t_out=4,
        patch=4,
        width=8,
        heads=2,
        kind="volterra",
        decoder_layers=decoder_layers,
    )
    x, y = torch.randn(2, 3, 8, 8), torch.randn(2, 4, 8, 8)
    operator = net.operator_for(x, net.free(x))
    later = y.clone()
    later[:, 2:] += torch.randn(2, 2, 8, 8)
    a, b = operator(y), operator(later)
    torch.testing.assert_close(a[:, :2], b[:, :2])
    assert (a[:, 2:] - b[:, 2:]).abs().max() > 1e-3


def test_the_grid_decoder_is_the_pointwise_regressor():
    """decoder_layers = L: L hidden Linear + SiLU layers of the token width, then a linear map to
    the patch values; L = 0 keeps the one linear map (and its saved key, ``project.weight``)."""
    torch.manual_seed(0)
    linear = ANIEGridNet(2, [8, 8], t_in=2, t_out=2, patch=4, width=8)
    assert "project.weight" in linear.state_dict()
    net = ANIEGridNet(2, [8, 8], t_in=2, t_out=2, patch=4, width=8, decoder_layers=2)
    layers = list(net.project)
    assert [type(m).__name__ for m in layers] == ["Linear", "SiLU", "Linear", "SiLU", "Linear"]
    assert layers[0].in_features == 8 and layers[-1].out_features == 16  # 4 x 4 patch values
    tokens = torch.randn(3, 8)
    expected = layers[4](
        torch.nn.functional.silu(layers[2](torch.nn.functional.silu(layers[0](tokens))))
    )
    torch.testing.assert_close(net.project(tokens), expected)
