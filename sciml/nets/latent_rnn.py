"""Piecewise-linear RNNs for dynamical systems reconstruction: the shared frame.

A latent state z in R^M evolves by z_t = F(z_{t-1}); its first N units are the observed state in
z-scored units (the identity observation model of Hess et al. 2023 and Brenner et al. 2024), the
other M - N are inferred. A run starts from an observed x: z_0 = [x, x B] with a learned
readin B (N x (M - N)), as in the AL-RNN reference notebook. Subclasses give F (:meth:`step`) and
its Jacobian (:meth:`jacobian`, used to adapt the teacher-forcing strength).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from sciml.nets.standardization import Standardization


def normalized_positive_definite(m: int) -> torch.Tensor:
    """R^T R / M + I scaled to spectral radius 1, R Gaussian (Talathi & Vartak 2016): the
    initial A of the PLRNN family is its diagonal."""
    r = torch.randn(m, m)
    k = r.T @ r / m + torch.eye(m)
    return k / torch.linalg.eigvalsh(k).abs().max()


def uniform_init(*shape: int, fan_in: int) -> nn.Parameter:
    """U(-1/sqrt(fan_in), 1/sqrt(fan_in)), the authors' ``uniform_init``."""
    bound = 1.0 / math.sqrt(fan_in)
    return nn.Parameter(torch.empty(*shape).uniform_(-bound, bound))


def spectral_norms(matrices: torch.Tensor) -> torch.Tensor:
    """||J||_2 of each (M, M) matrix, as sqrt(lambda_max(J^T J)): a symmetric eigensolver is
    twice as fast as the SVD on small matrices."""
    return torch.linalg.eigvalsh(matrices.mT @ matrices)[..., -1].clamp_min(0).sqrt()


class LatentRNN(nn.Module):
    """Base of the PLRNN family: ``dim`` observed of ``latent`` units, standardization inside."""

    def __init__(self, dim: int, latent: int) -> None:
        super().__init__()
        if latent < dim:
            raise ValueError(f"latent size {latent} is below the observed dimension {dim}")
        self.dim, self.latent = dim, latent
        self.scale = Standardization(dim)
        self.readin = uniform_init(dim, latent - dim, fan_in=dim)

    def initial_state(self, x: torch.Tensor) -> torch.Tensor:
        """z_0 (..., M) from z-scored observations x (..., N)."""
        return torch.cat([x, x @ self.readin], dim=-1)

    def step(self, z: torch.Tensor) -> torch.Tensor:
        """F(z) for states z (..., M)."""
        return self.stepper()(z.reshape(-1, self.latent)).reshape(z.shape)

    def stepper(self) -> Callable[[torch.Tensor], torch.Tensor]:
        """F as a function of z (B, M), its weights combined once for many steps (a training
        window, a free run): fewer operations per step, the same map, gradients flowing."""
        raise NotImplementedError

    def jacobian(self, z: torch.Tensor) -> torch.Tensor:
        """dF/dz at each state of z (..., M): (..., M, M)."""
        raise NotImplementedError

    def jacobian_norms(self, z: torch.Tensor) -> torch.Tensor:
        """The spectral norm ||dF/dz||_2 at each state of z (..., M)."""
        return spectral_norms(self.jacobian(z))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.step(z)

    @torch.no_grad()
    def run(self, z: torch.Tensor, steps: int) -> torch.Tensor:
        """Latent free run (B, steps, M): row 0 is ``z`` itself."""
        out = torch.empty(z.shape[0], steps, self.latent, dtype=z.dtype, device=z.device)
        step = self.stepper()
        for t in range(steps):
            out[:, t] = z
            z = step(z)
        return out

    @torch.no_grad()
    def free_run(self, x0: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """From physical states x0 (B, N): physical (B, steps, N) and latent (B, steps, M) runs."""
        param = self.readin
        x = torch.as_tensor(x0, dtype=param.dtype, device=param.device)
        latent = self.run(self.initial_state(self.scale(x)), steps)
        return self.scale.inverse(latent[..., : self.dim]).cpu().double().numpy(), latent
