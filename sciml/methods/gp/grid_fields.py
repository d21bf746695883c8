"""A problem's own residual on gp-spectral's grid: :class:`GridFields` speaks the notation of
:class:`sciml.core.derivatives.Fields` (``f["u"]``, ``f.d("u", "x")``, ``f.laplacian``,
``f.coordinate``, ``f.points``), so ``Equation.pde_residual`` is written once and serves both
the PINN family and the GP solver.

The values are the grid values U (shape ``m_1 x ... x m_d``); a derivative of orders o_k in the
inputs is U with D_k^(o_k) = K_k^(o_k) (K_k + eps I)^{-1} applied along each axis k with
o_k > 0 (the kernel's analytic derivatives; Kronecker factors commute, so mixed derivatives
compose), the identity along the others, exactly as the operator path forms L U. The kernel
gives derivatives up to second order in each input; higher ones are refused in one line.
Results are flat (N,) tensors in the grid's C order, like ``Fields``'s per-point columns.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from sciml.core.errors import SciMLError

# (axis, order, values) -> values with D_axis^(order) applied along axis
AxisDerivative = Callable[[int, int, torch.Tensor], torch.Tensor]


class GridFields:
    """Grid values ``values`` of the one output and their derivatives by input name."""

    def __init__(
        self,
        values: torch.Tensor,
        derivative: AxisDerivative,
        points: torch.Tensor,
        inputs: tuple[str, ...],
        outputs: tuple[str, ...],
    ) -> None:
        if len(outputs) != 1:
            raise SciMLError(f"the GP grid holds one output; the problem has {len(outputs)}")
        self.values, self.derivative = values, derivative
        self.points, self.inputs, self.outputs = points, inputs, outputs
        self._cache: dict[tuple[int, ...], torch.Tensor] = {}

    def __getitem__(self, output: str) -> torch.Tensor:
        self.outputs.index(output)  # a ValueError names an unknown output, as in Fields
        return self._derivative((0,) * len(self.inputs))

    def coordinate(self, name: str) -> torch.Tensor:
        return self.points[:, self.inputs.index(name)]

    def d(self, output: str, *variables: str) -> torch.Tensor:
        """The partial derivative of ``output`` with respect to ``variables`` (any order of
        names), (N,)."""
        self.outputs.index(output)
        orders = tuple(variables.count(name) for name in self.inputs)
        unknown = set(variables) - set(self.inputs)
        if unknown:
            raise SciMLError(f"unknown input {sorted(unknown)[0]!r}; inputs: {self.inputs}")
        if max(orders, default=0) > 2:
            raise SciMLError(
                f"gp-spectral's kernel gives derivatives up to second order in each input; the "
                f"residual asks for d{''.join(variables)}"
            )
        return self._derivative(orders)

    def _derivative(self, orders: tuple[int, ...]) -> torch.Tensor:
        if orders not in self._cache:
            out = self.values
            for k, order in enumerate(orders):
                if order:
                    out = self.derivative(k, order, out)
            self._cache[orders] = out.reshape(-1)
        return self._cache[orders]

    def laplacian(self, output: str, variables: tuple[str, ...]) -> torch.Tensor:
        return sum(self.d(output, v, v) for v in variables)
