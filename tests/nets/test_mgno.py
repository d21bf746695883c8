"""MgNO: V-cycle shapes on odd and even grids, periodic equivariance, rebuild, a tiny fit."""

import json

import pytest
import torch
import torch.nn.functional as F

from sciml.nets.mgno import MgNO, Prolongation
from tests.nets.smoothing import fit, smoothing_problem


@pytest.mark.parametrize("padding_mode", ["zeros", "circular"])
@pytest.mark.parametrize("n", [1, 2, 7, 63, 64, 65])
def test_vcycle_shapes_1d_odd_and_even(n, padding_mode):
    net = MgNO(2, 3, width=4, n_layers=2, n_levels=5, dim=1, padding_mode=padding_mode)
    assert net(torch.randn(2, 2, n)).shape == (2, 3, n)


@pytest.mark.parametrize("padding_mode", ["zeros", "circular"])
@pytest.mark.parametrize("shape", [(31, 33), (32, 32), (33, 31), (5, 8)])
def test_vcycle_shapes_2d_odd_and_even(shape, padding_mode):
    net = MgNO(1, 2, width=4, n_layers=2, n_levels=4, dim=2, padding_mode=padding_mode)
    assert net(torch.randn(2, 1, *shape)).shape == (2, 2, *shape)


@pytest.mark.parametrize("n_fine", [9, 10])
def test_prolongation_is_the_padded_transposed_convolution(n_fine):
    torch.manual_seed(0)
    prolong = Prolongation(3, dim=1, padding_mode="zeros")
    coarse = torch.randn(2, 3, (n_fine + 1) // 2)
    expected = F.conv_transpose1d(
        coarse, prolong.conv.weight, stride=2, padding=1, output_padding=1 - n_fine % 2
    )
    torch.testing.assert_close(prolong(coarse, (n_fine,)), expected)


@pytest.mark.parametrize("dim", [1, 2])
def test_circular_padding_is_shift_equivariant(dim):
    # With 3 levels the coarsest grid is 4x coarser, so shifts by multiples of 4 commute with MgNO.
    torch.manual_seed(0)
    net = MgNO(1, 1, width=4, n_layers=2, n_levels=3, dim=dim, padding_mode="circular")
    x = torch.randn(2, 1, *(32,) * dim)
    dims = tuple(range(2, 2 + dim))
    shifted = net(torch.roll(x, (8,) * dim, dims=dims))
    torch.testing.assert_close(shifted, torch.roll(net(x), (8,) * dim, dims=dims))


def test_zero_padding_default_parameter_count_matches_the_paper_scale():
    net = MgNO(1, 1, width=24, n_layers=5, dim=2)  # the paper's Darcy model: about 0.57M
    assert 0.45e6 < sum(p.numel() for p in net.parameters()) < 0.65e6


def test_rebuild_from_json_config_gives_identical_outputs():
    config = dict(
        in_channels=2,
        out_channels=1,
        width=6,
        n_layers=2,
        n_levels=3,
        smoothing_iterations=[[1, 1], 2, [1, 0]],
        dim=1,
        padding_mode="circular",
        activation="tanh",
    )
    net = MgNO(**config)
    rebuilt = MgNO(**json.loads(json.dumps(config)))
    rebuilt.load_state_dict(net.state_dict())
    x = torch.randn(3, 2, 37)
    assert torch.equal(net(x), rebuilt(x))


def test_invalid_arguments_are_rejected():
    with pytest.raises(ValueError, match="n_levels"):
        MgNO(1, 1, n_levels=3, smoothing_iterations=[[1, 0]] * 4)
    with pytest.raises(ValueError, match="coarsest"):
        MgNO(1, 1, n_levels=2, smoothing_iterations=[[1, 0], [1, 1]])
    with pytest.raises(ValueError, match="expects input"):
        MgNO(1, 1, dim=2)(torch.randn(2, 1, 16))


def test_fits_a_smoothing_operator():
    torch.manual_seed(0)
    f, u = smoothing_problem()
    net = MgNO(1, 1, width=8, n_layers=3, n_levels=4, dim=1, padding_mode="circular")
    initial, final = fit(net, (f[:, None],), u[:, None], steps=100)
    assert final < initial / 10
