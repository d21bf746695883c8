"""Kolmogorov-Arnold networks with B-spline edges (Liu et al., "KAN: Kolmogorov-Arnold Networks",
arXiv 2404.19756, 2024), evaluated for all edges of a layer in one batched tensor operation.

A layer maps n_in values to n_out values through one learnable function per edge (eq. 2.10):

    x_{l+1, j} = sum_i phi_{j,i}(x_{l,i}),
    phi(x) = w_b silu(x) + sum_c c_c B_c(x)                       (eq. 2.11-2.12)

with B_c the B-splines of order k on a grid of G intervals extended by k knots on each side
(G + k basis functions), computed by the Cox-de Boor recursion for every input at once. As in
efficient-kan (Blealtan), the layer's output is two matrix products, silu(x) W_b^T and
B(x) C^T over the flattened (input, basis) axis, so no (batch, out, in) tensor is formed unless
the per-edge activations are asked for (sparsity regularization, pruning, symbolic fitting).

Unlike the reference implementations, inputs are clamped into the grid's G intervals before the
splines are evaluated, so that a point just outside the training data does not meet the
extended basis functions whose coefficients no data determined (constant extrapolation of the
spline part; the silu branch extrapolates linearly).

Grid update (section 2.5 of the paper): the grid is moved to the data's quantiles (mixed with a
uniform grid, weight ``GRID_EPS``) and the coefficients refit by least squares so that every
edge keeps its values on the data; grid extension is the same refit onto a finer grid.
The network normalises its inputs and outputs with stored shifts and scales (buffers), so its
splines work on O(1) numbers whatever the data's units.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

GRID_EPS = 0.02  # weight of the uniform grid in a grid update (pykan, efficient-kan)


def uniform_grid(
    n_in: int, grid: int, k: int, low: float = -1.0, high: float = 1.0
) -> torch.Tensor:
    """Knots of G = ``grid`` equal intervals on [low, high], extended by k on each side:
    (n_in, G + 2k + 1)."""
    h = (high - low) / grid
    knots = low + h * torch.arange(-k, grid + k + 1, dtype=torch.float64)
    return knots.expand(n_in, -1).contiguous()


def _recursion(x: torch.Tensor, grid: torch.Tensor, k: int) -> list[torch.Tensor]:
    """B-splines of orders 0..k at x (n_in, 1, B) on knots (n_in, m, 1), batch last (contiguous
    for the elementwise work): each level is B_{c,j} = w_{c,j} B_{c,j-1} + (1 - w_{c+1,j})
    B_{c+1,j-1} with w_{c,j} = (x - t_c) / (t_{c+j} - t_c), i.e. p[c] + B[c+1] - p[c+1] with
    p = w B."""
    levels = [((x >= grid[:, :-1]) & (x < grid[:, 1:])).to(x.dtype)]
    for j in range(1, k + 1):
        w = (x - grid[:, :-j]) * (1.0 / (grid[:, j:] - grid[:, :-j]))
        p = w * levels[-1]
        levels.append(p[:, :-1] + levels[-1][:, 1:] - p[:, 1:])
    return levels


class _BSplines(torch.autograd.Function):
    """The basis (n_in, G + k, B) at x (n_in, B) with its analytic derivative in the backward
    pass, B'_{c,k} = k (B_{c,k-1} / (t_{c+k} - t_c) - B_{c+1,k-1} / (t_{c+k+1} - t_{c+1})),
    so that autograd keeps one tensor instead of every step of the recursion."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, grid: torch.Tensor, k: int) -> torch.Tensor:  # noqa: ANN001
        levels = _recursion(x.unsqueeze(1), grid.unsqueeze(-1), k)
        if k > 0:
            ctx.save_for_backward(levels[-2], grid)
        ctx.k = k
        return levels[-1]

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad: torch.Tensor) -> tuple:  # noqa: ANN001
        if ctx.k == 0:
            return torch.zeros_like(grad[:, 0]), None, None
        lower, grid = ctx.saved_tensors
        k = ctx.k
        inverse = (k / (grid[:, k:] - grid[:, :-k])).unsqueeze(-1)  # k / (t_{c+k} - t_c)
        scaled = lower * inverse
        return (grad * (scaled[:, :-1] - scaled[:, 1:])).sum(1), None, None


def bspline_basis_t(x: torch.Tensor, grid: torch.Tensor, k: int) -> torch.Tensor:
    """:func:`bspline_basis` with the batch last: x (n_in, B) -> (n_in, G + k, B)."""
    return _BSplines.apply(x, grid, k)


def bspline_basis(x: torch.Tensor, grid: torch.Tensor, k: int) -> torch.Tensor:
    """B-splines of order ``k`` on the knots ``grid`` (n_in, G + 2k + 1) at ``x`` (B, n_in):
    (B, n_in, G + k). Cox-de Boor: B_{c,0} is the indicator of [t_c, t_{c+1}) and
    B_{c,j} = (x - t_c)/(t_{c+j} - t_c) B_{c,j-1} + (t_{c+j+1} - x)/(t_{c+j+1} - t_{c+1})
    B_{c+1,j-1}. They sum to one on [t_k, t_{G+k}] (the grid's G intervals)."""
    return bspline_basis_t(x.T, grid, k).permute(2, 0, 1)


def least_squares(design: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Batched least squares argmin_c |design c - target|^2 for design (n, B, m) and target
    (n, B, o): the minimum-norm solution by SVD (LAPACK gelsd) in float64 on the CPU (small
    systems; a basis without data gets coefficient 0), returned on the inputs' device."""
    a, y = design.detach().double().cpu(), target.detach().double().cpu()
    solution = torch.linalg.lstsq(a, y, rcond=1e-12, driver="gelsd").solution
    return solution.to(design.device)


class KANLayer(nn.Module):
    """n_in -> n_out, one function per edge: ``base_weight`` (out, in) times silu plus the
    B-spline ``coef`` (out, in, G + k); ``mask`` (out, in) switches pruned edges off."""

    def __init__(self, n_in: int, n_out: int, grid: int = 5, k: int = 3) -> None:
        super().__init__()
        self.n_in, self.n_out, self.grid_size, self.k = n_in, n_out, grid, k
        self.register_buffer("grid", uniform_grid(n_in, grid, k).float())
        self.register_buffer("mask", torch.ones(n_out, n_in))
        bound = 1.0 / math.sqrt(n_in)
        self.base_weight = nn.Parameter(torch.empty(n_out, n_in).uniform_(-bound, bound))
        self.coef = nn.Parameter(0.1 * bound * torch.randn(n_out, n_in, grid + k))

    def basis_t(self, x: torch.Tensor) -> torch.Tensor:
        """The B-splines at ``x`` (B, n_in) clamped into the grid's G intervals, batch last:
        (n_in, G + k, B). Beyond the data the spline part stays at its boundary value instead
        of following basis functions that no data determined (silu still extrapolates)."""
        grid = self.grid.to(x.dtype)
        low, high = grid[:, self.k], grid[:, -self.k - 1]
        inside = torch.minimum(torch.maximum(x, low), torch.nextafter(high, low))
        return bspline_basis_t(inside.T, grid, self.k)

    def basis(self, x: torch.Tensor) -> torch.Tensor:
        """:meth:`basis_t` as (B, n_in, G + k)."""
        return self.basis_t(x).permute(2, 0, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        base = F.linear(F.silu(x), self.base_weight * self.mask)
        coef = (self.coef * self.mask.unsqueeze(-1)).reshape(self.n_out, -1)
        return base + (coef @ self.basis_t(x).reshape(coef.shape[1], -1)).T

    def edge_values(self, x: torch.Tensor) -> torch.Tensor:
        """phi_{j,i}(x_i) for every edge: (B, n_out, n_in)."""
        spline = torch.einsum("icb,oic->boi", self.basis_t(x), self.coef)
        phi = self.base_weight * F.silu(x).unsqueeze(1) + spline
        return phi * self.mask

    @torch.no_grad()
    def update_grid(self, x: torch.Tensor, grid: int | None = None) -> None:
        """Move the knots to the quantiles of ``x`` (B, n_in) (``grid`` intervals: a grid
        extension when larger) and refit the coefficients by least squares so that each edge's
        spline keeps its values at ``x``."""
        grid = grid or self.grid_size
        old = torch.einsum("bic,oic->bio", self.basis(x), self.coef)  # spline part per edge
        ordered = torch.sort(x.double(), dim=0).values
        index = torch.linspace(0, len(x) - 1, grid + 1, device=x.device).round().long()
        adaptive = ordered[index]  # (grid + 1, n_in)
        low, high = ordered[0], ordered[-1]
        span = torch.maximum(high - low, 1e-3 * (1 + low.abs() + high.abs()))
        step = span / grid
        steps = torch.arange(grid + 1, dtype=torch.float64, device=x.device)[:, None]
        inner = GRID_EPS * (low + steps * step) + (1 - GRID_EPS) * adaptive
        # repeated data values (a discrete column) would make knots coincide: keep every
        # interval at least a tenth of the uniform one, then stretch back onto [low, low + span]
        gaps = torch.diff(inner, dim=0).clamp_min(0.1 * step)
        inner = torch.cat([torch.zeros_like(low)[None], torch.cumsum(gaps, dim=0)], dim=0)
        inner = low + inner * (span / inner[-1])
        side = torch.arange(1, self.k + 1, dtype=torch.float64, device=x.device)[:, None] * step
        knots = torch.cat([inner[:1] - side.flip(0), inner, inner[-1:] + side], dim=0)
        self.grid = knots.T.contiguous().to(self.grid.dtype)
        self.grid_size = grid
        design = self.basis(x).transpose(0, 1)  # (n_in, B, G + k)
        solution = least_squares(design, old.transpose(0, 1))  # (n_in, G + k, n_out)
        self.coef = nn.Parameter(solution.permute(2, 0, 1).to(self.coef.dtype).contiguous())


class KAN(nn.Module):
    """A stack of :class:`KANLayer` for ``width`` = [n_in, hidden..., n_out], with input and
    output normalisation (buffers ``input_shift``, ``input_scale``, ``output_shift``,
    ``output_scale``) and float32 or float64 weights."""

    def __init__(self, width: list[int], grid: int = 5, k: int = 3, dtype: str = "float32") -> None:
        super().__init__()
        if len(width) < 2 or min(width) < 1:
            raise ValueError(f"width must list at least two positive sizes; got {width}")
        self.width, self.k = list(width), k
        self.layers = nn.ModuleList(KANLayer(a, b, grid, k) for a, b in zip(width, width[1:]))
        self.register_buffer("input_shift", torch.zeros(width[0]))
        self.register_buffer("input_scale", torch.ones(width[0]))
        self.register_buffer("output_shift", torch.zeros(width[-1]))
        self.register_buffer("output_scale", torch.ones(width[-1]))
        self.to({"float32": torch.float32, "float64": torch.float64}[dtype])

    @property
    def grid_size(self) -> int:
        return self.layers[0].grid_size

    def normalized(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.input_shift) / self.input_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.normalized(x)
        for layer in self.layers:
            h = layer(h)
        return h * self.output_scale + self.output_shift

    def layer_inputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The (normalised) inputs of every layer for raw inputs ``x``."""
        h = self.normalized(x)
        inputs = []
        for layer in self.layers:
            inputs.append(h)
            h = layer(h)
        return inputs

    @torch.no_grad()
    def update_grid(self, x: torch.Tensor, grid: int | None = None) -> None:
        """Grid update (or extension to ``grid`` intervals) of every layer from the data."""
        h = self.normalized(x)
        for layer in self.layers:
            layer.update_grid(h, grid)
            h = layer(h)
