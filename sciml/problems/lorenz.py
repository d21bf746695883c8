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
    provides = frozenset({"residual", "time_dependent", "trajectories", "tabular"})
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

    # -- regression task: the vector field f in dx/dt = f(x) as a table ----------------------
    def table(self) -> object:
        """States sampled from the reference trajectory after ``t_burn_in`` (``n_states`` of
        them, drawn by a permutation seeded with the run's seed) with their derivatives from the
        vector field itself (exact; ``noise`` adds Gaussian noise of that share of each
        derivative's standard deviation); ``test_fraction`` of them held out."""
        from sciml.data.tabular import TableSplit

        if getattr(self, "_table", None) is None:
            reference = self.reference()
            t = reference.axes["t"]
            states = reference.values[t >= float(self.params["t_burn_in"])]
            rng = np.random.default_rng(self.seed % 2**32)
            n = min(int(self.params["n_states"]), len(states))
            chosen = states[np.sort(rng.permutation(len(states))[:n])]
            sigma, rho, beta = (float(self.params[k]) for k in ("sigma", "rho", "beta"))
            x, y, z = chosen.T
            rates = np.stack([sigma * (y - x), x * (rho - z) - y, x * y - beta * z], axis=1)
            noise = float(self.params["noise"])
            if noise > 0:
                rates = rates + noise * rates.std(axis=0) * rng.standard_normal(rates.shape)
            order = rng.permutation(n)
            n_test = min(max(round(float(self.params["test_fraction"]) * n), 1), n - 1)
            test, train = np.sort(order[:n_test]), np.sort(order[n_test:])
            self._table = TableSplit(
                input_columns=("x", "y", "z"),
                target_columns=("dx/dt", "dy/dt", "dz/dt"),
                train_inputs=chosen[train],
                train_targets=rates[train],
                test_inputs=chosen[test],
                test_targets=rates[test],
                train_rows=train,
                test_rows=test,
            )
        return self._table
