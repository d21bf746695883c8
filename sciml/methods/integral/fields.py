"""``anie`` on functions on a grid (the operator task of ``burgers``, ``darcy``, ``navier-stokes``):
the integral equation over space-time tokens (:class:`sciml.nets.integral_equation.ANIEGridNet`)
solved for the whole output window at once (not autoregressively), on the operator methods'
data, normalisation, minibatches and optimiser (:mod:`sciml.methods.operators.base`), with the
fixed-point residual in the loss and ``contraction`` in the metrics as on trajectories.

Burgers' space-time task (``n_times`` = K): tokens over u0 and the K unknown snapshots
u(t_1..t_K), f = u0 repeated (the paper's Burgers setup: the encoded initial condition repeated);
input and output share one scale there, so f is u(0) in the output's units."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from sciml.core.errors import SciMLError
from sciml.methods.integral.base import IntegralObjective
from sciml.methods.integral.solver import contraction, fixed_point
from sciml.methods.operators.base import OperatorMethod


def solve_window(net: torch.nn.Module, x: torch.Tensor, options: dict[str, Any]):
    """Normalised outputs (B, t_out, *grid) and residuals from a normalised window x."""
    return fixed_point(
        net.operator_for(x, net.free(x)),
        net.initial(x),  # the first iterate: the last input snapshot, whatever f is
        mixing=float(options["mixing"]),
        tolerance=float(options["tolerance"]),
        max_iterations=int(options["max_iterations"]),
        backprop_iterations=int(options["backprop_iterations"]),
    )


class FieldIntegralEquation(OperatorMethod):
    """The operator-task side of ``anie``."""

    objective_class = IntegralObjective
    resolution_independent = False  # patch tokens and their coordinates belong to the grid

    def network_config(self) -> dict[str, Any]:
        o, layout = self.options, self.layout
        patch = int(o["patch"])
        if any(n % patch for n in layout.grid):
            raise SciMLError(f"patch {patch} must divide the grid {layout.grid} (--set patch=...)")
        kwargs = {
            "dim": layout.dim,
            "grid": list(layout.grid),
            "t_in": layout.in_channels,
            "t_out": layout.t_out or layout.out_channels,
            "patch": patch,
            "width": int(o["width"]),
            "heads": int(o["heads"]),
            "blocks": int(o["blocks"]),
            "kind": o["kind"],
        }
        # absent from files written before these options existed
        if int(o["harmonics"]):
            kwargs["harmonics"] = int(o["harmonics"])
        if int(o["decoder_layers"]):
            kwargs["decoder_layers"] = int(o["decoder_layers"])
        if o["free_function"] == "learned":
            raise SciMLError("anie on grid data takes free_function initial or zero, not learned")
        if o["free_function"] == "zero":
            kwargs["free_function"] = "zero"
        return {"type": "ANIEGridNet", "kwargs": kwargs}

    def solve(self, net: torch.nn.Module, x: torch.Tensor):
        """Outputs in physical units (model layout) and residuals, from normalised inputs."""
        y, residuals = solve_window(net, x, self.options)
        s = self.statistics()
        return y * float(s["output_std"]) + float(s["output_mean"]), residuals

    @classmethod
    def step(cls, net: torch.nn.Module, x: torch.Tensor, options: dict[str, Any]) -> torch.Tensor:
        return solve_window(net, x, options)[0]

    @classmethod
    def rollout(cls, net, x, t_out: int, options: dict[str, Any]) -> torch.Tensor:
        return solve_window(net, x, options)[0]

    def extra_metrics(self) -> dict[str, Any]:
        metrics = super().extra_metrics()
        d, s, net = self.dataset, self.statistics(), self.network
        inputs = torch.as_tensor(d.test_inputs, dtype=torch.float32)
        inputs = (inputs - float(s["input_mean"])) / float(s["input_std"])
        x = self.layout.to_model(inputs).to(self.device)
        with torch.no_grad():
            residuals = torch.cat([solve_window(net, c, self.options)[1] for c in x.split(20)])
        metrics.update(
            contraction=contraction(residuals),
            fixed_point_residuals=[float(r) for r in residuals.mean(0)],
            fixed_point_iterations=int(residuals.shape[1]),
        )
        return metrics

    @classmethod
    def predict(cls, surrogate: Any, inputs: Any, chunk: int = 20) -> np.ndarray:
        return super().predict(surrogate, inputs, chunk)
