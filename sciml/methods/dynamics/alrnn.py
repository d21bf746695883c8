"""``alrnn``: the almost-linear RNN (Brenner, Hemmer, Monfared & Durstewitz, "Almost-Linear RNNs
Yield Highly Interpretable Symbolic Codes in Dynamical Systems Reconstruction", NeurIPS 2024):
z_t = A z + W phi*(z) + h with ReLU on only the last P of M units (:mod:`sciml.nets.alrnn`),
trained like the PLRNN with generalized (or, ``forcing=sparse``, sparse) teacher forcing.

Its symbolic code: the sign pattern of the P piecewise units names the linear subregion of each
state (at most 2^P); the dynamics task reports the subregions a free run visits, their
frequencies and the transitions between them, and draws the attractor colored by subregion.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from sciml.core.errors import SciMLError
from sciml.core.metrics import subregion_statistics
from sciml.core.options import Option
from sciml.methods.base import METHODS
from sciml.methods.dynamics.base import check_steps
from sciml.methods.dynamics.rnn import DEFAULT_BUDGET, SMOKE_BUDGET, TeacherForcedRNN


@METHODS.register("alrnn")
class ALRNNMethod(TeacherForcedRNN):
    name = "alrnn"
    paper = "Brenner, Hemmer, Monfared & Durstewitz, NeurIPS 2024 (AL-RNN)"
    defaults: dict[str, Any] = {
        **TeacherForcedRNN.defaults,
        "latent": Option(20, min=1, max=10_000, description="latent size M"),
        "piecewise": Option(2, min=1, max=30, description="ReLU units P (at most 2^P subregions)"),
    }
    budgets = {
        "smoke": SMOKE_BUDGET,
        "default": DEFAULT_BUDGET,
        "paper": {"steps": 100_000, "eval_every": 10_000},
    }

    def __init__(self, problem: Any, **kwargs: Any) -> None:
        super().__init__(problem, **kwargs)
        self._symbolic: tuple[Any, dict[str, Any]] | None = None

    def network_config(self) -> dict[str, Any]:
        o = self.options
        latent = int(o["latent"])
        self.check_latent(latent)
        self.check_piecewise(int(o["piecewise"]), latent)
        kwargs = {"dim": self.dim, "latent": latent, "piecewise": int(o["piecewise"])}
        return {"type": "ALRNN", "kwargs": kwargs}

    def check_piecewise(self, piecewise: int, latent: int) -> None:
        if piecewise > latent:
            raise SciMLError(f"piecewise={piecewise} exceeds latent={latent}: choose P <= M")

    def metadata(self) -> dict[str, Any]:
        """The symbolic code of the model's own attractor: a free run from the last training
        state, as long as the training trajectory (at most 100,000 steps), first 25% dropped."""
        objective = self.objective_
        selector = getattr(objective, "selector", None)
        trained = (getattr(objective, "batches", None), selector and selector.best_batch)
        if self._symbolic is not None and self._symbolic[0] == trained:
            return self._symbolic[1]  # unchanged weights: the same code
        train = np.asarray(self.problem.trajectories()["train"])
        steps = min(len(train), 100_000)
        _, latent = self.network.free_run(train[-1:], steps)
        codes = self.network.subregion(latent[0, steps // 4 :]).cpu().numpy()
        run = f"{steps} steps from the last training state, the first quarter dropped"
        self._symbolic = (trained, {"symbolic_code": {"run": run, **subregion_statistics(codes)}})
        return self._symbolic[1]

    @classmethod
    def subregions(cls, surrogate: Any, initial: np.ndarray, steps: int) -> np.ndarray:
        net = surrogate.network
        batch = np.atleast_2d(np.asarray(initial, dtype=np.float64))
        steps = check_steps(steps, len(batch), net)
        with torch.no_grad():
            _, latent = net.free_run(batch, steps)
            codes = net.subregion(latent).cpu().numpy()
        return codes[0] if np.ndim(initial) == 1 else codes
