"""The fixed-point solver of neural integral equations (Zappala et al., Nature MI 2024):

    y_0 = f,   y_{k+1} = a y_k + (1 - a) T[y_k],   a = 0.5 by default,

until every sample's relative residual ||y_k - T[y_k]|| / ||T[y_k]|| is below ``tolerance`` or
after ``max_iterations`` applications of T. It returns the last T[y_k] (the reference's answer)
and the residual of every iteration (B, iterations), from which ``contraction`` -- the mean ratio
of successive residuals -- is computed: below 1, the iteration converges.

Gradients: through every iteration (``backprop_iterations = 0``), memory growing linearly with
the iterations; or through the last ``n`` only, the earlier ones run without a graph (memory of n
iterations, the gradient of a truncated unrolling -- exact in the limit of a converged iteration,
where y no longer depends on where it started).
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def fixed_point(
    operator: Callable[[torch.Tensor], torch.Tensor],
    initial: torch.Tensor,
    *,
    mixing: float = 0.5,
    tolerance: float = 1e-4,
    max_iterations: int = 10,
    backprop_iterations: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(the last T[y_k], relative residuals (B, iterations)) from y_0 = ``initial``; the
    residuals keep their graph (a training loss may penalise the last one)."""
    y, residuals = initial, []
    image = initial
    for k in range(max_iterations):
        tracked = not backprop_iterations or k >= max_iterations - backprop_iterations
        with torch.set_grad_enabled(tracked and torch.is_grad_enabled()):
            image = operator(y)
            difference = (y - image).flatten(1).norm(dim=1)
            residual = difference / image.flatten(1).norm(dim=1).clamp_min(1e-12)
            residuals.append(residual)
            if float(residual.detach().max()) < tolerance:
                if torch.is_grad_enabled() and not tracked:  # converged early: one tracked step
                    image = operator(y)
                break
            y = mixing * y + (1 - mixing) * image
    return image, torch.stack(residuals, dim=1)


def contraction(residuals: torch.Tensor) -> float:
    """Mean over samples and iterations of r_{k+1} / r_k (needs at least two iterations)."""
    if residuals.shape[1] < 2:
        return 0.0
    residuals = residuals.detach()
    ratios = residuals[:, 1:] / residuals[:, :-1].clamp_min(1e-30)
    return float(ratios.mean())
