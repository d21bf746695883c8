"""Input channels: mask normals, resampling that keeps one-pixel lines, log compression."""

import math

import pytest
import torch

from sciml.methods.hypino import inputs

pytestmark = pytest.mark.usefixtures("one_thread")


def test_normals_of_the_square():
    n = inputs.outward_normals(torch.ones(1, 6, 6, dtype=torch.bool))[0]
    assert n[:, 2, 0].tolist() == [-1.0, 0.0]  # left side
    assert n[:, 0, 3].tolist() == [0.0, 1.0]  # top row is y = +1
    assert n[:, 5, 3].tolist() == [0.0, -1.0]
    assert torch.allclose(n[:, 0, 5], torch.tensor([1.0, 1.0], dtype=n.dtype) / math.sqrt(2))
    assert (n[:, 1:-1, 1:-1] == 0).all()


def test_normals_point_into_a_hole():
    domain = torch.ones(1, 9, 9, dtype=torch.bool)
    domain[0, 3:6, 3:6] = False
    n = inputs.outward_normals(domain)[0]
    assert n[:, 4, 2].tolist() == [1.0, 0.0]  # left of the hole: outward is +x
    assert n[:, 2, 4].tolist() == [0.0, -1.0]  # above the hole: outward is -y


def test_resampling_keeps_lines_and_averages_on_the_mask():
    mask = torch.zeros(1, 128, 128, dtype=torch.bool)
    mask[0, 0, :] = True  # a one-pixel line
    values = torch.where(mask, 3.0, 0.0).double()
    new_values, new_mask = inputs.resample(values, mask, 32)
    assert new_mask[0, 0].all() and not new_mask[0, 1:].any()
    assert torch.allclose(new_values[0, 0], torch.full((32,), 3.0, dtype=new_values.dtype))
    up_values, up_mask = inputs.resample(values[:, :16, :16], mask[:, :16, :16], 32)
    assert up_mask[0, :2].all() and not up_mask[0, 2:].any()


def test_channels_log_compress_the_source():
    f = torch.tensor([[[-(math.e - 1), 0.0], [math.e**2 - 1, 1.0]]], dtype=torch.float64)
    zero = torch.zeros_like(f, dtype=torch.bool)
    c = inputs.channels(zero, zero, f * 0, f * 0, f, ~zero, 2)
    assert torch.allclose(c[0, 4], torch.tensor([[-1.0, 0.0], [2.0, math.log(2.0)]]))
