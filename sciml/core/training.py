"""The one training loop: optimizer phases, progress, evaluation, divergence guard, checkpoints.

A method supplies an :class:`Objective` (the loss and any schedule it anneals) and a list of
:class:`Phase` (e.g. Adam then L-BFGS); :class:`Trainer` runs them the same way for every method:

* a progress bar with the loss, the headline metric and the ETA (:mod:`sciml.core.progress`);
* an evaluation callback every ``eval_every`` steps, recorded with the training time so far
  (evaluation time excluded), which gives error-vs-time curves;
* NaN/inf in the loss or the weights stops training, restores the last finite state and reports;
* a checkpoint (model, optimizer, objective and RNG states) every ``checkpoint_every`` steps,
  at the end and on Ctrl-C, written atomically; ``run(resume=True)`` continues from it;
* under torchrun (:mod:`sciml.core.distributed`) the loss runs inside
  :class:`~torch.nn.parallel.DistributedDataParallel` (gradients averaged over ranks), the logged
  numbers are averaged over ranks, L-BFGS closures return the averaged loss (so every rank's
  line search takes the same steps), and rank 0 alone shows progress, evaluates and writes
  checkpoints; a resumed run reads the checkpoint on rank 0 and hands it to every rank.
"""

from __future__ import annotations

import copy
import inspect
import json
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import nn

from sciml.core import distributed
from sciml.core.errors import SciMLError, brief
from sciml.core.io import atomic_path
from sciml.core.precision import autocast_for, check_precision, tf32_for
from sciml.core.progress import ProgressBar

LBFGS_ITERATIONS_PER_STEP = 10
_CHECKPOINT_KEYS = {"model", "optimizer", "objective", "phase_index", "call", "result", "torch_rng"}


@dataclass
class Phase:
    """One optimizer run: ``adam`` (or ``radam``, rectified Adam) for ``steps`` steps with
    exponential decay, or ``lbfgs``."""

    optimizer: str
    steps: int
    lr: float | None = None  # Adam: 1e-3; L-BFGS: 1 (the line search picks the step)
    decay_rate: float = 1.0
    decay_steps: int = 1000
    history_size: int = 50
    name: str = ""  # tells phases of the same optimizer apart (e.g. L-BFGS rounds)

    def make(self, params: list[nn.Parameter]) -> torch.optim.Optimizer:
        if self.optimizer == "adam":
            return torch.optim.Adam(params, lr=self.lr_at(0))
        if self.optimizer == "radam":
            return torch.optim.RAdam(params, lr=self.lr_at(0))
        if self.optimizer == "lbfgs":
            return torch.optim.LBFGS(
                params,
                lr=1.0 if self.lr is None else self.lr,
                max_iter=LBFGS_ITERATIONS_PER_STEP,
                history_size=self.history_size,
                tolerance_grad=1e-12,
                tolerance_change=1e-14,
                line_search_fn="strong_wolfe",
            )
        raise SciMLError(f"unknown optimizer {self.optimizer!r}; choices: adam, radam, lbfgs")

    @property
    def n_calls(self) -> int:
        """Optimizer ``step`` calls: L-BFGS does several iterations per call."""
        if self.optimizer == "lbfgs":
            return math.ceil(self.steps / LBFGS_ITERATIONS_PER_STEP)
        return self.steps

    def lr_at(self, step: int) -> float:
        lr = 1e-3 if self.lr is None else self.lr
        return lr * self.decay_rate ** (step / self.decay_steps)


class Objective(Protocol):
    """What a method hands the trainer."""

    def loss(self, phase: Phase) -> tuple[torch.Tensor, dict[str, float]]:
        """The scalar loss to minimise now, and numbers to log."""

    def after_step(self, phase: Phase, info: dict[str, float]) -> bool:
        """Update schedules after an optimizer step; return True to end the phase early."""

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


@dataclass
class TrainResult:
    steps: int = 0
    seconds: float = 0.0
    history: list[dict[str, float]] = field(default_factory=list)
    diverged: str | None = None


@dataclass(frozen=True)
class Evaluator:
    """Scores the current state during training; ``metric`` names the headline number that the
    progress bar shows (the task's: ``rel_l2``, ``d_stsp``, ``r2``)."""

    metric: str
    score: Callable[[], dict[str, float]]


class Trainer:
    """Runs ``phases`` on ``model`` for ``objective``."""

    def __init__(
        self,
        model: nn.Module,
        objective: Objective,
        phases: list[Phase],
        evaluate: Evaluator | None = None,
        eval_every: int = 100,
        checkpoint_path: str | Path | None = None,
        checkpoint_every: int = 500,
        progress: bool = True,
        description: str = "training",
        identity: dict[str, Any] | None = None,
        precision: str = "float32",
    ) -> None:
        self.model = model
        self.precision = precision  # core/precision.py: float32, or tf32 / bf16 on CUDA
        self.objective = objective
        self.phases = phases
        self.evaluate = evaluate
        self.eval_every = eval_every
        self.checkpoint_path = Path(checkpoint_path) if checkpoint_path else None
        self.checkpoint_every = checkpoint_every
        self.progress = progress
        self.description = description
        self.identity = json.loads(json.dumps(identity or {}))  # plain JSON, as it is stored
        self._parallel: nn.Module | None = None  # the loss under DDP, while run() trains

    # -- state ----------------------------------------------------------------------------
    def _unchanged(self, snapshot: dict[str, torch.Tensor]) -> bool:
        """Whether every parameter equals its value in ``snapshot`` bit for bit."""
        state = self.model.state_dict()
        return all(torch.equal(state[name], value) for name, value in snapshot.items())

    def _snapshot(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    def _save_checkpoint(self, phase_index: int, call: int, optimizer, result: TrainResult) -> None:
        if self.checkpoint_path is None or not distributed.is_main():
            return
        state = {
            "model": self.model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "objective": self.objective.state_dict(),
            "phase_index": phase_index,
            "call": call,
            "result": asdict(result),
            "torch_rng": torch.get_rng_state(),
            "identity": json.dumps(self.identity, sort_keys=True),
        }
        with atomic_path(self.checkpoint_path) as temporary:
            torch.save(state, temporary)

    def _load_checkpoint(self) -> dict[str, Any] | None:
        """The checkpoint's state, restored into the model, objective and RNG, or None when there
        is none. Anything that is not this run's checkpoint is refused in one line: another run's
        (naming the fields that differ), a damaged or foreign file, a pickle payload (only tensors
        and plain containers are ever unpickled: ``weights_only``). Under torchrun rank 0 reads
        and checks the file, and every rank restores what it read."""
        state = distributed.from_main(self._read_checkpoint)
        if state is None:
            return None
        where = f"cannot resume from {self.checkpoint_path}"
        try:
            state["result"] = TrainResult(**state["result"])
            if not 0 <= int(state["phase_index"]) <= len(self.phases) or int(state["call"]) < 0:
                raise ValueError("its phase or step is out of range")
            self.model.load_state_dict(state["model"])
            self.objective.load_state_dict(state["objective"])
            torch.set_rng_state(state["torch_rng"])
        except Exception as error:  # noqa: BLE001 - a damaged checkpoint of this run
            raise SciMLError(f"{where}: it is damaged ({_first_line(error)})") from None
        return state

    def _read_checkpoint(self) -> dict[str, Any] | None:
        """The checkpoint file's state after the checks of :meth:`_load_checkpoint`, or None."""
        if self.checkpoint_path is None or not self.checkpoint_path.exists():
            return None
        where = f"cannot resume from {self.checkpoint_path}"
        try:
            with warnings.catch_warnings():  # torch's notes on foreign pickles are no user's news
                warnings.simplefilter("ignore")
                state = torch.load(self.checkpoint_path, map_location="cpu", weights_only=True)
        except Exception:  # noqa: BLE001 - any unreadable checkpoint is reported the same way
            raise SciMLError(
                f"{where}: it is no readable sciml checkpoint (damaged, foreign, or holding "
                "objects other than tensors); delete it or run without --resume"
            ) from None
        if not isinstance(state, dict) or not _CHECKPOINT_KEYS <= set(state):
            raise SciMLError(
                f"{where}: it is no sciml checkpoint; delete it or run without --resume"
            )
        try:
            stored = json.loads(state.get("identity") or "null")
        except (TypeError, ValueError):
            stored = ""
        if stored is None:
            raise SciMLError(
                f"{where}: it records no run identity (an older sciml wrote it); delete it or run "
                "without --resume"
            )
        if not isinstance(stored, dict):
            raise SciMLError(f"{where}: it is damaged (its run identity is unreadable)")
        if stored != self.identity:
            names = [
                n if n.isprintable() else brief(n)
                for n in identity_differences(stored, self.identity)
            ]
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            raise SciMLError(
                f"{where}: it belongs to another run (differs in {shown}); use another --out or "
                "run without --resume"
            )
        return state

    # -- loop -----------------------------------------------------------------------------
    def run(self, resume: bool = False) -> TrainResult:
        device = next(self.model.parameters()).device
        check_precision(self.precision, device)
        with tf32_for(self.precision):
            return self._run(resume)

    def _run(self, resume: bool = False) -> TrainResult:
        result = TrainResult()
        start_phase, start_call, optimizer_state = 0, 0, None
        if resume and (state := self._load_checkpoint()) is not None:
            result = state["result"]
            start_phase, start_call = state["phase_index"], state["call"]
            optimizer_state = state["optimizer"]
            if start_phase >= len(self.phases):
                return result  # this run had finished
        total = sum(p.steps for p in self.phases)
        done = sum(p.steps for p in self.phases[:start_phase]) + _steps_of(
            self.phases[start_phase] if start_phase < len(self.phases) else None, start_call
        )
        bar = ProgressBar(
            self.description, total, done, enabled=self.progress and distributed.is_main()
        )
        headline = ""
        good = self._snapshot()
        self._parallel = data_parallel(self.model, self.objective)
        with bar:
            for phase_index in range(start_phase, len(self.phases)):
                phase = self.phases[phase_index]
                params = [p for p in self.model.parameters() if p.requires_grad]
                optimizer = phase.make(params)
                first = start_call if phase_index == start_phase else 0
                if optimizer_state is not None and phase_index == start_phase and first > 0:
                    try:
                        optimizer.load_state_dict(optimizer_state)
                    except Exception as error:  # noqa: BLE001 - a damaged checkpoint of this run
                        raise SciMLError(
                            f"cannot resume from {self.checkpoint_path}: its optimizer state is "
                            f"damaged ({_first_line(error)})"
                        ) from None
                for call in range(first, phase.n_calls):
                    tick = time.perf_counter()
                    # what this step may change before it completes: an interruption inside it
                    # (Ctrl-C lands mid-closure in L-BFGS) rewinds all of it, so that a resume
                    # repeats the step from the same model, optimizer, objective and RNG states
                    start = self._snapshot()  # the state this step evaluates its loss at
                    objective_before = self.objective.state_dict()
                    rng_before = torch.get_rng_state()
                    # (Adam's too: Ctrl-C can land inside or just after optimizer.step())
                    optimizer_before = copy.deepcopy(optimizer.state_dict())
                    try:
                        info = self._step(phase, optimizer, call)
                    except KeyboardInterrupt:  # keep what was done: resume from this step
                        self.model.load_state_dict(start)
                        self.objective.load_state_dict(objective_before)
                        optimizer.load_state_dict(optimizer_before)
                        torch.set_rng_state(rng_before)
                        self._save_checkpoint(phase_index, call, optimizer, result)
                        raise
                    except Exception as error:
                        if distributed.active() and distributed.is_peer_failure(error):
                            # the last checkpoint stays as it was: this step is incomplete
                            raise distributed.lost(error) from None
                        raise
                    result.seconds += time.perf_counter() - tick
                    before = result.steps
                    result.steps += _steps_of(phase, call + 1) - _steps_of(phase, call)
                    loss = info.get("loss", float("nan"))
                    if not math.isfinite(loss) or not _finite(self.model):
                        # the loss was evaluated at ``start``: a non-finite loss rejects it too,
                        # and the state kept is the last one whose loss was finite
                        self.model.load_state_dict(start if math.isfinite(loss) else good)
                        result.diverged = (
                            f"training diverged (loss {loss}) at {phase.optimizer} step "
                            f"{_steps_of(phase, call + 1)}; kept the last finite state"
                        )
                        bar.advance(0, result.diverged)
                        return result
                    good = start
                    end_phase = self.objective.after_step(phase, info)
                    if phase.optimizer == "lbfgs" and self._unchanged(start):
                        # the line search found no step that lowers the loss for a whole call:
                        # L-BFGS is stuck (float32 rounding); further calls repeat the same
                        end_phase = True
                    last = end_phase or call == phase.n_calls - 1
                    crossed = before // self.eval_every != result.steps // self.eval_every
                    if self.evaluate and (crossed or last) and distributed.is_main():
                        entry = {"step": result.steps, "seconds": result.seconds, **info}
                        entry.update(self.evaluate.score())
                        result.history.append(entry)
                        value = entry.get(self.evaluate.metric)
                        headline = (
                            f" {self.evaluate.metric} {value:.2e}" if value is not None else ""
                        )
                    status = f"loss {loss:.2e}{headline}"
                    bar.advance(_steps_of(phase, call + 1) - _steps_of(phase, call), status)
                    if self.checkpoint_path and (call + 1) % self.checkpoint_every == 0:
                        self._save_checkpoint(phase_index, call + 1, optimizer, result)
                    if end_phase:
                        bar.advance(phase.steps - _steps_of(phase, call + 1))
                        break
        if self.phases and self.checkpoint_path:
            self._save_checkpoint(
                len(self.phases), 0, optimizer, result
            )  # finished: resume is a no-op
        return result

    def _step(self, phase: Phase, optimizer: torch.optim.Optimizer, call: int) -> dict[str, float]:
        info: dict[str, float] = {}
        if phase.optimizer == "lbfgs":

            def closure() -> torch.Tensor:
                optimizer.zero_grad(set_to_none=True)
                loss, logs = self._training_loss(phase)
                loss.backward()
                info.update(logs, loss=float(loss.detach()))
                if distributed.active():  # every rank's line search sees the global loss
                    return distributed.all_sum(loss.detach()) / distributed.world_size()
                return loss

            optimizer.step(closure)
            # the loss at the accepted point, for the logs and the NaN guard: without a graph
            # where the objective can (no backward follows)
            logged = getattr(self.objective, "loss_for_log", self.objective.loss)
            loss, logs = logged(phase)
            info.update(logs, loss=float(loss.detach()))
            return distributed.average(info)
        for group in optimizer.param_groups:
            group["lr"] = phase.lr_at(call)
        optimizer.zero_grad(set_to_none=True)
        loss, logs = self._training_loss(phase)
        loss.backward()
        optimizer.step()
        info.update(logs, loss=float(loss.detach()))
        return distributed.average(info)

    def _training_loss(self, phase: Phase) -> tuple[torch.Tensor, dict[str, float]]:
        """The objective's loss for a backward pass: through DDP under torchrun."""
        with autocast_for(self.precision, next(self.model.parameters()).device):
            if self._parallel is None:
                return self.objective.loss(phase)
            self._parallel.module.phase = phase
            return self._parallel()


class _ObjectiveLoss(nn.Module):
    """The objective's loss as a module's forward, so that DDP sees every use of the model in it
    (several forward passes, derivatives by ``autograd.grad``, calls of sub-networks)."""

    def __init__(self, model: nn.Module, objective: Objective) -> None:
        super().__init__()
        self.model = model
        self.objective = objective
        self.phase: Phase | None = None

    def forward(self) -> tuple[torch.Tensor, dict[str, float]]:
        return self.objective.loss(self.phase)


def data_parallel(model: nn.Module, objective: Objective) -> nn.Module | None:
    """The objective's loss wrapped in DistributedDataParallel under torchrun, else None.
    Wrapping copies rank 0's weights to every rank; buffers are not synchronised at each forward
    (none of our networks changes a buffer while training)."""
    if not distributed.active() or not any(p.requires_grad for p in model.parameters()):
        return None
    from torch.nn.parallel import DistributedDataParallel

    device = next(model.parameters()).device
    options: dict[str, Any] = {"device_ids": [device.index] if device.type == "cuda" else None}
    if "forward_sync_buffers" in inspect.signature(DistributedDataParallel).parameters:
        options["forward_sync_buffers"] = False
    else:  # older torch
        options["broadcast_buffers"] = False
    try:
        return DistributedDataParallel(_ObjectiveLoss(model, objective), **options)
    except Exception as error:
        if distributed.is_peer_failure(error):
            raise distributed.lost(error) from None
        raise


def identity_differences(stored: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """The fields (``options.lr``, ``parameters.beta``, ``problem``) in which two run identities
    differ."""
    names: list[str] = []
    for key in sorted(
        set(stored) | set(current), key=lambda k: (k in ("options", "parameters"), k)
    ):
        a, b = stored.get(key), current.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            names += [f"{key}.{k}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        elif a != b:
            names.append(key)
    return names


def _first_line(error: BaseException) -> str:
    """The error's first line (with the next when it ends in a colon, as torch's state-dict errors
    do: "Error(s) in loading state_dict for FieldNet:" then the first mismatch), shortened."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    lines = lines or [type(error).__name__]
    text = f"{lines[0]} {lines[1]}" if lines[0].endswith(":") and len(lines) > 1 else lines[0]
    return text if len(text) <= 200 else text[:197] + "..."


def _steps_of(phase: Phase | None, calls: int) -> int:
    if phase is None:
        return 0
    if phase.optimizer == "lbfgs":
        return min(phase.steps, calls * LBFGS_ITERATIONS_PER_STEP)
    return calls


def _finite(model: nn.Module) -> bool:
    return all(torch.isfinite(p).all() for p in model.parameters())
