"""HyPINO as a registered method (Bischof et al., "Multi-Physics Neural Operators via HyperPINNs
and the Method of Manufactured Solutions", arXiv 2509.05117).

``sciml solve poisson-l --method hypino`` rasterizes the problem (``pde_grids``, a ``grid`` x
``grid`` image), lets the hypernetwork whose weights ship with the package write a PINN (zero
shot), then ``refine`` = K correction steps (:mod:`.refinement`) and ``finetune_steps`` Adam plus
``lbfgs_steps`` L-BFGS steps of ordinary PINN training from the result (:mod:`.finetune`).
``init = random`` starts the fine-tuning from a random PINN instead (the baseline of the paper's
fine-tuning comparison). metrics.json reports rel_l2 and the seconds of every stage
(``stages``). ``pretrained = false`` first trains a new hypernetwork on MMS data for the budget's
``train_seconds`` (smoke: seconds, default: 5 minutes, paper: the shipped weights' recipe).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sciml.core.options import Option
from sciml.core.training import Evaluator, TrainResult
from sciml.methods.base import METHODS, Method
from sciml.methods.hypino import finetune, refinement, weights
from sciml.methods.hypino.hypernet import HyPINOHypernet
from sciml.methods.hypino.inputs import grids_to_tensors
from sciml.methods.hypino.model import HyPINO, predict
from sciml.methods.hypino.target_pinn import PINNEnsemble, n_weights
from sciml.methods.hypino.training import train


@METHODS.register("hypino")
class HyPINOMethod(Method):
    name = "hypino"
    tasks = ("field",)
    needs = frozenset({"pde_grids"})
    paper = "Bischof & Bickel, arXiv:2509.05117 (2025): HyPINO"
    defaults: dict[str, Any] = {
        "refine": Option(0, min=0, max=100),
        "finetune_steps": Option(0, min=0, max=10_000_000),
        "lbfgs_steps": Option(0, min=0, max=10_000_000),
        "lr": Option(1e-3, min=1e-12, max=10.0),
        "init": Option("hypino", choices=("hypino", "random")),
        "grid": Option(128, min=8, max=2048),
        "pretrained": True,
        "train_seconds": Option(300.0, min=0.0, max=1e7),
        "train_lr": Option(1e-3, min=1e-12, max=10.0),
        "eval_every": Option(100, min=1, max=100_000_000),
        "checkpoint_every": Option(1000, min=1, max=100_000_000),
    }
    budgets = {
        "smoke": {"train_seconds": 10.0, "eval_every": 25},
        "default": {},
        "paper": {"train_seconds": 4800.0},
    }

    def __init__(self, problem: Any, **kwargs: Any) -> None:
        super().__init__(problem, **kwargs)
        self._flats = torch.zeros(int(self.options["refine"]) + 1, n_weights())
        self.stages: dict[str, Any] = {}

    def network_config(self) -> dict[str, Any]:
        return {"type": "PINNEnsemble", "kwargs": {"n_members": int(self._flats.shape[0])}}

    @property
    def network(self) -> PINNEnsemble:
        return PINNEnsemble.of(self._flats.float()).eval()

    def model(self, progress: bool) -> HyPINO:
        o = self.options
        if o["pretrained"]:
            hypernet, record = weights.load(weights.SHIPPED)
            return HyPINO(hypernet, record)
        torch.manual_seed(self.seed)
        hypernet = HyPINOHypernet()
        log = (lambda entry: print(f"hypino training {entry}")) if progress else None
        seconds = float(o["train_seconds"])
        history = train(
            hypernet,
            steps=10**9,
            seconds=seconds,
            lr=float(o["train_lr"]),
            seed=self.seed,
            on_log=log,
        )
        return HyPINO(hypernet, {"seconds": seconds, "history": history})

    def fit(
        self,
        progress: bool = True,
        checkpoint_dir: Path | None = None,
        resume: bool = False,
        evaluate: Evaluator | None = None,
    ) -> TrainResult:
        o = self.options
        started = time.perf_counter()
        model = self.model(progress)
        n = int(o["grid"])
        problem = grids_to_tensors(self.problem.pde_grids(n, n))
        normals = np.asarray(self.problem.boundary_normals(n, n), dtype=np.float64)
        problem["normals"] = torch.from_numpy(normals).permute(2, 0, 1)[None]
        result = TrainResult()
        clock = time.perf_counter()

        def score(stage: str, flats: torch.Tensor, extra: dict[str, Any]) -> None:
            nonlocal clock
            seconds = time.perf_counter() - clock
            self._flats = flats.detach()
            entry = {"stage": stage, "seconds": seconds, **extra}
            if evaluate is not None:
                entry[evaluate.metric] = evaluate.score().get(evaluate.metric)
            self.stages[stage] = entry
            result.history.append({"step": len(result.history), **entry})
            if progress:
                print(f"hypino {self.problem.name} {stage}: {entry}")
            clock = time.perf_counter()

        if o["init"] == "random":
            score("random_init", finetune.random_initialisation(self.seed), {})
        else:
            generate_seconds: list[float] = []

            def generate(data: refinement.Tensors) -> torch.Tensor:
                tic = time.perf_counter()
                flat = model.generate(data)
                generate_seconds.append(time.perf_counter() - tic)
                return flat

            refinement.refine(
                generate,
                problem,
                int(o["refine"]),
                lambda k, flats, misfit: score(
                    f"refine_{k}" if k else "zero_shot",
                    flats,
                    {"generate_seconds": generate_seconds[-1], **misfit},
                ),
            )
        steps, every = int(o["finetune_steps"]), int(o["eval_every"])
        lbfgs = int(o["lbfgs_steps"])
        if steps or lbfgs:

            def on_step(step: int, flats: torch.Tensor) -> None:
                if step % every == 0 or step == steps + lbfgs:
                    phase = "adam" if step <= steps else "lbfgs"
                    score(f"finetune_{step}", flats, {"phase": phase})

            finetune.finetune(
                self._flats,
                problem,
                steps,
                lbfgs,
                float(o["lr"]),
                seed=self.seed,
                on_step=on_step,
            )
        result.steps = int(o["refine"]) + steps + lbfgs
        result.seconds = time.perf_counter() - started
        return result

    def extra_metrics(self) -> dict[str, Any]:
        return {"stages": self.stages}

    @classmethod
    def predict(cls, surrogate: Any, points: np.ndarray) -> np.ndarray:
        return predict(surrogate.network, points)
