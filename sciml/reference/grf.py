"""Periodic Gaussian random fields ``N(0, sigma^2 (-Laplacian + tau^2 I)^(-alpha))``.

Convention (Karhunen-Loeve in Fourier modes). On the unit period ``[0, 1)^d`` the covariance
operator has eigenfunctions ``exp(2 pi i m.x)``, eigenvalues ``lam_m = sigma^2 ((2 pi |m|)^2 +
tau^2)^(-alpha)``. We draw, for every grid wavenumber ``m != 0``, ``xi_m = a_m + i b_m`` with
``a_m, b_m ~ N(0, 1)`` independent and set

    u(x) = Re sum_m sqrt(lam_m) xi_m exp(2 pi i m.x),

which is a mean-zero, stationary field with ``Cov(u(x), u(y)) = sum_m lam_m cos(2 pi m.(x - y))``,
i.e. exactly the operator's covariance truncated to the grid's wavenumbers. Equivalently the
discrete spectrum obeys ``E |rfft(u)_m / n^d|^2 = lam_m``.

Precedent: ``GaussianRF`` in the FNO repository (Li et al., *Fourier Neural Operator for
Parametric PDEs*, ICLR 2021, ``data_generation/``). Its MATLAB ``GRF1.m`` (the Burgers data) has
exactly this covariance; its Python ``GaussianRF`` (the Navier-Stokes data) scales by an extra
``sqrt(2)``, i.e. twice this variance: pass ``sigma = sqrt(2) * tau^(alpha - 1)`` to match it.
"""

from __future__ import annotations

import math

import torch


def _grid_wavenumbers(n: int, device: torch.device) -> torch.Tensor:
    return torch.fft.fftfreq(n, d=1.0 / n, device=device, dtype=torch.float64)


def _sample(
    sqrt_eig: torch.Tensor, n_samples: int, generator: torch.Generator, device: torch.device
) -> torch.Tensor:
    # Noise is drawn on the generator's device so a seed gives the same field on any device.
    shape = (2, n_samples, *sqrt_eig.shape)
    noise = torch.randn(shape, generator=generator, dtype=torch.float64, device=generator.device)
    xi = torch.complex(noise[0], noise[1]).to(device)
    n_total = sqrt_eig.numel()
    dims = tuple(range(1, sqrt_eig.ndim + 1))
    return torch.fft.ifftn(n_total * sqrt_eig * xi, dim=dims).real


def grf_1d(
    n_samples: int,
    n_points: int,
    generator: torch.Generator,
    alpha: float = 2.0,
    tau: float = 5.0,
    sigma: float = 25.0,
    device: str | torch.device = "cpu",
) -> torch.Tensor:
    """Samples on ``x_j = j / n_points`` of the field with covariance ``sigma^2 (-d_xx +
    tau^2)^(-alpha)`` on the periodic unit interval; default ``625 (-d_xx + 25)^(-2)``, the FNO
    Burgers initial conditions. Returns ``(n_samples, n_points)`` float64 on `device`."""
    device = torch.device(device)
    k = 2 * math.pi * _grid_wavenumbers(n_points, device)
    sqrt_eig = sigma * (k**2 + tau**2) ** (-alpha / 2)
    sqrt_eig[0] = 0.0
    return _sample(sqrt_eig, n_samples, generator, device)


def grf_2d(
    n_samples: int,
    s: int,
    generator: torch.Generator,
    alpha: float = 2.5,
    tau: float = 7.0,
    sigma: float | None = None,
    device: str | torch.device = "cpu",
) -> torch.Tensor:
    """Samples on ``(i / s, j / s)`` of the field with covariance ``sigma^2 (-Laplacian +
    tau^2)^(-alpha)`` on the periodic unit square, ``sigma = tau^(alpha - 1)`` by default (the
    FNO Navier-Stokes initial vorticity). Returns ``(n_samples, s, s)`` float64 on `device`."""
    device = torch.device(device)
    if sigma is None:
        sigma = tau ** (0.5 * (2 * alpha - 2))
    k = 2 * math.pi * _grid_wavenumbers(s, device)
    k2 = k[:, None] ** 2 + k[None, :] ** 2
    sqrt_eig = sigma * (k2 + tau**2) ** (-alpha / 2)
    sqrt_eig[0, 0] = 0.0
    return _sample(sqrt_eig, n_samples, generator, device)
