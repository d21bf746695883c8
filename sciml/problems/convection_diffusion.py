"""Periodic convection-diffusion, the PINN failure-mode setup (Krishnapriyan et al., NeurIPS 2021).

    u_t + beta u_x = nu u_xx,   x in [0, 2 pi) periodic, t in [0, 1],   u(x, 0) = u0(x),

with u0 = sin(x), beta = 30, nu = 0 by default. Reference: exact, each Fourier mode of u0 is
multiplied by exp((-i beta k - nu k^2) t) (:mod:`sciml.reference.fourier_convection`).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from sciml.core.derivatives import Fields
from sciml.core.expressions import Expression
from sciml.problems.base import EQUATIONS, Equation, FieldReference, LinearOperator

TWO_PI = 2.0 * math.pi


@EQUATIONS.register("convection-diffusion")
class ConvectionDiffusion(Equation):
    inputs = ("x", "t")
    time_input = "t"
    provides = frozenset(
        {"residual", "time_dependent", "lagrangian", "linear_operator", "grid_values"}
    )
    outputs = ("u",)
    equation_text = "u_t + beta u_x = nu u_xx, x in [0, 2pi) periodic, t in [0,1], u(x,0) = u0(x)"

    @property
    def domain(self) -> dict[str, tuple[float, float]]:
        return {"x": (0.0, TWO_PI), "t": (0.0, float(self.params["t_end"]))}

    @property
    def periodic(self) -> dict[str, float]:
        return {"x": TWO_PI}

    @property
    def u0(self) -> Expression:
        return Expression(self.params["u0"], ("x",))

    def pde_residual(self, f: Fields) -> torch.Tensor:
        beta, nu = self.params["beta"], self.params["nu"]
        return (f.d("u", "t") + beta * f.d("u", "x") - nu * f.d("u", "x", "x"))[:, None]

    def linear_operator(self) -> LinearOperator:
        """u_t + beta u_x - nu u_xx = 0, with t as the second grid axis."""
        beta, nu = float(self.params["beta"]), float(self.params["nu"])
        return LinearOperator(
            {"u_t": 1.0, "u_x": beta, "u_xx": -nu}, lambda points: np.zeros((len(points), 1))
        )

    def initial_data(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        points = self.sample_domain(n, generator, t=0.0)
        values = self.u0(x=points[:, 0])
        return points, torch.as_tensor(values, dtype=points.dtype).expand(n)[:, None]

    def initial_values(self, points: np.ndarray) -> np.ndarray:
        x = np.asarray(points, dtype=np.float64)[:, 0]
        return np.broadcast_to(np.asarray(self.u0(x=x), dtype=np.float64), x.shape)[:, None]

    def boundary_residual(self, net, t: torch.Tensor) -> torch.Tensor:
        left = net(torch.cat([torch.zeros_like(t), t], dim=-1))
        right = net(torch.cat([torch.full_like(t, TWO_PI), t], dim=-1))
        return left - right

    # -- Lagrangian form (used by LPINN) ----------------------------------------------------
    @property
    def lagrangian_period(self) -> float:
        return TWO_PI

    def characteristic_speed(self, u: torch.Tensor) -> torch.Tensor:
        """dx/dt along a characteristic: c = beta."""
        return torch.full_like(u, float(self.params["beta"]))

    def initial_state(self, x: torch.Tensor) -> torch.Tensor:
        """u0 at the points ``x`` (N,)."""
        return torch.as_tensor(self.u0(x=x), dtype=x.dtype, device=x.device).expand(x.shape)

    @property
    def viscosity(self) -> float:
        return float(self.params["nu"])

    def hard_constraint(self) -> dict[str, list]:
        return {"initial": [self.params["u0"]], "dirichlet": [False, False]}

    def compute_reference(self) -> FieldReference:
        from sciml.reference.fourier_convection import convection_diffusion_fourier

        nx, refine = int(self.params["nx"]), 8
        fine = np.arange(nx * refine) * TWO_PI / (nx * refine)
        u0 = np.broadcast_to(np.asarray(self.u0(x=fine), dtype=np.float64), fine.shape)
        t = np.linspace(0.0, float(self.params["t_end"]), int(self.params["nt"]))
        u = convection_diffusion_fourier(u0, self.params["beta"], self.params["nu"], t)
        return FieldReference({"x": fine[::refine], "t": t}, u[:, ::refine].T[..., None])
