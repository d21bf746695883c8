"""The target PINN as a flat weight vector against the same network as an nn.Module."""

import pytest
import torch

from sciml.methods.hypino import target_pinn

pytestmark = pytest.mark.usefixtures("one_thread")


def test_size_is_the_papers():
    assert target_pinn.n_weights() == 5409


def test_flat_vector_reproduces_the_module():
    torch.manual_seed(0)
    flats = torch.randn(3, target_pinn.n_weights(), dtype=torch.float64) * 0.3
    xy = torch.rand(3, 50, 2, dtype=torch.float64) * 2 - 1
    batched = target_pinn.forward(flats, xy)
    for k in range(3):
        module = target_pinn.TargetPINN().double().load_flat(flats[k])
        assert torch.allclose(module(xy[k])[:, 0], batched[k], rtol=0, atol=1e-13)
        assert torch.equal(module.flat(), flats[k])


def test_hand_set_weights():
    """Unit 0 only: h0 = tanh(x), gates U = tanh(0.5), V = 0, so h <- tanh(U h) three times,
    u = 0.5 + 2 h3 (every other weight zero)."""
    flat = torch.zeros(1, target_pinn.n_weights(), dtype=torch.float64)
    views = target_pinn.unflatten(flat)
    views["output.bias"][0, 0] = 0.5
    views["gate_u.bias"][0, 0] = 0.5
    views["input.weight"][0, 0, 0] = 1.0  # h_0 = tanh(x) in unit 0
    views["hidden.0.weight"][0, 0, 0] = 1.0  # gates zero: h <- tanh(h), for three layers
    views["hidden.1.weight"][0, 0, 0] = 1.0
    views["hidden.2.weight"][0, 0, 0] = 1.0
    views["output.weight"][0, 0, 0] = 2.0
    xy = torch.tensor([[[0.3, -0.7], [-1.0, 1.0]]], dtype=torch.float64)
    x = xy[0, :, 0]
    a = torch.tanh(torch.tensor(0.5, dtype=torch.float64))
    expected = 0.5 + 2.0 * torch.tanh(a * torch.tanh(a * torch.tanh(a * torch.tanh(x))))
    assert torch.allclose(target_pinn.forward(flat, xy)[0], expected, atol=1e-15)


def test_derivatives_against_finite_differences():
    torch.manual_seed(1)
    flat = torch.randn(2, target_pinn.n_weights(), dtype=torch.float64) * 0.3
    xy = torch.rand(2, 10, 2, dtype=torch.float64) * 2 - 1
    d = target_pinn.with_derivatives(flat, xy, create_graph=False)
    h = 1e-4
    ex = torch.tensor([h, 0.0], dtype=torch.float64)
    ey = torch.tensor([0.0, h], dtype=torch.float64)
    f = lambda p: target_pinn.forward(flat, p)  # noqa: E731
    assert torch.allclose(d[..., 1], (f(xy + ex) - f(xy - ex)) / (2 * h), atol=1e-5)
    assert torch.allclose(d[..., 2], (f(xy + ey) - f(xy - ey)) / (2 * h), atol=1e-5)
    assert torch.allclose(d[..., 3], (f(xy + ex) - 2 * f(xy) + f(xy - ex)) / h**2, atol=1e-3)
    assert torch.allclose(d[..., 4], (f(xy + ey) - 2 * f(xy) + f(xy - ey)) / h**2, atol=1e-3)


def test_ensemble_sums_its_members():
    torch.manual_seed(2)
    flats = torch.randn(3, target_pinn.n_weights()) * 0.3
    xy = torch.rand(20, 2) * 2 - 1
    total = target_pinn.PINNEnsemble.of(flats)(xy)[:, 0]
    each = target_pinn.forward(flats, xy.expand(3, -1, -1)).sum(0)
    assert torch.allclose(total, each, atol=1e-6)
