"""What the neural-operator methods share: device-resident data, minibatches, loss, predict.

An operator method learns a map between functions sampled on a grid from the problem's
:meth:`operator_dataset` (``sciml.data.operator``). Subclasses give the network
(:meth:`network_config`) and how it maps one model-layout batch (:meth:`step`); this module does
the rest, the same way for all of them:

* the training pairs are moved to the device once, as float32 in the model layout
  ``(B, C, *grid)``; minibatches are index tensors from a permutation drawn each epoch by a seeded
  ``torch.Generator`` (no per-sample Python work, no DataLoader);
* the loss is the mean relative L2 error per sample, ``||G(u) - y|| / ||y||`` (FNO's ``LpLoss``);
* under torchrun every rank draws the same permutation (the run's seed) and takes its share of
  each global minibatch of ``batch_size`` pairs (:func:`sciml.core.distributed.shard_index`, the
  equivalent of a ``DistributedSampler`` without padding); DDP averages the gradients, so the
  model is the single-process one trained on the same global batches;
* Adam with a cosine (or step, or constant) learning-rate schedule, one
  :class:`~sciml.core.training.Trainer` step per minibatch; the NaN guard, progress bar, evaluation
  history and checkpoints come from it;
* inputs and outputs are standardised by scalar statistics of the training set (saved in the
  surrogate's ``/arrays``), which keeps resolution independence;
* time-dependent problems (Navier-Stokes) are autoregressive, as in FNO's 2D benchmark
  (``fourier_2d_time.py``): the model maps the last ``t_in`` snapshots (channels) to the next one,
  the window slides, and training backpropagates through the whole ``t_out``-step rollout.

* Burgers' space-time task (``n_times`` = K > 1) maps ``u0`` to K snapshots at once: time as the
  output channels (FNO, DyMixOp, MgNO), K outputs of one DeepONet, K output frames of ANIE.

``predict(u)`` takes ``(B, n)`` input functions in 1D, or ``(B, H, W, t_in)`` input windows in
2D, on the training grid (or, for resolution-independent methods, another grid of the same
domain) and returns ``(B, n)``, ``(B, n, K)`` (space-time) or ``(B, H, W, t_out)``, in physical
units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from sciml.core import distributed
from sciml.core.errors import SciMLError
from sciml.core.options import Option
from sciml.core.precision import PRECISIONS
from sciml.core.training import Evaluator, Phase, TrainResult
from sciml.methods.base import Method
from sciml.problems.base import Equation

SCHEDULES = ("cosine", "step", "constant")
# Shared by every operator method. Dataset sizes per budget are problem parameters and the epochs
# a problem needs are tuned in its TOML (``[tasks.operator.budgets]``, ``[tasks.operator.options]``)
# so that a comparison trains every method on the same data for the same epochs.
OPERATOR_DEFAULTS: dict[str, Any] = {
    "epochs": Option(100, min=0, max=1_000_000),
    "batch_size": Option(20, min=1, max=1_000_000),
    "lr": Option(1e-3, min=1e-12, max=10.0),
    "weight_decay": Option(1e-4, min=0.0, max=1.0),
    "schedule": Option("cosine", choices=SCHEDULES),
    "step_epochs": Option(100, min=1, max=1_000_000),
    "step_gamma": Option(0.5, min=1e-6, max=1.0),
    "normalize": True,
    "eval_every_epochs": Option(0, min=0, max=1_000_000),
    "checkpoint_every": Option(500, min=1, max=100_000_000),
    # CUDA only: TF32 matrix products or bfloat16 autocast (core/precision.py); off by default
    "precision": Option("float32", choices=PRECISIONS),
}


MIN_GRID = 4  # points per axis of an input function: fewer are no function


@dataclass(frozen=True)
class Layout:
    """How a problem's functions map to model tensors.

    One application (``t_out = 0``): ``(B, *grid)`` <-> ``(B, 1, *grid)``, 1D (Burgers) or 2D
    (Darcy); with ``out_channels`` = K > 1 output snapshots (Burgers' space-time task, ``n_times``)
    the outputs are ``(B, *grid, K)`` <-> ``(B, K, *grid)``: time as channels, one application.
    2D time windows (Navier-Stokes): ``(B, H, W, t_in)`` <-> ``(B, t_in, H, W)``, rolled out
    ``t_out`` steps.
    """

    dim: int
    in_channels: int
    t_out: int  # 0: a single application, no rollout
    grid: tuple[int, ...]
    out_channels: int = 1  # snapshots of one application (K of the space-time task)

    @classmethod
    def of(cls, params: dict[str, Any], equation: str) -> Layout:
        """The layout of the ``equation``'s operator task with these parameter values: its
        spatial dimension is the number of its inputs besides time."""
        from sciml.problems import EQUATIONS

        family = EQUATIONS.get(equation)
        dim = sum(1 for name in family.inputs if name != family.time_input)
        s = int(params["resolution"])
        if "t_in" in params:
            return cls(dim, int(params["t_in"]), int(params["t_out"]), (s,) * dim)
        # files written before n_times existed hold one output snapshot
        return cls(dim, 1, 0, (s,) * dim, int(params.get("n_times", 1)))

    @property
    def snapshots(self) -> bool:
        """Outputs carry a trailing time axis without a rollout (the space-time task)."""
        return not self.t_out and self.out_channels > 1

    def to_model(self, u: torch.Tensor) -> torch.Tensor:
        """Input functions to the model layout."""
        return u.permute(0, 3, 1, 2) if self.t_out else u[:, None]

    def targets_to_model(self, y: torch.Tensor) -> torch.Tensor:
        """Output functions to the model layout."""
        return y.movedim(-1, 1) if self.snapshots else self.to_model(y)

    def from_model(self, y: torch.Tensor) -> torch.Tensor:
        if self.snapshots:
            return y.movedim(1, -1)
        return y.permute(0, 2, 3, 1) if self.t_out else y[:, 0]

    def expected_shape(self) -> str:
        grid = ", ".join(str(n) for n in self.grid)
        return f"(B, {grid}, {self.in_channels})" if self.t_out else f"(B, {grid})"


def grid_points(shape: tuple[int, ...], device: torch.device) -> torch.Tensor:
    """The points ``(prod(shape), len(shape))`` of the periodic grid ``x_j = j / n`` per axis."""
    axes = [torch.arange(n, device=device, dtype=torch.float32) / n for n in shape]
    return torch.stack(torch.meshgrid(*axes, indexing="ij"), dim=-1).reshape(-1, len(shape))


@dataclass
class OperatorPhase(Phase):
    """Adam with weight decay and a cosine (to zero), step or constant learning rate."""

    weight_decay: float = 0.0
    schedule: str = "cosine"
    step_every: int = 1

    def make(self, params: list[torch.nn.Parameter]) -> torch.optim.Optimizer:
        return torch.optim.Adam(params, lr=self.lr_at(0), weight_decay=self.weight_decay)

    def lr_at(self, step: int) -> float:
        lr = 1e-3 if self.lr is None else self.lr
        if self.schedule == "cosine":
            return 0.5 * lr * (1 + math.cos(math.pi * min(step / max(self.steps, 1), 1.0)))
        if self.schedule == "step":
            return lr * self.decay_rate ** (step // self.step_every)
        return lr


class OperatorObjective:
    """Relative L2 loss on shuffled minibatches of device-resident training pairs."""

    def __init__(self, method: OperatorMethod, batch_size: int, seed: int) -> None:
        self.method = method
        self.inputs, self.targets = method.training_tensors()
        self.n = len(self.inputs)
        self.batch_size = min(batch_size, self.n)
        self.generator = torch.Generator().manual_seed(seed)
        self.permutation: torch.Tensor | None = None
        self.position = 0

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(self.n / self.batch_size)

    def next_batch(self) -> torch.Tensor:
        """Indices of the next minibatch (a new permutation every epoch), on the data's device."""
        if self.permutation is None or self.position >= self.n:
            self.permutation = torch.randperm(self.n, generator=self.generator)
            self.position = 0
        index = self.permutation[self.position : self.position + self.batch_size]
        self.position += self.batch_size
        return index.to(self.inputs.device)

    def loss(self, phase: Phase) -> tuple[torch.Tensor, dict[str, float]]:
        index, scale = distributed.shard_index(self.next_batch())
        prediction = self.method.apply(self.method.network, self.inputs[index])
        errors = relative_l2_errors(prediction, self.targets[index])
        return distributed.mean_of_shard(errors, scale), {}

    def after_step(self, phase: Phase, info: dict[str, float]) -> bool:
        return False

    def state_dict(self) -> dict[str, Any]:
        return {
            "generator": self.generator.get_state(),
            "permutation": self.permutation,
            "position": self.position,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])
        self.permutation = state["permutation"]
        self.position = int(state["position"])


def relative_l2_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of ||prediction - target||_2 / ||target||_2 per sample."""
    return relative_l2_errors(prediction, target).mean()


def relative_l2_errors(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """||prediction - target||_2 / ||target||_2 of each sample, (B,)."""
    difference = (prediction - target).flatten(1).norm(dim=1)
    return difference / target.flatten(1).norm(dim=1).clamp_min(1e-12)


class OperatorMethod(Method):
    """Base of the neural-operator methods; subclasses set the network and :meth:`step`."""

    tasks = ("operator",)
    needs = frozenset({"operator_data"})
    defaults: ClassVar[dict[str, Any]] = dict(OPERATOR_DEFAULTS)
    resolution_independent: ClassVar[bool] = True
    objective_class: ClassVar[type] = OperatorObjective
    data_parallel = True

    def __init__(self, problem: Equation, **kwargs: Any) -> None:
        super().__init__(problem, **kwargs)
        self.layout = Layout.of(problem.params, problem.spec.equation)
        self._network: torch.nn.Module | None = None
        self._dataset = None
        self._stats: dict[str, np.ndarray] | None = None
        self._result: TrainResult | None = None
        self._batches_per_epoch = 1

    # -- data -----------------------------------------------------------------------------
    @property
    def dataset(self):
        if self._dataset is None:
            self._dataset = self.problem.operator_dataset()
        return self._dataset

    def statistics(self) -> dict[str, np.ndarray]:
        """Scalar mean and standard deviation of the training inputs and outputs."""
        if self._stats is None:
            d = self.dataset
            if not self.options["normalize"]:
                zero, one = np.zeros(()), np.ones(())
                self._stats = {"input_mean": zero, "input_std": one}
            else:
                self._stats = {
                    "input_mean": np.asarray(d.train_inputs.mean(dtype=np.float64)),
                    "input_std": np.asarray(d.train_inputs.std(dtype=np.float64)),
                }
            if self.layout.t_out or self.layout.snapshots or not self.options["normalize"]:
                # autoregressive: outputs are fed back as inputs, so they share the scaling;
                # space-time: u(t_k) starts from u0, so one scale keeps u0 = u(0) in both
                self._stats["output_mean"] = self._stats["input_mean"]
                self._stats["output_std"] = self._stats["input_std"]
            else:
                self._stats["output_mean"] = np.asarray(d.train_outputs.mean(dtype=np.float64))
                self._stats["output_std"] = np.asarray(d.train_outputs.std(dtype=np.float64))
        return self._stats

    def training_tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Normalised inputs and raw targets, in the model layout, on the device (once)."""
        d, s = self.dataset, self.statistics()
        inputs = torch.as_tensor(d.train_inputs, dtype=torch.float32)
        inputs = (inputs - float(s["input_mean"])) / float(s["input_std"])
        targets = torch.as_tensor(d.train_outputs, dtype=torch.float32)
        return (
            self.layout.to_model(inputs).contiguous().to(self.device),
            self.layout.targets_to_model(targets).contiguous().to(self.device),
        )

    # -- network --------------------------------------------------------------------------
    @property
    def network(self) -> torch.nn.Module:
        if self._network is None:
            from sciml.nets import NETWORKS

            torch.manual_seed(self.seed)
            config = self.network_config()
            self._network = NETWORKS.get(config["type"])(**config["kwargs"]).to(self.device)
            self.initialize(self._network)
        return self._network

    def initialize(self, network: torch.nn.Module) -> None:
        """Set data-dependent state of a new network (e.g. a POD basis)."""

    @classmethod
    def step(cls, net: torch.nn.Module, x: torch.Tensor, options: dict[str, Any]) -> torch.Tensor:
        """One application on a normalised model-layout batch (B, C, *grid) -> (B, 1, *grid)."""
        return net(x)

    @classmethod
    def rollout(
        cls, net: torch.nn.Module, x: torch.Tensor, t_out: int, options: dict[str, Any]
    ) -> torch.Tensor:
        """The next ``t_out`` snapshots (B, t_out, *grid) of a normalised window (B, t_in, *grid):
        ``step`` applied autoregressively, the window sliding (FNO's 2D time scheme)."""
        steps = []
        for _ in range(t_out):
            y = cls.step(net, x, options)
            steps.append(y)
            x = torch.cat([x[:, 1:], y], dim=1)
        return torch.cat(steps, dim=1)

    def apply(self, net: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
        """Normalised model-layout inputs -> outputs in physical units, model layout."""
        return forward(type(self), net, x, self.layout.t_out, self.options, self.statistics())

    def extra_arrays(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(v, dtype=np.float64) for k, v in self.statistics().items()}

    # -- training -------------------------------------------------------------------------
    def fit(
        self,
        progress: bool = True,
        checkpoint_dir: Path | None = None,
        resume: bool = False,
        evaluate: Evaluator | None = None,
    ) -> TrainResult:
        return fit_epochs(self, self.objective_class, progress, checkpoint_dir, resume, evaluate)

    def extra_metrics(self) -> dict[str, Any]:
        if self._result is None:
            return {}
        return {
            **epoch_metrics(self._result, self._batches_per_epoch),
            "n_train": int(self.problem.params["n_train"]),
            "n_test": int(self.problem.params["n_test"]),
            "resolution": int(self.problem.params["resolution"]),
        }

    # -- prediction -----------------------------------------------------------------------
    @classmethod
    def check_resolution(cls, surrogate: Any, expected: tuple[int, ...], given: tuple[int, ...]):
        if given != expected and not cls.resolution_independent:
            raise SciMLError(
                f"{cls.name} predicts on its training grid only: expected {_grid(expected)} "
                f"points, got {_grid(given)}"
            )

    @classmethod
    def predict(cls, surrogate: Any, inputs: Any, chunk: int = 50) -> np.ndarray:
        """Output functions for a batch of input functions (see the module docstring)."""
        params = surrogate.config["problem"]["parameters"]
        options = surrogate.config["options"]
        layout = Layout.of(params, surrogate.config["problem"]["equation"])
        array = np.asarray(inputs, dtype=np.float32)
        dims = layout.dim + (1 if layout.t_out else 0)
        if array.ndim != dims + 1 or (layout.t_out and array.shape[-1] != layout.in_channels):
            raise SciMLError(
                f"{cls.name} expects input functions of shape {layout.expected_shape()}; "
                f"got {array.shape}"
            )
        spatial = tuple(array.shape[1 : 1 + layout.dim])
        if min(spatial) < MIN_GRID:  # e.g. (N, 2) field points given to a 1D operator
            raise SciMLError(
                f"{cls.name} expects input functions of shape {layout.expected_shape()}, sampled "
                f"on at least {MIN_GRID} points per axis; got {array.shape}"
            )
        if layout.dim == 2 and spatial[0] != spatial[1]:
            raise SciMLError(f"{cls.name} expects square grids; got {spatial}")
        cls.check_resolution(surrogate, layout.grid, spatial)
        stats = {
            k: np.asarray(surrogate.arrays[k])
            for k in ("input_mean", "input_std", "output_mean", "output_std")
        }
        net = surrogate.network
        net.eval()
        device = next(net.parameters()).device
        out = []
        with torch.no_grad():
            for start in range(0, len(array), chunk):
                u = torch.as_tensor(array[start : start + chunk], device=device)
                x = layout.to_model((u - float(stats["input_mean"])) / float(stats["input_std"]))
                y = forward(cls, net, x, layout.t_out, options, stats)
                out.append(layout.from_model(y).double().cpu().numpy())
        if not out:
            if layout.t_out:
                return np.zeros((0, *array.shape[1:-1], layout.t_out))
            return np.zeros((0, *array.shape[1:], *((layout.out_channels,) * layout.snapshots)))
        return np.concatenate(out)


def fit_epochs(
    method: Any,
    objective_class: type,
    progress: bool,
    checkpoint_dir: Path | None,
    resume: bool,
    evaluate: Evaluator | None,
) -> TrainResult:
    """Train ``method.network`` for ``epochs`` passes over minibatches of ``objective_class``
    (Adam, the option's schedule): the epoch-based loop of the operator methods, also used by
    the neural integral equations. Sets ``method._batches_per_epoch`` and ``method._result``."""
    o = method.options
    net = method.network
    net.train()
    objective = objective_class(method, int(o["batch_size"]), method.seed)
    per_epoch = method._batches_per_epoch = objective.batches_per_epoch
    epochs = int(o["epochs"])
    phase = OperatorPhase(
        "adam",
        epochs * per_epoch,
        lr=float(o["lr"]),
        decay_rate=float(o["step_gamma"]),
        weight_decay=float(o["weight_decay"]),
        schedule=o["schedule"],
        step_every=int(o["step_epochs"]) * per_epoch,
    )
    eval_epochs = int(o["eval_every_epochs"]) or max(1, epochs // 10)
    checkpoint = checkpoint_dir / "checkpoint.pt" if checkpoint_dir else None
    trainer = method.trainer(
        net, objective, [phase], evaluate, checkpoint, progress, eval_epochs * per_epoch
    )
    method._result = trainer.run(resume=resume)
    net.eval()
    return method._result


def epoch_metrics(result: TrainResult, batches_per_epoch: int) -> dict[str, float]:
    epochs = result.steps / batches_per_epoch
    return {
        "epochs": round(epochs, 3),
        "seconds_per_epoch": result.seconds / epochs if epochs else float("nan"),
    }


def forward(
    cls: type[OperatorMethod],
    net: torch.nn.Module,
    x: torch.Tensor,
    t_out: int,
    options: dict[str, Any],
    stats: dict[str, np.ndarray],
) -> torch.Tensor:
    """Apply ``cls.step`` once (t_out = 0) or ``cls.rollout`` (t_out steps); physical units out."""
    scale, shift = float(stats["output_std"]), float(stats["output_mean"])
    if not t_out:
        return cls.step(net, x, options) * scale + shift
    return cls.rollout(net, x, t_out, options) * scale + shift


def _grid(shape: tuple[int, ...]) -> str:
    return " x ".join(str(n) for n in shape)
