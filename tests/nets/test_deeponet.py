"""DeepONet and POD-DeepONet: Cartesian product, POD basis, sensor checks, rebuild, a tiny fit."""

import json
import math

import pytest
import torch

from sciml.nets.deeponet import DeepONet, PODDeepONet, pod_basis, pod_coefficients
from tests.nets.smoothing import fit, smoothing_problem


@pytest.mark.parametrize("n_outputs", [1, 3])
def test_cartesian_product_equals_a_per_sample_loop(n_outputs):
    torch.manual_seed(0)
    net = DeepONet(
        10,
        2,
        branch_layers=[16],
        trunk_layers=[16, 16],
        n_basis=5,
        activation="relu",
        n_outputs=n_outputs,
    )
    with torch.no_grad():
        net.bias.copy_(torch.arange(n_outputs, dtype=torch.float32) + 0.5)
        u, y = torch.randn(4, 10), torch.rand(7, 2)
        out = net(u, y)
        expected = torch.empty(4, 7, n_outputs)
        for b in range(4):
            coefficients = net.branch(u[b])
            for n in range(7):
                basis = net.trunk(y[n])
                for o in range(n_outputs):
                    group = slice(o * 5, (o + 1) * 5)
                    expected[b, n, o] = coefficients[group] @ basis[group] + net.bias[o]
    assert out.shape == ((4, 7) if n_outputs == 1 else (4, 7, n_outputs))
    torch.testing.assert_close(out.reshape(4, 7, n_outputs), expected)


def test_trunk_takes_any_query_points_but_the_branch_needs_the_sensor_count():
    net = DeepONet(16, 1, n_basis=8)
    u = torch.randn(3, 16)
    assert net(u, torch.rand(5, 1)).shape == (3, 5)
    assert net(u, torch.rand(200, 1)).shape == (3, 200)
    with pytest.raises(ValueError, match=r"16 sensors.*\(3, 32\)"):
        net(torch.randn(3, 32), torch.rand(5, 1))
    with pytest.raises(ValueError, match="query points"):
        net(u, torch.rand(5, 2))


def test_periodic_trunk_is_exactly_one_periodic_in_every_coordinate():
    torch.manual_seed(0)
    net = DeepONet(12, 2, n_basis=8, activation="silu", harmonics=3)
    assert net.trunk[0].in_features == 2 * 3 * 2  # cos and sin of 3 harmonics per coordinate
    u, y = torch.randn(4, 12), torch.rand(7, 2)
    shifted = y + torch.tensor([1.0, -2.0])
    torch.testing.assert_close(net(u, shifted), net(u, y), atol=1e-5, rtol=0)
    plain = DeepONet(12, 2, n_basis=8, activation="silu")
    assert not torch.allclose(plain(u, shifted), plain(u, y), atol=1e-3)


def test_pod_basis_reconstructs_a_low_rank_dataset_exactly():
    torch.manual_seed(0)
    n_points, rank = 50, 3
    x = torch.linspace(0, 1, n_points)
    shapes = torch.stack([torch.sin(math.pi * x), torch.cos(3 * x), x**2])  # (rank, N)
    data = 0.7 + torch.randn(40, rank) @ shapes
    mean, modes = pod_basis(data, rank)
    assert mean.shape == (n_points,) and modes.shape == (n_points, rank)
    torch.testing.assert_close(modes.T @ modes, n_points * torch.eye(rank), atol=1e-3, rtol=1e-4)
    reconstruction = mean + pod_coefficients(data, mean, modes) @ modes.T
    torch.testing.assert_close(reconstruction, data, atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="n_modes"):
        pod_basis(data, 60)


def test_pod_deeponet_saves_its_basis_and_rebuilds_from_config():
    torch.manual_seed(0)
    outputs = torch.randn(20, 30)
    net = PODDeepONet.from_outputs(outputs, n_sensors=12, n_modes=4, branch_layers=[8])
    assert {"mean", "modes"} <= set(net.state_dict())
    config = dict(n_sensors=12, n_modes=4, n_points=30, branch_layers=[8], activation="tanh")
    rebuilt = PODDeepONet(**json.loads(json.dumps(config)))
    rebuilt.load_state_dict(net.state_dict())
    u = torch.randn(5, 12)
    assert net(u).shape == (5, 30)
    assert torch.equal(net(u), rebuilt(u))
    assert torch.equal(net(u, torch.rand(30, 1)), net(u))
    with pytest.raises(ValueError, match="12 sensors"):
        net(torch.randn(5, 13))
    with pytest.raises(ValueError, match="30 points"):
        net(u, torch.rand(31, 1))


def test_deeponet_rebuilds_from_json_config():
    config = dict(
        n_sensors=8,
        coord_dim=2,
        branch_layers=[16, 16],
        trunk_layers=[16],
        n_basis=6,
        activation="gelu",
        n_outputs=2,
        harmonics=2,
    )
    net = DeepONet(**config)
    rebuilt = DeepONet(**json.loads(json.dumps(config)))
    rebuilt.load_state_dict(net.state_dict())
    u, y = torch.randn(3, 8), torch.rand(9, 2)
    assert torch.equal(net(u, y), rebuilt(u, y))


def test_deeponet_fits_a_smoothing_operator():
    torch.manual_seed(0)
    f, u = smoothing_problem()
    x = (2 * torch.arange(64, dtype=torch.float32) / 64 - 1)[:, None]  # queries in [-1, 1)
    # the trunk must learn sines up to k = 8 from scratch (spectral bias): more steps than a CNN
    net = DeepONet(64, 1, branch_layers=[64], trunk_layers=[64, 64], n_basis=32, activation="relu")
    initial, final = fit(net, (f, x), u, steps=500)
    assert final < initial / 10


def test_pod_deeponet_fits_a_smoothing_operator():
    torch.manual_seed(0)
    f, u = smoothing_problem()
    net = PODDeepONet.from_outputs(u, n_sensors=64, n_modes=16, branch_layers=[64])
    initial, final = fit(net, (f,), u, steps=200)
    assert final < initial / 10
