"""The two-branch Lagrangian network of LPINN (Mojgani, Balajewicz & Hassanzadeh, CMAME 2023).

From the Lagrangian label X (the starting point of a characteristic) and time t, one branch gives
the characteristic curve x_L(X, t), the other the state u(X, t) carried along it::

    x_L(X, t) = X + D * N_x(X, t),      u(X, t) = N_u(X, t),

each branch a :class:`~sciml.nets.field.FieldNet` (so the same input scaling, periodic embedding
and initialisation as every PINN). On a periodic domain of period P the branches see X through
(cos 2 pi X / P, sin 2 pi X / P) -- the paper's "polar" input -- and the network outputs the
displacement x_L - X, which is what is periodic in X (x_L itself grows by P over one period).
``D`` is the displacement scale (characteristic speed times duration), so N_x is O(1).
"""

from __future__ import annotations

import torch
from torch import nn

from sciml.nets.field import FieldNet


class LagrangianNet(nn.Module):
    """(X, t) -> (x_L, u); every argument is JSON-serialisable (the surrogate file rebuilds it)."""

    def __init__(
        self,
        lower: list[float],
        upper: list[float],
        period: float = 0.0,
        width: int = 50,
        depth_u: int = 5,
        depth_x: int = 2,
        activation: str = "tanh",
        architecture: str = "mlp",
        harmonics: int = 1,
        displacement_scale: float = 1.0,
        state_scale: float = 1.0,
    ) -> None:
        super().__init__()
        self.period = float(period)
        common = {
            "lower": list(lower),
            "upper": list(upper),
            "n_outputs": 1,
            "width": width,
            "activation": activation,
            "architecture": architecture,
            "periods": [self.period, 0.0],
            "harmonics": harmonics,
        }
        self.characteristics = FieldNet(
            **common, depth=depth_x, output_scale=[float(displacement_scale)]
        )
        self.state = FieldNet(**common, depth=depth_u, output_scale=[float(state_scale)])

    def characteristic_curves(self, points: torch.Tensor) -> torch.Tensor:
        """x_L at ``points`` (N, 2) of (X, t), as (N, 1)."""
        return points[:, :1] + self.characteristics(points)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        """``points`` (N, 2) of (X, t) -> (N, 2) of (x_L, u)."""
        return torch.cat([self.characteristic_curves(points), self.state(points)], dim=-1)
