"""Allen-Cahn equation, the causal-training paper's flagship case.

    u_t - d u_xx + r u^3 - r u = 0,   x in [-1, 1] periodic, t in [0, 1],   u(x, 0) = x^2 cos(pi x),

d = 1e-4 and r = 5 by default (Wang, Sankaran & Perdikaris, "Respecting causality is all you
need for training physics-informed neural networks", 2022; the data set of Raissi et al. 2019).
Reference: Fourier pseudo-spectral with ETDRK4 (:mod:`sciml.reference.allen_cahn`) on 2048
points, dt = 1e-3, evaluated on the task's grid by trigonometric interpolation; its
self-convergence in space and time is measured in ``tests/reference/test_allen_cahn.py``.
"""

from __future__ import annotations

import numpy as np
import torch

from sciml.core.derivatives import Fields
from sciml.core.expressions import Expression
from sciml.problems.base import EQUATIONS, Equation, FieldReference

PERIOD = 2.0
REFERENCE_POINTS = 2048  # relative L2 2.2e-7 against 4096 points (tests/reference)
REFERENCE_STEP = 1e-3  # indistinguishable (< 1e-12) from 2.5e-4


@EQUATIONS.register("allen-cahn")
class AllenCahn(Equation):
    inputs = ("x", "t")
    time_input = "t"
    provides = frozenset({"residual", "time_dependent"})
    outputs = ("u",)
    equation_text = "u_t - d u_xx + r u^3 - r u = 0, x in [-1, 1] periodic, t in [0, 1]"

    @property
    def domain(self) -> dict[str, tuple[float, float]]:
        return {"x": (-1.0, 1.0), "t": (0.0, float(self.params["t_end"]))}

    @property
    def periodic(self) -> dict[str, float]:
        return {"x": PERIOD}

    @property
    def u0(self) -> Expression:
        return Expression(self.params["u0"], ("x",))

    def pde_residual(self, f: Fields) -> torch.Tensor:
        d, r = self.params["diffusion"], self.params["reaction"]
        u = f["u"]
        return (f.d("u", "t") - d * f.d("u", "x", "x") + r * u**3 - r * u)[:, None]

    def initial_data(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        points = self.sample_domain(n, generator, t=0.0)
        values = self.u0(x=points[:, 0])
        return points, torch.as_tensor(values, dtype=points.dtype).expand(n)[:, None]

    def boundary_residual(self, net, t: torch.Tensor) -> torch.Tensor:
        left = net(torch.cat([-torch.ones_like(t), t], dim=-1))
        right = net(torch.cat([torch.ones_like(t), t], dim=-1))
        return left - right

    def symmetry(self) -> tuple[str, int] | None:
        """u(-x, t) = +-u(x, t) when u0 is even (the default x^2 cos(pi x)) or odd: the equation
        is invariant under x -> -x and, its reaction being odd in u, under u -> -u."""
        x = np.linspace(0.0, 1.0, 257)
        u0 = np.broadcast_to(np.asarray(self.u0(x=x), dtype=np.float64), x.shape)
        mirrored = np.broadcast_to(np.asarray(self.u0(x=-x), dtype=np.float64), x.shape)
        scale = max(float(np.abs(u0).max()), 1e-300)
        for parity in (1, -1):
            if np.abs(mirrored - parity * u0).max() <= 1e-12 * scale:
                return ("x", parity)
        return None

    def hard_constraint(self) -> dict[str, list]:
        return {"initial": [self.params["u0"]], "dirichlet": [False, False]}

    def compute_reference(self) -> FieldReference:
        from sciml.reference.allen_cahn import solve_allen_cahn_periodic
        from sciml.reference.fourier import interpolate_periodic

        fine = -1.0 + PERIOD * np.arange(REFERENCE_POINTS) / REFERENCE_POINTS
        u0 = np.broadcast_to(np.asarray(self.u0(x=fine), dtype=np.float64), fine.shape)
        t = np.linspace(0.0, float(self.params["t_end"]), int(self.params["nt"]))
        u = solve_allen_cahn_periodic(
            u0,
            PERIOD,
            float(self.params["diffusion"]),
            float(self.params["reaction"]),
            t,
            dt=REFERENCE_STEP,
        )
        x = np.linspace(-1.0, 1.0, int(self.params["nx"]))
        values = interpolate_periodic(u, x, PERIOD, x0=-1.0)  # (nt, nx)
        return FieldReference({"x": x, "t": t}, values.T[..., None])
