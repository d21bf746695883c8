"""Causal PINN (Wang, Sankaran & Perdikaris, "Respecting causality is all you need for training
physics-informed neural networks", arXiv 2203.07404, 2022; CMAME 421, 2024).

The PINN loss with the residual term replaced by the causally weighted sum over time chunks,

    L_r = (1/N) sum_i w_i L_i(theta),   w_i = exp(-eps (lambda_ic L_ic + sum_{k<i} L_k)),

weights under stop-gradient, eps annealed through [1e-2, 1e-1, 1, 10, 100] (next value once
min_i w_i > 0.99; Adam stops early once the last eps converges), periodic embeddings where the
problem is periodic, as in the paper; long horizons are split into time-marching windows (0.5 time
units for Lorenz, as in the paper's Lorenz example). The network defaults to the same tanh MLP as
``pinn`` so that a comparison isolates the training; ``architecture=modified`` gives the paper's
modified MLP (twice the cost per step on a CPU).

Deviation, stated: the paper trains with Adam only. To reach its accuracy in CPU minutes we follow
the causal Adam phase with an L-BFGS refinement of the plain residual loss (all w_i = 1; a loss
whose weights move at every evaluation defeats L-BFGS's line search: on Burgers it stalled at
rel. L2 0.3). ``lbfgs_causal=true`` keeps the weights in L-BFGS; ``lbfgs_steps=0`` gives the
paper's Adam-only training. ``min_causal_weight`` is evaluated at the final state and eps.

Further defaults beyond the paper, chosen by measurement on Burgers (rel. L2 of two seeds at the
same budget, 1 CPU thread): initial/boundary weights 100/10 instead of 1/1 (0.26 -> 1.2e-2,
3.4e-2), the initial and Dirichlet data built into the network (``hard_constraints``), and half
of the L-BFGS points drawn where the residual is large (``adaptive_fraction=0.5``, RAD of Wu et
al. 2023: 1.3e-2/3.5e-2 -> 1.4e-2/4.9e-3 at 3000 L-BFGS iterations), redrawn in 3 L-BFGS
rounds (seed 0 at 4500 iterations: 1.19e-2 -> 6.4e-3). Each can be switched off.

And where the problem declares a mirror symmetry (Burgers: u odd in x), it is built into the
network (``symmetric``): without it the Burgers result hinged on rounding (seeds 0-2 at 1 thread
6.4e-3, 4.7e-3, 5.3e-3; the same code with Taylor-mode derivatives 4.4e-2, 4.8e-2, 4.8e-3), the
bad runs being a shock that drifts off x = 0 at almost no residual cost; with it, 2.1e-3, 1.3e-3,
1.9e-3 (docs/results.md). Derivatives by Taylor mode (``derivatives=jet``, nets/jets.py).

Problems tune these in their TOML. Burgers' default budget (issue 16, measured side by side
against the generic defaults above) keeps the symmetric network but at width 32, puts the initial
condition in the loss instead of the network (hard: 3.5x worse there), draws one L-BFGS round on
uniform points and trains 400 Adam + 2400 L-BFGS steps: about 6.5e-4 in a third of the time.

Patent note: the CausalPINNs README states that the causal training algorithm is patented by the
University of Pennsylvania for commercial use; check the licence before commercial use.
"""

from __future__ import annotations

from typing import Any

from sciml.core.errors import SciMLError
from sciml.core.options import Option, with_defaults
from sciml.methods.base import METHODS
from sciml.methods.pinn.causal import EpsilonSchedule
from sciml.methods.pinn.pinn import PINN, default_windows
from sciml.problems.base import Equation


@METHODS.register("causal-pinn")
class CausalPINN(PINN):
    name = "causal-pinn"
    needs = frozenset({"residual", "time_dependent"})  # its weights follow time
    paper = "Wang, Sankaran & Perdikaris, arXiv 2203.07404 (2022)"
    causal = True
    defaults: dict[str, Any] = {
        **with_defaults(
            PINN.defaults,
            embedding="periodic",
            ic_weight=100.0,
            bc_weight=10.0,
            hard_constraints=True,
            adaptive_fraction=0.5,
            lbfgs_rounds=3,
            symmetric=True,
            derivatives="jet",
        ),
        "n_chunks": Option(32, min=1, max=10_000),
        "eps_schedule": Option([1e-2, 1e-1, 1.0, 10.0, 100.0], min=0.0, max=1e6),
        "causal_delta": Option(0.99, min=0.0, max=1.0),
        "ic_in_exponent": True,
        "stop_when_converged": True,
        "lbfgs_causal": False,
        # marching windows of this many time units (0: one window); problems tune it in TOML
        "window_length": Option(0.0, min=0.0, max=1e6),
    }

    @classmethod
    def resolve_options(cls, problem: Equation, budget: str, overrides: dict) -> dict[str, Any]:
        options = super().resolve_options(problem, budget, overrides)
        if options["window_length"] > 0 and "windows" not in overrides:
            t0, t1 = problem.time_range
            limit = cls.option_specs()["windows"]
            if (t1 - t0) / options["window_length"] > limit.max:  # held to the windows' range
                raise SciMLError(
                    f"window_length={options['window_length']:g} makes more than {limit.max:g} "
                    f"time windows over [{t0:g}, {t1:g}]; windows are in [{limit.min:g}, "
                    f"{limit.max:g}]"
                )
            options["windows"] = default_windows(problem, float(options["window_length"]))
        return options

    def schedule(self) -> EpsilonSchedule:
        values = [float(v) for v in self.options["eps_schedule"]]
        return EpsilonSchedule(values=values, delta=float(self.options["causal_delta"]))

    def extra_metrics(self) -> dict[str, Any]:
        if not self.objectives:
            return {}
        return {
            **super().extra_metrics(),
            "min_causal_weight": min(o.min_weight for o in self.objectives),
            "causal_eps": [o.causal.eps for o in self.objectives if o.causal is not None],
        }
