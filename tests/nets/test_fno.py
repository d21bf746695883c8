"""The neuraloperator FNO baseline: shapes in 1D and 2D, rebuild from config, a tiny fit."""

import json
import math

import pytest
import torch
import torch.nn.functional as F

from sciml.nets.fno import FNONet, make_fno


@pytest.fixture(autouse=True)
def one_thread():
    # tiny tensors: one thread is faster and does not fight other processes for the cores
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def smoothing_problem(n_samples: int = 32, n: int = 64, seed: int = 0):
    """f = random Fourier series (k = 1..8); u = (I - 1e-3 d^2/dx^2)^{-1} f on [0, 1), periodic."""
    g = torch.Generator().manual_seed(seed)
    k = torch.arange(1, 9, dtype=torch.float32)
    x = torch.arange(n, dtype=torch.float32) / n
    a, b = torch.randn(2, n_samples, 8, generator=g) / k
    cos, sin = torch.cos(2 * math.pi * k[:, None] * x), torch.sin(2 * math.pi * k[:, None] * x)
    damping = 1.0 / (1.0 + 1e-3 * (2 * math.pi * k) ** 2)
    return a @ cos + b @ sin, (a * damping) @ cos + (b * damping) @ sin


@pytest.mark.parametrize("n", [64, 63, 100])
def test_1d_shapes(n):
    net = make_fno(2, 3, n_modes=16, hidden_channels=8, n_layers=2, dim=1)
    assert net(torch.randn(2, 2, n)).shape == (2, 3, n)


@pytest.mark.parametrize("shape", [(32, 32), (31, 33)])
def test_2d_shapes(shape):
    net = FNONet(1, 2, n_modes=8, hidden_channels=8, n_layers=2, dim=2)
    assert net(torch.randn(2, 1, *shape)).shape == (2, 2, *shape)


def test_rebuild_from_json_config_gives_identical_outputs():
    config = dict(in_channels=1, out_channels=1, n_modes=8, hidden_channels=8, n_layers=2, dim=1)
    net = FNONet(**config)
    rebuilt = FNONet(**json.loads(json.dumps(config)))
    rebuilt.load_state_dict(net.state_dict())
    x = torch.randn(2, 1, 40)
    assert torch.equal(net(x), rebuilt(x))
    with pytest.raises(ValueError, match="expects input"):
        net(torch.randn(2, 1, 8, 8))


def test_fits_a_smoothing_operator():
    torch.manual_seed(0)
    f, u = smoothing_problem()
    net = FNONet(1, 1, n_modes=16, hidden_channels=16, n_layers=2, dim=1)
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    with torch.no_grad():
        initial = F.mse_loss(net(f[:, None]), u[:, None]).item()
    for _ in range(100):
        optimizer.zero_grad()
        F.mse_loss(net(f[:, None]), u[:, None]).backward()
        optimizer.step()
    with torch.no_grad():
        assert F.mse_loss(net(f[:, None]), u[:, None]).item() < initial / 10
