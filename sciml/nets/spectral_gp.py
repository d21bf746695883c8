"""A Gaussian-process field on a grid with a per-dimension spectral-mixture kernel (GP-HM: Fang,
Xu, Chen, Kirby & Zhe, "Solving High Frequency and Multi-Scale PDEs with Gaussian Processes",
ICLR 2024).

In each dimension the kernel is a spectral mixture

    k(r) = sum_q w_q g(r; l_q) cos(2 pi mu_q r),

with g the squared-exponential base (a Gaussian mixture spectrum) or the Matern-5/2 base (a
Student-t mixture spectrum); the weights are stored as log w_q, frequencies mu_q and length
scales l_q are learned. The covariance of the values on a grid X_1 x ... x X_d is the Kronecker
product K_1 (x) ... (x) K_d of the per-dimension matrices. The field is the GP posterior mean
given the grid values U, u(x) = k(x, X) alpha with alpha = (K_1 (x) ... (x) K_d)^{-1} vec U, so it
can be evaluated anywhere in the domain, and its derivatives come from the kernel's analytic
derivatives.

A dimension with a ``period`` P uses the periodic summation of the kernel, k_P(r) = sum_n k(r + nP)
(the kernel of the periodised process: its spectrum is the mixture's sampled at multiples of
1/P), on a grid of m points spaced P/m without the repeated end point; the images are summed until
the base's tail is below 1e-16 of its peak (at most :data:`MAX_IMAGES` on each side).
"""

from __future__ import annotations

import math

import torch
from torch import nn

BASES = ("gaussian", "matern")
SQRT5 = math.sqrt(5.0)
MAX_IMAGES = 64
# lags, in length scales, beyond which the base is below 1e-16 of its peak
TAIL = {"gaussian": 8.6, "matern": 19.0}


def spectral_mixture(
    r: torch.Tensor,
    log_weight: torch.Tensor,
    frequency: torch.Tensor,
    log_length: torch.Tensor,
    base: str = "gaussian",
    order: int = 0,
) -> torch.Tensor:
    """d^order k / dr^order at lags ``r`` (any shape) for one dimension's (Q,) parameters."""
    r = r[..., None]
    weight, length = torch.exp(log_weight), torch.exp(log_length)
    omega = 2 * math.pi * frequency
    cos, sin = torch.cos(omega * r), torch.sin(omega * r)
    if base == "gaussian":
        g = torch.exp(-0.5 * (r / length) ** 2)
        g1 = -r / length**2 * g
        g2 = (r**2 / length**4 - 1 / length**2) * g
    elif base == "matern":
        a = SQRT5 * r.abs() / length
        e = torch.exp(-a)
        g = (1 + a + a**2 / 3) * e
        g1 = -5 * r / (3 * length**2) * (1 + a) * e
        g2 = -5 / (3 * length**2) * (1 + a - a**2) * e
    else:
        raise ValueError(f"unknown base {base!r}; choices: {', '.join(BASES)}")
    if order == 0:
        terms = g * cos
    elif order == 1:
        terms = g1 * cos - g * omega * sin
    elif order == 2:
        terms = g2 * cos - 2 * g1 * omega * sin - g * omega**2 * cos
    else:
        raise ValueError(f"derivative order {order} is not available (0, 1 or 2)")
    return (weight * terms).sum(-1)


def kron_matvec(factors: list[torch.Tensor], values: torch.Tensor) -> torch.Tensor:
    """(A_1 (x) ... (x) A_d) vec(values) for ``values`` of shape (m_1, ..., m_d), as that shape:
    one matrix product per axis, never the Kronecker product itself."""
    out = values
    for axis, factor in enumerate(factors):
        out = torch.movedim(torch.tensordot(factor, out, dims=([1], [axis])), 0, axis)
    return out


def kron_solve(
    eigen: list[tuple[torch.Tensor, torch.Tensor]], values: torch.Tensor, jitter: float
) -> torch.Tensor:
    """((K_1 + jitter I) (x) ... (x) (K_d + jitter I))^{-1} vec(values) from the per-dimension
    eigendecompositions ``eigen`` = [(lambda_k, Q_k)] of K_k: rotate into the joint eigenbasis,
    divide by the products of the shifted eigenvalues, rotate back; O(N (m_1 + ... + m_d))."""
    rotated = kron_matvec([q.T for _, q in eigen], values)
    spectrum = eigen[0][0] + jitter
    for lam, _ in eigen[1:]:
        spectrum = spectrum[..., None] * (lam + jitter)
    return kron_matvec([q for _, q in eigen], rotated / spectrum)


class SpectralGPField(nn.Module):
    """u(x) = k(x, X) alpha on the box ``lower``..``upper`` with ``grid_points`` per dimension.

    Parameters (the learned hyperparameters): ``log_weight``, ``frequency``, ``log_length``, each
    (d, Q). Buffers: the grid axes and ``alpha`` (shape ``grid_points``), set by the solver.
    Frequencies start evenly spaced on [0, ``max_frequency[k]``] (cycles per unit length) with
    length scales whose spectral width matches the spacing, weights 1/Q.
    """

    def __init__(
        self,
        lower: list[float],
        upper: list[float],
        grid_points: list[int],
        components: int = 30,
        base: str = "gaussian",
        max_frequency: list[float] | None = None,
        n_outputs: int = 1,
        input_names: list[str] | None = None,
        period: list[float | None] | None = None,
    ) -> None:
        super().__init__()
        if base not in BASES:
            raise ValueError(f"unknown base {base!r}; choices: {', '.join(BASES)}")
        if n_outputs != 1:
            raise ValueError("the spectral GP field has one output")
        d = len(lower)
        self.base = base
        self.lower, self.upper = list(map(float, lower)), list(map(float, upper))
        self.grid_points = [int(m) for m in grid_points]
        self.input_names = list(input_names or [])
        self.period = [None if p is None else float(p) for p in (period or [None] * d)]
        if len(self.period) != d or any(p is not None and p <= 0 for p in self.period):
            raise ValueError(f"period must give d = {d} positive periods or None; got {period}")
        top = max_frequency or [
            m / (4 * (hi - lo)) for m, lo, hi in zip(self.grid_points, lower, upper)
        ]
        frequency = torch.stack(
            [torch.linspace(0.0, float(f), components, dtype=torch.float64) for f in top]
        )
        spacing = torch.tensor([max(float(f), 1e-3) / max(components - 1, 1) for f in top])
        log_length = torch.log(1 / (2 * math.pi * spacing.double()))[:, None].expand(d, components)
        self.log_weight = nn.Parameter(
            torch.full((d, components), -math.log(components), dtype=torch.float64)
        )
        self.frequency = nn.Parameter(frequency)
        self.log_length = nn.Parameter(log_length.clone())
        for k, (lo, hi, m) in enumerate(zip(self.lower, self.upper, self.grid_points)):
            if self.period[k] is None:
                axis = torch.linspace(lo, hi, m, dtype=torch.float64)
            else:  # m points a period apart from their images: the end point is the start's image
                axis = lo + self.period[k] * torch.arange(m, dtype=torch.float64) / m
            self.register_buffer(f"axis{k}", axis)
        self.register_buffer("alpha", torch.zeros(self.grid_points, dtype=torch.float64))

    @property
    def axes(self) -> list[torch.Tensor]:
        return [getattr(self, f"axis{k}") for k in range(len(self.grid_points))]

    def kernel(self, k: int, x: torch.Tensor, y: torch.Tensor, order: int = 0) -> torch.Tensor:
        """d^order/dx^order k_k(x, y) in dimension ``k``, (len(x), len(y)); periodic dimensions
        sum the images of the lag (see the module docstring)."""
        r = x[:, None] - y[None, :]
        parameters = (self.log_weight[k], self.frequency[k], self.log_length[k], self.base, order)
        period = self.period[k]
        if period is None:
            return spectral_mixture(r, *parameters)
        r = torch.remainder(r + period / 2, period) - period / 2  # in [-P/2, P/2)
        longest = float(torch.exp(self.log_length[k].detach()).max())
        images = min(MAX_IMAGES, math.ceil(TAIL[self.base] * longest / period + 0.5))
        total = spectral_mixture(r, *parameters)
        for n in range(1, images + 1):
            total = total + spectral_mixture(r + n * period, *parameters)
            total = total + spectral_mixture(r - n * period, *parameters)
        return total

    def grid_kernel(self, k: int, order: int = 0) -> torch.Tensor:
        """The kernel (or its derivative) between the grid points of dimension ``k``: the grid is
        uniform, so the matrix is Toeplitz and the kernel is evaluated on the 2m - 1 lags only
        (not on m^2 pairs), then gathered."""
        axis = self.axes[k]
        m = len(axis)
        if m < 2:
            return self.kernel(k, axis, axis, order)
        step = (
            (self.period[k] / m) if self.period[k] is not None else (axis[-1] - axis[0]) / (m - 1)
        )
        lags = step * torch.arange(1 - m, m, dtype=axis.dtype, device=axis.device)
        values = self.kernel(k, lags, torch.zeros_like(axis[:1]), order)[:, 0]
        index = torch.arange(m, device=axis.device)
        return values[index[:, None] - index[None, :] + (m - 1)]

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        """The posterior mean at (N, d) points, (N, 1). Kernel rows are computed once per distinct
        coordinate in each dimension (on a grid of evaluation points: once per grid line)."""
        rows = []
        for k, axis in enumerate(self.axes):
            values, inverse = torch.unique(points[:, k], return_inverse=True)
            # the kernel's (values, m, Q) terms in pieces of about 2e6 (16 MB each)
            piece = max(1, 2_000_000 // (len(axis) * self.log_weight.shape[1]))
            row = torch.cat(
                [self.kernel(k, values[i : i + piece], axis) for i in range(0, len(values), piece)]
            )
            rows.append((row, inverse))
        first, inverse = rows[0]
        out = (first @ self.alpha.reshape(self.grid_points[0], -1))[inverse]  # (N, m_2 ... m_d)
        for k, (row, inverse) in enumerate(rows[1:], start=1):
            rest = math.prod(self.grid_points[k + 1 :])
            out = out.reshape(len(points), self.grid_points[k], rest)
            out = (out * row[inverse][:, :, None]).sum(1)
        return out.reshape(len(points), 1)
