"""Darcy flow ``-div(a grad u) = f`` on the unit square with ``u = 0`` on the boundary.

Discretisation: the cell-node grid ``x_i = i h``, ``h = 1 / (n - 1)`` (boundary nodes included,
as in the FNO paper's 421 x 421 and 85 x 85 grids), the conservative five-point scheme

    -[a_{i+1/2,j} (u_{i+1,j} - u_ij) - a_{i-1/2,j} (u_ij - u_{i-1,j})] / h^2 - (same in j) = f_ij,

with the face coefficient the harmonic mean of the two adjacent nodal values,
``a_{i+1/2,j} = 2 a_ij a_{i+1,j} / (a_ij + a_{i+1,j})`` (the flux-continuous choice for a
piecewise-constant medium). Second order for smooth coefficients (a test measures the order
against a manufactured solution); the interior unknowns are solved directly with ``scipy.sparse``
(SuperLU), one factorisation per coefficient field.

Coefficient fields as in Li et al., "Fourier Neural Operator for Parametric PDEs" (ICLR 2021),
Darcy benchmark: ``mu ~ N(0, (-Laplacian + 9 I)^{-2})`` with zero Neumann boundary conditions
(a cosine series, the FNO repository's MATLAB ``GRF.m``), then ``a = 12`` where ``mu >= 0`` and
``a = 3`` elsewhere.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.fft
import scipy.sparse
import scipy.sparse.linalg
import torch

HIGH, LOW = 12.0, 3.0  # the thresholded medium's two conductivities (FNO paper)


def neumann_grf(
    n_samples: int,
    n: int,
    generator: torch.Generator,
    alpha: float = 2.0,
    tau: float = 3.0,
) -> np.ndarray:
    """Samples ``(n_samples, n, n)`` of ``N(0, (-Laplacian + tau^2)^-alpha)`` with zero-flux
    boundaries, on ``n`` points per side: cosine modes ``cos(pi k x) cos(pi l y)`` with variance
    ``(pi^2 (k^2 + l^2) + tau^2)^-alpha`` (the constant mode dropped), as in FNO's ``GRF.m``."""
    k = np.arange(n)
    eig = (math.pi**2 * (k[:, None] ** 2 + k[None, :] ** 2) + tau**2) ** (-alpha / 2)
    eig[0, 0] = 0.0
    xi = torch.randn((n_samples, n, n), generator=generator, dtype=torch.float64).numpy()
    return n * scipy.fft.idctn(eig * xi, type=2, axes=(1, 2), norm="ortho")


def threshold_medium(field: np.ndarray) -> np.ndarray:
    """``a = 12`` where the field is non-negative, 3 elsewhere (FNO's Darcy coefficients)."""
    return np.where(field >= 0.0, HIGH, LOW)


def darcy_matrix(a: np.ndarray) -> scipy.sparse.csc_matrix:
    """The five-point matrix of ``-div(a grad .)`` on the interior nodes of the ``n x n``
    node grid (row-major ``(i, j)``, ``i`` along x), harmonic-mean face coefficients."""
    n = a.shape[0]
    h = 1.0 / (n - 1)
    m = n - 2
    east = 2 * a[1:, :] * a[:-1, :] / (a[1:, :] + a[:-1, :])  # face (i+1/2, j): (n-1, n)
    north = 2 * a[:, 1:] * a[:, :-1] / (a[:, 1:] + a[:, :-1])  # face (i, j+1/2): (n, n-1)
    ae, aw = east[1:, 1:-1], east[:-1, 1:-1]  # faces of interior node (i, j): (m, m)
    an, as_ = north[1:-1, 1:], north[1:-1, :-1]
    index = np.arange(m * m).reshape(m, m)
    rows = [index.ravel()]
    cols = [index.ravel()]
    vals = [(ae + aw + an + as_).ravel()]
    for coefficient, shift in ((ae, (1, 0)), (aw, (-1, 0)), (an, (0, 1)), (as_, (0, -1))):
        i, j = np.meshgrid(np.arange(m), np.arange(m), indexing="ij")
        ni, nj = i + shift[0], j + shift[1]
        inside = (ni >= 0) & (ni < m) & (nj >= 0) & (nj < m)  # boundary neighbours are u = 0
        rows.append(index[inside])
        cols.append(index[ni[inside], nj[inside]])
        vals.append(-coefficient[inside])
    matrix = scipy.sparse.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(m * m,) * 2
    )
    return (matrix / h**2).tocsc()


def solve_darcy(a: np.ndarray, f: np.ndarray | float = 1.0) -> np.ndarray:
    """``u`` on the ``n x n`` node grid (zero on the boundary) for one coefficient field ``a``
    ``(n, n)`` (indexed ``[i, j]`` = ``(x_i, y_j)``) and source ``f`` (scalar or ``(n, n)``)."""
    a = np.asarray(a, dtype=np.float64)
    n = a.shape[0]
    if a.shape != (n, n) or n < 3:
        raise ValueError(f"a must be a square grid of at least 3 x 3 nodes, got {a.shape}")
    source = np.broadcast_to(np.asarray(f, dtype=np.float64), (n, n))[1:-1, 1:-1]
    u = np.zeros((n, n))
    u[1:-1, 1:-1] = scipy.sparse.linalg.spsolve(darcy_matrix(a), source.ravel()).reshape(
        n - 2, n - 2
    )
    return u
