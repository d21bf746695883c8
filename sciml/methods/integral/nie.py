"""``nie``: neural integral equations (Zappala, Fonseca, Caro, Moberly, Higley, Cardin & van Dijk,
"Learning integral operators via neural integral equations", Nature Machine Intelligence 2024):

    y(t) = f(t) + int_0^T G_theta(y(s), t, s) ds      (Fredholm; ``kind = "volterra"``: int_0^t),
    G_theta(y, t, s) = K_theta(t, s) F_theta(y, s),    f(t) = y0 + h_theta(t) - h_theta(0),

the integral by quadrature on the time grid (``rule``: trapezoid, or composite Gauss-Legendre with
``order`` nodes per interval; :mod:`sciml.core.quadrature`) and solved by the damped fixed-point
iteration y <- a y + (1 - a) T[y], trained through the solver (:mod:`sciml.methods.integral.base`).
Network: :class:`sciml.nets.integral_equation.NIENet`. The reference integrates by Monte Carlo
over a cubic spline of y at random times; on a fixed grid a deterministic rule is exact to its
order at a fraction of the cost.
"""

from __future__ import annotations

from typing import Any

from sciml.core.options import Option
from sciml.core.quadrature import RULES
from sciml.methods.base import METHODS
from sciml.methods.integral.base import INTEGRAL_DEFAULTS, IntegralEquationMethod
from sciml.nets.integral_equation import FREE_FUNCTIONS


@METHODS.register("nie")
class NIE(IntegralEquationMethod):
    name = "nie"
    paper = "Zappala et al., Neural integral equations, Nature Machine Intelligence 2024"
    network_type = "NIENet"
    defaults: dict[str, Any] = {
        **INTEGRAL_DEFAULTS,
        "width": Option(64, min=1, max=4096),
        "rank": Option(16, min=1, max=1024, description="r in K(t, s) F(y, s), K: d x r"),
        "rule": Option("trapezoid", choices=RULES),
        "order": Option(2, min=1, max=20, description="Gauss-Legendre nodes per interval"),
        "free_function": Option("learned", choices=FREE_FUNCTIONS),
    }
    budgets = {
        "smoke": {"epochs": 3, "batch_size": 16, "width": 16, "rank": 4, "max_iterations": 4},
        "default": {},
        "paper": {"epochs": 500},
    }

    def network_kwargs(self) -> dict[str, Any]:
        o = self.options
        return {
            "width": int(o["width"]),
            "rank": int(o["rank"]),
            "rule": o["rule"],
            "order": int(o["order"]),
            "free_function": o["free_function"],
        }
