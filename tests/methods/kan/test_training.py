"""KAN training: exact polynomials after grid extension, pruning of an unused input."""

import torch

from sciml.methods.kan.training import Schedule, edge_norms, fit_kan
from sciml.nets.kan import KAN


def test_a_cubic_is_fitted_to_rounding_error_after_grid_extension():
    torch.manual_seed(0)
    x = torch.rand(200, 1, dtype=torch.float64) * 2 - 1
    y = x**2 - 0.5 * x**3 + 0.25
    net = KAN([1, 1], grid=3, k=3, dtype="float64")
    fit_kan(net, x, y, Schedule(steps=20, grid_extensions=(6,)))
    assert net.grid_size == 6
    assert (net(x) - y).abs().max() < 1e-12  # measured 1.1e-15


def test_sparsity_and_pruning_remove_an_unused_input():
    torch.manual_seed(0)
    x = torch.rand(300, 2, dtype=torch.float64) * 2 - 1
    y = torch.sin(2 * x[:, :1])  # x1 plays no part
    net = KAN([2, 3, 1], grid=5, k=3, dtype="float64")
    info = fit_kan(net, x, y, Schedule(steps=30, lamb=1e-2, prune_threshold=1e-2))
    first = net.layers[0].mask
    assert first[:, 1].sum() == 0 and first[:, 0].sum() >= 1  # x1's edges pruned
    assert info["edges"] < 9
    assert not any("_spare" in layer.__dict__ for layer in net.layers)  # buffers released
    error = (net(x) - y).pow(2).mean().sqrt()
    assert error < 1e-2, error
    norms = edge_norms(net, x)
    assert (norms[0][:, 1] == 0).all()
