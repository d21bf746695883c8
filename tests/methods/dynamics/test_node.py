"""The neural-ODE baseline's integration: one step of rk4 by hand, and adjoint gradients equal to
backpropagation through the solver."""

import torch

from sciml.methods.dynamics.node import integrate
from sciml.nets.vector_field import VectorField


def test_rk4_grid_step_by_hand_and_adjoint_gradients():
    torch.manual_seed(0)
    net = VectorField(dim=3, width=8, depth=2).double()
    z0 = torch.randn(4, 3, dtype=torch.float64)
    dt = 0.05
    run = integrate(net, z0, 3, dt, "rk4")
    f = lambda z: net(None, z)  # noqa: E731
    k1 = f(z0)
    k2 = f(z0 + dt / 3 * k1)  # torchdiffeq's rk4 is the 3/8 rule
    k3 = f(z0 + dt * (k2 - k1 / 3))
    k4 = f(z0 + dt * (k1 - k2 + k3))
    torch.testing.assert_close(run[1], z0 + dt * (k1 + 3 * (k2 + k3) + k4) / 8)
    target = torch.randn(3, 4, 3, dtype=torch.float64)
    grads = []
    for adjoint in (False, True):
        net.zero_grad()
        loss = ((integrate(net, z0, 3, dt, "rk4", adjoint) - target) ** 2).mean()
        loss.backward()
        grads.append([p.grad.clone() for p in net.parameters()])
    for direct, adjoint in zip(*grads):
        torch.testing.assert_close(adjoint, direct, rtol=1e-4, atol=1e-7)
