"""The B-spline KAN layer: the basis (partition of unity, derivatives), the batched layer against
its per-edge values, and grid updates that keep the function on the data."""

import pytest
import torch

from sciml.nets.kan import (
    KAN,
    KANLayer,
    _folds,
    _KANLayerFunction,
    _KANLocalLayerFunction,
    _local,
    bspline_basis,
    least_squares,
    uniform_grid,
)


def _knots(n_in=3, grid=6, k=3, seed=0):
    """Non-uniform knots: sorted random interior points, k extra on each side."""
    g = torch.Generator().manual_seed(seed)
    inner = torch.sort(torch.rand(n_in, grid + 1, generator=g, dtype=torch.float64), dim=1).values
    inner = inner.clone()
    inner[:, 0], inner[:, -1] = -1.0, 1.0
    step = 2.0 / grid
    side = step * torch.arange(1, k + 1, dtype=torch.float64)
    return torch.cat([-1.0 - side.flip(0).expand(n_in, -1), inner, 1.0 + side.expand(n_in, -1)], 1)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_bsplines_are_a_partition_of_unity_on_the_grid(k):
    grid = _knots(k=k)
    x = torch.rand(500, 3, dtype=torch.float64) * 2 - 1
    bases = bspline_basis(x, grid, k)
    assert bases.shape == (500, 3, 6 + k)
    assert (bases >= 0).all()
    assert torch.allclose(bases.sum(-1), torch.ones(500, 3, dtype=torch.float64), atol=1e-14)


@pytest.mark.parametrize("k", [2, 3])
def test_bspline_derivatives_match_finite_differences(k):
    grid = _knots(k=k, seed=1)
    x = (torch.rand(200, 3, dtype=torch.float64) * 1.8 - 0.9).requires_grad_(True)
    weights = torch.randn(3, 6 + k, dtype=torch.float64)
    (derivative,) = torch.autograd.grad((bspline_basis(x, grid, k) * weights).sum(), x)
    h = 1e-6
    with torch.no_grad():
        plus = (bspline_basis(x + h, grid, k) * weights).sum(-1)
        minus = (bspline_basis(x - h, grid, k) * weights).sum(-1)
    central = (plus - minus) / (2 * h)
    assert torch.allclose(derivative, central, atol=1e-6, rtol=1e-6)


def test_layer_output_is_the_sum_of_its_edge_functions():
    torch.manual_seed(0)
    layer = KANLayer(4, 3, grid=5, k=3).double()
    layer.mask[1, 2] = 0
    x = torch.randn(64, 4, dtype=torch.float64) * 0.5
    phi = layer.edge_values(x)
    assert phi.shape == (64, 3, 4) and (phi[:, 1, 2] == 0).all()
    assert torch.allclose(layer(x), phi.sum(-1), atol=1e-13)


def _cubic_layer(x):
    """A layer whose every edge is a cubic polynomial on the data (any cubic spline space holds
    it exactly), set by least squares."""
    torch.manual_seed(0)
    layer = KANLayer(2, 2, grid=4, k=3).double()
    layer.update_grid(x)
    cubic = torch.stack([x**3 - x, 0.5 * x**2 + 2 * x], dim=-1)  # (B, in, out)
    with torch.no_grad():
        layer.coef.copy_(
            least_squares(layer.basis(x).transpose(0, 1), cubic.transpose(0, 1)).permute(2, 0, 1)
        )
    return layer


def test_grid_update_and_extension_keep_the_function_on_the_data():
    x = torch.randn(400, 2, dtype=torch.float64)
    layer = _cubic_layer(x)
    before = layer(x)
    layer.update_grid(x**3 * 0 + x)  # new quantile grid, same size
    assert torch.allclose(layer(x), before, atol=1e-10)
    layer.update_grid(x, grid=9)  # grid extension
    assert layer.coef.shape == (2, 2, 12) and layer.grid.shape == (2, 16)
    assert torch.allclose(layer(x), before, atol=1e-10)


def test_grid_update_of_a_random_network_changes_it_little_on_the_data():
    torch.manual_seed(0)
    net = KAN([2, 4, 1], grid=5, k=3, dtype="float64")
    x = torch.rand(500, 2, dtype=torch.float64) * 2 - 1  # inside the initial grid [-1, 1]
    before = net(x)
    net.update_grid(x)
    change = (net(x) - before).abs().max() / before.std()
    assert change < 0.05  # measured 0.0075: random splines are not in the new space exactly


def test_uniform_grid_and_discrete_data_give_finite_bases():
    assert torch.allclose(
        uniform_grid(1, 4, 2)[0, [0, 2, 6, 8]],
        torch.tensor([-2.0, -1.0, 1.0, 2.0], dtype=torch.float64),
    )
    layer = KANLayer(1, 1, grid=6, k=3)
    x = torch.randint(0, 2, (100, 1)).float()  # two distinct values: quantile knots collide
    layer.update_grid(x)
    assert torch.isfinite(layer(x)).all() and (torch.diff(layer.grid) > 0).all()


@pytest.mark.parametrize("k", [0, 1, 2, 3, 4])
def test_piecewise_basis_equals_the_recursion_on_any_knots(k):
    """The training path (interval powers times tables) against Cox-de Boor, inside and
    outside the grid (clamped), on non-uniform knots."""
    layer = KANLayer(3, 2, grid=6, k=k).double()
    layer.grid = _knots(k=k, seed=2)
    x = torch.rand(400, 3, dtype=torch.float64) * 2.6 - 1.3
    inside = torch.minimum(
        torch.maximum(x, torch.tensor(-1.0)),
        torch.nextafter(*torch.tensor([1.0, 0.0], dtype=torch.float64)),
    )
    expected = bspline_basis(inside, layer.grid, k)
    assert torch.allclose(layer.basis(x), expected, atol=1e-12)


@pytest.mark.parametrize("n_out", [1, 40])  # the folded and the spline-first products
def test_layer_gradients_pass_gradcheck(n_out):
    torch.manual_seed(0)
    layer = KANLayer(3, n_out, grid=6, k=3).double()
    layer.grid = _knots(seed=3)
    layer.mask[0, 1] = 0
    assert _folds(n_out, layer.tables()) == (n_out == 1)
    h = (torch.rand(3, 50, dtype=torch.float64) * 2.4 - 1.2).requires_grad_(True)
    coef = layer.coef.detach().clone().requires_grad_(True)
    weight = layer.base_weight.detach().clone().requires_grad_(True)
    tables = layer.tables()
    assert torch.autograd.gradcheck(
        lambda h, c, w: _KANLayerFunction.apply(h, c, w, layer.mask, tables), (h, coef, weight)
    )


@pytest.mark.parametrize(("n_out", "k"), [(1, 3), (4, 3), (6, 2), (2, 1), (3, 0)])
def test_local_layer_equals_the_wide_one_and_passes_gradcheck(n_out, k):
    """The narrow layers' path (each edge's polynomial on the sample's interval, Horner) gives
    the wide path's values, and its written-out gradients pass gradcheck, inside and outside
    the grid, on non-uniform knots, with a pruned edge."""
    torch.manual_seed(0)
    layer = KANLayer(3, n_out, grid=6, k=k).double()
    layer.grid = _knots(k=k, seed=5)
    layer.mask[0, 1] = 0
    tables = layer.tables()
    assert _local(n_out, tables)
    h = (torch.rand(3, 50, dtype=torch.float64) * 2.4 - 1.2).requires_grad_(True)
    coef = torch.randn_like(layer.coef).requires_grad_(True)
    weight = layer.base_weight.detach().clone().requires_grad_(True)
    wide = _KANLayerFunction.apply(h, coef, weight, layer.mask, tables)
    local = _KANLocalLayerFunction.apply(h, coef, weight, layer.mask, tables)
    assert torch.allclose(local, wide, atol=1e-12)
    assert torch.autograd.gradcheck(
        lambda h, c, w: _KANLocalLayerFunction.apply(h, c, w, layer.mask, tables),
        (h, coef, weight),
    )


def test_layer_equals_the_sum_of_its_edge_functions_by_the_recursion():
    """forward_t and its gradients against a plain autograd evaluation through Cox-de Boor."""
    torch.manual_seed(1)
    for n_out in (1, 6, 40):  # local, local at n_out = G, wide
        layer = KANLayer(3, n_out, grid=6, k=3).double()
        layer.grid = _knots(seed=4)
        x = (torch.rand(80, 3, dtype=torch.float64) * 1.8 - 0.9).requires_grad_(True)
        reference = (
            torch.einsum("bic,oic->bo", bspline_basis(x, layer.grid, 3), layer.coef)
            + torch.nn.functional.silu(x) @ layer.base_weight.T
        )
        ours = layer(x)
        assert torch.allclose(ours, reference, atol=1e-12)
        grads = torch.autograd.grad(ours.sum(), (x, layer.coef, layer.base_weight))
        expected = torch.autograd.grad(reference.sum(), (x, layer.coef, layer.base_weight))
        for a, b in zip(grads, expected):
            assert torch.allclose(a, b, atol=1e-10)


def test_layer_with_edge_norms_matches_autograd_through_the_edge_values():
    """forward_with_norms_t (the penalty's fused path) gives the layer's output, each edge's
    mean |phi|, and the gradients autograd gives through edge_values_t, abs, mean and sum."""
    torch.manual_seed(2)
    layer = KANLayer(3, 4, grid=6, k=3).double()
    layer.grid = _knots(seed=6)
    layer.mask[1, 2] = 0
    h = (torch.rand(3, 60, dtype=torch.float64) * 2.4 - 1.2).requires_grad_(True)
    weights = torch.randn(4, 60, dtype=torch.float64), torch.randn(3, 4, dtype=torch.float64)
    out, norms = layer.forward_with_norms_t(h)
    phi = layer.edge_values_t(h)
    assert torch.allclose(out, phi.sum(0), atol=1e-12)
    assert torch.allclose(out, layer.forward_t(h), atol=1e-12)
    assert torch.allclose(norms, phi.abs().mean(-1), atol=1e-12)
    assert norms[2, 1] == 0  # the pruned edge
    params = (h, layer.coef, layer.base_weight)
    ours = torch.autograd.grad((out * weights[0]).sum() + (norms * weights[1]).sum(), params)
    reference = (phi.sum(0) * weights[0]).sum() + (phi.abs().mean(-1) * weights[1]).sum()
    for a, b in zip(ours, torch.autograd.grad(reference, params)):
        assert torch.allclose(a, b, atol=1e-10)


def test_edge_norms_reuse_one_buffer_and_survive_a_retained_graph():
    """The penalty's buffer is handed from one backward pass to the next forward pass; a
    retained graph differentiated again after another forward pass still gets its own
    gradients."""
    torch.manual_seed(3)
    layer = KANLayer(3, 4, grid=5, k=3).double()
    h = (torch.rand(3, 40, dtype=torch.float64) * 2 - 1).requires_grad_(True)
    out, norms = layer.forward_with_norms_t(h)
    loss = out.sum() + (norms**2).sum()
    first = torch.autograd.grad(loss, (h, layer.coef), retain_graph=True)
    assert [b.shape for b in layer._spare] == [(3, 4, 40)]
    taken = layer.forward_with_norms_t(1.5 * h)  # takes the buffer
    assert not layer._spare
    again = torch.autograd.grad(loss, (h, layer.coef))
    assert torch.allclose(taken[0], layer.forward_t(1.5 * h), atol=1e-12)
    for a, b in zip(first, again):
        assert torch.equal(a, b)
    assert [b.shape for b in layer._spare] == [(3, 4, 40)]  # the second pass's own buffer
    out, norms = layer.forward_with_norms_t(h)
    (out.sum() + norms.sum()).backward()
    assert len(layer._spare) == 1
    layer.release_workspace()
    assert "_spare" not in layer.__dict__
