"""The almost-linear RNN (Brenner, Hemmer, Monfared & Durstewitz, "Almost-Linear RNNs Yield
Highly Interpretable Symbolic Codes in Dynamical Systems Reconstruction", NeurIPS 2024, eq. 2):

    z_t = A z_{t-1} + W phi*(z_{t-1}) + h,   phi*(z) = (z_1, ..., z_{M-P}, ReLU(z_{M-P+1}), ...,
    ReLU(z_M)),

A diagonal, W (M x M), h (M): linear in M - P units and piecewise linear in the last P, so the
state space splits into at most 2^P linear subregions, named by the sign pattern of the last P
units (:meth:`subregion`). Initialization as in the reference notebook (ALRNN-DSR): A the
diagonal of a normalized positive-definite matrix, W Gaussian with standard deviation 0.01,
h = 0.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from sciml.nets.latent_rnn import LatentRNN, normalized_positive_definite, spectral_norms


class ALRNN(LatentRNN):
    def __init__(self, dim: int, latent: int = 20, piecewise: int = 2) -> None:
        super().__init__(dim, latent)
        if not 0 < piecewise <= latent:
            raise ValueError(f"piecewise units {piecewise} must be in [1, latent = {latent}]")
        self.piecewise = piecewise
        self.A = nn.Parameter(torch.diagonal(normalized_positive_definite(latent)).clone())
        self.W = nn.Parameter(0.01 * torch.randn(latent, latent))
        self.h = nn.Parameter(torch.zeros(latent))

    def phi(self, z: torch.Tensor) -> torch.Tensor:
        linear = z.shape[-1] - self.piecewise
        return torch.cat([z[..., :linear], torch.relu(z[..., linear:])], dim=-1)

    def stepper(self) -> Callable[[torch.Tensor], torch.Tensor]:
        # W phi*(z) = W z - W_P min(z_P, 0) over the last P units (ReLU(u) = u - min(u, 0))
        linear = self.latent - self.piecewise
        full = torch.diag(self.A) + self.W.T
        negative = -self.W[:, linear:].T
        h = self.h

        def step(z: torch.Tensor) -> torch.Tensor:
            return torch.addmm(torch.addmm(h, z, full), z[:, linear:].clamp(max=0), negative)

        return step

    def jacobian(self, z: torch.Tensor) -> torch.Tensor:
        slope = torch.ones_like(z)
        slope[..., self.latent - self.piecewise :] = (
            z[..., self.latent - self.piecewise :] > 0
        ).to(z.dtype)
        return torch.diag_embed(self.A.expand_as(z)) + self.W * slope.unsqueeze(-2)

    def jacobian_norms(self, z: torch.Tensor) -> torch.Tensor:
        # one Jacobian per subregion: at most 2^P distinct norms, whatever the number of states
        codes = self.subregion(z)
        visited, index = torch.unique(codes, return_inverse=True)
        bits = (visited[:, None] >> torch.arange(self.piecewise, device=z.device)) & 1
        slope = torch.ones(len(visited), self.latent, dtype=z.dtype, device=z.device)
        slope[:, self.latent - self.piecewise :] = bits.to(z.dtype)
        jacobians = torch.diag(self.A) + self.W * slope.unsqueeze(-2)
        return spectral_norms(jacobians)[index]

    def subregion(self, z: torch.Tensor) -> torch.Tensor:
        """The linear subregion of each state: sum_k [z_{M-P+k} > 0] 2^k (an integer < 2^P)."""
        signs = (z[..., self.latent - self.piecewise :] > 0).long()
        return (signs * (2 ** torch.arange(self.piecewise, device=z.device))).sum(-1)
