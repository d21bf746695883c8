"""The neuraloperator FNO baseline: shapes in 1D and 2D, rebuild from config, a tiny fit."""

import json

import pytest
import torch

from sciml.nets.fno import FNONet, make_fno
from tests.nets.smoothing import fit, smoothing_problem


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
    initial, final = fit(net, (f[:, None],), u[:, None], steps=100)
    assert final < initial / 10
