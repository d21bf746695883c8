"""A linear 2D boundary-value problem rasterized on an image grid (HyPINO's input format).

    L u = c_u u + c_x u_x + c_y u_y + c_xx u_xx + c_yy u_yy = f   on  Omega in [-1, 1]^2,
    u = g on the Dirichlet boundary,  du/dn = h on the Neumann boundary (n the outward normal),

given as H x W arrays over [-1, 1]^2 in the image convention of Bischof et al. (arXiv 2509.05117,
reference code ``src/data/``): row 0 is y = +1, row H-1 is y = -1, column 0 is x = -1, column W-1
is x = +1 (pixel centres on ``np.linspace(-1, 1, n)``). Masks are boolean; values are zero where
their mask is False. For parabolic and hyperbolic operators y plays the role of time and the
initial data sit on the row y = -1 (Dirichlet, plus Neumann for second order in time).

This is the one shape that the ``linear2d`` problems (reference solver, benchmarks) and the
HyPINO method (training data, inputs, refinement) exchange.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sciml.core.errors import SciMLError

COEFFICIENTS = ("u", "u_x", "u_y", "u_xx", "u_yy")


def grid_axes(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The pixel coordinates: x ascending along columns, y descending along rows."""
    return np.linspace(-1.0, 1.0, width), np.linspace(1.0, -1.0, height)


@dataclass(frozen=True)
class PDEGrids:
    """One problem of the family on an H x W grid (see the module docstring)."""

    coefficients: dict[str, float]  # keys of COEFFICIENTS; missing keys are zero
    source: np.ndarray  # f, (H, W), zero outside the domain
    domain_mask: np.ndarray  # (H, W) bool: inside Omega (holes and the outside excluded)
    dirichlet_mask: np.ndarray  # (H, W) bool
    dirichlet_values: np.ndarray  # g, (H, W)
    neumann_mask: np.ndarray  # (H, W) bool
    neumann_values: np.ndarray  # h = du/dn, (H, W)

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.source.shape)  # type: ignore[return-value]

    def coefficient_vector(self) -> np.ndarray:
        """(c_u, c_x, c_y, c_xx, c_yy) as float64."""
        return np.array([float(self.coefficients.get(k, 0.0)) for k in COEFFICIENTS])

    def points(self) -> np.ndarray:
        """(H*W, 2) columns (x, y) of every pixel, row-major (row 0 first)."""
        x, y = grid_axes(*self.shape)
        xx, yy = np.meshgrid(x, y)
        return np.stack([xx.ravel(), yy.ravel()], axis=-1)

    def validate(self) -> PDEGrids:
        """Raise one line naming what is wrong: shapes, NaN/inf, no operator, no boundary."""
        arrays = {
            "source": self.source,
            "domain_mask": self.domain_mask,
            "dirichlet_mask": self.dirichlet_mask,
            "dirichlet_values": self.dirichlet_values,
            "neumann_mask": self.neumann_mask,
            "neumann_values": self.neumann_values,
        }
        shapes = {name: np.shape(a) for name, a in arrays.items()}
        if len(set(shapes.values())) != 1 or len(self.shape) != 2:
            raise SciMLError(f"grids must share one (H, W) shape; got {shapes}")
        unknown = sorted(set(self.coefficients) - set(COEFFICIENTS))
        if unknown:
            raise SciMLError(f"unknown coefficient(s) {unknown}; choose from {list(COEFFICIENTS)}")
        if not np.all(np.isfinite(self.coefficient_vector())):
            raise SciMLError(f"coefficients must be finite; got {self.coefficients}")
        if not np.any(self.coefficient_vector()):
            raise SciMLError("all coefficients are zero: the operator L u = f has no derivative")
        for name, array in arrays.items():
            if not np.all(np.isfinite(array)):
                raise SciMLError(f"{name} has NaN or inf values")
        if not (np.any(self.dirichlet_mask) or np.any(self.neumann_mask)):
            raise SciMLError("the Dirichlet and Neumann masks are empty: no boundary data")
        return self
