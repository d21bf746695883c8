"""``solver=map``: the joint MAP of the paper over the grid values (or their whitened
coordinates), the kernel hyperparameters and the two likelihood precisions."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from sciml.core.training import Phase
from sciml.methods.gp.grid import GridSystem, along, factor_solve, refresh_alpha
from sciml.methods.gp.grid_fields import GridFields
from sciml.nets.spectral_gp import SpectralGPField


class MAPState(nn.Module):
    """What ``solver=map`` optimises: the field's hyperparameters (its parameters), the grid
    values (U itself, or z with U = (L_1 (x) ... (x) L_d) z for the Cholesky factors L_k of the
    K_k: the whitened coordinates) and the log precisions of the boundary (tau) and residual (v)
    likelihoods."""

    def __init__(self, net: SpectralGPField, values: torch.Tensor) -> None:
        super().__init__()
        self.net = net
        self.values = nn.Parameter(values.clone())
        self.log_tau = nn.Parameter(torch.zeros((), dtype=torch.float64))
        self.log_v = nn.Parameter(torch.zeros((), dtype=torch.float64))


class MAPObjective:
    """``solver=map``: the negative log joint of the module docstring per grid node, over U, the
    hyperparameters and the precisions together (one Adam step each call)."""

    def __init__(
        self,
        system: GridSystem,
        state: MAPState,
        jitter: float,
        boundary_weight: float,
        refresh_every: int,
        steps: int,
        whitened: bool = False,
    ) -> None:
        self.system, self.state, self.jitter = system, state, jitter
        self.boundary_weight, self.whitened = boundary_weight, whitened
        self.refresh_every, self.steps, self.count = refresh_every, steps, 0
        self.source = torch.tensor(system.source, dtype=torch.float64)
        self.mesh = torch.as_tensor(system.mesh, dtype=torch.float64)
        self.mask = torch.as_tensor(system.mask)
        self.given = torch.as_tensor(system.given[system.mask], dtype=torch.float64)
        self.gaps = {"boundary_rms": float("nan"), "residual_rms": float("nan")}
        self.refresh()

    @staticmethod
    def cholesky_factors(net: SpectralGPField, d: int, jitter: float) -> list[torch.Tensor]:
        """The Cholesky factors of K_k + eps I; NaN where hyperparameters that left the sane
        range make a matrix indefinite, so the loss turns non-finite and the trainer stops with
        its message and the last finite state (instead of a LinAlgError mid-step)."""
        out = []
        for k in range(d):
            gram = net.grid_kernel(k)
            eye = torch.eye(len(gram), dtype=gram.dtype, device=gram.device)
            factor, info = torch.linalg.cholesky_ex(gram + jitter * eye)
            out.append(torch.where(info == 0, factor, torch.full_like(factor, float("nan"))))
        return out

    def factors(self) -> list[torch.Tensor]:
        return self.cholesky_factors(self.state.net, self.state.values.dim(), self.jitter)

    def grid_values(self, factors: list[torch.Tensor]) -> torch.Tensor:
        """U from the optimised variables."""
        u = self.state.values
        if self.whitened:
            for k, factor in enumerate(factors):
                u = along(factor, u, k)
        return u

    def loss(self, phase: Phase | None = None) -> tuple[torch.Tensor, dict[str, float]]:
        net = self.state.net
        factors = self.factors()
        u = self.grid_values(factors)
        n, nb = u.numel(), int(self.mask.sum())
        z, logdet = self.state.values, u.new_zeros(())
        for k, factor in enumerate(factors):
            if not self.whitened:
                z = factor_solve(factor, z, k, half=True)
            logdet = logdet + (n / len(factor)) * 2 * torch.log(torch.diagonal(factor)).sum()
        quadratic = (z**2).sum()
        solved: dict[int, torch.Tensor] = {}

        def derivative(k: int, order: int, values: torch.Tensor) -> torch.Tensor:
            """K_k^(order) (K_k + eps I)^{-1} along axis k (the solve cached for U itself)."""
            if values is u:
                if k not in solved:
                    solved[k] = factor_solve(factors[k], u, k, half=False)
                inner = solved[k]
            else:
                inner = factor_solve(factors[k], values, k, half=False)
            return along(net.grid_kernel(k, order=order), inner, k)

        if self.system.terms is None:  # the problem's own residual on the grid
            problem = self.system.problem
            fields = GridFields(u, derivative, self.mesh, problem.inputs, problem.outputs)
            lu = problem.pde_residual(fields)[:, 0].reshape(u.shape)
        else:
            lu = torch.zeros_like(u)
            for k, axis_terms in enumerate(self.system.terms):
                for order, c in axis_terms.items():
                    lu = lu + c * (u if order == 0 else derivative(k, order, u))
        if self.system.reaction is not None:
            lu = lu + self.system.reaction(u)
        residual = ((lu - self.source) ** 2).sum()
        boundary = ((u[self.mask] - self.given) ** 2).sum()
        log_tau, log_v = self.state.log_tau, self.state.log_v
        nll = (
            0.5 * (quadratic + logdet)
            - self.boundary_weight * (0.5 * nb * log_tau - 0.5 * torch.exp(log_tau) * boundary)
            - (0.5 * n * log_v - 0.5 * torch.exp(log_v) * residual)
        )
        self.gaps = {
            "boundary_rms": math.sqrt(float(boundary.detach()) / nb),
            "residual_rms": math.sqrt(float(residual.detach()) / n),
        }
        return nll / n, dict(self.gaps)

    def after_step(self, phase: Phase, info: dict[str, float]) -> bool:
        self.count += 1
        if self.count % self.refresh_every == 0 or self.count >= self.steps:
            self.refresh()  # alpha for the evaluations the trainer may make now
        return False

    def refresh(self) -> None:
        with torch.no_grad():
            self.values = self.grid_values(self.factors()).detach()
        refresh_alpha(self.state.net, self.values, self.jitter)

    def state_dict(self) -> dict[str, Any]:
        return {"count": self.count}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.count = int(state.get("count", 0))
        self.refresh()
