import math

import torch

from sciml.nets.field import FieldNet, WindowedFieldNet


def test_hard_constraints_hold_exactly():
    net = FieldNet(
        [-1.0, 0.0],
        [1.0, 2.0],
        1,
        width=16,
        depth=2,
        input_names=["x", "t"],
        initial=["-sin(pi*x)"],
        dirichlet=[True, False],
    ).double()
    x = torch.linspace(-1, 1, 50, dtype=torch.float64)
    at_zero = net(torch.stack([x, torch.zeros_like(x)], dim=-1))[:, 0]
    torch.testing.assert_close(at_zero, -torch.sin(math.pi * x))
    t = torch.rand(20, dtype=torch.float64) * 2
    edges = torch.cat(
        [torch.stack([-torch.ones_like(t), t], -1), torch.stack([torch.ones_like(t), t], -1)]
    )
    torch.testing.assert_close(
        net(edges), torch.zeros(40, 1, dtype=torch.float64), atol=1e-12, rtol=0
    )


def test_periodic_embedding_is_exactly_periodic():
    net = FieldNet([0.0, 0.0], [2 * math.pi, 1.0], 2, periods=[2 * math.pi, 0.0]).double()
    t = torch.rand(30, dtype=torch.float64)
    left = net(torch.stack([torch.zeros_like(t), t], -1))
    right = net(torch.stack([torch.full_like(t, 2 * math.pi), t], -1))
    torch.testing.assert_close(left, right)


def test_windows_dispatch_by_time():
    window = {"lower": [0.0], "upper": [1.0], "n_outputs": 1, "width": 8, "depth": 1}
    net = WindowedFieldNet([0.0, 0.5, 1.0], 0, window).double()
    t = torch.tensor([[0.1], [0.7], [0.5], [1.0]], dtype=torch.float64)
    out = net(t)
    torch.testing.assert_close(out[[0]], net.windows[0](t[[0]]))
    torch.testing.assert_close(out[[1, 2, 3]], net.windows[1](t[[1, 2, 3]]))
