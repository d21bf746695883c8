"""MgNO: a neural operator whose linear operators are multigrid V-cycles.

He, Liu & Xu, "MgNO: Efficient Parameterization of Linear Operators via Multigrid", ICLR 2024
(arXiv:2310.19809); reference code xlliu2017/MgNO (``models.py``: ``MgConv_DC``, ``MgNO_DC``).

A layer maps the field u (C_in channels) to

    u <- sigma( MgConv(u) + W u + b ),

with W a 1x1 convolution and b its bias (a constant bias function). There is no lifting: the first
layer takes the ``in_channels`` of the input, every later one ``width`` channels, and a final 1x1
convolution (no bias, as in the reference) gives ``out_channels``.

MgConv is one multichannel V-cycle applied to the "right-hand side" f = u. On level l = 0..J-1, with
the learned bias-free convolutions A^l (u-space -> f-space), S^{l,i} (f-space -> u-space; 3 taps in
1D, 3x3 in 2D), the stride-2 restrictions Pi^l (for u), R^l (for f) and the stride-2 transposed
convolution P^l (prolongation):

    pre-smoothing   u^l <- u^l + S^{l,i} (f^l - A^l u^l),  i = 1..nu_l   (level 0 starts: u = S f)
    restriction     u^{l+1} = Pi^l u^l,   f^{l+1} = R^l (f^l - A^l u^l)
    prolongation    u^l <- u^l + P^l u^{l+1}                             (coarsest level first)
    post-smoothing  u^l <- u^l + S'^{l,i} (f^l - A^l u^l),  i = 1..mu_l

and MgConv(f) = u^0. Zero padding suits Dirichlet problems, circular padding periodic ones.

Odd and even grids: the stride-2 convolutions map n points to ceil(n / 2); the prolongation is a
3-tap stride-2 transposed convolution evaluated on the coarse field padded by one cell (zeros, or
periodically for ``padding_mode="circular"``) and cropped to the finer level's exact shape, so every
level matches for any n >= 1 (n odd: vertex-centred coarsening, n even: the last fine point takes
the wrap-around / zero neighbour).

Where this differs from the reference code, on purpose:

* one A^l per level shared by all smoothing steps and the restricted residual, as in the paper's
  algorithm; the reference builds a separate A for each step and, by default (``use_res=False``),
  restricts f itself rather than the residual (``restrict_residual=False`` gives that here);
* the prolongation kernel has 3 taps instead of the reference's 4 (kernel 4, stride 2, padding 1
  only produces even fine grids; the reference switches kernels by hand per benchmark grid);
* no LayerNorm on the upward path (the reference's Darcy model ``MgNO_DC`` has none either; its
  Navier-Stokes variant normalises over a hard-coded 64x64 grid).

With the defaults (5 layers, 24 channels, 5 levels, smoothing [[1,0],[1,0],[1,0],[2,0],[2,0]]) a 2D
model with one input channel has 0.54M parameters (the paper reports about 0.57M for its version).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from sciml.nets.activations import make_activation

PADDING_MODES = ("zeros", "circular")
DEFAULT_SMOOTHING = [[1, 0], [1, 0], [1, 0], [2, 0], [2, 0]]


def _check_dim(dim: int) -> None:
    if dim not in (1, 2):
        raise ValueError(f"dim must be 1 or 2, got {dim}")


def _conv3(dim: int, c_in: int, c_out: int, stride: int, padding_mode: str) -> nn.Module:
    conv = nn.Conv1d if dim == 1 else nn.Conv2d
    return conv(c_in, c_out, 3, stride=stride, padding=1, bias=False, padding_mode=padding_mode)


def _conv1x1(dim: int, c_in: int, c_out: int, bias: bool) -> nn.Module:
    conv = nn.Conv1d if dim == 1 else nn.Conv2d
    return conv(c_in, c_out, 1, bias=bias)


def _parse_smoothing(smoothing: list | None, n_levels: int) -> list[tuple[int, int]]:
    """Per-level (pre, post) counts; an int entry means (pre, 0)."""
    if smoothing is None:
        if n_levels == len(DEFAULT_SMOOTHING):
            smoothing = DEFAULT_SMOOTHING
        else:
            smoothing = [[1, 0]] * n_levels
    if len(smoothing) != n_levels:
        raise ValueError(
            f"smoothing_iterations has {len(smoothing)} entries but n_levels is {n_levels}"
        )
    levels = []
    for entry in smoothing:
        pre, post = (int(entry), 0) if isinstance(entry, int) else (int(entry[0]), int(entry[1]))
        if pre < 0 or post < 0:
            raise ValueError(f"smoothing counts must be >= 0, got {entry}")
        levels.append((pre, post))
    if levels[0][0] < 1:
        raise ValueError("the finest level needs at least one pre-smoothing step (u = S f)")
    if levels[-1][1] != 0:
        raise ValueError("the coarsest level takes no post-smoothing; add pre-smoothing steps")
    return levels


class Prolongation(nn.Module):
    """Coarse -> fine by a 3-tap stride-2 transposed convolution, cropped to the fine shape.

    Padding the coarse field by one cell and cropping from index 3 is the same as a transposed
    convolution with ``padding=1``, except that the output always covers the fine grid (2m - 1 or
    2m points for m coarse points) and the pad can be periodic.
    """

    def __init__(self, channels: int, dim: int, padding_mode: str) -> None:
        super().__init__()
        conv = nn.ConvTranspose1d if dim == 1 else nn.ConvTranspose2d
        self.conv = conv(channels, channels, 3, stride=2, padding=0, bias=False)
        self.dim = dim
        self.pad_mode = "circular" if padding_mode == "circular" else "constant"

    def forward(self, coarse: torch.Tensor, fine_shape: tuple[int, ...]) -> torch.Tensor:
        full = self.conv(F.pad(coarse, (1, 1) * self.dim, mode=self.pad_mode))
        crop = tuple(slice(3, 3 + n) for n in fine_shape)
        return full[(..., *crop)]


class MgConv(nn.Module):
    """One multichannel V-cycle: a linear operator from f (``in_channels``) to u (``channels``)."""

    def __init__(
        self,
        in_channels: int,
        channels: int,
        smoothing: list[tuple[int, int]],
        dim: int,
        padding_mode: str,
        restrict_residual: bool = True,
    ) -> None:
        super().__init__()
        n_levels = len(smoothing)
        self.n_levels = n_levels
        self.restrict_residual = restrict_residual

        def conv_f_to_u() -> nn.Module:
            return _conv3(dim, in_channels, channels, 1, padding_mode)

        self.pre = nn.ModuleList(
            nn.ModuleList(conv_f_to_u() for _ in range(pre)) for pre, _ in smoothing
        )
        self.post = nn.ModuleList(
            nn.ModuleList(conv_f_to_u() for _ in range(post)) for _, post in smoothing
        )
        # A^l exists only on levels that use it (unused parameters upset DDP and optimisers).
        self.A = nn.ModuleDict()
        for level, (pre, post) in enumerate(smoothing):
            steps_with_a = pre - (1 if level == 0 else 0) + post
            if steps_with_a > 0 or (restrict_residual and level < n_levels - 1):
                self.A[str(level)] = _conv3(dim, channels, in_channels, 1, padding_mode)
        self.restrict_u = nn.ModuleList(
            _conv3(dim, channels, channels, 2, padding_mode) for _ in range(n_levels - 1)
        )
        self.restrict_f = nn.ModuleList(
            _conv3(dim, in_channels, in_channels, 2, padding_mode) for _ in range(n_levels - 1)
        )
        self.prolong = nn.ModuleList(
            Prolongation(channels, dim, padding_mode) for _ in range(n_levels - 1)
        )

    def _smooth(self, level: int, u: torch.Tensor, f: torch.Tensor, S: nn.Module) -> torch.Tensor:
        return u + S(f - self.A[str(level)](u))

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        us: list[torch.Tensor] = []
        fs: list[torch.Tensor] = []
        u: torch.Tensor | None = None
        for level in range(self.n_levels):
            if level > 0:
                fine_u, fine_f = us[-1], fs[-1]
                if self.restrict_residual:
                    fine_f = fine_f - self.A[str(level - 1)](fine_u)
                f = self.restrict_f[level - 1](fine_f)
                u = self.restrict_u[level - 1](fine_u)
            for S in self.pre[level]:
                u = S(f) if u is None else self._smooth(level, u, f, S)
            us.append(u)
            fs.append(f)
        for level in range(self.n_levels - 2, -1, -1):
            u = us[level] + self.prolong[level](us[level + 1], tuple(us[level].shape[2:]))
            for S in self.post[level]:
                u = self._smooth(level, u, fs[level], S)
            us[level] = u
        return us[0]


class MgNO(nn.Module):
    """Multigrid neural operator on 1D (B, C, n) or 2D (B, C, H, W) grids.

    **Main arguments**

    - ``in_channels`` / ``out_channels``: channels of the input and output fields.
    - ``width``: channels of every hidden layer (the paper's "neurons").
    - ``n_layers``: number of nonlinear layers sigma(MgConv(u) + W u + b).
    - ``n_levels``: grid levels of each V-cycle (the finest is the input grid).
    - ``smoothing_iterations``: per level, ``[pre, post]`` smoothing steps (an int means
      ``[pre, 0]``); ``None`` gives the reference's [[1,0],[1,0],[1,0],[2,0],[2,0]] for 5 levels,
      else one pre-smoothing step per level.
    - ``dim``: 1 or 2. ``padding_mode``: ``"zeros"`` (Dirichlet) or ``"circular"`` (periodic).
    - ``restrict_residual``: restrict f - A u (paper) rather than f (reference code default).

    **Returns** a tensor (B, out_channels, *grid) on the input's grid, for any grid size.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        width: int = 24,
        n_layers: int = 5,
        n_levels: int = 5,
        smoothing_iterations: list | None = None,
        dim: int = 1,
        padding_mode: str = "zeros",
        activation: str = "gelu",
        restrict_residual: bool = True,
    ) -> None:
        super().__init__()
        _check_dim(dim)
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
        if n_levels < 1 or n_layers < 1:
            raise ValueError("n_levels and n_layers must be >= 1")
        smoothing = _parse_smoothing(smoothing_iterations, n_levels)
        self.dim = dim
        self.in_channels = in_channels
        channels_in = [in_channels] + [width] * (n_layers - 1)
        self.mg_convs = nn.ModuleList(
            MgConv(c, width, smoothing, dim, padding_mode, restrict_residual) for c in channels_in
        )
        self.pointwise = nn.ModuleList(_conv1x1(dim, c, width, bias=True) for c in channels_in)
        self.head = _conv1x1(dim, width, out_channels, bias=False)
        self.act = make_activation(activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != self.dim + 2 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"MgNO (dim={self.dim}) expects input (B, {self.in_channels}, "
                f"{'n' if self.dim == 1 else 'H, W'}), got {tuple(x.shape)}"
            )
        for mg_conv, pointwise in zip(self.mg_convs, self.pointwise, strict=True):
            x = self.act(mg_conv(x) + pointwise(x))
        return self.head(x)
