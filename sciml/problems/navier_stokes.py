"""2D incompressible Navier-Stokes in vorticity form on the unit torus (the FNO benchmark setup).

    w_t + u . grad w = nu lap w + f,   div u = 0,   u = (psi_y, -psi_x),   -lap psi = w,
    f(x, y) = a (sin(2 pi (x + y)) + cos(2 pi (x + y))),   a = 0.1,   nu = 1e-3,

on [0, 1)^2, initial vorticity from a Gaussian random field N(0, 7^3 (-lap + 49 I)^{-2.5}) (Li et
al., "Fourier Neural Operator", ICLR 2021, who write the amplitude 7^{3/2} for the covariance).
Reference: pseudo-spectral with 2/3 dealiasing and Crank-Nicolson diffusion
(:mod:`sciml.reference.navier_stokes`), verified against the exact Taylor-Green decay; batched in
torch, on the GPU when there is one.

As a field task the unknowns are (w, psi) at (x, y, t), the initial vorticity being the seed's
random field sampled on the grid.
"""

from __future__ import annotations

import numpy as np
import torch

from sciml.core.derivatives import Fields
from sciml.core.device import resolve_device
from sciml.problems.base import EQUATIONS, Equation, FieldReference


@EQUATIONS.register("navier-stokes")
class NavierStokes(Equation):
    inputs = ("x", "y", "t")
    time_input = "t"
    provides = frozenset({"residual", "time_dependent", "operator_data"})
    outputs = ("w", "psi")
    equation_text = (
        "w_t + u.grad w = nu lap w + f, u = (psi_y, -psi_x), -lap psi = w on the unit torus"
    )

    @property
    def domain(self) -> dict[str, tuple[float, float]]:
        return {"x": (0.0, 1.0), "y": (0.0, 1.0), "t": (0.0, float(self.params["t_end"]))}

    @property
    def periodic(self) -> dict[str, float]:
        return {"x": 1.0, "y": 1.0}

    @property
    def initial_outputs(self) -> tuple[int, ...]:
        return (0,)

    def forcing(self, x, y):
        module = torch if isinstance(x, torch.Tensor) else np
        phase = 2 * np.pi * (x + y)
        return self.params["forcing"] * (module.sin(phase) + module.cos(phase))

    def pde_residual(self, f: Fields) -> torch.Tensor:
        nu = self.params["nu"]
        u, v = f.d("psi", "y"), -f.d("psi", "x")
        x, y = f.coordinate("x"), f.coordinate("y")
        transport = f.d("w", "t") + u * f.d("w", "x") + v * f.d("w", "y")
        vorticity = transport - nu * f.laplacian("w", ("x", "y")) - self.forcing(x, y)
        stream = f.laplacian("psi", ("x", "y")) + f["w"]
        return torch.stack([vorticity, stream], dim=-1)

    def initial_vorticity(self, device: str | torch.device = "cpu") -> torch.Tensor:
        """The seed's initial vorticity on the s x s grid, float64."""
        from sciml.reference.grf import grf_2d

        generator = torch.Generator(device="cpu").manual_seed(self.seed)
        return grf_2d(1, int(self.params["resolution"]), generator)[0].to(device)

    def initial_data(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        s = int(self.params["resolution"])
        w0 = self.initial_vorticity().reshape(-1)
        index = torch.randint(0, s * s, (n,), generator=generator)
        x, y = (index // s).double() / s, (index % s).double() / s
        points = torch.stack([x, y, torch.zeros_like(x)], dim=-1)
        values = torch.stack([w0[index], torch.zeros_like(x)], dim=-1)
        return points, values

    def compute_reference(self) -> FieldReference:
        from sciml.reference.navier_stokes import ns_forcing, solve_ns_vorticity

        s = int(self.params["resolution"])
        device = resolve_device("auto")
        w0 = self.initial_vorticity(device)[None]
        forcing = ns_forcing(s, amplitude=float(self.params["forcing"])).to(device)
        t = np.linspace(0.0, float(self.params["t_end"]), int(self.params["nt"]))
        w = solve_ns_vorticity(w0, forcing, float(self.params["nu"]), torch.as_tensor(t))
        grid = np.arange(s) / s
        values = w[0].permute(1, 2, 0).cpu().numpy()[..., None]  # (x, y, t, 1)
        return FieldReference({"x": grid, "y": grid, "t": t}, values)

    @property
    def reference_outputs(self) -> tuple[int, ...]:
        return (0,)

    # -- operator task --------------------------------------------------------------------
    def operator_dataset(self):
        """Train/test pairs for the operator task (:mod:`sciml.data.operator`), cached as HDF5."""
        from sciml.data.operator import cached_operator_dataset
        from sciml.data.operator_generation import navier_stokes_operator_data

        return cached_operator_dataset(self, navier_stokes_operator_data)
