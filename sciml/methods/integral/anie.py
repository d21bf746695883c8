"""``anie``: attentional neural integral equations (Zappala et al., Nature Machine Intelligence
2024): the integral of the neural integral equation

    y(t) = f(t) + int G_theta(y(s), t, s) ds  ~  f(t) + Attn([y(s_j), s_j])_t,

is a softmax-free Galerkin-type self-attention (Cao, NeurIPS 2021) over one token [y(s_j), s_j]
per grid time: blocks x <- x + Q (K^T V) / n, x <- x + FFN(x), at linear cost in the tokens
(:mod:`sciml.nets.galerkin`); ``kind = "volterra"`` masks it causally (a token attends to times
<= its own). Free function: the initial state repeated (the paper's ODE setup); solved and
trained like ``nie`` (:mod:`sciml.methods.integral.base`). Unlike the reference, T[y] does not
add y back to the attention's output (z = Enc(y) + y there), which made T at least as expansive
as the identity: the reason its iteration never contracted.
"""

from __future__ import annotations

from typing import Any

from sciml.core.options import Option
from sciml.methods.base import METHODS
from sciml.methods.integral.base import INTEGRAL_DEFAULTS, IntegralEquationMethod
from sciml.nets.integral_equation import FREE_FUNCTIONS


@METHODS.register("anie")
class ANIE(IntegralEquationMethod):
    name = "anie"
    paper = "Zappala et al., Neural integral equations (ANIE), Nature Machine Intelligence 2024"
    network_type = "ANIENet"
    defaults: dict[str, Any] = {
        **INTEGRAL_DEFAULTS,
        "width": Option(32, min=2, max=4096),
        "heads": Option(2, min=1, max=64),
        "blocks": Option(2, min=1, max=64),
        "free_function": Option("initial", choices=FREE_FUNCTIONS),
    }
    budgets = {
        "smoke": {"epochs": 3, "batch_size": 16, "width": 8, "max_iterations": 4},
        "default": {},
        "paper": {"epochs": 500},
    }

    def network_kwargs(self) -> dict[str, Any]:
        o = self.options
        return {
            "width": int(o["width"]),
            "heads": int(o["heads"]),
            "blocks": int(o["blocks"]),
            "free_function": o["free_function"],
        }
