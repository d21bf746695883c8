import torch

from sciml.core.derivatives import Fields


def net(points):
    x, t = points[:, 0], points[:, 1]
    return torch.stack([torch.sin(3 * x) * t**2, x**3 * torch.exp(t)], dim=-1)


def test_fields_match_analytic_derivatives():
    points = torch.rand(200, 2, dtype=torch.float64)
    x, t = points[:, 0], points[:, 1]
    f = Fields(net, points, ("x", "t"), ("u", "v"))
    torch.testing.assert_close(f.d("u", "x"), 3 * torch.cos(3 * x) * t**2)
    torch.testing.assert_close(f.d("u", "x", "x"), -9 * torch.sin(3 * x) * t**2)
    torch.testing.assert_close(f.d("u", "t"), 2 * torch.sin(3 * x) * t)
    torch.testing.assert_close(f.d("u", "x", "t"), 6 * torch.cos(3 * x) * t)
    torch.testing.assert_close(f.d("v", "x", "x", "x"), 6 * torch.exp(t))
    torch.testing.assert_close(f.laplacian("v", ("x", "t")), (6 * x + x**3) * torch.exp(t))


def test_derivatives_keep_a_graph_for_training():
    w = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    points = torch.rand(10, 1, dtype=torch.float64)
    f = Fields(lambda p: torch.sin(w * p), points, ("t",), ("u",))
    f.d("u", "t").sum().backward()  # d/dw sum cos(w t) t
    t = points[:, 0]
    expected = (torch.cos(2 * t) - 2 * t * torch.sin(2 * t)).sum()
    torch.testing.assert_close(w.grad, expected)
