"""Per-coordinate standardization stored with a model: what a dynamics model learns is in z-scored
units, what its users give and get back is in physical units."""

from __future__ import annotations

import torch
from torch import nn


class Standardization(nn.Module):
    """x -> (x - mean) / std and back; ``mean`` and ``std`` are buffers (saved with the weights),
    set once from the training data by :meth:`fit`."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("std", torch.ones(dim))

    @torch.no_grad()
    def fit(self, data: torch.Tensor) -> None:
        flat = data.reshape(-1, data.shape[-1])
        self.mean.copy_(flat.mean(0))
        self.std.copy_(flat.std(0).clamp_min(1e-12))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        return z * self.std + self.mean
