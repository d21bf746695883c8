"""``plrnn``: the clipped shallow PLRNN trained with generalized teacher forcing (Hess,
Monfared, Brenner & Durstewitz, "Generalized Teacher Forcing for Learning Chaotic Dynamics",
ICML 2023): z_t = A z + W1 [ReLU(W2 z + h2) - ReLU(W2 z)] + h1 (:mod:`sciml.nets.plrnn`), GTF
with adaptive alpha (:mod:`sciml.methods.dynamics.gtf`), RAdam, batch 16, windows of 200 steps,
learning rate 1e-3 decaying exponentially to 1e-6 (the authors' defaults)."""

from __future__ import annotations

from typing import Any

from sciml.core.options import Option
from sciml.methods.base import METHODS
from sciml.methods.dynamics.rnn import DEFAULT_BUDGET, SMOKE_BUDGET, TeacherForcedRNN


@METHODS.register("plrnn")
class PLRNN(TeacherForcedRNN):
    name = "plrnn"
    paper = "Hess, Monfared, Brenner & Durstewitz, ICML 2023 (shPLRNN with GTF)"
    defaults: dict[str, Any] = {
        **TeacherForcedRNN.defaults,
        "latent": Option(3, min=1, max=10_000, description="latent size M"),
        "hidden": Option(100, min=1, max=100_000, description="hidden size H"),
    }
    budgets = {
        "smoke": SMOKE_BUDGET,
        "default": DEFAULT_BUDGET,
        "paper": {"steps": 250_000, "eval_every": 10_000},
    }

    def network_config(self) -> dict[str, Any]:
        o = self.options
        self.check_latent(int(o["latent"]))
        kwargs = {"dim": self.dim, "latent": int(o["latent"]), "hidden": int(o["hidden"])}
        return {"type": "ClippedShallowPLRNN", "kwargs": kwargs}
