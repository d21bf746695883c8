"""Networks of neural integral equations on a time grid (Zappala, Fonseca, Caro, Moberly, Higley,
Cardin & van Dijk, "Learning integral operators via neural integral equations", Nature Machine
Intelligence 2024):

    y(t) = f(t) + int_{0}^{T or t} G_theta(y(s), t, s) ds,

in standardized units (the trajectory's per-component mean and standard deviation are buffers of
the network, so a saved file predicts in physical units on its own). A network gives the free
function ``free(y0)`` and the integral operator ``operator_for(f)``: y -> T[y]; the fixed-point solver
(:mod:`sciml.methods.integral.solver`) iterates it.

* :class:`NIENet`: G(y(s), t, s) = K(t, s) F(y(s), s) (the kernel-times-nonlinearity form of the
  paper's solver, ``IESolver_monoidal``), K an MLP (t, s) -> R^{d x r}, F an MLP (y, s) -> R^r, the
  integral by a quadrature matrix on the grid (:mod:`sciml.core.quadrature`).
* :class:`ANIENet`: the integral replaced by Galerkin self-attention over the tokens [y(s_j), s_j]
  (:mod:`sciml.nets.galerkin`), causal for a Volterra equation.

Free function ``initial``: f(t) = y0; ``learned``: f(t) = y0 + h(t) - h(0), h an MLP.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from sciml.core.quadrature import quadrature
from sciml.nets.galerkin import GalerkinBlock

FREE_FUNCTIONS = ("initial", "learned")


def mlp(inputs: int, width: int, outputs: int, depth: int = 2) -> nn.Sequential:
    layers: list[nn.Module] = []
    size = inputs
    for _ in range(depth):
        layers += [nn.Linear(size, width), nn.GELU()]
        size = width
    return nn.Sequential(*layers, nn.Linear(size, outputs))


class IntegralEquationNet(nn.Module):
    """Grid, standardization and free function; subclasses implement :meth:`integral`."""

    def __init__(self, dim: int, times: list[float], width: int, free_function: str) -> None:
        super().__init__()
        if free_function not in FREE_FUNCTIONS:
            raise ValueError(f"free_function {free_function!r}; choices: {FREE_FUNCTIONS}")
        self.dim, self.free_function = dim, free_function
        t = torch.as_tensor(times, dtype=torch.float64)
        self.register_buffer("times", ((t - t[0]) / (t[-1] - t[0])).float())  # on [0, 1]
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("std", torch.ones(dim))
        self.shift = mlp(1, width, dim) if free_function == "learned" else None

    def standardize(self, y: torch.Tensor) -> torch.Tensor:
        return (y - self.mean) / self.std

    def physical(self, z: torch.Tensor) -> torch.Tensor:
        return z * self.std + self.mean

    def free(self, z0: torch.Tensor) -> torch.Tensor:
        """f (B, K, d) from standardized initial states z0 (B, d)."""
        f = z0[:, None, :].expand(-1, len(self.times), -1)
        if self.shift is not None:
            h = self.shift(self.times[:, None])
            f = f + (h - h[:1])
        return f

    def operator_for(self, f: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
        """z -> T[z] = f + integral of G(z(s), t, s), (B, K, d) -> (B, K, d)."""
        return lambda z: f + self.integral(z)

    def integral(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class NIENet(IntegralEquationNet):
    def __init__(
        self,
        dim: int,
        times: list[float],
        width: int = 64,
        rank: int = 16,
        kind: str = "fredholm",
        rule: str = "trapezoid",
        order: int = 2,
        free_function: str = "learned",
    ) -> None:
        super().__init__(dim, times, width, free_function)
        self.rank = rank
        nodes, weights, interpolation = quadrature(self.times.double().numpy(), rule, kind, order)
        self.register_buffer("nodes", torch.as_tensor(nodes, dtype=torch.float32))
        self.register_buffer("weights", torch.as_tensor(weights, dtype=torch.float32))
        self.register_buffer("interpolation", torch.as_tensor(interpolation, dtype=torch.float32))
        self.kernel = mlp(2, width, dim * rank)  # K(t, s)
        self.nonlinearity = mlp(dim + 1, width, rank)  # F(y, s)

    def weighted_kernel(self) -> torch.Tensor:
        """W[i, m] K(t_i, s_m): (K, M, d, r), independent of the state (once per solve)."""
        t, s = torch.meshgrid(self.times, self.nodes, indexing="ij")
        k = self.kernel(torch.stack([t, s], dim=-1)).unflatten(-1, (self.dim, self.rank))
        return k * self.weights[..., None, None]

    def operator_for(self, f: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
        kernel = self.weighted_kernel()  # state-independent: once per solve
        return lambda z: f + self.integral(z, kernel)

    def integral(self, z: torch.Tensor, kernel: torch.Tensor | None = None) -> torch.Tensor:
        kernel = self.weighted_kernel() if kernel is None else kernel
        at_nodes = torch.einsum("mk,bkd->bmd", self.interpolation, z)
        s = self.nodes[None, :, None].expand(len(z), -1, 1)
        values = self.nonlinearity(torch.cat([at_nodes, s], dim=-1))  # (B, M, r)
        return torch.einsum("kmdr,bmr->bkd", kernel, values)


class ANIENet(IntegralEquationNet):
    def __init__(
        self,
        dim: int,
        times: list[float],
        width: int = 32,
        heads: int = 2,
        blocks: int = 2,
        kind: str = "fredholm",
        free_function: str = "initial",
    ) -> None:
        super().__init__(dim, times, width, free_function)
        self.causal = kind == "volterra"
        self.embed = nn.Linear(dim + 1, width)
        self.blocks = nn.ModuleList(GalerkinBlock(width, heads) for _ in range(blocks))
        self.project = nn.Linear(width, dim)

    def integral(self, z: torch.Tensor) -> torch.Tensor:
        t = self.times[None, :, None].expand(len(z), -1, 1)
        x = self.embed(torch.cat([z, t], dim=-1))  # one token [y(s_j), s_j] per time
        for block in self.blocks:
            x = block(x, causal_group=1 if self.causal else 0)
        return self.project(x)
