"""Second-order Taylor-mode (jet) arithmetic: values with their first and pure second directional
derivatives, pushed forward through a network in one pass.

A :class:`Jet` of a field h(x) at N points holds

    value  h                              (N, k)
    first  d h / d x_i,     i in dirs     (m, N, k)
    second d2 h / d x_i^2,  i in seconds  (s, N, k),  ``seconds`` a subset of ``dirs``

and each operation applies the chain rule to all of them: for an elementwise g,
(g h)' = g'(h) h',  (g h)'' = g''(h) h'^2 + g'(h) h''; for a linear map the derivatives go
through the weight without the bias. This is forward-mode differentiation truncated at second
order (Griewank & Walther, "Evaluating Derivatives", 2008, ch. 13): the PDE residual's input
derivatives cost one forward pass over 1 + m + s stacked streams and one ordinary backward pass for
the parameter gradient, instead of nested reverse-mode passes (``autograd.grad`` with
``create_graph=True``) and the backward pass through them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

# g'(z) and g''(z) from z and g(z), for the activations with a jet rule
ELEMENTWISE_DERIVATIVES: dict[str, Callable[[torch.Tensor, torch.Tensor], tuple]] = {}


def _tanh(z: torch.Tensor, g: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    d1 = 1 - g * g
    return d1, -2 * g * d1


def _sin(z: torch.Tensor, g: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.cos(z), -g


def _cos(z: torch.Tensor, g: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return -torch.sin(z), -g


ELEMENTWISE_DERIVATIVES.update(tanh=_tanh, sin=_sin, cos=_cos)
FUNCTIONS = {"tanh": torch.tanh, "sin": torch.sin, "cos": torch.cos}


@dataclass
class Jet:
    """A field with its directional derivatives (see the module docstring)."""

    value: torch.Tensor
    first: torch.Tensor
    second: torch.Tensor
    seconds: tuple[int, ...]  # for each second-derivative stream, its index into ``first``

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def coordinates(cls, x: torch.Tensor, dirs: tuple[int, ...], seconds: tuple[int, ...]) -> Jet:
        """The inputs themselves, (N, d): d x_j / d x_i = [i == j], second derivatives zero."""
        n, d = x.shape
        first = torch.zeros(len(dirs), n, d, dtype=x.dtype, device=x.device)
        for k, i in enumerate(dirs):
            first[k, :, i] = 1.0
        second = x.new_zeros(len(seconds), n, d)
        return cls(x, first, second, tuple(dirs.index(i) for i in seconds))

    def like(self, value: torch.Tensor, first: torch.Tensor, second: torch.Tensor) -> Jet:
        return Jet(value, first, second, self.seconds)

    # -- slicing and joining --------------------------------------------------------------
    def columns(self, start: int, stop: int) -> Jet:
        return self.like(
            self.value[:, start:stop], self.first[..., start:stop], self.second[..., start:stop]
        )

    @staticmethod
    def cat(jets: list[Jet]) -> Jet:
        return jets[0].like(
            torch.cat([j.value for j in jets], dim=-1),
            torch.cat([j.first for j in jets], dim=-1),
            torch.cat([j.second for j in jets], dim=-1),
        )

    def rows(self, start: int, stop: int) -> Jet:
        """Points ``start:stop``."""
        return self.like(
            self.value[start:stop], self.first[:, start:stop], self.second[:, start:stop]
        )

    @staticmethod
    def cat_rows(jets: list[Jet]) -> Jet:
        """The points of several jets (same directions) in one."""
        return jets[0].like(
            torch.cat([j.value for j in jets]),
            torch.cat([j.first for j in jets], dim=1),
            torch.cat([j.second for j in jets], dim=1),
        )

    # -- arithmetic -----------------------------------------------------------------------
    def linear(self, weight: torch.Tensor, bias: torch.Tensor | None = None) -> Jet:
        """h W^T + b."""
        value = self.value @ weight.T
        return self.like(
            value if bias is None else value + bias, self.first @ weight.T, self.second @ weight.T
        )

    def scale(self, factor: torch.Tensor | float, shift: torch.Tensor | float = 0.0) -> Jet:
        """factor * h + shift with constant factor and shift."""
        return self.like(self.value * factor + shift, self.first * factor, self.second * factor)

    def apply(self, name: str) -> Jet:
        """g(h) for an elementwise g with a rule in ELEMENTWISE_DERIVATIVES."""
        g = FUNCTIONS[name](self.value)
        d1, d2 = ELEMENTWISE_DERIVATIVES[name](self.value, g)
        diagonal = self.first[list(self.seconds)]
        return self.like(g, d1 * self.first, d2 * diagonal * diagonal + d1 * self.second)

    def __mul__(self, other: Jet) -> Jet:
        a, b = self, other
        first = a.first * b.value + a.value * b.first
        index = list(self.seconds)
        second = a.second * b.value + 2 * a.first[index] * b.first[index] + a.value * b.second
        return self.like(a.value * b.value, first, second)

    def __add__(self, other: Jet) -> Jet:
        return self.like(
            self.value + other.value, self.first + other.first, self.second + other.second
        )

    def __sub__(self, other: Jet) -> Jet:
        return self.like(
            self.value - other.value, self.first - other.first, self.second - other.second
        )
