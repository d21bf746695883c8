"""Iterative refinement of a HyPINO solution (Bischof et al., arXiv 2509.05117, Sec. 3.4;
reference ``HyPINO.iterative_refinement``).

With u = sum_k PINN_k (initially the zero-shot PINN), each step feeds the hypernetwork the
residual problem of the same operator,

    L delta = (f - L u) on the domain,   delta = g - u on the Dirichlet pixels,
    d delta / dn = h - grad u . n on the Neumann pixels,

and adds the PINN it writes: u <- u + delta. After K steps u is an ensemble of K + 1 PINNs. The
residuals are evaluated on the problem's own grid (autograd derivatives of the ensemble, each
member once: the sum of the previous members' derivatives is kept).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from sciml.methods.hypino import target_pinn
from sciml.methods.hypino.inputs import grid_coordinates

Tensors = dict[str, torch.Tensor]


def derivatives_on_grid(flat: torch.Tensor, height: int, width: int, chunk: int = 16384):
    """(H*W, 5) u, u_x, u_y, u_xx, u_yy of one PINN (P,) on the pixel centres, float64."""
    xy = grid_coordinates(height, width).to(flat.dtype)
    parts = [
        target_pinn.with_derivatives(flat[None], xy[None, s : s + chunk], create_graph=False)[0]
        for s in range(0, len(xy), chunk)
    ]
    return torch.cat(parts).double()


def residual_problem(problem: Tensors, derivatives: torch.Tensor) -> Tensors:
    """The problem whose solution is (true u) - (the field with these (H*W, 5) derivatives)."""
    b, h, w = problem["source"].shape
    d = derivatives.reshape(1, h, w, 5)
    operator = (d * problem["coefficients"].double()[:, None, None, :]).sum(-1)
    flux = d[..., 1] * problem["normals"][:, 0] + d[..., 2] * problem["normals"][:, 1]
    dm, nm, om = problem["dirichlet_mask"], problem["neumann_mask"], problem["domain_mask"]
    return {
        **problem,
        "source": torch.where(om, problem["source"] - operator, 0.0),
        "dirichlet_values": torch.where(dm, problem["dirichlet_values"] - d[..., 0], 0.0),
        "neumann_values": torch.where(nm, problem["neumann_values"] - flux, 0.0),
    }


def misfits(residual: Tensors) -> dict[str, float]:
    """Mean squared residual on the domain and on the Dirichlet and Neumann pixels."""

    def mean_square(values: torch.Tensor, mask: torch.Tensor) -> float:
        return float((values[mask] ** 2).mean()) if mask.any() else 0.0

    return {
        "mse_residual": mean_square(residual["source"], residual["domain_mask"]),
        "mse_dirichlet": mean_square(residual["dirichlet_values"], residual["dirichlet_mask"]),
        "mse_neumann": mean_square(residual["neumann_values"], residual["neumann_mask"]),
    }


def refine(
    generate: Callable[[Tensors], torch.Tensor],
    problem: Tensors,
    steps: int,
    on_step: Callable[[int, torch.Tensor, dict[str, float]], None] | None = None,
) -> torch.Tensor:
    """(steps + 1, P) the ensemble: the zero-shot PINN, then one correction per step.
    ``generate`` maps a batch-of-one problem to a (P,) weight vector; ``on_step(k, flats,
    misfits)`` is called after each member (k = 0 for the zero-shot PINN)."""
    _, h, w = problem["source"].shape
    flats = [generate(problem).detach()]
    total = derivatives_on_grid(flats[0], h, w)
    if on_step is not None:
        on_step(0, torch.stack(flats), misfits(residual_problem(problem, total)))
    for k in range(1, steps + 1):
        flats.append(generate(residual_problem(problem, total)).detach())
        total = total + derivatives_on_grid(flats[-1], h, w)
        if on_step is not None:
            on_step(k, torch.stack(flats), misfits(residual_problem(problem, total)))
    return torch.stack(flats)
