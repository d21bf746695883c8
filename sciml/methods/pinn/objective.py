"""The physics-informed loss shared by the PINN family (vanilla, causal; later LPINN, HyPINO).

    L = mean_r |R[u](x_r, t_r)|^2 + lambda_ic mean_i |u(x_i, t_0) - u0(x_i)|^2
        + lambda_bc mean_b |B[u](x_b, t_b)|^2,

with residuals divided by the problem's output scale. With causal weighting the
residual term becomes mean_i w_i L_i over time chunks (:mod:`sciml.methods.pinn.causal`).
A steady problem has no initial term, and its boundary term is the Dirichlet misfit
mean_b |u(x_b) - g(x_b)|^2 on points of the boundary (``problem.boundary_data``), drawn like
the collocation points: anew every Adam step when resampling, once per L-BFGS round.

Under torchrun every rank draws the same global collocation set (the run's seed) and evaluates
the residual on its share (rows rank, rank + world, ...; :mod:`sciml.core.distributed`); the
causal chunk losses are summed over ranks before the weights are taken. The initial and boundary
terms are small and computed whole on every rank.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch
from torch import nn

from sciml.core import distributed
from sciml.core.derivatives import Fields, JetPlan
from sciml.core.errors import SciMLError
from sciml.core.training import Phase
from sciml.methods.pinn.causal import EpsilonSchedule, causal_weights
from sciml.problems.base import Equation


class PINNObjective:
    """Residual + initial + boundary loss of ``net`` on the time window [t0, t1]; for a steady
    problem ``window`` and ``initial`` are None: residual + Dirichlet loss on the domain."""

    def __init__(
        self,
        problem: Equation,
        net: nn.Module,
        options: dict[str, Any],
        window: tuple[float, float] | None,
        initial: tuple[torch.Tensor, torch.Tensor] | None,
        generator: torch.Generator,
        causal: EpsilonSchedule | None = None,
    ) -> None:
        if problem.steady and causal is not None:
            raise SciMLError(
                f"causal training weights time chunks; problem {problem.name} is steady"
            )
        self.problem = problem
        self.net = net
        self.options = options
        self.window = window
        self.generator = generator
        self.causal = causal
        param = next(net.parameters())
        self.device, self.dtype = param.device, param.dtype
        self.scale = torch.tensor(problem.output_scale, dtype=self.dtype, device=self.device)
        self.initial_points: torch.Tensor | None = None
        self.initial_values: torch.Tensor | None = None
        if initial is not None:
            self.initial_points = initial[0].to(self.device, self.dtype)
            self.initial_values = initial[1].to(self.device, self.dtype)
        self.initial_outputs = list(problem.initial_outputs)
        # what an L-BFGS round (or Adam without resampling) holds fixed: slot -> (phase key, value)
        self._held: dict[str, tuple[str, Any]] = {}
        self.min_weight = 1.0
        self._plan: JetPlan | None = None

    # -- sampling -------------------------------------------------------------------------
    def collocation(self) -> torch.Tensor:
        """Random points in the domain and window; stratified by time chunk when causal."""
        n = int(self.options["n_collocation"])
        points = self.problem.sample_domain(n, self.generator)
        if self.problem.steady:
            return points.to(self.device, self.dtype)
        t_index = self.problem.inputs.index(self.problem.time_input)
        t0, t1 = self.window
        if self.causal is not None:
            chunks = int(self.options["n_chunks"])
            per_chunk = n // chunks
            points = points[: chunks * per_chunk]
            offset = torch.rand(chunks, per_chunk, generator=self.generator, dtype=torch.float64)
            chunk = torch.arange(chunks, dtype=torch.float64)[:, None]
            points[:, t_index] = (t0 + (chunk + offset) * (t1 - t0) / chunks).reshape(-1)
        else:
            points[:, t_index] = t0 + torch.rand(
                n, generator=self.generator, dtype=torch.float64
            ) * (t1 - t0)
        return points.to(self.device, self.dtype)

    def _per_round(self, slot: str, phase: Phase, fresh: Any, fixed: Any = None) -> Any:
        """``fresh()`` for each Adam step when resampling; otherwise one draw (``fixed()``, or
        ``fresh()``) held for the whole phase: an L-BFGS line search needs one objective."""
        if phase.optimizer == "adam" and self.options["resample"]:
            return fresh()
        key = f"{phase.optimizer}:{phase.name}"
        held_key, value = self._held.get(slot, ("", None))
        if value is None or held_key != key:  # each L-BFGS round draws anew
            value = (fixed or fresh)()
            self._held[slot] = (key, value)
        return value

    def points_for(self, phase: Phase) -> torch.Tensor:
        def fixed() -> torch.Tensor:
            lbfgs = phase.optimizer == "lbfgs"
            # rank 0's set: an adaptive draw on a GPU could differ in the last bits between ranks
            return distributed.broadcast(self.adaptive_points() if lbfgs else self.collocation())

        return self._per_round("points", phase, self.collocation, fixed)

    def boundary_points_for(self, phase: Phase) -> tuple[torch.Tensor, torch.Tensor]:
        """Steady problems: boundary points and their values, drawn like the collocation."""
        return self._per_round(
            "boundary", phase, lambda: self._boundary(int(self.options["n_boundary"]))
        )

    def boundary_times_for(self, phase: Phase) -> torch.Tensor:
        """Time-dependent problems: the boundary residual's times, drawn like the collocation."""
        return self._per_round("times", phase, lambda: self._times(int(self.options["n_boundary"])))

    def _times(self, n: int) -> torch.Tensor:
        t0, t1 = self.window
        t = t0 + (t1 - t0) * torch.rand(n, 1, generator=self.generator, dtype=torch.float64)
        return t.to(self.device, self.dtype)

    def _boundary(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        points, values = self.problem.boundary_data(n, self.generator)
        return points.to(self.device, self.dtype), values.to(self.device, self.dtype)

    def adaptive_points(self) -> torch.Tensor:
        """The fixed L-BFGS set: part uniform, part drawn with density ~ |R|^2 / mean |R|^2 + 1.

        Residual-based adaptive distribution (RAD, k = 1, c = 1; Wu, Zhu, Tan, Kartha & Lu, CMAME
        403, 2023), drawn once from a pool 8x larger, with the network the Adam phase left.
        """
        fraction = float(self.options["adaptive_fraction"])
        uniform = self.collocation()
        n_adaptive = int(round(fraction * len(uniform)))
        if n_adaptive == 0:
            return uniform
        pool = torch.cat([self.collocation() for _ in range(8)])
        with torch.no_grad() if self._plan is not None else contextlib.nullcontext():
            squared = torch.cat([self.residual_terms(c).detach() for c in pool.split(8192)])
        density = squared / squared.mean() + 1.0
        pick = torch.multinomial(density.double().cpu(), n_adaptive, generator=self.generator)
        keep = uniform[: len(uniform) - n_adaptive]
        return torch.cat([keep, pool[pick.to(pool.device)]])

    def chunk_losses(self, points: torch.Tensor, squared: torch.Tensor) -> torch.Tensor:
        """Mean squared residual in each of ``n_chunks`` equal time intervals of the window."""
        sums, counts = self._chunk_sums(points, squared)
        return sums / counts.clamp(min=1)

    def chunk_shares(
        self, points: torch.Tensor, squared: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Under torchrun: this rank's share of each chunk loss (its sum over all ranks' count)
        and the chunk losses over all ranks (detached), from one all-reduce."""
        sums, counts = self._chunk_sums(points, squared)
        totals = distributed.all_sum(torch.cat([sums.detach(), counts.to(sums.dtype)]))
        total_sums, total_counts = totals.split(len(sums))
        total_counts = total_counts.clamp(min=1)
        return sums / total_counts, total_sums / total_counts

    def _chunk_sums(
        self, points: torch.Tensor, squared: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        chunks = int(self.options["n_chunks"])
        t0, t1 = self.window
        t = points[:, self.problem.inputs.index(self.problem.time_input)].detach()
        index = ((t - t0) / (t1 - t0) * chunks).long().clamp(0, chunks - 1)
        sums = torch.zeros(chunks, dtype=squared.dtype, device=squared.device).index_add(
            0, index, squared
        )
        return sums, torch.bincount(index, minlength=chunks)

    # -- loss -----------------------------------------------------------------------------
    def residual_terms(self, points: torch.Tensor) -> torch.Tensor:
        """Squared scaled residual at each point, (N,)."""
        fields = Fields(self.net, points, self.problem.inputs, self.problem.outputs, self._plan)
        residual = self.problem.pde_residual(fields)
        if self._plan is None and self.options.get("derivatives", "autograd") == "jet":
            self._plan = fields.plan()  # the next evaluations take these by Taylor mode
        if residual.shape[-1] == len(self.problem.outputs):
            residual = residual / self.scale
        return residual.square().sum(dim=-1)

    def initial_loss(self) -> torch.Tensor | None:
        if self.initial_points is None:
            return None
        idx = self.initial_outputs
        # unscaled: dividing by the output scale would make a wrong start look cheap, and an ODE
        # like Lorenz then settles on its trivial fixed point
        error = (self.net(self.initial_points) - self.initial_values)[:, idx]
        return error.square().sum(dim=-1).mean()

    def boundary_loss(self, phase: Phase) -> torch.Tensor | None:
        if self.problem.steady:  # Dirichlet data, unscaled like the initial loss
            points, values = self.boundary_points_for(phase)
            return (self.net(points) - values).square().sum(dim=-1).mean()
        residual = self.problem.boundary_residual(self.net, self.boundary_times_for(phase))
        if residual is None:
            return None
        return (residual / self.scale).square().sum(dim=-1).mean()

    def loss(self, phase: Phase) -> tuple[torch.Tensor, dict[str, float]]:
        every = self.points_for(phase)
        points = distributed.shard(every)  # this rank's share (all of them alone)
        squared = self.residual_terms(points)
        ic = self.initial_loss()
        ic_weight = float(self.options["ic_weight"])
        logs: dict[str, float] = {} if ic is None else {"loss_ic": float(ic.detach())}
        if self.causal is not None:
            if distributed.active():
                share, chunk_losses = self.chunk_shares(points, squared)
            else:
                share = chunk_losses = self.chunk_losses(points, squared)
            inside = ic_weight * float(ic.detach()) if self.options["ic_in_exponent"] else 0.0
            weights = causal_weights(chunk_losses, self.causal.eps, inside)
            if phase.optimizer == "lbfgs" and not self.options["lbfgs_causal"]:
                weights = torch.ones_like(weights)  # refinement on the plain residual
            residual_loss = (weights * share).mean()
            if distributed.active():  # DDP averages: a rank's share counts world times
                residual_loss = residual_loss * distributed.world_size()
            self.min_weight = float(causal_weights(chunk_losses, self.causal.eps, inside).min())
            logs.update(min_causal_weight=self.min_weight, causal_eps=self.causal.eps)
        else:
            residual_loss = distributed.sharded_mean(squared, len(every))
        logs["loss_residual"] = float(residual_loss.detach())
        total = residual_loss if ic is None else residual_loss + ic_weight * ic
        bc = self.boundary_loss(phase)
        if bc is not None:
            total = total + float(self.options["bc_weight"]) * bc
            logs["loss_bc"] = float(bc.detach())
        return total, logs

    def loss_for_log(self, phase: Phase) -> tuple[torch.Tensor, dict[str, float]]:
        """:meth:`loss` without an autograd graph once the derivatives come from jets (Taylor
        mode needs none): the trainer's accepted-point evaluation after an L-BFGS step."""
        if self._plan is None:
            return self.loss(phase)
        with torch.no_grad():
            return self.loss(phase)

    def after_step(self, phase: Phase, info: dict[str, float]) -> bool:
        if self.causal is None or phase.optimizer != "adam":
            return False
        converged = self.causal.update(self.min_weight)
        return converged and bool(self.options["stop_when_converged"])

    # -- checkpoints ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            "generator": self.generator.get_state(),
            "eps_index": self.causal.index if self.causal else 0,
            # the checkpoint keys of earlier versions ("fixed" = the collocation points)
            **{
                f"fixed{suffix}": self._held.get(slot, ("", None))[1]
                for slot, suffix in _SLOTS.items()
            },
            **{
                f"fixed{suffix}_key": self._held.get(slot, ("", None))[0]
                for slot, suffix in _SLOTS.items()
            },
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])
        if self.causal is not None:
            self.causal.index = int(state["eps_index"])
        self._held = {
            slot: (state.get(f"fixed{suffix}_key", ""), state.get(f"fixed{suffix}"))
            for slot, suffix in _SLOTS.items()
            if state.get(f"fixed{suffix}") is not None
        }


_SLOTS = {"points": "", "boundary": "_boundary", "times": "_times"}


def adam_phases(options: dict[str, Any]) -> list[Phase]:
    """The PINN family's Adam phase (exponential learning-rate decay), if ``adam_steps`` > 0."""
    if options["adam_steps"] <= 0:
        return []
    return [
        Phase(
            "adam",
            int(options["adam_steps"]),
            lr=float(options["lr"]),
            decay_rate=float(options["decay_rate"]),
            decay_steps=int(options["decay_steps"]),
        )
    ]
