"""The Lorenz-63 system (Lorenz 1963), as a field task in time and as a dynamics task.

    x' = sigma (y - x),   y' = x (rho - z) - y,   z' = x y - beta z,

sigma = 10, rho = 28, beta = 8/3, (x, y, z)(0) = (1, 1, 1). Reference: torchdiffeq dopri5 in
float64 at rtol = atol = 1e-10, cross-checked in the tests against scipy's DOP853. The dynamics
task observes long trajectories on the attractor (:mod:`sciml.problems.attractor`).
"""

from __future__ import annotations

import numpy as np
import torch

from sciml.core.derivatives import Fields
from sciml.problems.attractor import Attractor
from sciml.problems.base import EQUATIONS, FieldReference


@EQUATIONS.register("lorenz")
class Lorenz(Attractor):
    inputs = ("t",)
    time_input = "t"
    provides = frozenset({"residual", "time_dependent", "trajectories"})
    outputs = ("x", "y", "z")
    equation_text = "x' = sigma (y - x), y' = x (rho - z) - y, z' = x y - beta z"

    @property
    def domain(self) -> dict[str, tuple[float, float]]:
        return {"t": (0.0, float(self.params["t_end"]))}

    @property
    def output_scale(self) -> tuple[float, ...]:
        return (10.0, 10.0, 10.0)

    def vector_field(self):
        from sciml.reference.attractors import lorenz_field

        return lorenz_field(*(float(self.params[k]) for k in ("sigma", "rho", "beta")))

    def pde_residual(self, f: Fields) -> torch.Tensor:
        sigma, rho, beta = (self.params[k] for k in ("sigma", "rho", "beta"))
        x, y, z = f["x"], f["y"], f["z"]
        return torch.stack(
            [
                f.d("x", "t") - sigma * (y - x),
                f.d("y", "t") - (x * (rho - z) - y),
                f.d("z", "t") - (x * y - beta * z),
            ],
            dim=-1,
        )

    def initial_data(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        points = torch.zeros(1, 1, dtype=torch.float64)
        return points, torch.tensor([self.x0], dtype=torch.float64)

    def hard_constraint(self) -> dict[str, list]:
        return {"initial": [repr(v) for v in self.x0], "dirichlet": [False]}

    def compute_reference(self) -> FieldReference:
        from sciml.reference.lorenz import lorenz_trajectory

        t = np.linspace(0.0, float(self.params["t_end"]), int(self.params["nt"]))
        sigma, rho, beta = (float(self.params[k]) for k in ("sigma", "rho", "beta"))
        trajectory = lorenz_trajectory(np.array(self.x0), t, sigma=sigma, rho=rho, beta=beta)
        return FieldReference({"t": t}, np.asarray(trajectory))
