"""HyPINO's hypernetwork, sized for a CPU (Bischof et al., arXiv 2509.05117, reference
``HyperNetEncoder`` / ``HyperNetDecoder`` in ``src/models/hypino.py``).

Grids (B, 5, n, n) -> the target PINN's flat weights (B, 5409):

1. stem: the five channels (masks, values, log-compressed source) plus positional channels
   (x, y and sin/cos(pi k x), sin/cos(pi k y), k = 1, 2) -> a 3 x 3 convolution;
2. stages: a stride-2 convolution, then a residual block (GroupNorm, two 3 x 3 convolutions),
   then FiLM, x <- x (1 + gamma) + beta, with (gamma, beta) linear in a conditioning vector: a
   Fourier embedding of the five coefficients (frequencies 0.1 * 2^k, k = 0..4, as the
   reference's ``FourierMapping``) joined with grid statistics (mean, std, max |.| of the value
   and source channels, the reference's ``StatsLayer``);
3. attention pooling of the last three stages with one learned query per target layer's weight
   and one per its bias (14 queries, as the reference);
4. per-layer heads (Linear, GELU, Linear) from each query's pooled features to that weight or
   bias. The heads' last layers start at zero weight and a Xavier-initialised target PINN as their
   bias (weights N(0, 1e-3)), so training starts from one sensible PINN for every input.

What differs from the reference: convolutional stages instead of a Swin transformer (depths 2, 2,
10, 2, about 80M parameters), n = 64 instead of 224, about 2.2M parameters (no ``timm`` here).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from sciml.methods.hypino import target_pinn
from sciml.nets import NETWORKS

N_CHANNELS = 5


def _positional(size: int, dtype: torch.dtype) -> torch.Tensor:
    """(10, n, n): x, y, sin/cos(pi k x), sin/cos(pi k y) for k = 1, 2 (row 0 at y = +1)."""
    axis = torch.linspace(-1.0, 1.0, size, dtype=dtype)
    y, x = torch.meshgrid(-axis, axis, indexing="ij")
    waves = [f(math.pi * k * v) for k in (1, 2) for v in (x, y) for f in (torch.sin, torch.cos)]
    return torch.stack([x, y, *waves])


class FourierEmbedding(nn.Module):
    """[c, sin(2 pi s_k c), cos(2 pi s_k c)], s_k = 0.1 * 2^k, k = 0..4, per input entry."""

    def __init__(self, n_inputs: int, n_frequencies: int = 5, scale: float = 0.1) -> None:
        super().__init__()
        self.register_buffer(
            "scales", scale * 2.0 ** torch.arange(n_frequencies, dtype=torch.float32)
        )
        self.out_features = n_inputs * (1 + 2 * n_frequencies)

    def forward(self, c: torch.Tensor) -> torch.Tensor:
        angles = 2 * math.pi * (c[..., None] * self.scales).flatten(-2)
        return torch.cat([c, torch.sin(angles), torch.cos(angles)], dim=-1)


class Stage(nn.Module):
    """Stride-2 convolution, a residual block, FiLM."""

    def __init__(self, c_in: int, c_out: int, conditioning: int) -> None:
        super().__init__()
        self.down = nn.Conv2d(c_in, c_out, 3, stride=2, padding=1)
        self.block = nn.Sequential(
            nn.GroupNorm(8, c_out),
            nn.Conv2d(c_out, c_out, 3, padding=1),
            nn.GELU(),
            nn.Conv2d(c_out, c_out, 3, padding=1),
        )
        self.film = nn.Linear(conditioning, 2 * c_out)
        nn.init.zeros_(self.film.weight)
        nn.init.zeros_(self.film.bias)

    def forward(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        x = F.gelu(self.down(x))
        x = x + self.block(x)
        gamma, beta = self.film(condition)[:, :, None, None].chunk(2, dim=1)
        return x * (1 + gamma) + beta


class AttentionPooling(nn.Module):
    """Q learned queries attend over the (B, C, h, w) tokens: (B, Q, C)."""

    def __init__(self, channels: int, n_queries: int) -> None:
        super().__init__()
        self.queries = nn.Parameter(torch.randn(n_queries, channels) / math.sqrt(channels))
        self.keys = nn.Linear(channels, channels)
        self.values = nn.Linear(channels, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = x.flatten(2).transpose(1, 2)  # (B, hw, C)
        scores = self.keys(tokens) @ self.queries.T / math.sqrt(tokens.shape[-1])  # (B, hw, Q)
        return scores.softmax(dim=1).transpose(1, 2) @ self.values(tokens)


class HyPINOHypernet(nn.Module):
    """Grids and coefficients -> flat target-PINN weights (module docstring)."""

    def __init__(
        self,
        resolution: int = 64,
        channels: tuple[int, ...] | list[int] = (32, 48, 96, 128, 160),
        head_width: int = 96,
        conditioning: int = 64,
    ) -> None:
        super().__init__()
        self.config = {
            "resolution": resolution,
            "channels": list(channels),
            "head_width": head_width,
            "conditioning": conditioning,
        }
        self.resolution = resolution
        self.register_buffer("positional", _positional(resolution, torch.float32))
        self.stem = nn.Conv2d(N_CHANNELS + 10, channels[0], 3, padding=1)
        self.coefficient_embedding = FourierEmbedding(5)
        n_stats = 9
        self.condition = nn.Sequential(
            nn.Linear(self.coefficient_embedding.out_features + n_stats, conditioning), nn.GELU()
        )
        self.stages = nn.ModuleList(
            Stage(c_in, c_out, conditioning) for c_in, c_out in zip(channels[:-1], channels[1:])
        )
        self.shapes = target_pinn.layer_shapes()
        n_queries = len(self.shapes)
        self.pooled = channels[-3:]
        self.pools = nn.ModuleList(AttentionPooling(c, n_queries) for c in self.pooled)
        features = sum(self.pooled)
        self.heads = nn.ModuleList(
            nn.Sequential(
                nn.Linear(features, head_width if len(s) == 2 else head_width // 2),
                nn.GELU(),
                nn.Linear(head_width if len(s) == 2 else head_width // 2, math.prod(s)),
            )
            for _, s in self.shapes
        )
        self._init_heads()

    def _init_heads(self) -> None:
        """Zero last-layer weights; biases = a Xavier-initialised target PINN (flat layout)."""
        generator = torch.Generator().manual_seed(0)
        for head, (_, shape) in zip(self.heads, self.shapes):
            last = head[-1]
            nn.init.zeros_(last.weight)
            if len(shape) == 2:
                bound = math.sqrt(6.0 / sum(shape))
                init = (2 * torch.rand(shape, generator=generator) - 1) * bound
                with torch.no_grad():
                    last.bias.copy_(init.reshape(-1))
            else:
                nn.init.zeros_(last.bias)
            last.weight.data.normal_(0.0, 1e-3, generator=generator)

    @staticmethod
    def statistics(grids: torch.Tensor) -> torch.Tensor:
        """(B, 9): mean, std, max |.| of the Dirichlet, Neumann and source channels."""
        values = grids[:, 2:].flatten(2)
        return torch.cat([values.mean(-1), values.std(-1), values.abs().amax(-1)], dim=-1)

    def forward(self, coefficients: torch.Tensor, grids: torch.Tensor) -> torch.Tensor:
        """(B, 5) coefficients and (B, 5, n, n) channels (``inputs.channels``) -> (B, P)."""
        condition = self.condition(
            torch.cat([self.coefficient_embedding(coefficients), self.statistics(grids)], dim=-1)
        )
        positional = self.positional.expand(grids.shape[0], -1, -1, -1)
        x = F.gelu(self.stem(torch.cat([grids, positional], dim=1)))
        features = []
        for stage in self.stages:
            x = stage(x, condition)
            features.append(x)
        pooled = torch.cat(
            [pool(f) for pool, f in zip(self.pools, features[-len(self.pools) :])], dim=-1
        )  # (B, Q, sum C)
        return torch.cat([head(pooled[:, q]) for q, head in enumerate(self.heads)], dim=-1)


NETWORKS.register("HyPINOHypernet")(HyPINOHypernet)
