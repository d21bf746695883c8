"""The PLRNN family's training and calls: teacher forcing (:mod:`.gtf`) on windows of the
z-scored training trajectory, the model kept by D_stsp of free runs (:mod:`.selection`), and the
surrogate's one-step map and free runs through the latent state
(:class:`sciml.nets.latent_rnn.LatentRNN`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from sciml.core.errors import SciMLError
from sciml.core.options import Option
from sciml.core.training import TrainResult
from sciml.methods.dynamics.base import COMMON_OPTIONS, DynamicsMethod, as_tensor
from sciml.methods.dynamics.gtf import FORCING, TeacherForcingObjective
from sciml.methods.dynamics.selection import BestByDivergence
from sciml.nets.latent_rnn import LatentRNN

FORCING_OPTIONS: dict[str, Any] = {
    "forcing": Option("gtf", choices=FORCING, description="generalized or sparse teacher forcing"),
    "alpha": Option(1.0, min=0.0, max=1.0, description="GTF: initial (or fixed) alpha"),
    "adaptive_alpha": Option(True, description="GTF: adapt alpha from the Jacobian estimate"),
    "alpha_every": Option(5, min=1, max=1_000_000, description="GTF: batches between estimates"),
    "alpha_gamma": Option(0.999, min=0.0, max=1.0, description="GTF: annealing factor gamma"),
    "forcing_interval": Option(16, min=1, max=100_000, description="sparse TF: interval tau"),
    "batch_noise": Option(
        0.0,
        min=0.0,
        max=10.0,
        description="std of fresh Gaussian noise added to every batch of z-scored windows",
    ),
    "select_every": Option(
        1000,
        min=0,
        max=100_000_000,
        description="batches between scores of free runs by D_stsp on the training data; the best "
        "model is kept (0: the last)",
    ),
    "select_steps": Option(10_000, min=8, max=10_000_000, description="steps of each scored run"),
    "select_runs": Option(8, min=1, max=10_000, description="scored runs, from training states"),
}

# The 5-minute budget: ~20,000 batches on a 2-core CPU where the papers run 100,000-250,000.
# Alpha anneals on the same share of the run (gamma 0.99 every 5 batches: an e-folding of 500
# batches, 2.5% of it; the paper's 0.999 over 250,000: 2%), and the learning rate ends at 1e-5
# (the AL-RNN notebook's) so that it is not spent in the first half. No time limit: a budget in
# batches gives the same model for the same seed whatever the machine's load (14 ms a batch at
# load 2.8: about 280 s); `--set time_limit=300` caps the seconds instead.
# Tests' budget: seconds, with the model selection scored twice
SMOKE_BUDGET = {
    "steps": 40,
    "sequence_length": 30,
    "eval_every": 40,
    "select_every": 20,
    "select_steps": 200,
}
DEFAULT_BUDGET = {
    "steps": 20_000,
    "lr_end": 1e-5,
    "alpha_gamma": 0.99,
    "eval_every": 4000,
}


class TeacherForcedRNN(DynamicsMethod):
    defaults: dict[str, Any] = {**COMMON_OPTIONS, **FORCING_OPTIONS}

    def objective(self, data: torch.Tensor) -> TeacherForcingObjective:
        o = self.options
        return TeacherForcingObjective(
            self.network,
            data,
            batch=int(o["batch_size"]),
            length=int(o["sequence_length"]),
            forcing=o["forcing"],
            alpha=float(o["alpha"]),
            adaptive=bool(o["adaptive_alpha"]),
            alpha_every=int(o["alpha_every"]),
            gamma=float(o["alpha_gamma"]),
            interval=int(o["forcing_interval"]),
            time_limit=float(o["time_limit"]),
            seed=2 * self.seed + 1,
            batch_noise=float(o["batch_noise"]),
            selector=BestByDivergence(
                self.network,
                data,
                every=int(o["select_every"]),  # 0: never scores, restores nothing
                steps=int(o["select_steps"]),
                runs=int(o["select_runs"]),
            ),
        )

    def fit(self, *args: Any, **kwargs: Any) -> TrainResult:
        """Training, then the parameters the selection kept (:mod:`.selection`)."""
        result = super().fit(*args, **kwargs)
        self.objective_.selector.restore()
        return result

    def check_latent(self, latent: int) -> None:
        if latent < self.dim:
            raise SciMLError(
                f"latent={latent} is below the observed dimension {self.dim} of "
                f"{self.problem.name}: choose latent >= {self.dim}"
            )

    def extra_metrics(self) -> dict[str, Any]:
        objective = self.objective_
        if objective is None:
            return {}
        return {
            "alpha": objective.alpha,
            "alpha_estimate_fraction": objective.alpha_seconds / max(objective.seconds, 1e-12),
            **objective.selector.metrics(),
        }

    @classmethod
    def one_step(cls, surrogate: Any, states: np.ndarray) -> np.ndarray:
        net: LatentRNN = surrogate.network
        with torch.no_grad():
            z = net.initial_state(net.scale(as_tensor(net, states)))
            x = net.scale.inverse(net.step(z)[..., : net.dim])
        return x.cpu().double().numpy()

    @classmethod
    def free_run(cls, surrogate: Any, initial: np.ndarray, steps: int) -> np.ndarray:
        return surrogate.network.free_run(initial, steps)[0]
