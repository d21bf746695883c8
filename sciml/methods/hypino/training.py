"""Training HyPINO on manufactured solutions (Bischof et al., arXiv 2509.05117, ``HyPINO._step``
and ``configure_optimizers`` in the reference ``src/models/hypino.py``).

Loss per batch, each term a Huber loss (delta 1) averaged over the batch:

    1 * u  +  0.25 * (u_x, u_y, u_xx, u_yy)  +  0.25 * (L u - f)  +  10 * Dirichlet  +  1 * Neumann,

u and the derivatives on labelled (MMS) samples only, the residual at random interior points, the
boundary terms at boundary pixels drawn from each sample's masks (Dirichlet: (u - g) on the
Dirichlet pixels, Neumann: (grad u . n - h) on the Neumann pixels, both zero elsewhere, as the
reference). AdamW with a linear warmup (1% of the steps) and a cosine decay to 1e-3 of the peak.

Data are generated on the fly (:mod:`sciml.methods.hypino.mms`) into a pool: each step draws a
batch from the pool and replaces ``refresh`` of its samples with new ones, so generation (about
0.04 s a sample on one thread) does not dominate a CPU step; ``refresh = batch`` is pure on-the-fly.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from sciml.core.errors import SciMLError
from sciml.methods.hypino import mms, target_pinn
from sciml.methods.hypino.hypernet import HyPINOHypernet
from sciml.methods.hypino.inputs import channels, grid_coordinates

WEIGHTS = {"u": 1.0, "derivatives": 0.25, "residual": 0.25, "dirichlet": 10.0, "neumann": 1.0}


def network_input(batch: mms.Batch, resolution: int) -> torch.Tensor:
    return channels(
        batch.dirichlet_mask,
        batch.neumann_mask,
        batch.dirichlet_values,
        batch.neumann_values,
        torch.where(batch.domain_mask, batch.source, 0.0),
        batch.domain_mask,
        resolution,
    )


def boundary_samples(
    batch: mms.Batch, n: int, generator: torch.Generator
) -> dict[str, torch.Tensor]:
    """n boundary pixels per sample drawn from its Dirichlet | Neumann pixels (with replacement)."""
    b, h, w = batch.source.shape
    on = (batch.dirichlet_mask | batch.neumann_mask).reshape(b, -1).float()
    index = torch.multinomial(on, n, replacement=True, generator=generator)  # (B, n)
    xy = grid_coordinates(h, w).to(batch.points.dtype)[index]  # (B, n, 2)

    def take(field: torch.Tensor) -> torch.Tensor:
        return torch.gather(field.reshape(b, -1), 1, index)

    normals = batch.normals.reshape(b, 2, -1)
    return {
        "xy": xy,
        "dirichlet_mask": take(batch.dirichlet_mask).to(xy.dtype),
        "dirichlet_values": take(batch.dirichlet_values),
        "neumann_mask": take(batch.neumann_mask).to(xy.dtype),
        "neumann_values": take(batch.neumann_values),
        "normals": torch.stack([take(normals[:, 0]), take(normals[:, 1])], dim=-1),
    }


def loss_terms(
    flat: torch.Tensor, batch: mms.Batch, boundary: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """The five loss terms of generated weights ``flat`` (B, P) on ``batch``."""
    n = batch.points.shape[1]
    xy = torch.cat([batch.points, boundary["xy"]], dim=1)
    pred = target_pinn.with_derivatives(flat, xy)
    inner, edge = pred[:, :n], pred[:, n:]
    residual = (inner * batch.coefficients[:, None, :]).sum(-1)
    terms = {"residual": F.huber_loss(residual, batch.source_at_points)}
    labelled = batch.labelled
    if labelled.any():
        terms["u"] = F.huber_loss(inner[labelled, :, 0], batch.targets[labelled, :, 0])
        terms["derivatives"] = F.huber_loss(inner[labelled, :, 1:], batch.targets[labelled, :, 1:])
    else:
        terms["u"] = terms["derivatives"] = flat.sum() * 0.0
    dm, nm = boundary["dirichlet_mask"], boundary["neumann_mask"]
    terms["dirichlet"] = F.huber_loss(edge[..., 0] * dm, boundary["dirichlet_values"] * dm)
    flux = (edge[..., 1:3] * boundary["normals"]).sum(-1)
    terms["neumann"] = F.huber_loss(flux * nm, boundary["neumann_values"] * nm)
    return terms


def total(terms: dict[str, torch.Tensor]) -> torch.Tensor:
    return sum(WEIGHTS[name] * value for name, value in terms.items())


def warmup_cosine(step: int, total_steps: int, warmup: float = 0.01, floor: float = 1e-3) -> float:
    """The reference's learning-rate factor: linear warmup, then cosine decay to ``floor``."""
    n_warm = max(1, int(total_steps * warmup))
    if step < n_warm:
        return floor + (1 - floor) * step / n_warm
    progress = min(1.0, (step - n_warm) / max(1, total_steps - n_warm))
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))


@dataclass
class Pool:
    """Samples generated on the fly, each step refreshing ``refresh`` of them."""

    size: int
    refresh: int
    resolution: int
    n_points: int
    generator: torch.Generator
    unlabelled_fraction: float = 0.5

    def __post_init__(self) -> None:
        self.data = self._new(self.size)
        self._next = 0

    def _new(self, n: int) -> mms.Batch:
        return mms.training_batch(
            n,
            self.resolution,
            self.resolution,
            self.n_points,
            self.generator,
            self.unlabelled_fraction,
        )

    def draw(self, batch: int) -> mms.Batch:
        if self.refresh:
            fresh = self._new(self.refresh)
            slots = (torch.arange(self.refresh) + self._next) % self.size
            self._next = int(slots[-1] + 1) % self.size
            for name, value in vars(fresh).items():
                getattr(self.data, name)[slots] = value
        index = torch.randperm(self.size, generator=self.generator)[:batch]
        return mms.Batch(**{k: v[index] for k, v in vars(self.data).items()})


def train_step(
    net: HyPINOHypernet,
    optimizer: torch.optim.Optimizer,
    batch: mms.Batch,
    n_boundary: int,
    generator: torch.Generator,
) -> dict[str, float]:
    boundary = boundary_samples(batch, n_boundary, generator)
    flat = net(batch.coefficients, network_input(batch, net.resolution))
    terms = loss_terms(flat, batch, boundary)
    loss = total(terms)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
    optimizer.step()
    return {"loss": float(loss.detach()), **{k: float(v.detach()) for k, v in terms.items()}}


def train(
    net: HyPINOHypernet,
    *,
    steps: int,
    seconds: float | None = None,
    batch: int = 16,
    lr: float = 1e-3,
    weight_decay: float = 1e-4,
    pool_size: int = 256,
    refresh: int = 4,
    n_points: int = 512,
    n_boundary: int = 256,
    seed: int = 0,
    log_every: int = 50,
    on_log: Callable[[dict[str, float]], None] | None = None,
) -> list[dict[str, float]]:
    """Train ``net`` for ``steps`` steps or ``seconds`` of wall time, whichever ends first; the
    warmup-cosine schedule follows whichever is further along. Returns the logged history."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    pool = Pool(pool_size, refresh, net.resolution, n_points, generator)
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=weight_decay)
    history: list[dict[str, float]] = []
    running: dict[str, float] = {}
    start = time.perf_counter()
    net.train()
    for step in range(steps):
        elapsed = time.perf_counter() - start
        fraction = max(step / steps, elapsed / seconds if seconds else 0.0)
        if fraction >= 1.0:
            break
        for group in optimizer.param_groups:
            group["lr"] = lr * warmup_cosine(int(fraction * 10_000), 10_000)
        losses = train_step(net, optimizer, pool.draw(batch), n_boundary, generator)
        if not math.isfinite(losses["loss"]):
            raise SciMLError(f"HyPINO training diverged at step {step} (loss {losses['loss']})")
        for k, v in losses.items():
            running[k] = running.get(k, 0.0) + v
        if (step + 1) % log_every == 0:
            entry = {k: v / log_every for k, v in running.items()}
            entry.update(
                step=step + 1,
                seconds=time.perf_counter() - start,
                lr=optimizer.param_groups[0]["lr"],
            )
            history.append(entry)
            running = {}
            if on_log is not None:
                on_log(entry)
    net.eval()
    return history
