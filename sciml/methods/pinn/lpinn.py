r"""Lagrangian PINN (Mojgani, Balajewicz & Hassanzadeh, "Lagrangian PINNs: A causality-conforming
solution to failure modes of physics-informed neural networks", CMAME 404, 2023; arXiv 2205.02902;
reference code rmojgani/LPINNs, ``code/mynet_POLAR.py``).

For u_t + c(u) u_x = nu u_xx (c = beta: convection-diffusion; c = u: Burgers), two network branches
of the Lagrangian label X and time t (:class:`sciml.nets.LagrangianNet`) give the characteristic
curves x_L(X, t) and the state u(X, t) carried along them. They minimise

    L = w_x ||dx_L/dt - c(u)|| + w_u ||du/dt - nu D[u]||
        + w_ic (||x_L(X, 0) - X|| + ||u(X, 0) - u0(X)||)

at random collocation points (Adam, resampled every step) and then on a fixed set (L-BFGS).
Information only travels along t in the Lagrangian frame, so a large beta costs nothing: the
characteristics are straight lines x_L = X + beta t and u is constant (nu = 0) on them.

Choices, following the paper and its code:

* ``diffusion="label"`` (default): D[u] = d^2u/dX^2, the second derivative in the label, as the
  reference code computes it. It is exact for convection-diffusion (dx_L/dX = 1) and an
  approximation for Burgers, where the exact Lagrangian diffusion is
  ``diffusion="eulerian"``: u_xx = (1/J) d/dX((1/J) du/dX), J = dx_L/dX, which is singular
  where characteristics focus (J -> 0), i.e. at a Burgers shock.
* Loss weights 10 (characteristics), 1 (state), 1000 (initial conditions) on L2 norms over the
  paper's 256 x 100 grid. We use root-mean-square norms (L2 norm / sqrt(N)), which do not depend
  on the batch size; on the paper's grid its weights are 10, 1 and 100 on RMS norms, our defaults.
  Residuals are divided by the characteristic speed scale and the state scale (x_L errors by the
  displacement scale) so that the weights mean the same for every beta.
* Periodic domains: X enters through (cos 2 pi X / P, sin 2 pi X / P) as in the paper; the x-branch
  outputs the periodic displacement x_L - X (the paper's branch outputs x_L itself, which cannot
  match x_L(X, 0) = X at both ends of the period). The Dirichlet Burgers problem is solved as the
  equivalent 2-periodic problem (u0 = -sin(pi x) is odd and 2-periodic, so u(+-1, t) = 0 holds by
  symmetry); the reference code also solves Burgers on a periodic domain.
* The two branches are separate MLPs (tanh, width 50; the u-branch 5 hidden layers, the x-branch 2,
  as in the paper); the reference code shares the first two layers between them.

Eulerian prediction (:func:`lagrangian_to_eulerian`): at each query time the branches are
evaluated on a grid of ``grid`` labels, and u is interpolated at the query x along the curve
(x_L(X, t), u(X, t)), with periodic wrap. Where characteristics cross (Burgers after the shock
forms, t > 1/pi) the curve folds and several branches cover x; the method then takes, among the
rising branches (dx_L/dX > 0), the weighted mean with weights exp(-phi_b / (2 nu)), phi_b the
potential int u dx_L along the curve. For nu -> 0 this is the lower envelope of phi, i.e. the
Lax-Oleinik entropy solution (equal-area shock rule); for nu > 0 it is the saddle-point (Laplace)
form of the Cole-Hopf solution, which resolves the shock into Burgers' viscous tanh profile.
``selection="entropy"`` takes the hard minimum. This selection is our construction (the paper
interpolates a monotone x_L; its Burgers runs end when the shock forms); on the default Burgers
problem the inviscid entropy solution alone is 5.7e-2 from the viscous reference, the viscous
selection applied to exact characteristics 1.5e-2 (mostly where the shock forms, t ~ 0.3).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sciml.core import distributed
from sciml.core.derivatives import Fields
from sciml.core.options import Option
from sciml.core.training import Phase, TrainResult
from sciml.methods.base import DTYPES, METHODS, Method
from sciml.methods.pinn.objective import adam_phases
from sciml.nets.activations import ACTIVATIONS
from sciml.nets.lagrangian import LagrangianNet
from sciml.problems.base import Equation

DIFFUSIONS = ("label", "eulerian")
SELECTIONS = ("viscous", "entropy")
NORMS = ("rms", "mse")


@METHODS.register("lpinn")
class LPINN(Method):
    cpu_threads = 1  # as the PINN family (pinn.py)
    name = "lpinn"
    tasks = ("field",)
    needs = frozenset({"lagrangian", "time_dependent"})
    paper = "Mojgani, Balajewicz & Hassanzadeh, CMAME 404 (2023)"
    data_parallel = True  # collocation points sharded over torchrun's ranks
    defaults: dict[str, Any] = {
        "width": Option(50, min=1, max=4096),
        "depth_u": Option(5, min=1, max=64),
        "depth_x": Option(2, min=1, max=64),
        "activation": Option("tanh", choices=tuple(ACTIVATIONS)),
        "harmonics": Option(1, min=1, max=64),
        "n_collocation": Option(1024, min=16, max=10_000_000),
        "n_initial": Option(256, min=8, max=10_000_000),
        "x_weight": Option(10.0, min=0.0, max=1e8),
        "u_weight": Option(1.0, min=0.0, max=1e8),
        "ic_weight": Option(100.0, min=0.0, max=1e8),
        "loss_norm": Option("mse", choices=NORMS),
        "diffusion": Option("label", choices=DIFFUSIONS),
        "adam_steps": Option(1000, min=0, max=100_000_000),
        "lr": Option(1e-3, min=1e-12, max=10.0),
        "decay_rate": Option(0.9, min=1e-6, max=1.0),
        "decay_steps": Option(1000, min=1, max=100_000_000),
        "lbfgs_steps": Option(3000, min=0, max=100_000_000),
        "resample": True,
        "grid": Option(2048, min=16, max=10_000_000),
        "selection": Option("viscous", choices=SELECTIONS),
        "dtype": Option("float32", choices=tuple(DTYPES)),
        "eval_every": Option(500, min=1, max=100_000_000),
        "checkpoint_every": Option(500, min=1, max=100_000_000),
    }
    budgets = {
        "smoke": {"adam_steps": 150, "lbfgs_steps": 150, "n_collocation": 512, "eval_every": 100},
        "default": {},
        "paper": {
            "adam_steps": 1_000_000,
            "lr": 1e-2,
            "decay_rate": 1.0,
            "lbfgs_steps": 2000,
            "n_collocation": 25600,
        },
    }

    def __init__(self, problem: Equation, **kwargs: Any) -> None:
        super().__init__(problem, **kwargs)
        self._network: LagrangianNet | None = None
        self.objective: LagrangianObjective | None = None

    # -- network --------------------------------------------------------------------------
    @property
    def labels(self) -> np.ndarray:
        """The label grid of the Eulerian mapping (one period, right end excluded, if periodic)."""
        return label_grid(self.problem, int(self.options["grid"])).numpy()

    def speed_scale(self) -> float:
        """max |c(u0)| on the label grid (at least 1), the scale of dx_L/dt."""
        labels = label_grid(self.problem, int(self.options["grid"]))
        speed = self.problem.characteristic_speed(self.problem.initial_state(labels))
        return max(1.0, float(speed.abs().max()))

    def network_config(self) -> dict[str, Any]:
        o, p = self.options, self.problem
        t0, t1 = p.time_range
        return {
            "type": "LagrangianNet",
            "kwargs": {
                "lower": [lo for lo, _ in p.domain.values()],
                "upper": [hi for _, hi in p.domain.values()],
                "period": float(p.lagrangian_period),
                "width": int(o["width"]),
                "depth_u": int(o["depth_u"]),
                "depth_x": int(o["depth_x"]),
                "activation": o["activation"],
                "harmonics": int(o["harmonics"]),
                "displacement_scale": self.speed_scale() * (t1 - t0),
                "state_scale": float(p.output_scale[0]),
            },
        }

    @property
    def network(self) -> LagrangianNet:
        if self._network is None:
            torch.manual_seed(self.seed)
            net = LagrangianNet(**self.network_config()["kwargs"])
            self._network = net.to(self.device, DTYPES[self.options["dtype"]])
        return self._network

    def extra_arrays(self) -> dict[str, np.ndarray]:
        temperature = 2.0 * self.problem.viscosity if self.options["selection"] == "viscous" else 0
        return {"labels": self.labels, "selection_temperature": np.array(float(temperature))}

    # -- training -------------------------------------------------------------------------
    def phases(self) -> list[Phase]:
        o = self.options
        phases = adam_phases(o)
        if o["lbfgs_steps"] > 0:
            phases.append(Phase("lbfgs", int(o["lbfgs_steps"])))
        return phases

    def fit(
        self,
        progress: bool = True,
        checkpoint_dir: Path | None = None,
        resume: bool = False,
        evaluate: Any = None,
    ) -> TrainResult:
        generator = torch.Generator().manual_seed(self.seed)
        self.objective = LagrangianObjective(
            self.problem, self.network, self.options, self.speed_scale(), generator
        )
        checkpoint = checkpoint_dir / "checkpoint.pt" if checkpoint_dir else None
        trainer = self.trainer(
            self.network, self.objective, self.phases(), evaluate, checkpoint, progress
        )
        return trainer.run(resume=resume)

    def extra_metrics(self) -> dict[str, Any]:
        return dict(self.objective.last_terms) if self.objective else {}

    # -- prediction -----------------------------------------------------------------------
    @classmethod
    def predict(cls, surrogate: Any, points: Any) -> np.ndarray:
        return eulerian_prediction(
            surrogate.network,
            surrogate.arrays["labels"],
            points,
            float(surrogate.arrays["selection_temperature"]),
        )


class LagrangianObjective:
    """The LPINN loss of a :class:`LagrangianNet` on the problem's (X, t) box."""

    def __init__(
        self,
        problem: Equation,
        net: LagrangianNet,
        options: dict[str, Any],
        speed_scale: float,
        generator: torch.Generator,
    ) -> None:
        self.problem = problem
        self.net = net
        self.options = options
        self.generator = generator
        param = next(net.parameters())
        self.device, self.dtype = param.device, param.dtype
        t0, t1 = problem.time_range
        self.speed_scale = speed_scale
        self.displacement_scale = speed_scale * (t1 - t0)
        self.state_scale = float(problem.output_scale[0])
        labels = label_grid(problem, int(options["n_initial"]))
        self.initial_points = torch.stack([labels, torch.full_like(labels, t0)], dim=-1).to(
            self.device, self.dtype
        )
        self.initial_state = problem.initial_state(labels).to(self.device, self.dtype)
        self._fixed: torch.Tensor | None = None
        self.last_terms: dict[str, float] = {}

    def collocation(self) -> torch.Tensor:
        points = self.problem.sample_domain(int(self.options["n_collocation"]), self.generator)
        return points.to(self.device, self.dtype)

    def points_for(self, phase: Phase) -> torch.Tensor:
        if phase.optimizer == "adam" and self.options["resample"]:
            return self.collocation()
        if self._fixed is None:
            self._fixed = self.collocation()
        return self._fixed

    def diffusion(self, f: Fields, curves: Fields) -> torch.Tensor:
        """The diffusion term D[u] of du/dt = nu D[u] (see the module docstring)."""
        if self.options["diffusion"] == "label":
            return f.d("u", "X", "X")
        jacobian = curves.d("xL", "X")
        curvature = curves.d("xL", "X", "X")
        return (f.d("u", "X", "X") - f.d("u", "X") * curvature / jacobian) / jacobian**2

    def norm(self, error: torch.Tensor, n_total: int | None = None) -> torch.Tensor:
        """Mean square (or its root) of ``error``; with ``n_total``, ``error`` is this rank's
        share of ``n_total`` values spread over torchrun's ranks (see sciml.core.distributed)."""
        if n_total is None or not distributed.active():
            mean_square = error.square().mean()
            return mean_square.sqrt() if self.options["loss_norm"] == "rms" else mean_square
        share = distributed.sharded_mean(error.square(), n_total)
        if self.options["loss_norm"] != "rms":
            return share
        # value sqrt(M) on every rank, gradient d sqrt(M) = dM / (2 sqrt(M)) in DDP's average
        root = (distributed.all_sum(share) / distributed.world_size()).sqrt()
        return root + (share - share.detach()) / (2 * root.clamp_min(1e-30))

    def loss(self, phase: Phase) -> tuple[torch.Tensor, dict[str, float]]:
        every = self.points_for(phase)
        points = distributed.shard(every)  # this rank's share (all of them alone)
        # One Fields per branch: a derivative of one branch never back-propagates through the other.
        curves = Fields(self.net.characteristic_curves, points, ("X", "t"), ("xL",))
        f = Fields(self.net.state, points, ("X", "t"), ("u",))
        speed = self.problem.characteristic_speed(f["u"])
        characteristics = (curves.d("xL", "t") - speed) / self.speed_scale
        nu = self.problem.viscosity
        state = f.d("u", "t") - nu * self.diffusion(f, curves) if nu > 0 else f.d("u", "t")
        initial = self.net(self.initial_points)
        x_error = (initial[:, 0] - self.initial_points[:, 0]) / self.displacement_scale
        u_error = (initial[:, 1] - self.initial_state) / self.state_scale
        terms = {
            "loss_characteristics": self.norm(characteristics, len(every)),
            "loss_state": self.norm(state / self.state_scale, len(every)),
            "loss_ic": self.norm(x_error) + self.norm(u_error),
        }
        o = self.options
        total = (
            float(o["x_weight"]) * terms["loss_characteristics"]
            + float(o["u_weight"]) * terms["loss_state"]
            + float(o["ic_weight"]) * terms["loss_ic"]
        )
        self.last_terms = distributed.average({k: float(v.detach()) for k, v in terms.items()})
        return total, dict(self.last_terms)

    def after_step(self, phase: Phase, info: dict[str, float]) -> bool:
        return False

    def state_dict(self) -> dict[str, Any]:
        return {"generator": self.generator.get_state(), "fixed": self._fixed}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])
        self._fixed = state["fixed"]


def label_grid(problem: Equation, n: int) -> torch.Tensor:
    """``n`` uniform labels over the domain (one period, right end excluded, if periodic)."""
    low, high = problem.domain[problem.inputs[0]]
    if problem.lagrangian_period > 0:
        return torch.linspace(low, high, n + 1, dtype=torch.float64)[:-1]
    return torch.linspace(low, high, n, dtype=torch.float64)


# -- Eulerian mapping -----------------------------------------------------------------------
def eulerian_prediction(
    net: torch.nn.Module,
    labels: np.ndarray,
    points: Any,
    temperature: float,
    max_elements: int = 1 << 21,
) -> np.ndarray:
    """u at Eulerian ``points`` (N, 2) of (x, t) from a Lagrangian network, as (N, 1).

    Queries are grouped by time: the network is evaluated once per distinct time on the label
    grid, then :func:`lagrangian_to_eulerian` maps every query of that time at once (times are
    processed in chunks of about ``max_elements`` grid values).
    """
    array = np.asarray(points, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2) of (x, t); got {array.shape}")
    param = next(net.parameters())
    device, dtype = param.device, param.dtype
    period = float(getattr(net, "period", 0.0))
    grid = torch.as_tensor(np.asarray(labels, dtype=np.float64), device=device)
    times, inverse = np.unique(array[:, 1], return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    counts = np.bincount(inverse, minlength=len(times))
    starts = np.concatenate([[0], np.cumsum(counts)])
    result = np.empty(len(array))
    per_chunk = max(1, max_elements // (3 * len(grid) + 1))
    for first in range(0, len(times), per_chunk):
        last = min(first + per_chunk, len(times))
        chunk_times = torch.as_tensor(times[first:last], device=device)
        inputs = torch.stack(
            [grid.repeat(len(chunk_times)), chunk_times.repeat_interleave(len(grid))], dim=-1
        )
        with torch.no_grad():
            outputs = net(inputs.to(dtype)).double().reshape(len(chunk_times), len(grid), 2)
        rows = order[starts[first] : starts[last]]
        row_time = inverse[rows] - first
        position = np.arange(len(rows)) - (starts[inverse[rows]] - starts[first])
        queries = torch.zeros(len(chunk_times), int(counts[first:last].max()), dtype=torch.float64)
        queries[row_time, position] = torch.as_tensor(array[rows, 0])
        values = lagrangian_to_eulerian(
            outputs[..., 0], outputs[..., 1], queries.to(device), period, temperature
        )
        result[rows] = values.cpu().numpy()[row_time, position]
    return result[:, None]


def lagrangian_to_eulerian(
    x_lagrangian: torch.Tensor,
    state: torch.Tensor,
    queries: torch.Tensor,
    period: float,
    temperature: float,
) -> torch.Tensor:
    """Interpolate u at Eulerian ``queries`` (T, Q) from the curves (x_L, u) (T, G) of each time.

    Row k of ``x_lagrangian``/``state`` holds x_L and u on the label grid at one time; row k of
    ``queries`` the query positions at that time. With ``period`` > 0 the labels cover one period
    and queries are wrapped into it. Monotone curves give plain linear interpolation; where the
    curve folds (crossing characteristics), the rising branches covering x are combined with
    weights exp(-phi / temperature), phi = int u dx_L along the curve (``temperature`` 0: the
    branch of least phi, the entropy solution). Everything is batched over rows and queries.
    """
    x, u, q = x_lagrangian.double(), state.double(), queries.double()
    if period > 0:
        # Close the period and add a copy on each side, so branches near the seam are seen.
        x = torch.cat([x - period, x, x + period, x[:, :1] + 2 * period], dim=1)
        u = torch.cat([u, u, u, u[:, :1]], dim=1)
        origin = x_lagrangian[:, :1].double()
        q = origin + torch.remainder(q - origin, period)
    else:
        q = torch.minimum(
            torch.maximum(q, x.min(1, keepdim=True).values), x.max(1, keepdim=True).values
        )
    dx = x[:, 1:] - x[:, :-1]
    potential = torch.cat(
        [torch.zeros_like(x[:, :1]), torch.cumsum(0.5 * (u[:, 1:] + u[:, :-1]) * dx, dim=1)], dim=1
    )
    # Split each curve into maximal rising runs; each run is a monotone branch x -> (u, phi).
    rising = dx > 0
    previous = torch.cat([torch.zeros_like(rising[:, :1]), rising[:, :-1]], dim=1)
    start = rising & ~previous
    run = torch.cumsum(start.long(), dim=1) - 1
    segment = torch.arange(dx.shape[1], device=x.device).expand_as(dx)
    first = torch.cummax(torch.where(start, segment, torch.zeros_like(segment)), dim=1).values
    n_runs = max(1, int(run.max()) + 1)
    size = (x.shape[0], n_runs, x.shape[1])
    run_x = torch.full(size, math.inf, dtype=x.dtype, device=x.device)
    run_u, run_phi = torch.zeros(size, dtype=x.dtype, device=x.device), torch.zeros_like(run_x)
    row, seg = torch.nonzero(rising, as_tuple=True)
    r, p = run[row, seg], seg - first[row, seg]
    for offset in (0, 1):  # a rising segment writes its two end points into its run
        run_x[row, r, p + offset] = x[row, seg + offset]
        run_u[row, r, p + offset] = u[row, seg + offset]
        run_phi[row, r, p + offset] = potential[row, seg + offset]
    length = torch.isfinite(run_x).sum(-1, keepdim=True)  # (T, R, 1)
    qr = q[:, None, :].expand(-1, n_runs, -1).contiguous()
    index = torch.searchsorted(run_x, qr)
    low = torch.minimum((index - 1).clamp(min=0), (length - 2).clamp(min=0))
    x0, x1 = run_x.gather(-1, low), run_x.gather(-1, low + 1)
    end = run_x.gather(-1, (length - 1).clamp(min=0))
    inside = (qr >= run_x[..., :1]) & (qr <= end) & (length >= 2)
    weight = ((qr - x0) / torch.where(inside, x1 - x0, torch.ones_like(x0))).clamp(0.0, 1.0)
    weight = torch.where(inside, weight, torch.zeros_like(weight))

    def at(values: torch.Tensor) -> torch.Tensor:
        v0, v1 = values.gather(-1, low), values.gather(-1, low + 1)
        return v0 + weight * (v1 - v0)

    u_q, phi_q = at(run_u), torch.where(inside, at(run_phi), torch.full_like(qr, math.inf))
    best = phi_q.min(dim=1, keepdim=True).values
    if temperature > 0:
        w = torch.where(inside, torch.exp(-(phi_q - best) / temperature), torch.zeros_like(phi_q))
    else:
        w = (phi_q == best).to(phi_q.dtype)
    covered = inside.any(dim=1)
    mean = (w * torch.where(inside, u_q, torch.zeros_like(u_q))).sum(1) / w.sum(1).clamp(min=1e-300)
    return torch.where(covered, mean, u_q[:, 0])
