"""Viscous Burgers equation (the Raissi, Perdikaris & Karniadakis 2019 PINN benchmark).

    u_t + u u_x = nu u_xx,   x in [-1, 1], t in [0, 1],
    u(x, 0) = -sin(pi x),    u(-1, t) = u(1, t) = 0,   nu = 0.01/pi by default.

Reference: because -sin(pi x) is odd and 2-periodic, the Dirichlet problem equals the periodic one
on [-1, 1); it is solved Fourier pseudo-spectrally with ETDRK4
(:mod:`sciml.reference.burgers_spectral`) and verified against the Cole-Hopf solution.
"""

from __future__ import annotations

import numpy as np
import torch

from sciml.core.derivatives import Fields
from sciml.problems.base import EQUATIONS, Equation, FieldReference


@EQUATIONS.register("burgers")
class Burgers(Equation):
    inputs = ("x", "t")
    time_input = "t"
    provides = frozenset(
        {"residual", "time_dependent", "lagrangian", "operator_data", "grid_values"}
    )
    outputs = ("u",)
    equation_text = (
        "u_t + u u_x = nu u_xx, x in [-1,1], t in [0,1], u(x,0) = -sin(pi x), u(+-1,t) = 0"
    )

    @property
    def domain(self) -> dict[str, tuple[float, float]]:
        return {"x": (-1.0, 1.0), "t": (0.0, float(self.params["t_end"]))}

    def pde_residual(self, f: Fields) -> torch.Tensor:
        nu = self.params["nu"]
        return (f.d("u", "t") + f["u"] * f.d("u", "x") - nu * f.d("u", "x", "x"))[:, None]

    def initial_data(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        points = self.sample_domain(n, generator, t=0.0)
        return points, -torch.sin(torch.pi * points[:, :1])

    def initial_values(self, points: np.ndarray) -> np.ndarray:
        return -np.sin(np.pi * np.asarray(points, dtype=np.float64)[:, :1])

    def boundary_values(self, points: np.ndarray) -> np.ndarray:
        """u(+-1, t) = 0."""
        return np.zeros((len(points), 1))

    def boundary_residual(self, net, t: torch.Tensor) -> torch.Tensor:
        left = torch.cat([-torch.ones_like(t), t], dim=-1)
        right = torch.cat([torch.ones_like(t), t], dim=-1)
        return net(torch.cat([left, right]))

    # -- Lagrangian form (used by LPINN) ----------------------------------------------------
    @property
    def lagrangian_period(self) -> float:
        """The period of the equivalent periodic problem: u0 = -sin(pi x) is odd and 2-periodic,
        so the solution stays odd and 2-periodic and u(+-1, t) = 0 holds without a constraint."""
        return 2.0

    def characteristic_speed(self, u: torch.Tensor) -> torch.Tensor:
        """dx/dt along a characteristic: c = u."""
        return u

    def initial_state(self, x: torch.Tensor) -> torch.Tensor:
        """u0 at the points ``x`` (N,)."""
        return -torch.sin(torch.pi * x)

    @property
    def viscosity(self) -> float:
        return float(self.params["nu"])

    def hard_constraint(self) -> dict[str, list]:
        return {"initial": ["-sin(pi*x)"], "dirichlet": [True, False]}

    def symmetry(self) -> tuple[str, int]:
        """u(-x, t) = -u(x, t): the equation, the odd u0 and the zero boundary data are invariant
        under (x, u) -> (-x, -u), and the solution is unique."""
        return ("x", -1)

    def compute_reference(self) -> FieldReference:
        from sciml.reference.burgers_spectral import burgers_dirichlet_sine

        x = np.linspace(-1.0, 1.0, int(self.params["nx"]))
        t = np.linspace(0.0, float(self.params["t_end"]), int(self.params["nt"]))
        u = burgers_dirichlet_sine(x, t, float(self.params["nu"]))  # (nt, nx)
        return FieldReference({"x": x, "t": t}, u.T[..., None])

    # -- operator task --------------------------------------------------------------------
    def operator_dataset(self):
        """Train/test pairs for the operator task (:mod:`sciml.data.operator`), cached as HDF5."""
        from sciml.data.operator import cached_operator_dataset
        from sciml.data.operator_generation import burgers_operator_data

        return cached_operator_dataset(self, burgers_operator_data)
