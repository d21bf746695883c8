"""Training a KAN as in Liu et al. 2024 (arXiv 2404.19756), section 2.5 and 2.5.1:

1. L-BFGS on the mean squared error of the normalised targets plus the sparsity penalty
   (eq. 2.20) lamb (mu_1 sum_l |Phi_l|_1 + mu_2 sum_l S(Phi_l)), with |phi|_1 the mean of
   |phi(x)| over the data, |Phi|_1 the sum over a layer's edges and S the entropy of the
   edges' shares of it (eq. 2.17-2.19); the grid follows the data's quantiles every few steps
   during the first half of the stage;
2. pruning: an edge whose |phi|_1 is below the threshold is masked off, and a hidden node whose
   largest incoming or outgoing |phi|_1 is below it loses all its edges (section 2.5.1);
3. grid extension: for each finer grid of the schedule the splines are refit onto it by least
   squares and training continues without the penalty;
4. (ours) the output layer is linear in its spline coefficients given its inputs, so at the end
   they are set to the exact least-squares minimiser of the same loss with w_b = 0 (L-BFGS
   stalls in the shallow valley between silu and the splines that can almost represent it);
   a one-layer KAN thus fits any spline of its grid, e.g. a low-order polynomial, to rounding
   error. The refit is kept only where it lowers the training loss.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from sciml.nets.kan import KAN, least_squares

LBFGS_ITERATIONS = 10  # L-BFGS iterations per step (the trainer's convention)


@dataclass(frozen=True)
class Schedule:
    """What one fit does: ``steps`` L-BFGS steps per stage, the penalty, the grids."""

    steps: int = 100
    lamb: float = 0.0
    lamb_l1: float = 1.0
    lamb_entropy: float = 2.0
    grid_extensions: tuple[int, ...] = ()
    grid_updates: int = 10
    prune_threshold: float = 1e-2
    lr: float = 1.0


def set_normalization(net: KAN, x: torch.Tensor, y: torch.Tensor) -> None:
    """Inputs and targets to zero mean and unit deviation (a constant column keeps scale 1)."""
    with torch.no_grad():
        for data, shift, scale in (
            (x, net.input_shift, net.input_scale),
            (y, net.output_shift, net.output_scale),
        ):
            shift.copy_(data.mean(dim=0))
            std = data.std(dim=0) if len(data) > 1 else torch.zeros_like(shift)
            scale.copy_(torch.where(std > 1e-12 * (1 + shift.abs()), std, torch.ones_like(std)))


def edge_norms(net: KAN, x: torch.Tensor) -> list[torch.Tensor]:
    """|phi|_1 of every edge, layer by layer: (n_out, n_in) each."""
    norms = []
    h = net.normalized_t(x)
    for layer in net.layers:
        phi = layer.edge_values_t(h)  # (in, out, B)
        norms.append(phi.abs().mean(dim=-1).T)
        h = phi.sum(dim=0)
    return norms


def penalized_loss(
    net: KAN, x: torch.Tensor, y: torch.Tensor, schedule: Schedule, lamb: float
) -> torch.Tensor:
    """Mean squared error of the normalised outputs, plus lamb times the sparsity penalty."""
    if lamb == 0:
        return (((net(x) - y) / net.output_scale) ** 2).mean()
    h = net.normalized_t(x)  # batch last, as in KAN.forward
    penalty = h.new_zeros(())
    for layer in net.layers:
        h, norm = layer.forward_with_norms_t(h)  # (out, B), mean |phi| per edge (in, out)
        total = norm.sum()
        share = norm / total.clamp_min(1e-12)
        entropy = -(share * torch.log(share.clamp_min(1e-12))).sum()
        penalty = penalty + schedule.lamb_l1 * total + schedule.lamb_entropy * entropy
    mse = ((h.T - (y - net.output_shift) / net.output_scale) ** 2).mean()
    return mse + lamb * penalty


def run_stage(
    net: KAN,
    x: torch.Tensor,
    y: torch.Tensor,
    schedule: Schedule,
    lamb: float,
    update_grid: bool,
    log: Callable[[int, float], None],
) -> None:
    """``schedule.steps`` L-BFGS steps; with ``update_grid`` the grid follows the data
    ``schedule.grid_updates`` times in the first half (a fresh optimizer after each update)."""
    steps = schedule.steps
    every = max(1, steps // (2 * max(schedule.grid_updates, 1))) if update_grid else steps + 1

    def fresh() -> torch.optim.LBFGS:
        return torch.optim.LBFGS(
            net.parameters(),
            lr=schedule.lr,
            max_iter=LBFGS_ITERATIONS,
            history_size=20,
            line_search_fn="strong_wolfe",
            tolerance_grad=1e-14,
            tolerance_change=1e-16,
        )

    optimizer = fresh()
    for step in range(steps):
        if update_grid and step % every == 0 and step < steps // 2:
            net.update_grid(x)
            optimizer = fresh()

        def closure(optimizer: torch.optim.Optimizer = optimizer) -> torch.Tensor:
            optimizer.zero_grad()
            loss = penalized_loss(net, x, y, schedule, lamb)
            loss.backward()
            return loss

        loss = optimizer.step(closure)
        value = float(loss.detach())
        if value != value:  # NaN: the line search left the finite region; stop this stage
            break
        log(step, value)
    net.release_workspace()  # the penalty's (in, out, rows) buffers


@torch.no_grad()
def prune(net: KAN, x: torch.Tensor, threshold: float) -> int:
    """Mask edges with |phi|_1 < ``threshold`` and the edges of hidden nodes whose largest
    incoming or outgoing |phi|_1 is below it; returns the number of edges left."""
    norms = edge_norms(net, x)
    for layer, norm in zip(net.layers, norms):
        layer.mask *= (norm >= threshold).to(layer.mask.dtype)
    for left, right, n_left, n_right in zip(net.layers, net.layers[1:], norms, norms[1:]):
        alive = (n_left.amax(dim=1) >= threshold) & (n_right.amax(dim=0) >= threshold)
        left.mask *= alive[:, None].to(left.mask.dtype)
        right.mask *= alive[None, :].to(right.mask.dtype)
    return int(sum(layer.mask.sum() for layer in net.layers))


def fit_kan(
    net: KAN,
    x: torch.Tensor,
    y: torch.Tensor,
    schedule: Schedule,
    log: Callable[[str, int, float], None] | None = None,
) -> dict[str, float]:
    """Normalise, train with the penalty and grid updates, prune, extend the grid and train on;
    returns the seconds spent and the edges left."""
    started = time.perf_counter()
    log = log or (lambda stage, step, loss: None)
    set_normalization(net, x, y)
    net.update_grid(x)
    run_stage(net, x, y, schedule, schedule.lamb, True, lambda s, v: log("sparse", s, v))
    edges = sum(int(layer.mask.sum()) for layer in net.layers)
    if schedule.prune_threshold > 0:
        edges = prune(net, x, schedule.prune_threshold)
        if not schedule.grid_extensions:
            run_stage(net, x, y, schedule, 0.0, False, lambda s, v: log("pruned", s, v))
    for grid in schedule.grid_extensions:
        net.update_grid(x, grid)
        run_stage(net, x, y, schedule, 0.0, False, lambda s, v, g=grid: log(f"grid {g}", s, v))
    refit_output_layer(net, x, y)
    return {"seconds": time.perf_counter() - started, "edges": float(edges)}


@torch.no_grad()
def refit_output_layer(net: KAN, x: torch.Tensor, y: torch.Tensor) -> None:
    """The last layer as splines alone: w_b = 0 and the coefficients the least-squares fit of
    the normalised targets from the layer's inputs (each output on its unmasked edges); kept
    only if it lowers the loss. Splines alone, because silu is nearly in their span: a joint
    fit would trade huge cancelling weights for tiny gains."""
    layer = net.layers[-1]
    h = net.layer_inputs(x)[-1]
    basis = layer.basis(h)  # (B, in, G + k)
    masked = basis.unsqueeze(0) * layer.mask[:, None, :, None].to(basis.dtype)
    target = ((y - net.output_shift) / net.output_scale).T.unsqueeze(-1)  # (out, B, 1)
    solution = least_squares(masked.flatten(2), target).reshape(layer.coef.shape)
    before = float(penalized_loss(net, x, y, Schedule(), 0.0))
    old_base, old_coef = layer.base_weight.clone(), layer.coef.clone()
    layer.base_weight.zero_()
    layer.coef.copy_(solution.to(old_coef.dtype))
    if not float(penalized_loss(net, x, y, Schedule(), 0.0)) < before:
        layer.base_weight.copy_(old_base)
        layer.coef.copy_(old_coef)
