"""The Lotka-Volterra predator-prey system, as an initial-value operator task: an initial state
(x0, y0) -> the trajectory on a fixed time grid, learned from reference solutions.

    x' = a x - b x y,   y' = d x y - c y,

defaults a = 2/3, b = 4/3, c = d = 1 (the classic textbook values; equilibrium (c/d, a/b) =
(1, 1/2)). Initial states uniform in the box [x0_min, x0_max]^2 (default [0.5, 1.5]^2, which
contains (1, 1)); trajectories on ``np.linspace(0, t_end, nt)`` (default 0..15, 100 points, t = 0
included) by torchdiffeq dopri5 in float64 (:mod:`sciml.reference.lotka_volterra`).
"""

from __future__ import annotations

from sciml.problems.base import EQUATIONS, Equation


@EQUATIONS.register("lotka-volterra")
class LotkaVolterra(Equation):
    inputs = ("t",)
    time_input = "t"
    provides = frozenset({"initial_value_data"})
    outputs = ("x", "y")
    equation_text = "x' = a x - b x y, y' = d x y - c y"

    @property
    def domain(self) -> dict[str, tuple[float, float]]:
        return {"t": (0.0, float(self.params["t_end"]))}

    def operator_dataset(self):
        """Train/test pairs initial state -> trajectory (:mod:`sciml.data.operator`), cached."""
        from sciml.data.operator import cached_operator_dataset
        from sciml.data.operator_generation import lotka_volterra_operator_data

        return cached_operator_dataset(self, lotka_volterra_operator_data)
