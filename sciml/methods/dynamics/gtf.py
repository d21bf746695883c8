"""Generalized teacher forcing (GTF; Hess, Monfared, Brenner & Durstewitz, ICML 2023, eqs. 5-8),
shared by the PLRNN family, with sparse (identity) teacher forcing as an option.

Training windows x_{0:L} (z-scored) run through the model with forcing: after each step
z_t = F(z~_{t-1}) the observed units are pulled to the data,

    z~_t = (1 - alpha) z_t + alpha x_t   (GTF: every step, 0 <= alpha <= 1),
    z~_t = x_t every tau steps, z_t otherwise   (sparse teacher forcing),

the unobserved units are left as they are, and the loss is the mean squared error of the unforced
predictions z_t (observed units) against x_t. alpha = 1 is full teacher forcing (one-step
prediction from the data), alpha = 0 a free run.

Adaptive alpha (the authors' ``product_upper_bound`` estimate): the geometric mean G of the
Jacobians' spectral norms ||dF/dz(z~_t)|| along each window bounds the growth of the loss
gradients; alpha* = max(0, 1 - 1/G), the largest G over the batch, keeps them bounded. Every
``alpha_every`` batches alpha <- alpha* if alpha* > alpha, else gamma alpha + (1 - gamma) alpha*
(gamma = 0.999), starting from alpha = 1.
"""

from __future__ import annotations

import time
from typing import Any

import torch

from sciml.core.training import Phase
from sciml.methods.dynamics.selection import BestByDivergence
from sciml.nets.latent_rnn import LatentRNN

FORCING = ("gtf", "sparse")


class WindowSampler:
    """Random windows (B, L, N) of one long trajectory (T, N), drawn with a seeded generator;
    ``noise`` > 0 adds fresh Gaussian noise of that standard deviation to every batch (the
    AL-RNN reference settings' ``gaussian_noise_level``)."""

    def __init__(
        self, data: torch.Tensor, batch: int, length: int, seed: int, noise: float = 0.0
    ) -> None:
        self.data, self.batch, self.noise = data, batch, float(noise)
        self.length = min(length, len(data))
        self.generator = torch.Generator().manual_seed(seed)

    def sample(self) -> torch.Tensor:
        starts = torch.randint(
            0, len(self.data) - self.length + 1, (self.batch,), generator=self.generator
        ).to(self.data.device)
        index = starts[:, None] + torch.arange(self.length, device=self.data.device)
        windows = self.data[index]
        if self.noise:  # fresh N(0, noise^2) on every batch: forcing signal and targets alike
            noise = torch.randn(windows.shape, generator=self.generator, dtype=windows.dtype)
            windows = windows + self.noise * noise.to(windows.device)
        return windows


def forced_rollout(
    model: LatentRNN, x: torch.Tensor, alpha: float, interval: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``model`` along windows ``x`` (B, L, N) with forcing: GTF with ``alpha`` when
    ``interval`` is 0, else sparse teacher forcing every ``interval`` steps.

    **Returns** the unforced predictions of x_1..x_{L-1} (B, L-1, N) and the forced latent states
    z~_1..z~_{L-1} (B, L-1, M) at which the next steps were taken.
    """
    batch, length, n = x.shape
    step = model.stepper()
    strength = 1.0 if interval else float(alpha)
    # z~ = keep * z + pull: keep = 1 - alpha on the observed units (1 elsewhere), pull = alpha x
    keep = torch.ones(model.latent, dtype=x.dtype, device=x.device)
    keep[:n] = 1.0 - strength
    pull = torch.zeros(batch, length, model.latent, dtype=x.dtype, device=x.device)
    pull[..., :n] = strength * x
    z = model.initial_state(x[:, 0])
    predictions, states = [], []
    for t in range(1, length):
        z = step(z)
        predictions.append(z)
        if not interval or t % interval == 0:
            z = torch.addcmul(pull[:, t], z, keep)
        states.append(z)
    return torch.stack(predictions, 1)[..., :n], torch.stack(states, 1)


def forced_loss(
    model: LatentRNN, x: torch.Tensor, alpha: float, interval: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """The loss of :func:`forced_rollout` with the same value and the same gradients, computed
    faster: the rollout runs without autograd, the adjoints go back through the window by
    lambda_{t-1} = J(z~_{t-1})^T (dL/dz_t), the Jacobians J of all states batched, and the
    parameters' gradients come from one batched step, sum_t <dL/dz_t, F(z~_{t-1})>.
    (Backpropagation through time by hand: autograd's per-operation bookkeeping along 200
    steps costs three times the arithmetic.)

    **Returns** the loss (a scalar whose backward fills the parameters' gradients) and the
    forced states z~_0..z~_{L-2} (B, L-1, M) at which the steps were taken.
    """
    batch, length, n = x.shape
    forced = [not interval or t % interval == 0 for t in range(length)]
    with torch.no_grad():
        step = model.stepper()
        keep = torch.ones(model.latent, dtype=x.dtype, device=x.device)
        keep[:n] = 0.0 if interval else 1.0 - float(alpha)
        pull = torch.zeros(batch, length, model.latent, dtype=x.dtype, device=x.device)
        pull[..., :n] = x if interval else float(alpha) * x
        pulls = pull.unbind(1)
        z = model.initial_state(x[:, 0])
        states, outputs = [], []
        for t in range(1, length):
            states.append(z)
            z = step(z)
            outputs.append(z)
            if forced[t]:
                z = torch.addcmul(pulls[t], z, keep)
        previous, predictions = torch.stack(states, 1), torch.stack(outputs, 1)
        residual = predictions[..., :n] - x[:, 1:]
        loss = torch.mean(residual**2)
        direct = torch.zeros_like(predictions)
        direct[..., :n] = 2.0 * residual / residual.numel()
        directs = direct.unsqueeze(2).unbind(1)  # (B, 1, M) each: row vectors for bmm
        jacobians = model.jacobian(previous).unbind(1)  # (B, M, M) each
        ones = torch.ones_like(keep)
        adjoint = torch.zeros(batch, 1, model.latent, dtype=x.dtype, device=x.device)
        adjoints = []
        for t in range(length - 1, 0, -1):
            g = torch.addcmul(directs[t - 1], keep if forced[t] else ones, adjoint)  # dL/dz_t
            adjoints.append(g)
            adjoint = torch.bmm(g, jacobians[t - 1])  # dL/dz~_{t-1} = J_t^T dL/dz_t
        adjoints = torch.cat(adjoints[::-1], dim=1)
        adjoint = adjoint.squeeze(1)
    linear = (adjoints * model.step(previous)).sum() + (
        adjoint * model.initial_state(x[:, 0])
    ).sum()
    return linear - linear.detach() + loss, previous


def alpha_estimate(model: LatentRNN, states: torch.Tensor) -> float:
    """max(0, 1 - 1/G), G the largest over the batch of the geometric mean along each window of
    the Jacobians' spectral norms at ``states`` (B, L, M)."""
    with torch.no_grad():
        norms = model.jacobian_norms(states)  # (B, L)
        growth = torch.exp(torch.log(norms.clamp_min(1e-30)).mean(dim=1)).max()
        return max(0.0, 1.0 - 1.0 / float(growth))


class TeacherForcingObjective:
    """The trainer's objective: one batch of windows per step, the forcing of the module
    docstring, the alpha schedule, a training-time limit, and (``selector``) the model
    selection of :mod:`.selection`."""

    def __init__(
        self,
        model: LatentRNN,
        data: torch.Tensor,
        *,
        batch: int,
        length: int,
        forcing: str,
        alpha: float,
        adaptive: bool,
        alpha_every: int,
        gamma: float,
        interval: int,
        time_limit: float,
        seed: int,
        batch_noise: float = 0.0,
        selector: BestByDivergence | None = None,
    ) -> None:
        self.model = model
        self.selector = selector
        self.sampler = WindowSampler(data, batch, length, seed, batch_noise)
        # sparse forcing pulls fully (alpha = 1) every tau steps: nothing to adapt
        self.forcing, self.adaptive = forcing, adaptive and forcing == "gtf"
        self.alpha, self.alpha_every, self.gamma = float(alpha), alpha_every, gamma
        self.interval = interval if forcing == "sparse" else 0
        self.time_limit = time_limit
        self.batches, self.seconds, self.alpha_seconds = 0, 0.0, 0.0
        self._states: torch.Tensor | None = None
        self._started = 0.0

    def loss(self, phase: Phase) -> tuple[torch.Tensor, dict[str, float]]:
        self._started = time.perf_counter()
        x = self.sampler.sample()
        loss, self._states = forced_loss(self.model, x, self.alpha, self.interval)
        return loss, {"alpha": self.alpha}

    def after_step(self, phase: Phase, info: dict[str, float]) -> bool:
        self.batches += 1
        if self.adaptive and self.batches % self.alpha_every == 0 and self._states is not None:
            tick = time.perf_counter()
            estimate = alpha_estimate(self.model, self._states)
            self.alpha_seconds += time.perf_counter() - tick
            if estimate > self.alpha:
                self.alpha = estimate
            else:
                self.alpha = self.gamma * self.alpha + (1 - self.gamma) * estimate
        if self.selector is not None:
            self.selector.check(self.batches)
        self.seconds += time.perf_counter() - self._started
        return bool(self.time_limit) and self.seconds >= self.time_limit

    def state_dict(self) -> dict[str, Any]:
        return {
            "alpha": self.alpha,
            "batches": self.batches,
            "seconds": self.seconds,
            "alpha_seconds": self.alpha_seconds,
            "generator": self.sampler.generator.get_state(),
            "selection": self.selector.state_dict() if self.selector is not None else None,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.alpha = float(state["alpha"])
        self.batches = int(state["batches"])
        self.seconds = float(state["seconds"])
        self.alpha_seconds = float(state["alpha_seconds"])
        self.sampler.generator.set_state(state["generator"])
        if self.selector is not None and state.get("selection") is not None:
            self.selector.load_state_dict(state["selection"])
