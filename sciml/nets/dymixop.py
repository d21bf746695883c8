"""DyMixOp: a neural operator built from local-global-mixing (LGM) layers.

Lai, Chen & Xu, "DyMixOp: Guiding Neural Operator Design for PDEs from a Complex Dynamics
Perspective with Local-Global-Mixing", arXiv:2508.13490 (2025); reference code Lain-PY/DyMixOp
(``DyMixOp/Models/DyMixOp.py``).

The input u (plus grid coordinates, as in the reference) is lifted and reduced to a latent field,
evolved by a stack of LGM layers, and mapped back:

    v = T(u)            lift, 1x1 conv (C_in [+ dim] -> 2w)
    c = P(v)            reduction to the latent ("inertial manifold") dimension, 2w -> w
    c = DyIA(c)         dynamics-informed stack of L layers (below)
    out = T^-1(P^-1(c)) inverse reduction w -> 2w, inverse lift 2w -> C_out

Lift, reduction and their inverses are plain (linear) convolutions, as in the reference.

One LGM layer (the reference's ``num_nonlinear = num_linear = 1``):

    G(c)   = spectral convolution: keep ``n_modes`` Fourier modes per axis, multiply by learned
             complex weights, inverse FFT (FNO-style; global)
    K(c)   = convolution with ``kernel_size`` taps (local)
    D(c)   = convolution whose kernel sums to zero over its taps (a learned finite difference,
             enforced by subtracting the kernel mean), ``fd_kernel_size`` taps
    LGM(c) = G(c) * K'(c)                           (elementwise product: local-global mixing)
    M(c)   = K(c) + D(c) + A(LGM(c)),   A = 1x1 conv w -> 2w, GELU, 1x1 conv 2w -> w

Dynamics-informed connection (sequential updates with a learned gate, parallel aggregation):

    F_i = GELU(M_i(c_i)),   c_{i+1} = c_i + sigmoid(lambda_i) F_i    (i = 1..L-1)
    DyIA(c_1) = c_1 + sum_i alpha_i F_i + beta

The aggregation is the reference's 1x1 convolution over the stacked layer outputs, which mixes
layers, not channels: one weight alpha_i per layer shared by all channels, plus a bias beta.

Where this differs from the reference code, on purpose:

* the reference's ``_step`` calls ``dyia(c, temp_coeff, grid_width)`` against the signature
  ``forward(c, grid_width, temp_coeff)``; the intended use is lambda scaled by a time-step
  coefficient. This module is a single-step operator without such an input, so the gate is
  sigmoid(lambda_i) and time stepping is left to the caller. (The grid width is unused in the
  reference as well: its finite-difference branch is always called with a width of 1.)
* one gate lambda_i per layer, initialised to ``gate_init`` (default 0, gate 0.5); the reference
  has one lambda shared by all layers, initialised to the width, where the sigmoid saturates.
* A has a GELU between its two 1x1 convolutions; the reference composes two linear convolutions.
* the zero-sum kernel subtracts the mean from every tap; the reference subtracts the sum from the
  centre tap. Both give kernels that annihilate constants.
* spectral weights are stored as real tensors (..., 2) and viewed as complex, so the state_dict
  holds float32 arrays only.

``n_modes`` follows the reference: modes 0..n_modes-1 along the last axis (rfft), and in 2D rows
0..n_modes-1 and -n_modes..-1 along the first axis. (neuraloperator's ``FNO(n_modes=k)`` keeps
k // 2 + 1 modes along the last axis.) On grids too coarse for n_modes the available modes are
used, so the operator runs on any grid size.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

PADDING_MODES = {"zeros": "constant", "circular": "circular", "reflect": "reflect"}


def _conv(dim: int, c_in: int, c_out: int, kernel_size: int, padding_mode: str) -> nn.Module:
    conv = nn.Conv1d if dim == 1 else nn.Conv2d
    return conv(c_in, c_out, kernel_size, padding=kernel_size // 2, padding_mode=padding_mode)


def grid_coordinates(x: torch.Tensor) -> torch.Tensor:
    """Coordinates ``j / n`` in [0, 1) of the periodic grid of ``x`` (B, C, *grid), as (B, dim,
    *grid). (The reference code's ``linspace(0, 1, n)`` would put the last point on 1 = 0 and move
    every point when the resolution changes.)"""
    sizes = x.shape[2:]
    axes = [torch.arange(n, device=x.device, dtype=x.dtype) / n for n in sizes]
    mesh = torch.stack(torch.meshgrid(*axes, indexing="ij"), dim=0)
    return mesh.unsqueeze(0).expand(x.shape[0], *mesh.shape)


class SpectralConv(nn.Module):
    """FNO-style global convolution: truncated Fourier modes times learned complex weights."""

    def __init__(self, in_channels: int, out_channels: int, n_modes: int, dim: int) -> None:
        super().__init__()
        self.dim, self.n_modes, self.out_channels = dim, n_modes, out_channels
        blocks = () if dim == 1 else (2,)  # 2D: positive and negative first-axis frequencies
        shape = (*blocks, in_channels, out_channels, *(n_modes,) * dim, 2)
        # the reference's init: real and imaginary parts uniform in [0, 1/(C_in C_out))
        self.weight = nn.Parameter(torch.rand(shape) / (in_channels * out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = torch.view_as_complex(self.weight)
        m = self.n_modes
        if self.dim == 1:
            n = x.shape[-1]
            modes = min(m, n // 2 + 1)
            x_ft = torch.fft.rfft(x)[..., :modes]
            out_ft = torch.einsum("bix,iox->box", x_ft, weight[..., :modes])
            return torch.fft.irfft(out_ft, n=n)
        height, width = x.shape[-2:]
        x_ft = torch.fft.rfft2(x)
        cols = min(m, width // 2 + 1)
        pos, neg = min(m, (height + 1) // 2), min(m, height // 2)  # disjoint row blocks
        out_ft = x_ft.new_zeros(x.shape[0], self.out_channels, height, width // 2 + 1)
        out_ft[..., :pos, :cols] = torch.einsum(
            "bixy,ioxy->boxy", x_ft[..., :pos, :cols], weight[0, ..., :pos, :cols]
        )
        if neg > 0:
            out_ft[..., height - neg :, :cols] = torch.einsum(
                "bixy,ioxy->boxy",
                x_ft[..., height - neg :, :cols],
                weight[1, ..., m - neg :, :cols],
            )
        return torch.fft.irfft2(out_ft, s=(height, width))


class ZeroSumConv(nn.Module):
    """Bias-free convolution whose kernel sums to zero for every (out, in) pair.

    The raw kernel's mean over its taps is subtracted in every forward pass, so the operator
    annihilates constants like a finite-difference stencil.
    """

    def __init__(self, channels: int, kernel_size: int, dim: int, padding_mode: str) -> None:
        super().__init__()
        self.dim, self.pad, self.pad_mode = dim, kernel_size // 2, PADDING_MODES[padding_mode]
        self.weight = nn.Parameter(torch.empty(channels, channels, *(kernel_size,) * dim))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))  # PyTorch's conv default

    def effective_weight(self) -> torch.Tensor:
        taps = tuple(range(2, 2 + self.dim))
        return self.weight - self.weight.mean(dim=taps, keepdim=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, (self.pad, self.pad) * self.dim, mode=self.pad_mode)
        conv = F.conv1d if self.dim == 1 else F.conv2d
        return conv(x, self.effective_weight())


class LGMLayer(nn.Module):
    """M(c) = K(c) + D(c) + A(G(c) * K'(c))."""

    def __init__(
        self,
        channels: int,
        n_modes: int,
        dim: int,
        kernel_size: int,
        fd_kernel_size: int,
        padding_mode: str,
    ) -> None:
        super().__init__()
        self.global_conv = SpectralConv(channels, channels, n_modes, dim)
        self.mixing_local = _conv(dim, channels, channels, kernel_size, padding_mode)
        self.local = _conv(dim, channels, channels, kernel_size, padding_mode)
        self.difference = ZeroSumConv(channels, fd_kernel_size, dim, padding_mode)
        self.A = nn.Sequential(
            _conv(dim, channels, 2 * channels, 1, padding_mode),
            nn.GELU(),
            _conv(dim, 2 * channels, channels, 1, padding_mode),
        )

    def forward(self, c: torch.Tensor) -> torch.Tensor:
        mixed = self.global_conv(c) * self.mixing_local(c)
        return self.local(c) + self.difference(c) + self.A(mixed)


class DyMixOp(nn.Module):
    """DyMixOp on 1D (B, C, n) or 2D (B, C, H, W) grids; runs on grids of any size.

    **Main arguments**

    - ``in_channels`` / ``out_channels``: channels of the input and output fields.
    - ``width``: latent channels w (the lift has 2w).
    - ``n_modes``: Fourier modes kept per axis by the global branch (see the module docstring).
    - ``n_layers``: number of LGM layers L.
    - ``dim``: 1 or 2.
    - ``kernel_size``: taps of the local convolutions, lift and reduction (reference default 1).
    - ``fd_kernel_size``: taps of the zero-sum (finite-difference) convolution.
    - ``padding_mode``: ``"circular"`` (reference), ``"zeros"`` or ``"reflect"``.
    - ``positional_embedding``: append the grid coordinates in [0, 1] as input channels.
    - ``gate_init``: initial lambda_i of the gates sigmoid(lambda_i).

    **Returns** a tensor (B, out_channels, *grid).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        width: int = 32,
        n_modes: int = 16,
        n_layers: int = 4,
        dim: int = 1,
        kernel_size: int = 1,
        fd_kernel_size: int = 3,
        padding_mode: str = "circular",
        positional_embedding: bool = True,
        gate_init: float = 0.0,
    ) -> None:
        super().__init__()
        if dim not in (1, 2):
            raise ValueError(f"dim must be 1 or 2, got {dim}")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {sorted(PADDING_MODES)}")
        if kernel_size % 2 == 0 or fd_kernel_size % 2 == 0 or fd_kernel_size < 3:
            raise ValueError("kernel_size must be odd and fd_kernel_size odd and >= 3")
        if n_layers < 1 or n_modes < 1:
            raise ValueError("n_layers and n_modes must be >= 1")
        self.dim, self.in_channels = dim, in_channels
        self.positional_embedding = positional_embedding
        lifted_in = in_channels + (dim if positional_embedding else 0)
        self.lift = _conv(dim, lifted_in, 2 * width, kernel_size, padding_mode)
        self.reduce = _conv(dim, 2 * width, width, kernel_size, padding_mode)
        self.layers = nn.ModuleList(
            LGMLayer(width, n_modes, dim, kernel_size, fd_kernel_size, padding_mode)
            for _ in range(n_layers)
        )
        # the last layer's output only enters the aggregation, so it has no gate
        self.gate_logits = nn.Parameter(torch.full((n_layers - 1,), float(gate_init)))
        bound = 1.0 / math.sqrt(n_layers)  # init of the reference's Conv(L -> 1, 1x1)
        self.aggregate_weight = nn.Parameter(torch.empty(n_layers).uniform_(-bound, bound))
        self.aggregate_bias = nn.Parameter(torch.empty(1).uniform_(-bound, bound))
        self.inverse_reduce = _conv(dim, width, 2 * width, kernel_size, padding_mode)
        self.inverse_lift = _conv(dim, 2 * width, out_channels, kernel_size, padding_mode)

    def dyia(self, c: torch.Tensor) -> torch.Tensor:
        """The dynamics-informed stack of LGM layers on the latent field c."""
        c_init = c
        updates = []
        gates = torch.sigmoid(self.gate_logits)
        for i, layer in enumerate(self.layers):
            update = F.gelu(layer(c))
            updates.append(update)
            if i < len(self.layers) - 1:
                c = c + gates[i] * update
        stacked = torch.stack(updates, dim=-1)
        return c_init + stacked @ self.aggregate_weight + self.aggregate_bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != self.dim + 2 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"DyMixOp (dim={self.dim}) expects input (B, {self.in_channels}, "
                f"{'n' if self.dim == 1 else 'H, W'}), got {tuple(x.shape)}"
            )
        if self.positional_embedding:
            x = torch.cat([x, grid_coordinates(x)], dim=1)
        c = self.reduce(self.lift(x))
        c = self.dyia(c)
        return self.inverse_lift(self.inverse_reduce(c))
