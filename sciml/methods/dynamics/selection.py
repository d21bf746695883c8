"""Model selection by the invariant measure, as the AL-RNN reference notebook does
(DurstewitzLab/ALRNN-DSR, ``use_best_model``: every 1,000 batches, D_stsp of a 10,000-step free
run against the training data; the best model is the one kept).

Every ``every`` batches the model runs freely for ``steps`` steps from ``runs`` states spread
evenly over the (z-scored) training trajectory; the first quarter of each run is dropped and the
rest pooled, and its state-space divergence D_stsp against the training trajectory scores the
current parameters. At the end of training the parameters with the lowest score are restored.
Only training data are used: the test trajectory stays unseen. (The notebook runs once from one
state; several runs cost the same here, batched, and a coexisting fixed point reached from some
states counts against the model.)

Why: the teacher-forced loss does not see the attractor, and a model that reproduced it at one
point of training can drift off it again (the AL-RNN on Lorenz: D_stsp 2.2 at 8,000 batches and
13.8 at 12,000, docs/results.md).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import torch

from sciml.core.metrics import state_space_divergence
from sciml.nets.latent_rnn import LatentRNN


class BestByDivergence:
    """Scores the model every ``every`` batches (:meth:`check`) and restores the best
    (:meth:`restore`); ``every = 0`` keeps the last state."""

    def __init__(
        self, model: LatentRNN, data: torch.Tensor, *, every: int, steps: int, runs: int
    ) -> None:
        self.model, self.every, self.steps = model, int(every), int(steps)
        self.reference = data.detach().cpu().double().numpy()
        index = torch.linspace(0, len(data) - 1, max(int(runs), 1)).round().long()
        self.starts = data[index.to(data.device)]
        self.best, self.best_batch, self.seconds = math.inf, 0, 0.0
        self.history: list[list[float]] = []  # [batch, score] of every check
        self.best_state: dict[str, torch.Tensor] | None = None

    def score(self) -> float:
        """D_stsp of the pooled free runs against the training trajectory (inf when not finite)."""
        model = self.model
        with torch.no_grad():
            latent = model.run(model.initial_state(self.starts), self.steps)
        runs = latent[:, self.steps // 4 :, : model.dim].reshape(-1, model.dim)
        runs = runs.cpu().double().numpy()
        if not np.all(np.isfinite(runs)):
            return math.inf
        return state_space_divergence(self.reference, runs)

    def check(self, batches: int) -> None:
        if not self.every or batches % self.every:
            return
        tick = time.perf_counter()
        value = self.score()
        self.history.append([batches, value])
        if value < self.best:
            self.best, self.best_batch = value, batches
            self.best_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        self.seconds += time.perf_counter() - tick

    def restore(self) -> None:
        if self.best_state is not None:
            self.model.load_state_dict(self.best_state)

    def metrics(self) -> dict[str, Any]:
        """What the selection did; ``selected_batch`` None when no check scored finite (every
        free run left the data's box or blew up: the last state is kept)."""
        if not self.history:
            return {}
        return {
            "selected_batch": self.best_batch if self.best_state is not None else None,
            "selection_d_stsp": self.best,
            "selection_seconds": self.seconds,
            "selection_history": [list(entry) for entry in self.history],
        }

    def state_dict(self) -> dict[str, Any]:
        return {
            "best": self.best,
            "best_batch": self.best_batch,
            "seconds": self.seconds,
            "history": [list(entry) for entry in self.history],
            "best_state": self.best_state,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.best_batch = float(state["best"]), int(state["best_batch"])
        self.seconds = float(state["seconds"])
        self.history = [list(entry) for entry in state.get("history", [])]
        self.best_state = state["best_state"]
