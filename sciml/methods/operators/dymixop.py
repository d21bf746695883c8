"""DyMixOp: neural operator from local-global mixing (Lai, Chen & Xu, "DyMixOp: Guiding Neural
Operator Design for PDEs from a Complex Dynamics Perspective with Local-Global-Mixing",
arXiv:2508.13490, 2025; reference code Lain-PY/DyMixOp).

Lift and reduce to a latent field, ``n_layers`` LGM layers ``M(c) = K(c) + D(c) + A(G(c) * K'(c))``
(G spectral/global, K local, D a zero-sum finite-difference convolution) joined by the
dynamics-informed gated connection, then the inverse reduction and lift
(:class:`sciml.nets.dymixop.DyMixOp`). Time-dependent problems are autoregressive: the last
``t_in`` snapshots in, the next one out, rolled out over the prediction window
(:mod:`sciml.methods.operators.base`).

Resolution: the global branch acts on Fourier modes and the local stencils are few taps, so
``predict`` accepts other grids of the same domain (the paper's zero-shot setting); accuracy off
the training grid is not guaranteed.
"""

from __future__ import annotations

from typing import Any

from sciml.core.options import Option
from sciml.methods.base import METHODS
from sciml.methods.operators.base import OPERATOR_DEFAULTS, OperatorMethod


@METHODS.register("dymixop")
class DyMixOp(OperatorMethod):
    name = "dymixop"
    paper = "Lai, Chen & Xu, DyMixOp, arXiv:2508.13490 (2025)"
    defaults: dict[str, Any] = {
        **OPERATOR_DEFAULTS,
        "width": Option(32, min=1, max=4096),
        "n_modes": Option(16, min=1, max=4096),
        "n_layers": Option(4, min=1, max=64),
        "kernel_size": Option(1, min=1, max=63),
        "fd_kernel_size": Option(3, min=1, max=63),
    }
    budgets = {"smoke": {"epochs": 5, "batch_size": 16}, "default": {}, "paper": {"epochs": 500}}
    resolution_independent = True

    def network_config(self) -> dict[str, Any]:
        o, layout = self.options, self.layout
        return {
            "type": "DyMixOp",
            "kwargs": {
                "in_channels": layout.in_channels,
                "out_channels": layout.out_channels,
                "width": int(o["width"]),
                "n_modes": int(o["n_modes"]),
                "n_layers": int(o["n_layers"]),
                "dim": layout.dim,
                "kernel_size": int(o["kernel_size"]),
                "fd_kernel_size": int(o["fd_kernel_size"]),
                "padding_mode": "circular",
            },
        }
