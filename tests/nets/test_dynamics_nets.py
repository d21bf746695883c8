"""The PLRNN family against hand-computed steps, their Jacobians against autograd, and the
AL-RNN's subregion codes."""

import numpy as np
import pytest
import torch

from sciml.nets.alrnn import ALRNN
from sciml.nets.plrnn import ClippedShallowPLRNN


def _set(net, **values):
    with torch.no_grad():
        for name, value in values.items():
            getattr(net, name).copy_(torch.tensor(value, dtype=torch.float32))


def test_clipped_shallow_plrnn_step_by_hand():
    net = ClippedShallowPLRNN(dim=2, latent=2, hidden=2)
    _set(
        net,
        A=[0.5, -0.25],
        W1=[[1.0, 2.0], [0.0, -1.0]],
        W2=[[1.0, 1.0], [2.0, -1.0]],
        h1=[0.1, 0.2],
        h2=[0.5, -3.0],
    )
    z = torch.tensor([[1.0, -2.0]])
    # W2 z = (-1, 4); ReLU(W2 z + h2) - ReLU(W2 z) = (0 - 0, 1 - 4) = (0, -3)
    # A z = (0.5, 0.5); W1 (0, -3) = (-6, 3); + h1 -> (-5.4, 3.7)
    torch.testing.assert_close(net.step(z), torch.tensor([[-5.4, 3.7]]))


def test_alrnn_step_by_hand():
    net = ALRNN(dim=1, latent=3, piecewise=2)
    _set(
        net, A=[0.5, 0.5, 0.5], W=[[1.0, 1.0, 1.0], [0.0, 2.0, -1.0], [1.0, 0.0, 3.0]], h=[0, 1, 0]
    )
    z = torch.tensor([[-1.0, -2.0, 3.0]])
    # phi*(z) = (-1, ReLU(-2), ReLU(3)) = (-1, 0, 3); W phi = (2, -3, 8); A z = (-0.5, -1, 1.5)
    torch.testing.assert_close(net.step(z), torch.tensor([[1.5, -3.0, 9.5]]))
    assert net.subregion(z).tolist() == [2]  # unit 2 (bit 0) off, unit 3 (bit 1) on


@pytest.mark.parametrize(
    "net", [ClippedShallowPLRNN(3, 5, 16), ALRNN(3, 8, 3)], ids=["plrnn", "alrnn"]
)
def test_jacobians_and_their_norms_match_autograd(net):
    torch.manual_seed(1)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.3 * torch.randn_like(p))
    z = torch.randn(6, net.latent)
    expected = torch.stack(
        [torch.autograd.functional.jacobian(lambda v: net.step(v[None])[0], row) for row in z]
    )
    torch.testing.assert_close(net.jacobian(z), expected)
    torch.testing.assert_close(
        net.jacobian_norms(z[None]), torch.linalg.matrix_norm(expected, ord=2)[None]
    )


def test_free_run_is_in_physical_units_and_starts_at_x0():
    net = ClippedShallowPLRNN(3, 3, 10)
    net.scale.mean.copy_(torch.tensor([1.0, 2.0, 30.0]))
    net.scale.std.copy_(torch.tensor([2.0, 4.0, 8.0]))
    x0 = np.array([[3.0, -2.0, 25.0]])
    run, latent = net.free_run(x0, 5)
    np.testing.assert_allclose(run[0, 0], x0[0], rtol=1e-6)
    z1 = net.step(net.scale(torch.tensor(x0, dtype=torch.float32)))
    np.testing.assert_allclose(run[0, 1], net.scale.inverse(z1)[0].detach().numpy(), rtol=1e-5)
    assert latent.shape == (1, 5, 3)
