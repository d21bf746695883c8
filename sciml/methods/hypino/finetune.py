"""Fine-tuning a generated PINN by ordinary physics-informed training (Bischof et al., arXiv
2509.05117, Sec. 4.4; reference ``notebooks/04_pinn_finetuning.ipynb``).

The generated weights (one PINN, or the K + 1 members of a refined ensemble, trained jointly)
initialise the minimisation of

    0.1 * mean (L u - f)^2  +  10 * mean (u - g)^2  +  5 * mean (grad u . n - h)^2

over the problem's domain pixels and its Dirichlet and Neumann pixels: Adam (lr 1e-3, a random
subset of ``n_points`` domain pixels each step), then L-BFGS (strong Wolfe line search) on a
fixed subset. :func:`random_initialisation` gives the plain-PINN baseline's starting weights.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from sciml.methods.hypino import target_pinn
from sciml.methods.hypino.inputs import grid_coordinates

WEIGHTS = {"residual": 0.1, "dirichlet": 10.0, "neumann": 5.0}
Tensors = dict[str, torch.Tensor]


def random_initialisation(seed: int) -> torch.Tensor:
    """(1, P) the weights of a freshly initialised target PINN (torch's default init)."""
    torch.manual_seed(seed)
    return target_pinn.TargetPINN().flat().detach()[None]


def _pixels(problem: Tensors) -> dict[str, torch.Tensor]:
    """Coordinates and data of the domain, Dirichlet and Neumann pixels (float32)."""
    _, h, w = problem["source"].shape
    xy = grid_coordinates(h, w).float()
    flat = {k: v.reshape(-1) for k, v in problem.items() if v.ndim == 3}
    normals = problem["normals"].reshape(2, -1).T.float()
    om, dm, nm = flat["domain_mask"], flat["dirichlet_mask"], flat["neumann_mask"]
    return {
        "domain": xy[om],
        "source": flat["source"][om].float(),
        "dirichlet": xy[dm],
        "g": flat["dirichlet_values"][dm].float(),
        "neumann": xy[nm],
        "h": flat["neumann_values"][nm].float(),
        "normals": normals[nm],
    }


def loss(flats: torch.Tensor, coefficients: torch.Tensor, data: dict[str, torch.Tensor]):
    """The weighted loss of the ensemble ``flats`` (K, P) on ``data`` (from :func:`_pixels`)."""
    k = flats.shape[0]

    def field(xy: torch.Tensor, second: bool) -> torch.Tensor:
        batch = xy.expand(k, -1, -1)
        return target_pinn.with_derivatives(flats, batch, second=second).sum(0)

    d = field(data["domain"], True)
    total = WEIGHTS["residual"] * ((d @ coefficients - data["source"]) ** 2).mean()
    if len(data["dirichlet"]):
        u = field(data["dirichlet"], False)[:, 0]
        total = total + WEIGHTS["dirichlet"] * ((u - data["g"]) ** 2).mean()
    if len(data["neumann"]):
        grad = field(data["neumann"], False)[:, 1:3]
        flux = (grad * data["normals"]).sum(-1)
        total = total + WEIGHTS["neumann"] * ((flux - data["h"]) ** 2).mean()
    return total


def finetune(
    flats: torch.Tensor,
    problem: Tensors,
    adam_steps: int,
    lbfgs_steps: int,
    lr: float = 1e-3,
    n_points: int = 2048,
    seed: int = 0,
    on_step: Callable[[int, torch.Tensor], None] | None = None,
) -> torch.Tensor:
    """Fine-tuned (K, P) weights; ``on_step(step, flats)`` after every Adam / L-BFGS step."""
    generator = torch.Generator().manual_seed(seed)
    data = _pixels(problem)
    coefficients = problem["coefficients"][0].float()
    weights = flats.detach().float().clone().requires_grad_(True)
    adam = torch.optim.Adam([weights], lr=lr)
    n_domain = len(data["domain"])
    for step in range(adam_steps):
        pick = torch.randperm(n_domain, generator=generator)[:n_points]
        batch = {**data, "domain": data["domain"][pick], "source": data["source"][pick]}
        adam.zero_grad(set_to_none=True)
        loss(weights, coefficients, batch).backward()
        adam.step()
        if on_step is not None:
            on_step(step + 1, weights.detach())
    if lbfgs_steps:
        pick = torch.randperm(n_domain, generator=generator)[: 2 * n_points]
        fixed = {**data, "domain": data["domain"][pick], "source": data["source"][pick]}
        lbfgs = torch.optim.LBFGS(
            [weights], lr=1.0, max_iter=1, history_size=50, line_search_fn="strong_wolfe"
        )

        def closure() -> torch.Tensor:
            lbfgs.zero_grad(set_to_none=True)
            value = loss(weights, coefficients, fixed)
            value.backward()
            return value

        for step in range(lbfgs_steps):
            lbfgs.step(closure)
            if on_step is not None:
                on_step(adam_steps + step + 1, weights.detach())
    return weights.detach()
