"""The shared derivative layer: network outputs and their partial derivatives at collocation points.

Every PINN-family method evaluates residuals through :class:`Fields`, so a problem writes its PDE
once, in the notation of the paper::

    def pde_residual(self, f):
        return f.d("u", "t") + f["u"] * f.d("u", "x") - nu * f.d("u", "x", "x")

Derivatives come from reverse-mode autograd over the whole batch (one ``autograd.grad`` call per
derivative, vectorized over points) and are cached, so ``u_x`` is computed once for ``u_xx``.

Fast path: given a ``plan`` (the derivatives a residual takes, :meth:`Fields.plan` of an earlier
evaluation) and a network with a ``jet(points, dirs, seconds)`` method (Taylor mode,
:mod:`sciml.nets.jets`), the values and every planned derivative come from one forward pass. A
plan exists only when every derivative is first order or a pure second derivative.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class JetPlan:
    """Input indices whose first derivatives (``dirs``) and pure second derivatives
    (``seconds``, a subset) a residual takes."""

    dirs: tuple[int, ...]
    seconds: tuple[int, ...]


class Fields:
    """Outputs of ``net`` at ``points`` (N, d), with cached derivatives by variable name."""

    def __init__(
        self,
        net: Callable[[torch.Tensor], torch.Tensor],
        points: torch.Tensor,
        inputs: tuple[str, ...],
        outputs: tuple[str, ...],
        plan: JetPlan | None = None,
    ) -> None:
        self.inputs = inputs
        self.outputs = outputs
        self._cache: dict[tuple[str, ...], torch.Tensor] = {}
        jet = getattr(net, "jet", None)
        if plan is not None and jet is not None:
            result = jet(points, plan.dirs, plan.seconds)
            if result is not None:
                self.points = points
                self.values = result.value
                self._fill(result, plan)
                return
        self.points = points if points.requires_grad else points.clone().requires_grad_(True)
        self.values = net(self.points)

    def _fill(self, jet, plan: JetPlan) -> None:
        for o, output in enumerate(self.outputs):
            for k, i in enumerate(plan.dirs):
                self._cache[(output, self.inputs[i])] = jet.first[k][:, o]
            for k, i in enumerate(plan.seconds):
                self._cache[(output, self.inputs[i], self.inputs[i])] = jet.second[k][:, o]

    def plan(self) -> JetPlan | None:
        """The derivatives taken so far as a :class:`JetPlan`; None if one is mixed or of third
        order (those stay on reverse mode)."""
        firsts, seconds = set(), set()
        for _, *variables in self._cache:
            if len(variables) == 1:
                firsts.add(self.inputs.index(variables[0]))
            elif len(variables) == 2 and variables[0] == variables[1]:
                seconds.add(self.inputs.index(variables[0]))
            else:
                return None
        dirs = tuple(sorted(firsts | seconds))
        return JetPlan(dirs, tuple(sorted(seconds))) if dirs else None

    def __getitem__(self, output: str) -> torch.Tensor:
        """The output named ``output`` as an (N,) tensor."""
        return self.values[:, self.outputs.index(output)]

    def coordinate(self, name: str) -> torch.Tensor:
        return self.points[:, self.inputs.index(name)]

    def d(self, output: str, *variables: str) -> torch.Tensor:
        """The partial derivative of ``output`` with respect to ``variables`` in order, (N,)."""
        key = (output, *variables)
        if key not in self._cache and not self.points.requires_grad:
            raise RuntimeError(f"derivative {key} is not in this Fields' jet plan")
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
