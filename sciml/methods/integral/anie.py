"""``anie``: attentional neural integral equations (Zappala et al., Nature Machine Intelligence
2024): the integral of the neural integral equation

    y(t) = f(t) + int G_theta(y(s), t, s) ds  ~  f(t) + Attn([y(s_j), s_j])_t,

is a softmax-free Galerkin-type self-attention (Cao, NeurIPS 2021) over tokens of the state and
its coordinates: blocks x <- x + Q (K^T V) / n, x <- x + FFN(x), at linear cost in the tokens
(:mod:`sciml.nets.galerkin`); ``kind = "volterra"`` masks it causally in time. Solved by the damped
fixed-point iteration and trained through it (:mod:`sciml.methods.integral.solver`).

* Initial-value data (``lotka-volterra``): one token [y(t_j), t_j] per grid time, f = the initial
  state repeated (the paper's ODE setup); :mod:`sciml.methods.integral.base`.
* Functions on a grid (``navier-stokes``, ``burgers``, ``darcy``): one token per ``patch``^d patch
  and snapshot over the input and output window, f = the last input snapshot repeated (the paper's
  NS setup encodes the initial condition as the first iterate; its 4 x 4 patches); the whole
  output window is solved at once; :mod:`sciml.methods.integral.fields`.

Unlike the reference, T[y] does not add y back to the attention's output (z = Enc(y) + y there),
which made T at least as expansive as the identity: the reason its iteration never contracted.
"""

from __future__ import annotations

from typing import Any

from sciml.core.options import Option
from sciml.methods.base import METHODS, Method
from sciml.methods.integral.base import INTEGRAL_DEFAULTS, IntegralEquationMethod
from sciml.methods.integral.fields import FieldIntegralEquation
from sciml.methods.operators.base import OPERATOR_DEFAULTS
from sciml.nets.integral_equation import FREE_FUNCTIONS


@METHODS.register("anie")
class ANIE(Method):
    """Dispatches on the data: trajectories or functions on a grid."""

    name = "anie"
    tasks = ("operator",)
    needs = frozenset()  # initial_value_data or operator_data
    data_parallel = True  # both kinds shard minibatches (IntegralObjective)
    paper = "Zappala et al., Neural integral equations (ANIE), Nature Machine Intelligence 2024"
    defaults: dict[str, Any] = {
        **INTEGRAL_DEFAULTS,
        "normalize": OPERATOR_DEFAULTS["normalize"],
        "width": Option(32, min=2, max=4096),
        "heads": Option(2, min=1, max=64),
        "blocks": Option(2, min=1, max=64),
        "free_function": Option(
            "initial",
            choices=FREE_FUNCTIONS,
            description="f: the initial state (grids: last input snapshot) repeated, "
            "+ a learned shift (trajectories), or 0",
        ),
        "patch": Option(1, min=1, max=1024, description="grid points per token side (grids)"),
        "harmonics": Option(
            0, min=0, max=256, description="cos/sin features of the patch centres (grids)"
        ),
        "decoder_layers": Option(
            0,
            min=0,
            max=16,
            description="hidden SiLU layers mapping output tokens to patch values (grids; 0: "
            "one linear map)",
        ),
    }
    budgets = {
        "smoke": {"epochs": 3, "batch_size": 16, "width": 8, "max_iterations": 4},
        "default": {},
        "paper": {"epochs": 500},
    }

    def __new__(cls, problem: Any, **kwargs: Any):
        trajectories = "initial_value_data" in problem.provides
        return super().__new__(ANIETrajectories if trajectories else ANIEFields)

    @classmethod
    def predict(cls, surrogate: Any, inputs: Any):
        fields = surrogate.config["network"]["type"] == "ANIEGridNet"
        return (ANIEFields if fields else ANIETrajectories).predict(surrogate, inputs)


class ANIETrajectories(IntegralEquationMethod, ANIE):
    name, defaults, budgets = ANIE.name, ANIE.defaults, ANIE.budgets
    network_type = "ANIENet"

    def network_kwargs(self) -> dict[str, Any]:
        o = self.options
        return {
            "width": int(o["width"]),
            "heads": int(o["heads"]),
            "blocks": int(o["blocks"]),
            "free_function": o["free_function"],
        }


class ANIEFields(FieldIntegralEquation, ANIE):
    name, defaults, budgets = ANIE.name, ANIE.defaults, ANIE.budgets
