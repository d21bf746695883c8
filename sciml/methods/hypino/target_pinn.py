"""HyPINO's target PINN as a function of a flat weight vector (Bischof et al., arXiv 2509.05117,
reference ``ModulationMFNN`` in ``src/models/hypino.py``).

    z = [x, y, sin(2 pi s_k x), sin(2 pi s_k y), cos(2 pi s_k x), cos(2 pi s_k y)],
    s_k = 0.1 * 2^k, k = 0..4 (22 features);
    U = tanh(z W_U + b_U),  V = tanh(z W_V + b_V),  h = tanh(z W_0 + b_0),
    for l = 1..3:  h = tanh((U * h + V * (1 - h)) W_l + b_l);   u = h W_out + b_out,

width 32: 5409 weights. :func:`forward` evaluates B weight vectors at B sets of N points with
``torch.bmm`` (no loop over samples); :class:`TargetPINN` is the same network as an ``nn.Module``
(``nn.Linear`` layers), used for fine-tuning and as a check of the flat layout;
:class:`PINNEnsemble` sums K of them (iterative refinement) and is what a solved surrogate holds.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from sciml.nets import NETWORKS

WIDTH, HIDDEN, N_FREQUENCIES, SCALE = 32, 3, 5, 0.1
N_FEATURES = 2 + 2 * 2 * N_FREQUENCIES


def layer_shapes(width: int = WIDTH, hidden: int = HIDDEN) -> list[tuple[str, tuple[int, ...]]]:
    """The (name, shape) of every weight in flat-vector order; weights are (in, out)."""
    shapes: list[tuple[str, tuple[int, ...]]] = []
    for name in ("gate_u", "gate_v", "input"):
        shapes += [(f"{name}.weight", (N_FEATURES, width)), (f"{name}.bias", (width,))]
    for k in range(hidden):
        shapes += [(f"hidden.{k}.weight", (width, width)), (f"hidden.{k}.bias", (width,))]
    return shapes + [("output.weight", (width, 1)), ("output.bias", (1,))]


def n_weights(width: int = WIDTH, hidden: int = HIDDEN) -> int:
    return sum(math.prod(shape) for _, shape in layer_shapes(width, hidden))


def fourier_features(xy: torch.Tensor) -> torch.Tensor:
    """(..., 2) points -> (..., 22) features."""
    scales = SCALE * 2.0 ** torch.arange(N_FREQUENCIES, dtype=xy.dtype, device=xy.device)
    angles = 2 * math.pi * (xy[..., :, None] * scales).flatten(-2)
    return torch.cat([xy, torch.sin(angles), torch.cos(angles)], dim=-1)


def unflatten(
    flat: torch.Tensor, width: int = WIDTH, hidden: int = HIDDEN
) -> dict[str, torch.Tensor]:
    """(B, P) flat vectors -> name -> (B, *shape) views."""
    out, start = {}, 0
    for name, shape in layer_shapes(width, hidden):
        size = math.prod(shape)
        out[name] = flat[:, start : start + size].reshape(flat.shape[0], *shape)
        start += size
    return out


def forward(
    flat: torch.Tensor, xy: torch.Tensor, width: int = WIDTH, hidden: int = HIDDEN
) -> torch.Tensor:
    """u (B, N) of B weight vectors (B, P) at (B, N, 2) points."""
    w = unflatten(flat, width, hidden)

    def affine(name: str, h: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(w[f"{name}.bias"][:, None, :], h, w[f"{name}.weight"])

    z = fourier_features(xy)
    gate_u, gate_v = torch.tanh(affine("gate_u", z)), torch.tanh(affine("gate_v", z))
    h = torch.tanh(affine("input", z))
    for k in range(hidden):
        h = torch.tanh(affine(f"hidden.{k}", gate_u * h + gate_v * (1 - h)))
    return affine("output", h)[..., 0]


def with_derivatives(
    flat: torch.Tensor, xy: torch.Tensor, second: bool = True, create_graph: bool = True
) -> torch.Tensor:
    """(B, N, 5): u, u_x, u_y, u_xx, u_yy of the PINNs at (B, N, 2) points, by autograd (u_xx,
    u_yy zero when ``second`` is False). The graph stays for training when ``create_graph``."""
    x = xy[..., 0].detach().requires_grad_(True)
    y = xy[..., 1].detach().requires_grad_(True)
    with torch.enable_grad():
        u = forward(flat, torch.stack([x, y], dim=-1))
        u_x, u_y = torch.autograd.grad(u.sum(), (x, y), create_graph=True)
        if second:
            (u_xx,) = torch.autograd.grad(
                u_x.sum(), x, create_graph=create_graph, retain_graph=True
            )
            (u_yy,) = torch.autograd.grad(u_y.sum(), y, create_graph=create_graph)
        else:
            u_xx = u_yy = torch.zeros_like(u)
    out = torch.stack([u, u_x, u_y, u_xx, u_yy], dim=-1)
    return out if create_graph else out.detach()


class TargetPINN(nn.Module):
    """The same network with ``nn.Linear`` layers (weights stored (out, in), as torch does)."""

    def __init__(self, width: int = WIDTH, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.width, self.n_hidden = width, hidden
        self.gate_u = nn.Linear(N_FEATURES, width)
        self.gate_v = nn.Linear(N_FEATURES, width)
        self.input = nn.Linear(N_FEATURES, width)
        self.hidden = nn.ModuleList(nn.Linear(width, width) for _ in range(hidden))
        self.output = nn.Linear(width, 1)

    def forward(self, xy: torch.Tensor) -> torch.Tensor:
        z = fourier_features(xy)
        u, v = torch.tanh(self.gate_u(z)), torch.tanh(self.gate_v(z))
        h = torch.tanh(self.input(z))
        for layer in self.hidden:
            h = torch.tanh(layer(u * h + v * (1 - h)))
        return self.output(h)

    def load_flat(self, flat: torch.Tensor) -> TargetPINN:
        """Copy one (P,) flat vector into the layers."""
        views = unflatten(flat.reshape(1, -1), self.width, self.n_hidden)
        params = dict(self.named_parameters())
        with torch.no_grad():
            for name, value in views.items():
                target = params[name]
                target.copy_(value[0].T if value[0].ndim == 2 else value[0])
        return self

    def flat(self) -> torch.Tensor:
        """The (P,) flat vector of the layers (differentiable)."""
        params = dict(self.named_parameters())
        return torch.cat(
            [
                (params[n].T if params[n].ndim == 2 else params[n]).reshape(-1)
                for n, _ in layer_shapes(self.width, self.n_hidden)
            ]
        )


class PINNEnsemble(nn.Module):
    """u(x, y) = sum_k PINN_k(x, y) for K stacked flat weight vectors (iterative refinement)."""

    def __init__(self, n_members: int = 1, width: int = WIDTH, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.width, self.n_hidden = width, hidden
        self.weights = nn.Parameter(torch.zeros(n_members, n_weights(width, hidden)))

    @classmethod
    def of(cls, flats: torch.Tensor) -> PINNEnsemble:
        ensemble = cls(flats.shape[0])
        with torch.no_grad():
            ensemble.weights.copy_(flats)
        return ensemble

    def forward(self, xy: torch.Tensor) -> torch.Tensor:
        """(N, 2) points -> (N, 1)."""
        k = self.weights.shape[0]
        u = forward(
            self.weights, xy.to(self.weights.dtype).expand(k, -1, -1), self.width, self.n_hidden
        )
        return u.sum(0)[:, None]


NETWORKS.register("PINNEnsemble")(PINNEnsemble)
