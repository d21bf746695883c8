"""Darcy flow in a two-phase medium, the classic operator-learning benchmark (MgNO's home).

    -div(a(x, y) grad u) = 1 on (0, 1)^2,   u = 0 on the boundary,

``a`` piecewise constant, 12 or 3, thresholded from a Gaussian random field (Li et al., "Fourier
Neural Operator for Parametric PDEs", ICLR 2021; He, Liu, Xu, "MgNO", ICLR 2024). The operator
task learns ``a -> u`` on the node grid ``x_i = i / (n - 1)``; the reference is the second-order
finite-difference solver :mod:`sciml.reference.darcy` (its convergence order is measured in
``tests/reference/test_darcy.py``).
"""

from __future__ import annotations

from sciml.problems.base import EQUATIONS, Equation


@EQUATIONS.register("darcy")
class Darcy(Equation):
    inputs = ("x", "y")
    outputs = ("u",)
    provides = frozenset({"operator_data"})
    equation_text = "-div(a grad u) = 1 on the unit square, u = 0 on the boundary, a in {3, 12}"

    @property
    def domain(self) -> dict[str, tuple[float, float]]:
        return {"x": (0.0, 1.0), "y": (0.0, 1.0)}

    def operator_dataset(self):
        """Train/test pairs ``a -> u`` (:mod:`sciml.data.operator`), cached as HDF5."""
        from sciml.data.operator import cached_operator_dataset
        from sciml.data.operator_generation import darcy_operator_data

        return cached_operator_dataset(self, darcy_operator_data)
