"""Causal residual weights (Wang, Sankaran & Perdikaris, "Respecting causality is all you need for
training physics-informed neural networks", arXiv 2203.07404, 2022).

The time domain is split into chunks with mean squared residuals L_1..L_N. Chunk i gets the weight

    w_i = exp(-eps * (lambda_ic L_ic + sum_{k<i} L_k)),

computed without gradient, and the residual loss is mean_i(w_i L_i): a chunk is trained only once
everything before it is solved. eps is annealed through a list, moving on once min_i w_i > delta
(0.99); min_i w_i is the convergence indicator the paper proposes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch


def causal_weights(
    chunk_losses: torch.Tensor, eps: float, initial_loss: float = 0.0
) -> torch.Tensor:
    """w_i = exp(-eps (initial_loss + sum_{k<i} L_k)), detached (the stop-gradient)."""
    losses = chunk_losses.detach()
    before = torch.cumsum(losses, dim=0) - losses
    return torch.exp(-eps * (before + initial_loss))


@dataclass
class EpsilonSchedule:
    """The eps annealing list; :meth:`update` moves on once min w exceeds ``delta``."""

    values: list[float] = field(default_factory=lambda: [1e-2, 1e-1, 1.0, 10.0, 100.0])
    delta: float = 0.99
    index: int = 0

    @property
    def eps(self) -> float:
        return self.values[self.index]

    @property
    def finished(self) -> bool:
        return self.index == len(self.values) - 1

    def update(self, min_weight: float) -> bool:
        """Advance if converged at this eps; return True when the last eps has converged."""
        if min_weight <= self.delta:
            return False
        if self.finished:
            return True
        self.index += 1
        return False
