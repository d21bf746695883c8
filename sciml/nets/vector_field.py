"""A learned vector field dx/dt = f(x) on z-scored states: an MLP R^d -> R^d with the state's
standardization stored beside it (neural ODEs; reusable wherever a model needs f(x) on
trajectory data, e.g. neural integral equations)."""

from __future__ import annotations

import torch
from torch import nn

from sciml.nets.activations import make_activation
from sciml.nets.standardization import Standardization


class VectorField(nn.Module):
    def __init__(self, dim: int, width: int = 64, depth: int = 3, activation: str = "tanh") -> None:
        super().__init__()
        self.dim = dim
        self.scale = Standardization(dim)
        layers: list[nn.Module] = []
        size = dim
        for _ in range(depth):
            layers += [nn.Linear(size, width), make_activation(activation)]
            size = width
        layers.append(nn.Linear(size, dim))
        self.mlp = nn.Sequential(*layers)

    def forward(self, t: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """f(z) (torchdiffeq's ``func(t, y)`` signature; autonomous: t is ignored)."""
        return self.mlp(z)
