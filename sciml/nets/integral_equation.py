"""Networks of neural integral equations on a time grid (Zappala, Fonseca, Caro, Moberly, Higley,
Cardin & van Dijk, "Learning integral operators via neural integral equations", Nature Machine
Intelligence 2024):

    y(t) = f(t) + int_{0}^{T or t} G_theta(y(s), t, s) ds,

in standardized units (the trajectory's per-component mean and standard deviation are buffers of
the network, so a saved file predicts in physical units on its own). A network gives the free
function ``free(y0)`` and the integral operator ``operator_for(f)``: y -> T[y]; the fixed-point
solver (:mod:`sciml.methods.integral.solver`) iterates it.

* :class:`NIENet`: G(y(s), t, s) = K(t, s) F(y(s), s) (the kernel-times-nonlinearity form of the
  paper's solver, ``IESolver_monoidal``), K an MLP (t, s) -> R^{d x r}, F an MLP (y, s) -> R^r, the
  integral by a quadrature matrix on the grid (:mod:`sciml.core.quadrature`).
* :class:`ANIENet`: the integral replaced by Galerkin self-attention over the tokens [y(s_j), s_j]
  (:mod:`sciml.nets.galerkin`), causal for a Volterra equation.

Free function ``initial``: f(t) = y0; ``learned``: f(t) = y0 + h(t) - h(0), h an MLP; ``zero``:
f = 0 (the integral alone carries the solution).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from sciml.core.quadrature import quadrature
from sciml.nets.galerkin import GalerkinBlock

FREE_FUNCTIONS = ("initial", "learned", "zero")


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
        if self.free_function == "zero":
            return torch.zeros_like(f)
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


class ANIEGridNet(nn.Module):
    """ANIE on functions on a grid (operator data): space-time tokens, one per ``patch``^dim
    patch and snapshot, [patch values, patch centre, time], over the known input snapshots and
    the unknown output ones (``t_in`` + ``t_out``; one input and one output map without a time
    axis). T[y] = f + the output tokens' attention, projected back to patches; f = the last input
    snapshot repeated (the encoded initial condition; ``free_function = "zero"``: f = 0, the
    iteration still starting from that snapshot). ``kind = "volterra"``: causal in time.
    ``harmonics`` = H > 0 appends cos/sin(2 pi h c), h = 1..H, of each patch centre coordinate c:
    the attention's kernel sum_c q_c(x_i) k_c(x_j) is linear in the token features, so on a
    periodic domain these features let it form translation-invariant kernels cos(2 pi h (x_i -
    x_j)) directly (the periodic trunk features DeepONet uses here too). ``decoder_layers`` = L > 0
    maps each output token to its patch values by the Galerkin Transformer's pointwise regressor
    (L layers Linear(width, width) + SiLU, then a linear map) instead of one linear map."""

    def __init__(
        self,
        dim: int,
        grid: list[int],
        t_in: int,
        t_out: int,
        patch: int = 1,
        width: int = 32,
        heads: int = 2,
        blocks: int = 2,
        kind: str = "fredholm",
        harmonics: int = 0,
        free_function: str = "initial",
        decoder_layers: int = 0,
    ) -> None:
        super().__init__()
        if any(n % patch for n in grid):
            raise ValueError(f"patch {patch} does not divide the grid {grid}")
        if free_function not in ("initial", "zero"):
            raise ValueError(f"free_function {free_function!r}; choices: ('initial', 'zero')")
        self.free_function = free_function
        self.dim, self.grid, self.patch = dim, tuple(grid), patch
        self.t_in, self.t_out = t_in, t_out
        self.causal = kind == "volterra"
        cells = [torch.arange(n // patch, dtype=torch.float32) * patch / n for n in grid]
        centres = torch.stack(torch.meshgrid(*cells, indexing="ij"), -1).reshape(-1, dim)
        if harmonics:
            angles = 2 * torch.pi * centres[..., None] * torch.arange(1, harmonics + 1)
            centres = torch.cat([centres, angles.cos().flatten(1), angles.sin().flatten(1)], -1)
        self.register_buffer("centres", centres)  # (P, dim (1 + 2 harmonics))
        self.n_patches = len(centres)
        features = patch**dim
        self.embed = nn.Linear(features + centres.shape[1] + 1, width)
        self.blocks = nn.ModuleList(GalerkinBlock(width, heads) for _ in range(blocks))
        self.project: nn.Module = nn.Linear(width, features)  # the saved files' key when L = 0
        if decoder_layers:
            hidden = [
                m for _ in range(decoder_layers) for m in (nn.Linear(width, width), nn.SiLU())
            ]
            self.project = nn.Sequential(*hidden, nn.Linear(width, features))

    def patches(self, u: torch.Tensor) -> torch.Tensor:
        """(B, T, *grid) -> (B, T, P, patch^dim)."""
        p = self.patch
        if self.dim == 1:
            return u.unflatten(-1, (-1, p))
        b, t, h, w = u.shape
        return (
            u.reshape(b, t, h // p, p, w // p, p).permute(0, 1, 2, 4, 3, 5).reshape(b, t, -1, p * p)
        )

    def unpatch(self, tokens: torch.Tensor) -> torch.Tensor:
        """(B, T, P, patch^dim) -> (B, T, *grid)."""
        if self.dim == 1:
            return tokens.flatten(-2)
        p, (h, w) = self.patch, self.grid
        b, t = tokens.shape[:2]
        return (
            tokens.reshape(b, t, h // p, w // p, p, p).permute(0, 1, 2, 4, 3, 5).reshape(b, t, h, w)
        )

    def initial(self, x: torch.Tensor) -> torch.Tensor:
        """The first iterate: the last input snapshot repeated (B, t_out, *grid)."""
        return x[:, -1:].expand(-1, self.t_out, *x.shape[2:])

    def free(self, x: torch.Tensor) -> torch.Tensor:
        y0 = self.initial(x)
        return torch.zeros_like(y0) if self.free_function == "zero" else y0

    def operator_for(self, x: torch.Tensor, f: torch.Tensor):
        """y -> f + the attention integral over the window [x, y] (B, t_out, *grid)."""
        b, frames = len(x), self.t_in + self.t_out
        p = self.n_patches
        times = torch.arange(frames, dtype=x.dtype, device=x.device) / frames
        coordinates = torch.cat(
            [
                self.centres[None].expand(frames, -1, -1),
                times[:, None, None].expand(-1, p, 1),
            ],
            dim=-1,
        )[None].expand(b, -1, -1, -1)  # (B, T, P, coordinates + 1)
        known = self.patches(x)

        def operator(y: torch.Tensor) -> torch.Tensor:
            values = torch.cat([known, self.patches(y)], dim=1)
            tokens = self.embed(torch.cat([values, coordinates], dim=-1)).flatten(1, 2)
            for block in self.blocks:
                tokens = block(tokens, causal_group=p if self.causal else 0)
            out = self.project(tokens.unflatten(1, (frames, p))[:, self.t_in :])
            return f + self.unpatch(out)

        return operator
