"""A small operator to fit in the network tests: u = (I - 1e-3 d^2/dx^2)^{-1} f, periodic."""

import math

import torch
import torch.nn.functional as F


def smoothing_problem(n_samples: int = 32, n: int = 64, seed: int = 0):
    """f = random Fourier series (k = 1..8); u = (I - 1e-3 d^2/dx^2)^{-1} f on [0, 1), periodic."""
    g = torch.Generator().manual_seed(seed)
    k = torch.arange(1, 9, dtype=torch.float32)
    x = torch.arange(n, dtype=torch.float32) / n
    a, b = torch.randn(2, n_samples, 8, generator=g) / k
    cos, sin = torch.cos(2 * math.pi * k[:, None] * x), torch.sin(2 * math.pi * k[:, None] * x)
    damping = 1.0 / (1.0 + 1e-3 * (2 * math.pi * k) ** 2)
    return a @ cos + b @ sin, (a * damping) @ cos + (b * damping) @ sin


def fit(net, inputs: tuple, targets, steps: int, lr: float = 3e-3) -> tuple[float, float]:
    """Adam on the MSE of ``net(*inputs)``; the loss before and after."""
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    with torch.no_grad():
        initial = F.mse_loss(net(*inputs), targets).item()
    for _ in range(steps):
        optimizer.zero_grad()
        F.mse_loss(net(*inputs), targets).backward()
        optimizer.step()
    with torch.no_grad():
        return initial, F.mse_loss(net(*inputs), targets).item()
