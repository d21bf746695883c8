"""The clipped shallow PLRNN (Hess, Monfared, Brenner & Durstewitz, "Generalized Teacher Forcing
for Learning Chaotic Dynamics", ICML 2023, eq. 4):

    z_t = A z_{t-1} + W1 [ReLU(W2 z_{t-1} + h2) - ReLU(W2 z_{t-1})] + h1,

A diagonal (M), W1 (M x H), W2 (H x M), h1 (M), h2 (H). The clipped nonlinearity is bounded, so
orbits stay bounded when max|A| < 1. Initialization as in the authors' code (GTF-shPLRNN,
``shallow_plrnn.jl``): A the diagonal of a normalized positive-definite matrix, W1, W2 and h2
uniform in +-1/sqrt(fan-in), h1 = 0.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from sciml.nets.latent_rnn import LatentRNN, normalized_positive_definite, uniform_init


class ClippedShallowPLRNN(LatentRNN):
    def __init__(self, dim: int, latent: int = 3, hidden: int = 100) -> None:
        super().__init__(dim, latent)
        self.hidden = hidden
        self.A = nn.Parameter(torch.diagonal(normalized_positive_definite(latent)).clone())
        self.W1 = uniform_init(latent, hidden, fan_in=hidden)
        self.W2 = uniform_init(hidden, latent, fan_in=latent)
        self.h1 = nn.Parameter(torch.zeros(latent))
        self.h2 = uniform_init(hidden, fan_in=hidden)

    def stepper(self) -> Callable[[torch.Tensor], torch.Tensor]:
        # both ReLUs from one product, the difference folded into the next one:
        # [ReLU(W2 z + h2), ReLU(W2 z)] [W1^T; -W1^T] = W1 [ReLU(W2 z + h2) - ReLU(W2 z)]
        inner = torch.cat([self.W2.T, self.W2.T], dim=1)
        shift = torch.cat([self.h2, torch.zeros_like(self.h2)])
        outer = torch.cat([self.W1.T, -self.W1.T], dim=0)
        a, h1 = self.A, self.h1

        def step(z: torch.Tensor) -> torch.Tensor:
            return torch.addcmul(
                torch.addmm(h1, torch.relu(torch.addmm(shift, z, inner)), outer), a, z
            )

        return step

    def jacobian(self, z: torch.Tensor) -> torch.Tensor:
        w2z = z @ self.W2.T
        slope = (w2z > -self.h2).to(z.dtype) - (w2z > 0).to(z.dtype)  # in {-1, 0, 1}
        # W1 diag(slope) W2 = slope @ K, K[h, (m, n)] = W1[m, h] W2[h, n]: one product for all
        products = (self.W1.T.unsqueeze(-1) * self.W2.unsqueeze(1)).reshape(self.hidden, -1)
        coupling = (slope @ products).reshape(*z.shape, self.latent)
        return torch.diag_embed(self.A.expand_as(z)) + coupling
