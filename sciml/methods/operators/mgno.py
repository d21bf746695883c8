"""MgNO: multigrid neural operator (He, Liu & Xu, "MgNO: Efficient Parameterization of Linear
Operators via Multigrid", ICLR 2024; reference code xlliu2017/MgNO).

Each of ``n_layers`` layers is ``u <- sigma(MgConv(u) + W u + b)`` with MgConv one multichannel
V-cycle over ``n_levels`` grids (learned 3-tap / 3x3 smoothers, stride-2 restrictions, transposed
prolongations; :class:`sciml.nets.mgno.MgNO`). No lifting or projection besides a final 1x1
convolution. Periodic problems use circular padding. For time-dependent problems the last
``t_in`` snapshots are the input channels and the model is rolled out autoregressively
(:mod:`sciml.methods.operators.base`).

Resolution: the smoothers are fixed-size stencils whose meaning is tied to the training grid
spacing, so ``predict`` accepts the training grid only and names the expected size otherwise.
"""

from __future__ import annotations

from typing import Any

from sciml.core.options import Option
from sciml.methods.base import METHODS
from sciml.methods.operators.base import OPERATOR_DEFAULTS, OperatorMethod
from sciml.nets.activations import ACTIVATIONS


@METHODS.register("mgno")
class MgNO(OperatorMethod):
    name = "mgno"
    paper = "He, Liu & Xu, MgNO, ICLR 2024"
    defaults: dict[str, Any] = {
        **OPERATOR_DEFAULTS,
        "width": Option(24, min=1, max=4096),
        "n_layers": Option(5, min=1, max=64),
        "n_levels": Option(5, min=1, max=16),
        # per level pre-smoothing steps; [] = the reference [1,1,1,2,2]
        "smoothing": Option([], type="list", min=0, max=64),
        "padding": Option("circular", choices=("circular", "zeros")),
        "activation": Option("gelu", choices=tuple(ACTIVATIONS)),
    }
    budgets = {
        "smoke": {"epochs": 5, "batch_size": 16, "n_levels": 3},
        "default": {},
        "paper": {"epochs": 500},
    }
    resolution_independent = False

    def network_config(self) -> dict[str, Any]:
        o, layout = self.options, self.layout
        smoothing = [int(v) for v in o["smoothing"]] or None
        return {
            "type": "MgNO",
            "kwargs": {
                "in_channels": layout.in_channels,
                "out_channels": layout.out_channels,
                "width": int(o["width"]),
                "n_layers": int(o["n_layers"]),
                "n_levels": int(o["n_levels"]),
                "smoothing_iterations": smoothing,
                "dim": layout.dim,
                "padding_mode": o["padding"],
                "activation": o["activation"],
            },
        }
