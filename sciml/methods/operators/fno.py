"""Fourier neural operator, the baseline (Li, Kovachki, Azizzadenesheli, Liu, Bhattacharya, Stuart
& Anandkumar, "Fourier Neural Operator for Parametric Partial Differential Equations", ICLR 2021).

Built on neuraloperator's ``FNO`` (:class:`sciml.nets.fno.FNONet`; not reimplemented): lifting,
``n_layers`` Fourier blocks ``v <- sigma(W v + K v)`` (neuraloperator 2.x adds a channel MLP and
a soft-gated skip inside each block by default), projection, grid coordinates appended to the
input. The `paper` budget follows the paper's scripts: 1D Burgers width 64 with 16 Fourier modes
(``n_modes = 32`` in neuraloperator's count of positive and negative frequencies), 2D
Navier-Stokes width 20 with 12 modes per axis (``n_modes = 24``), autoregressive in time with the
last ``t_in`` snapshots as channels (``fourier_2d_time.py``). The `default` budget narrows the
network to parameter counts comparable with the other operator methods (complex weights counted
as two real numbers): Burgers width 36 (193k), Navier-Stokes width 16 with 8 modes per axis
(299k). Trained by
:mod:`sciml.methods.operators.base` (relative L2 loss, Adam, weight decay 1e-4).

Resolution: the spectral weights act on Fourier modes, so a trained model predicts on any grid of
the same domain (zero-shot super-resolution); ``predict`` accepts other resolutions.
"""

from __future__ import annotations

from typing import Any

from sciml.core.options import Option
from sciml.methods.base import METHODS
from sciml.methods.operators.base import OPERATOR_DEFAULTS, OperatorMethod


@METHODS.register("fno")
class FNO(OperatorMethod):
    name = "fno"
    paper = "Li et al., Fourier Neural Operator, ICLR 2021 (neuraloperator)"
    defaults: dict[str, Any] = {
        **OPERATOR_DEFAULTS,
        "width": Option(64, min=1, max=4096),
        "n_modes": Option(32, min=1, max=4096),
        "n_layers": Option(4, min=1, max=64),
    }
    budgets = {"smoke": {"epochs": 5, "batch_size": 16}, "default": {}, "paper": {"epochs": 500}}
    resolution_independent = True

    def network_config(self) -> dict[str, Any]:
        o, layout = self.options, self.layout
        return {
            "type": "FNONet",
            "kwargs": {
                "in_channels": layout.in_channels,
                "out_channels": layout.out_channels,
                "n_modes": int(o["n_modes"]),
                "hidden_channels": int(o["width"]),
                "n_layers": int(o["n_layers"]),
                "dim": layout.dim,
            },
        }
