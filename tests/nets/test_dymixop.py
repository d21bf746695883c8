"""DyMixOp: shapes, other resolutions, zero-sum FD kernels, rebuild, a tiny fit."""

import json
import math

import pytest
import torch

from sciml.nets.dymixop import DyMixOp, SpectralConv, ZeroSumConv
from tests.nets.smoothing import fit, smoothing_problem


@pytest.mark.parametrize("n", [64, 33, 128, 8])
def test_1d_shapes_at_other_resolutions(n):
    net = DyMixOp(2, 3, width=8, n_modes=16, n_layers=2, dim=1)  # "trained" on 64 points
    assert net(torch.randn(2, 2, n)).shape == (2, 3, n)


@pytest.mark.parametrize("shape", [(32, 32), (31, 33), (48, 20), (5, 5)])
def test_2d_shapes_at_other_resolutions(shape):
    net = DyMixOp(1, 2, width=6, n_modes=8, n_layers=2, dim=2)
    assert net(torch.randn(2, 1, *shape)).shape == (2, 2, *shape)


@pytest.mark.parametrize("dim", [1, 2])
def test_global_branch_is_resolution_independent(dim):
    # A band-limited field sampled on two grids gives the same output at the shared points.
    torch.manual_seed(0)
    conv = SpectralConv(2, 3, n_modes=6, dim=dim)

    def field(n):
        x = torch.arange(n) / n
        grids = torch.meshgrid(*(x,) * dim, indexing="ij")
        phase = sum((i + 2) * g for i, g in enumerate(grids)) * 2 * math.pi
        return torch.stack([torch.sin(phase), torch.cos(phase - 1.0)])[None]

    coarse, fine = conv(field(32)), conv(field(64))
    subsample = (..., *(slice(None, None, 2),) * dim)
    torch.testing.assert_close(fine[subsample], coarse, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("dim", [1, 2])
def test_finite_difference_kernel_sums_to_zero(dim):
    torch.manual_seed(0)
    fd = ZeroSumConv(4, kernel_size=3, dim=dim, padding_mode="circular")
    taps = tuple(range(2, 2 + dim))
    assert fd.effective_weight().sum(dim=taps).abs().max() < 1e-6
    constant = torch.full((2, 4, *(16,) * dim), 3.0)
    assert fd(constant).abs().max() < 1e-5
    with torch.no_grad():
        fd.weight.add_(1.0)  # still zero-sum after any update of the raw weight
    assert fd.effective_weight().sum(dim=taps).abs().max() < 1e-5


def test_state_dict_is_real_and_rebuild_gives_identical_outputs():
    config = dict(
        in_channels=2,
        out_channels=1,
        width=8,
        n_modes=6,
        n_layers=3,
        dim=2,
        kernel_size=3,
        padding_mode="zeros",
        gate_init=1.0,
    )
    net = DyMixOp(**config)
    assert all(not t.is_complex() for t in net.state_dict().values())
    rebuilt = DyMixOp(**json.loads(json.dumps(config)))
    rebuilt.load_state_dict(net.state_dict())
    x = torch.randn(2, 2, 20, 18)
    assert torch.equal(net(x), rebuilt(x))


def test_gates_are_learned_per_layer():
    net = DyMixOp(1, 1, width=4, n_modes=4, n_layers=3)
    x = torch.randn(2, 1, 32)
    net(x).square().mean().backward()
    assert net.gate_logits.shape == (2,)
    assert net.gate_logits.grad is not None and net.gate_logits.grad.abs().min() > 0


def test_wrong_input_rank_is_rejected():
    with pytest.raises(ValueError, match="expects input"):
        DyMixOp(1, 1, dim=2)(torch.randn(2, 1, 16))


def test_fits_a_smoothing_operator():
    torch.manual_seed(0)
    f, u = smoothing_problem()
    net = DyMixOp(1, 1, width=16, n_modes=12, n_layers=2, dim=1)
    initial, final = fit(net, (f[:, None],), u[:, None], steps=100)
    assert final < initial / 10
