"""The shared derivative layer: network outputs and their partial derivatives at collocation points.

Every PINN-family method evaluates residuals through :class:`Fields`, so a problem writes its PDE
once, in the notation of the paper::

    def pde_residual(self, f):
        return f.d("u", "t") + f["u"] * f.d("u", "x") - nu * f.d("u", "x", "x")

Derivatives come from reverse-mode autograd over the whole batch (one ``autograd.grad`` call per
derivative, vectorized over points) and are cached, so ``u_x`` is computed once for ``u_xx``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


class Fields:
    """Outputs of ``net`` at ``points`` (N, d), with cached derivatives by variable name."""

    def __init__(
        self,
        net: Callable[[torch.Tensor], torch.Tensor],
        points: torch.Tensor,
        inputs: tuple[str, ...],
        outputs: tuple[str, ...],
    ) -> None:
        self.points = points if points.requires_grad else points.clone().requires_grad_(True)
        self.inputs = inputs
        self.outputs = outputs
        self.values = net(self.points)
        self._cache: dict[tuple[str, ...], torch.Tensor] = {}

    def __getitem__(self, output: str) -> torch.Tensor:
        """The output named ``output`` as an (N,) tensor."""
        return self.values[:, self.outputs.index(output)]

    def coordinate(self, name: str) -> torch.Tensor:
        return self.points[:, self.inputs.index(name)]

    def d(self, output: str, *variables: str) -> torch.Tensor:
        """The partial derivative of ``output`` with respect to ``variables`` in order, (N,)."""
        key = (output, *variables)
        if key not in self._cache:
            lower = self.d(output, *variables[:-1]) if len(variables) > 1 else self[output]
            self._cache[key] = gradient(lower, self.points)[:, self.inputs.index(variables[-1])]
        return self._cache[key]

    def laplacian(self, output: str, variables: tuple[str, ...]) -> torch.Tensor:
        return sum(self.d(output, v, v) for v in variables)


def gradient(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """d(sum y)/dx with a graph kept for higher derivatives and the loss backward pass.

    Rows of ``x`` are independent points, so this is the per-point gradient of y (N,) by x (N, d).
    """
    (grad,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    return grad
