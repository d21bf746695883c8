"""Newton on the collocation system of a problem's own residual (``solver=collocation`` with
``pde_residual`` on the grid): the noise-free limit of the MAP, as for a pointwise nonlinearity,
for any residual that :class:`GridFields` can evaluate (Burgers' u u_x included).

The unknowns are the free grid values U_F (the constrained ones hold their data); the equations
are the residual at the free nodes, R(U)_F = 0, a square system, with the grid fields of the MAP
(values U, derivatives D_k^(o) U). Evaluating every term on the field's values instead
(K_k (K_k + eps I)^{-1} on the other axes too, as the 1D Newton on ``reaction`` does for r) made
the Jacobian singular (cond 3e15 on Burgers, 24^2 nodes) and Newton wander (rel. L2 in the
hundreds); on U it converged to a residual of 3e-14 (rel. L2 8.4e-3 at nu = 0.1). The Jacobian is
dense (forward-mode autodiff, N_F x N_F), hence the node limit: the MAP is the solver for larger
grids.
"""

from __future__ import annotations

import numpy as np
import torch

from sciml.core.errors import SciMLError
from sciml.methods.gp.grid_fields import GridFields
from sciml.nets.spectral_gp import SpectralGPField

MAX_NEWTON_NODES = 6000  # free nodes: a dense Jacobian of 288 MB and an O(N^3) solve each step


def axis_matrices(net: SpectralGPField, d: int, jitter: float) -> list[list[torch.Tensor]]:
    """Per axis k, [K_k, K_k^(1), K_k^(2)] (K_k + eps I)^{-1}: D_k^(o), the grid values' map to
    the field's derivatives along k."""
    out = []
    with torch.no_grad():
        for k in range(d):
            gram = net.grid_kernel(k)
            lam, q = torch.linalg.eigh(gram)
            inverse = (q / (lam + jitter)) @ q.T
            out.append([net.grid_kernel(k, order=o) @ inverse for o in range(3)])
    return out


def grid_residual(system, matrices: list[list[torch.Tensor]], u: torch.Tensor) -> torch.Tensor:
    """The problem's residual of the field with grid values ``u``, on the grid's shape."""

    def derivative(k: int, order: int, values: torch.Tensor) -> torch.Tensor:
        return torch.movedim(torch.tensordot(matrices[k][order], values, dims=([1], [k])), 0, k)

    problem = system.problem
    fields = GridFields(
        u,
        derivative,
        torch.as_tensor(system.mesh, dtype=torch.float64),
        problem.inputs,
        problem.outputs,
    )
    return problem.pde_residual(fields)[:, 0].reshape(u.shape)


def newton_solve(
    system, net: SpectralGPField, jitter: float, newton_steps: int, tolerance: float
) -> tuple[np.ndarray, int]:
    """U with the given values at the constrained nodes and the residual zero at the others, by
    Newton from U_F = 0 with step halving on the residual's norm, until the step or the residual
    is below ``tolerance`` of U or of the first residual; the iterations taken (-1: not converged
    within ``newton_steps``)."""
    free = torch.as_tensor(~system.mask.reshape(-1))
    n_free = int(free.sum())
    if n_free > MAX_NEWTON_NODES:
        raise SciMLError(
            f"gp-spectral's Newton on a residual forms a dense Jacobian over the free nodes; "
            f"{n_free} are more than {MAX_NEWTON_NODES}: use a smaller grid or --set solver=map"
        )
    matrices = axis_matrices(net, len(system.shape), jitter)
    base = torch.as_tensor(system.given, dtype=torch.float64).reshape(-1)

    def equations(values: torch.Tensor) -> torch.Tensor:
        u = base.clone()
        u[free] = values
        return grid_residual(system, matrices, u.reshape(system.shape)).reshape(-1)[free]

    x = torch.zeros(n_free, dtype=torch.float64)
    gap = equations(x)
    start = float(gap.norm())
    for iteration in range(1, newton_steps + 1):
        jacobian = torch.func.jacfwd(equations)(x)
        step = torch.linalg.solve(jacobian, gap)
        scale, norm = 1.0, float(gap.norm())
        while True:
            trial = x - scale * step
            trial_gap = equations(trial)
            if float(trial_gap.norm()) < norm or scale < 1e-3:
                break
            scale /= 2
        change = float((trial - x).norm())
        x, gap = trial, trial_gap
        if not bool(torch.isfinite(x).all()):
            break
        if (
            change <= tolerance * max(float(x.norm()), 1.0)
            or float(gap.norm()) <= tolerance * start
        ):
            u = base.clone()
            u[free] = x
            return u.reshape(system.shape).numpy(), iteration
    u = base.clone()
    u[free] = x
    return u.reshape(system.shape).numpy(), -1
