"""Softmax-free Galerkin-type self-attention (Cao, "Choose a Transformer: Fourier or Galerkin",
NeurIPS 2021), the integral operator of attentional neural integral equations (ANIE, Zappala et
al., Nature Machine Intelligence 2024):

    Attn(x)_i = Q_i (sum_j K_j^T V_j) / n,   K = LN(x W_K),  V = LN(x W_V),  Q = x W_Q,

per head: a quadrature of the integral kernel over the n tokens at linear cost O(n d^2). With a
causal order of the tokens (``group`` tokens per time, times in order) the sum runs over tokens
at times <= the query's time only: the Volterra integral over [0, t_i].
"""

from __future__ import annotations

import torch
from torch import nn


class GalerkinAttention(nn.Module):
    def __init__(self, width: int, heads: int = 2) -> None:
        super().__init__()
        if width % heads:
            raise ValueError(f"width {width} is not divisible by heads {heads}")
        self.heads, self.head_width = heads, width // heads
        self.query = nn.Linear(width, width)
        self.key = nn.Linear(width, width)
        self.value = nn.Linear(width, width)
        self.key_norm = nn.LayerNorm(self.head_width)
        self.value_norm = nn.LayerNorm(self.head_width)
        self.out = nn.Linear(width, width)

    def split(self, x: torch.Tensor) -> torch.Tensor:
        return x.unflatten(-1, (self.heads, self.head_width))  # (B, n, h, c)

    def forward(self, x: torch.Tensor, causal_group: int = 0) -> torch.Tensor:
        """``x`` (B, n, width). ``causal_group`` > 0: tokens come in time order, that many per
        time, and attend only to tokens of the same or earlier times (Volterra)."""
        n = x.shape[1]
        q = self.split(self.query(x))
        k = self.key_norm(self.split(self.key(x)))
        v = self.value_norm(self.split(self.value(x)))
        if not causal_group:
            kv = torch.einsum("bnhc,bnhd->bhcd", k, v) / n
            mixed = torch.einsum("bnhc,bhcd->bnhd", q, kv)
        else:
            times = n // causal_group
            kv_per_time = torch.einsum(
                "btghc,btghd->bthcd",
                k.unflatten(1, (times, causal_group)),
                v.unflatten(1, (times, causal_group)),
            )
            kv = torch.cumsum(kv_per_time, dim=1) / n  # (B, times, h, c, d)
            mixed = torch.einsum("btghc,bthcd->btghd", q.unflatten(1, (times, causal_group)), kv)
            mixed = mixed.flatten(1, 2)
        return self.out(mixed.flatten(-2))


class GalerkinBlock(nn.Module):
    """x <- x + Attn(x); x <- x + FFN(x) (Galerkin Transformer: no normalisation afterwards)."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.attention = GalerkinAttention(width, heads)
        self.feedforward = nn.Sequential(
            nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width)
        )

    def forward(self, x: torch.Tensor, causal_group: int = 0) -> torch.Tensor:
        x = x + self.attention(x, causal_group)
        return x + self.feedforward(x)
