"""The MMS generator: f = L u and the boundary data against finite differences of the same u."""

import pytest
import torch

from sciml.methods.hypino import domains, mms
from sciml.methods.hypino.inputs import grid_coordinates

pytestmark = pytest.mark.usefixtures("one_thread")


def finite_differences(params, xy, h=1e-4):
    """u, u_x, u_y, u_xx, u_yy by central differences (float64)."""
    x, y = xy[..., 0], xy[..., 1]
    u = mms.evaluate(params, x, y)
    east, west = mms.evaluate(params, x + h, y), mms.evaluate(params, x - h, y)
    north, south = mms.evaluate(params, x, y + h), mms.evaluate(params, x, y - h)
    return torch.stack(
        [
            u,
            (east - west) / (2 * h),
            (north - south) / (2 * h),
            (east - 2 * u + west) / h**2,
            (north - 2 * u + south) / h**2,
        ],
        dim=-1,
    )


@pytest.fixture(scope="module")
def batch():
    return mms.manufactured(8, 24, 24, 64, torch.Generator().manual_seed(3))


def test_source_is_the_operator_applied_to_u(batch):
    params = mms.unpack(batch.functions)
    fd = finite_differences(params, batch.points)
    expected = (fd * batch.coefficients[:, None, :]).sum(-1)
    scale = batch.source_at_points.abs().amax() + 1
    assert (batch.source_at_points - expected).abs().max() < 1e-3 * scale
    grid = grid_coordinates(24, 24).expand(8, -1, -1)
    on_grid = (finite_differences(params, grid) * batch.coefficients[:, None, :]).sum(-1)
    # 1e-3: finite-difference truncation on the steepest samples
    on_grid = torch.where(batch.domain_mask.reshape(8, -1), on_grid, 0.0)  # f = 0 in holes
    assert torch.allclose(batch.source.reshape(8, -1), on_grid, atol=1e-3 * scale)


def test_boundary_data_match_u(batch):
    params = mms.unpack(batch.functions)
    grid = grid_coordinates(24, 24).expand(8, -1, -1)
    fd = finite_differences(params, grid).reshape(8, 24, 24, 5)
    dm, nm = batch.dirichlet_mask, batch.neumann_mask
    assert dm.any() and not (dm & ~batch.domain_mask).any()
    assert (batch.source[~batch.domain_mask] == 0).all()
    assert torch.allclose(batch.dirichlet_values[dm], fd[..., 0][dm], atol=1e-10)
    assert (batch.dirichlet_values[~dm] == 0).all()
    flux = fd[..., 1] * batch.normals[:, 0] + fd[..., 2] * batch.normals[:, 1]
    assert torch.allclose(batch.neumann_values[nm], flux[nm], atol=1e-5)
    assert torch.allclose(batch.solution[:, 0], fd[..., 0])


def test_rejection_rules_hold(batch):
    u = batch.solution[:, 0].flatten(1)
    assert (u.abs().amax(1) <= 10).all() and (u.std(1) >= 0.1).all()
    assert (batch.targets[..., 1:].abs() <= 1e4).all()


def test_operators_have_one_to_three_terms_in_range():
    c = mms.random_operators(2000, torch.Generator().manual_seed(0))
    count = (c != 0).sum(1)
    assert count.min() == 1 and count.max() == 3
    assert c.abs().max() <= 2
    fractions = torch.bincount(count, minlength=4)[1:] / 2000.0
    assert torch.allclose(fractions, torch.full((3,), 1 / 3), atol=0.05)


def test_boundaries_follow_the_operator_type():
    c = torch.tensor([[0, 0, 0, -1.0, -1.0], [0, 0, 1.0, 0, -0.5], [0, 0, 0, -2.0, 0.5]])
    generator = torch.Generator().manual_seed(0)
    square = domains.random_domains(3, 6, 6, generator, n_max=0)
    dirichlet, neumann = mms.boundary_masks(c, square, generator)
    assert dirichlet[0, 0].all() and dirichlet[0, -1].all()  # elliptic: the outline
    assert not dirichlet[1, 0, 1:-1].any() and dirichlet[1, -1].all()  # y = +1 open, y = -1 initial
    assert neumann[2, -1].all() and not neumann[2, :-1].any()  # hyperbolic: u_y at y = -1 too


def test_holes_are_cut_out_with_their_own_data():
    generator = torch.Generator().manual_seed(5)
    batch = mms.manufactured(12, 32, 32, 200, generator)
    holed = ~batch.domain_mask.reshape(12, -1).all(1)
    assert holed.sum() >= 4  # 0-3 holes each: most samples have one
    x = ((batch.points[..., 0] + 1) / 2 * 31).round().long()
    row = ((1 - batch.points[..., 1]) / 2 * 31).round().long()
    inside = batch.domain_mask[torch.arange(12)[:, None], row, x]
    assert inside.float().mean() > 0.97  # points in the domain (pixel rounding at the edges)
    interior = batch.domain_mask[:, 1:-1, 1:-1]
    data = (batch.dirichlet_mask | batch.neumann_mask)[:, 1:-1, 1:-1]
    assert (data & interior).any()  # hole boundaries inside the square carry data


def test_seeded_and_mixed():
    a = mms.training_batch(6, 16, 16, 8, torch.Generator().manual_seed(1))
    b = mms.training_batch(6, 16, 16, 8, torch.Generator().manual_seed(1))
    assert torch.equal(a.source, b.source)
    assert a.labelled.tolist() == [True] * 3 + [False] * 3
    assert a.source.dtype == torch.float32
    for k in range(3, 6):  # constant forcing on the domain
        values = a.source[k][a.domain_mask[k]]
        assert torch.equal(values, values[:1].expand_as(values))
