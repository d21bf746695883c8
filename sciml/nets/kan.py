"""Kolmogorov-Arnold networks with B-spline edges (Liu et al., "KAN: Kolmogorov-Arnold Networks",
arXiv 2404.19756, 2024), evaluated for all edges of a layer in one batched tensor operation.

A layer maps n_in values to n_out values through one learnable function per edge (eq. 2.10):

    x_{l+1, j} = sum_i phi_{j,i}(x_{l,i}),
    phi(x) = w_b silu(x) + sum_c c_c B_c(x)                       (eq. 2.11-2.12)

with B_c the B-splines of order k on a grid of G intervals extended by k knots on each side
(G + k basis functions; the Cox-de Boor recursion, :func:`bspline_basis`, is the reference).

Training does not run the recursion: on each grid interval [t_m, t_{m+1}) the k + 1 B-splines
that do not vanish there are polynomials in d = x - t_m, B_{m+c}(x) = sum_p M_{m,p,c} d^p, with M
read off the recursion once per grid (:func:`piecewise_tables`). A layer then needs the interval
powers I_m(x) d^p and matrix products: a wide layer forms the splines first (one batched
product with M) and multiplies them by its coefficients, like efficient-kan (Blealtan); a
narrow layer (n_out <= G) folds M into its coefficients, so that each edge is one polynomial
per interval, picks the k + 1 coefficients of the sample's interval and evaluates them by
Horner's rule. No (batch, out, in) tensor is formed unless the per-edge activations are asked
for (sparsity penalty, pruning, symbolic fitting; the penalty's norms come with a written-out
backward pass too). Tensors keep the batch last, so elementwise work runs along long contiguous
rows, and the backward passes are written out (d/dx I_m d^p = p I_m d^(p-1)).

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
from typing import NamedTuple

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


def bspline_basis_t(x: torch.Tensor, grid: torch.Tensor, k: int) -> torch.Tensor:
    """:func:`bspline_basis` with the batch last: x (n_in, B) -> (n_in, G + k, B), by the
    recursion (the reference the fast path :class:`PiecewiseTables` is built from)."""
    return _recursion(x.unsqueeze(1), grid.unsqueeze(-1), k)[-1]


def bspline_basis(x: torch.Tensor, grid: torch.Tensor, k: int) -> torch.Tensor:
    """B-splines of order ``k`` on the knots ``grid`` (n_in, G + 2k + 1) at ``x`` (B, n_in):
    (B, n_in, G + k). Cox-de Boor: B_{c,0} is the indicator of [t_c, t_{c+1}) and
    B_{c,j} = (x - t_c)/(t_{c+j} - t_c) B_{c,j-1} + (t_{c+j+1} - x)/(t_{c+j+1} - t_{c+1})
    B_{c+1,j-1}. They sum to one on [t_k, t_{G+k}] (the grid's G intervals)."""
    return bspline_basis_t(x.T, grid, k).permute(2, 0, 1)


class PiecewiseTables(NamedTuple):
    """A grid's B-splines as polynomials on its G intervals (see :func:`piecewise_tables`)."""

    low: torch.Tensor  # (n_in, 1): t_k, the first interval's left end
    high: torch.Tensor  # (n_in, 1): just below t_{G+k}, the last interval's right end
    edges: torch.Tensor  # (n_in, G + 1, 1): t_k .. t_{G+k}
    left: torch.Tensor  # (n_in, G, 1): each interval's left end t_m
    values: torch.Tensor  # (n_in, G + k, (k + 1) G): B_c = sum_{p,m} values[c, (p, m)] I_m d^p
    orders: torch.Tensor  # (k, 1): 1 .. k, for d/dx I_m d^p = p I_m d^(p-1)


def piecewise_tables(grid: torch.Tensor, k: int, dtype: torch.dtype) -> PiecewiseTables:
    """M_{m,p,c} with B_{m+c}(x) = sum_p M_{m,p,c} (x - t_m)^p on the m-th of the G intervals
    of ``grid`` (n_in, G + 2k + 1), read off the recursion at k + 1 points per interval in float64
    (an exact interpolation: the pieces are polynomials of degree k), laid out as one
    (G + k) x G(k + 1) matrix per input."""
    knots = grid.detach().double()
    device = knots.device
    n_in, size = knots.shape
    intervals, p = size - 2 * k - 1, k + 1
    left, right = knots[:, k : k + intervals], knots[:, k + 1 : k + intervals + 1]
    fractions = (torch.arange(p, dtype=torch.float64, device=device) + 0.5) / p
    points = left[..., None] + (right - left)[..., None] * fractions  # (n_in, G, p)
    basis = bspline_basis_t(points.reshape(n_in, -1), knots, k)  # (n_in, G + k, G p)
    basis = basis.reshape(n_in, intervals + k, intervals, p).permute(0, 2, 3, 1)
    index = torch.arange(intervals, device=device)[:, None] + torch.arange(p, device=device)
    local = basis.gather(3, index[None, :, None, :].expand(n_in, -1, p, -1))  # (n_in, G, pt, c)
    powers = torch.arange(p, dtype=torch.float64, device=device)
    vandermonde = (points - left[..., None])[..., None] ** powers  # (n_in, G, pt, power)
    local = torch.linalg.solve(vandermonde, local)  # (n_in, G, power, c)
    values = knots.new_zeros(n_in, intervals + k, p, intervals)  # columns ordered (p, m)
    columns = torch.arange(intervals, device=device)
    for c in range(p):  # B_{m+c} on interval m: a shifted diagonal per c
        values[:, columns + c, :, columns] = local[..., c].permute(1, 0, 2)
    return PiecewiseTables(
        low=left[:, :1].to(dtype),
        high=torch.nextafter(right[:, -1:].to(dtype), left[:, :1].to(dtype)),
        edges=torch.cat([left, right[:, -1:]], dim=1).unsqueeze(-1).to(dtype),
        left=left.unsqueeze(-1).to(dtype),
        values=values.reshape(n_in, intervals + k, -1).to(dtype).contiguous(),
        orders=torch.arange(1, p, dtype=dtype, device=device)[:, None],
    )


def interval_indicators(
    x: torch.Tensor, tables: PiecewiseTables, out: torch.Tensor | None = None
) -> torch.Tensor:
    """I_m(x) for x (n_in, B) inside the grid: (n_in, G, B), the indicator of the m-th interval
    as a difference of two steps [x >= t_m] - [x >= t_{m+1}] (into ``out`` if given)."""
    n_in, batch = x.shape
    above = x.new_empty(n_in, tables.left.shape[1] + 1, batch)
    torch.ge(x.unsqueeze(1), tables.edges, out=above)  # straight into floats: bool costs twice
    return torch.sub(above[:, :-1], above[:, 1:], out=out)


def interval_powers(x: torch.Tensor, tables: PiecewiseTables) -> torch.Tensor:
    """I_m(x) (x - t_m)^p for x (n_in, B) inside the grid: (n_in, k + 1, G, B)
    (:func:`interval_indicators` for p = 0)."""
    n_in, batch = x.shape
    powers = x.new_empty(n_in, len(tables.orders) + 1, tables.left.shape[1], batch)
    interval_indicators(x, tables, out=powers[:, 0])
    if len(tables.orders):
        offset = x.unsqueeze(1) - tables.left
        for j in range(1, powers.shape[1]):
            torch.mul(powers[:, j - 1], offset, out=powers[:, j])
    return powers


def _slope(grad_powers: torch.Tensor, powers: torch.Tensor, orders: torch.Tensor) -> torch.Tensor:
    """d/dx of sum grad_powers * powers: sum_{p,m} grad[p, m] p I_m d^(p-1); (n_in, B)."""
    if not len(orders):
        return powers.new_zeros(powers.shape[0], powers.shape[-1])
    return (grad_powers[:, 1:] * powers[:, :-1] * orders[..., None]).sum((1, 2))


class _PiecewiseBasis(torch.autograd.Function):
    """The basis (n_in, G + k, B) at x (n_in, B) inside the grid: the tables times the interval
    powers, one batched product."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, tables: PiecewiseTables) -> torch.Tensor:  # noqa: ANN001
        powers = interval_powers(x, tables)
        flat = powers.view(x.shape[0], -1, x.shape[1])
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(powers, tables.values, tables.orders)
        return torch.bmm(tables.values, flat)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad: torch.Tensor) -> tuple:  # noqa: ANN001
        powers, values, orders = ctx.saved_tensors
        grad_powers = torch.bmm(values.transpose(1, 2), grad).view(powers.shape)
        return _slope(grad_powers, powers, orders), None


def _folds(n_out: int, tables: PiecewiseTables) -> bool:
    """Whether the layer should fold the tables into its coefficients (one product with the
    (k + 1) G interval powers per input) rather than form the G + k splines first: fewer
    multiply-adds per input and sample when n_out (k + 1) G < (G + k)((k + 1) G + n_out)."""
    splines, powers = tables.values.shape[1:]
    return n_out * powers <= splines * (powers + n_out)


class _KANLayerFunction(torch.autograd.Function):
    """One layer, batch last: h (n_in, B) -> W_b silu(h) + sum_i spline_i(h_i), (n_out, B).

    For a narrow layer the tables are folded into the masked coefficients first (a product over
    the small parameter tensors) and the spline part is one matrix product with the interval
    powers; a wide layer forms the splines (one batched product) and multiplies them by the
    coefficients. The backward pass is written out: a step stays a few dozen tensor operations."""

    @staticmethod
    def forward(ctx, h, coef, base_weight, mask, tables):  # noqa: ANN001, ANN205
        n_out, (n_in, batch) = coef.shape[0], h.shape
        inside = torch.clamp(h, tables.low, tables.high)
        powers = interval_powers(inside, tables).view(n_in, -1, batch)
        masked = coef * mask.unsqueeze(-1)  # (out, in, G + k)
        ctx.folds = _folds(n_out, tables)
        if ctx.folds:
            weights = torch.bmm(masked.transpose(0, 1), tables.values)  # (in, out, (k + 1) G)
            weights = weights.transpose(0, 1).reshape(n_out, -1)
            features = powers
        else:
            weights = masked.view(n_out, -1)
            features = torch.bmm(tables.values, powers)  # (in, G + k, B)
        weight = base_weight * mask
        act = F.silu(h)
        out = torch.addmm(weights @ features.view(-1, batch), weight, act)
        ctx.tables = tables
        ctx.save_for_backward(h, inside, powers, features, weights, weight, act, mask)
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):  # noqa: ANN001, ANN205
        h, inside, powers, features, weights, weight, act, mask = ctx.saved_tensors
        tables = ctx.tables
        n_out, (n_in, batch) = weights.shape[0], h.shape
        grad_h = grad_coef = grad_weight = None
        if ctx.needs_input_grad[1]:
            grad_coef = grad @ features.view(-1, batch).T
            if ctx.folds:  # back through the fold: (in, out, (k+1) G) x (in, (k+1) G, G + k)
                grad_coef = grad_coef.view(n_out, n_in, -1).transpose(0, 1)
                grad_coef = torch.bmm(grad_coef, tables.values.transpose(1, 2)).transpose(0, 1)
            grad_coef = grad_coef.view(mask.shape + (-1,)) * mask.unsqueeze(-1)
        if ctx.needs_input_grad[2]:
            grad_weight = (grad @ act.T) * mask
        if ctx.needs_input_grad[0]:
            grad_features = (weights.T @ grad).view(n_in, -1, batch)
            if not ctx.folds:
                grad_features = torch.bmm(tables.values.transpose(1, 2), grad_features)
            grad_powers = grad_features.view(n_in, len(tables.orders) + 1, -1, batch)
            pieces = powers.view(grad_powers.shape)
            spline = _slope(grad_powers, pieces, tables.orders) * (inside == h)
            grad_h = torch.ops.aten.silu_backward(weight.T @ grad, h) + spline
        return grad_h, grad_coef, grad_weight, None, None


def _local(n_out: int, tables: PiecewiseTables) -> bool:
    """Whether the layer picks each edge's polynomial on the sample's interval
    (:class:`_KANLocalLayerFunction`): its k + 1 coefficients per output are fewer numbers per
    input and sample than the (k + 1) G interval powers when n_out <= G."""
    return n_out <= tables.left.shape[1]


class _KANLocalLayerFunction(torch.autograd.Function):
    """A narrow layer (n_out <= G), batch last: h (n_in, B) -> (n_out, B).

    On the m-th interval every edge's spline, folded with the tables, is one polynomial
    sum_p c_{o,i,m,p} d^p in d = x - t_m. The layer picks the k + 1 coefficients of the sample's
    interval (one product with the interval indicators I_m(x)) and evaluates them by Horner's
    rule; the backward pass differentiates the same polynomial, and the coefficients' gradient is
    sum_b grad_{o,b} d^p I_m, one product. Nothing of size (k + 1) G per input and sample is
    formed, which is what the wide formulation spends its time on for a narrow layer."""

    @staticmethod
    def forward(ctx, h, coef, base_weight, mask, tables):  # noqa: ANN001, ANN205
        n_out, (n_in, batch) = coef.shape[0], h.shape
        order, intervals = len(tables.orders), tables.left.shape[1]
        inside = torch.clamp(h, tables.low, tables.high)
        onehot = interval_indicators(inside, tables)  # I_m(x): (in, G, B)
        masked = coef * mask.unsqueeze(-1)  # (out, in, G + k)
        folded = torch.bmm(masked.transpose(0, 1), tables.values)  # (in, out, (k + 1) G)
        local = torch.bmm(folded.view(n_in, -1, intervals), onehot)  # (in, out (k + 1), B)
        local = local.view(n_in, n_out, order + 1, batch)
        offset = inside - torch.bmm(tables.left.transpose(1, 2), onehot).squeeze(1)  # d
        at = offset.unsqueeze(1)
        value = local[:, :, order]
        for p in range(order - 1, -1, -1):  # Horner: value d + c_p
            value = torch.addcmul(local[:, :, p], value, at)
        weight = base_weight * mask
        act = F.silu(h)
        ctx.tables = tables
        ctx.save_for_backward(h, inside, onehot, local, offset, weight, act, mask)
        return torch.addmm(value.sum(0), weight, act)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):  # noqa: ANN001, ANN205
        h, inside, onehot, local, offset, weight, act, mask = ctx.saved_tensors
        tables, grad = ctx.tables, grad.contiguous()
        n_in, n_out, terms, batch = local.shape
        grad_h = grad_coef = grad_weight = None
        if ctx.needs_input_grad[1]:
            powers = offset.new_empty(n_in, terms, batch)  # d^p
            powers[:, 0] = 1.0
            for p in range(1, terms):
                torch.mul(powers[:, p - 1], offset, out=powers[:, p])
            scaled = grad.unsqueeze(1) * powers.unsqueeze(1)  # (in, out, k + 1, B)
            grad_folded = torch.bmm(scaled.reshape(n_in, -1, batch), onehot.transpose(1, 2))
            grad_folded = grad_folded.view(n_in, n_out, -1)  # (in, out, (k + 1) G)
            grad_coef = torch.bmm(grad_folded, tables.values.transpose(1, 2)).transpose(0, 1)
            grad_coef = grad_coef * mask.unsqueeze(-1)
        if ctx.needs_input_grad[2]:
            grad_weight = (grad @ act.T) * mask
        if ctx.needs_input_grad[0]:
            at = offset.unsqueeze(1)
            slope = local[:, :, terms - 1] * (terms - 1)  # k = 0: piecewise constant, 0
            for p in range(terms - 2, 0, -1):  # Horner on sum_p p c_p d^(p - 1)
                slope = torch.addcmul(local[:, :, p] * p, slope, at)
            spline = (slope * grad).sum(1) * (inside == h)
            grad_h = torch.ops.aten.silu_backward(weight.T @ grad, h) + spline
        return grad_h, grad_coef, grad_weight, None, None


class _EdgeSumAndNorms(torch.autograd.Function):
    """phi = weights x features per input, (in, out, B), reduced to the layer's output
    sum_i phi_i (out, B) and each edge's mean |phi| (in, out), the sparsity penalty's norms.

    One (in, out, B) buffer serves the whole step: the forward pass takes |phi| in place; the
    backward pass forms phi in it again from the saved operands and turns it in place into
    d loss / d phi = grad_out + grad_norm sign(phi) / B, then hands it to ``spare`` for the next
    forward pass. Autograd through abs, mean and sum would allocate several such tensors per
    step, and at 64 x 64 edges x 1024 samples (16 MiB) every fresh one costs its page faults."""

    @staticmethod
    def forward(ctx, weights, features, spare):  # noqa: ANN001, ANN205
        shape = (weights.shape[0], weights.shape[1], features.shape[-1])
        buffer = spare.pop() if spare else None
        wanted = (torch.Size(shape), weights.dtype, weights.device)
        if buffer is not None and (buffer.shape, buffer.dtype, buffer.device) != wanted:
            buffer = None  # another batch size, dtype or device: a fresh one
        phi = torch.bmm(weights, features, out=buffer)
        out = phi.sum(dim=0)
        norms = phi.abs_().sum(dim=-1) / shape[-1]
        ctx.save_for_backward(weights, features)
        ctx.phi, ctx.spare = phi, spare  # phi is no output: nobody else sees it change
        return out, norms

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out, grad_norms):  # noqa: ANN001, ANN205
        weights, features = ctx.saved_tensors
        buffer, ctx.phi = ctx.phi, None  # a retained graph's second pass allocates afresh
        grad_phi = torch.bmm(weights, features, out=buffer).sign_()
        grad_phi.mul_((grad_norms / grad_phi.shape[-1]).unsqueeze(-1))
        grad_phi.add_(grad_out.unsqueeze(0))
        grad_weights = torch.bmm(grad_phi, features.transpose(1, 2))
        grad_features = torch.bmm(weights.transpose(1, 2), grad_phi)
        ctx.spare[:] = [grad_phi]
        return grad_weights, grad_features, None


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

    def tables(self) -> PiecewiseTables:
        """The grid's :class:`PiecewiseTables` in the weights' dtype, rebuilt when the grid
        changes (a grid update, a loaded state, a move to another device or dtype)."""
        key = (self.grid.data_ptr(), self.grid._version, self.grid.device, self.coef.dtype)
        if getattr(self, "_tables_key", None) != key:
            self._tables = piecewise_tables(self.grid, self.k, self.coef.dtype)
            self._tables_key = key
        return self._tables

    def basis_of(self, h: torch.Tensor) -> torch.Tensor:
        """The B-splines at ``h`` (n_in, B), batch last, clamped into the grid's G intervals:
        (n_in, G + k, B). Beyond the data the spline part stays at its boundary value instead
        of following basis functions that no data determined (silu still extrapolates)."""
        tables = self.tables()
        return _PiecewiseBasis.apply(torch.clamp(h, tables.low, tables.high), tables)

    def basis_t(self, x: torch.Tensor) -> torch.Tensor:
        """:meth:`basis_of` for ``x`` (B, n_in): (n_in, G + k, B)."""
        return self.basis_of(x.T.contiguous())

    def basis(self, x: torch.Tensor) -> torch.Tensor:
        """:meth:`basis_t` as (B, n_in, G + k)."""
        return self.basis_t(x).permute(2, 0, 1)

    def forward_t(self, h: torch.Tensor) -> torch.Tensor:
        """The layer with the batch last: (n_in, B) -> (n_out, B)."""
        tables = self.tables()
        function = _KANLocalLayerFunction if _local(self.n_out, tables) else _KANLayerFunction
        return function.apply(h, self.coef, self.base_weight, self.mask, tables)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_t(x.T.contiguous()).T

    def _edge_operands(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """phi = weights x features per input: the masked [spline coefficients, w_b]
        (in, out, G + k + 1) and [the splines; silu(h)] (in, G + k + 1, B)."""
        features = torch.cat([self.basis_of(h), F.silu(h).unsqueeze(1)], dim=1)
        weights = torch.cat([self.coef, self.base_weight.unsqueeze(-1)], dim=-1)
        return (weights * self.mask.unsqueeze(-1)).transpose(0, 1), features

    def edge_values_t(self, h: torch.Tensor) -> torch.Tensor:
        """phi_{j,i}(h_i) for every edge, batch last: (n_in, n_out, B), one batched product
        (a masked edge is exactly 0)."""
        return torch.bmm(*self._edge_operands(h))

    def forward_with_norms_t(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The layer (n_in, B) -> (n_out, B) together with each edge's mean |phi_{j,i}| over
        the batch, (n_in, n_out): what the sparsity penalty needs, without keeping the
        per-edge values for autograd (:class:`_EdgeSumAndNorms`)."""
        spare = self.__dict__.setdefault("_spare", [])  # the step's reusable buffer
        return _EdgeSumAndNorms.apply(*self._edge_operands(h), spare)

    def release_workspace(self) -> None:
        """Drop the buffer :meth:`forward_with_norms_t` keeps between steps (in, out, B)."""
        self.__dict__.pop("_spare", None)

    def edge_values(self, x: torch.Tensor) -> torch.Tensor:
        """phi_{j,i}(x_i) for every edge: (B, n_out, n_in)."""
        return self.edge_values_t(x.T.contiguous()).permute(2, 1, 0)

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
        self._tables_key = None
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

    def normalized_t(self, x: torch.Tensor) -> torch.Tensor:
        """The normalised inputs with the batch last: (n_in, B), contiguous."""
        return self.normalized(x).T.contiguous()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.normalized_t(x)  # the layers work with the batch last
        for layer in self.layers:
            h = layer.forward_t(h)
        return h.T * self.output_scale + self.output_shift

    def layer_inputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The (normalised) inputs of every layer for raw inputs ``x``: (B, n_in) each."""
        h = self.normalized_t(x)
        inputs = []
        for layer in self.layers:
            inputs.append(h.T)
            h = layer.forward_t(h)
        return inputs

    def release_workspace(self) -> None:
        """Drop the buffers the penalty keeps between training steps."""
        for layer in self.layers:
            layer.release_workspace()

    @torch.no_grad()
    def update_grid(self, x: torch.Tensor, grid: int | None = None) -> None:
        """Grid update (or extension to ``grid`` intervals) of every layer from the data."""
        h = self.normalized(x)
        for layer in self.layers:
            layer.update_grid(h, grid)
            h = layer(h)
