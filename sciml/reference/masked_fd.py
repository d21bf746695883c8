"""Finite differences for L u = c_u u + c_x u_x + c_y u_y + c_xx u_xx + c_yy u_yy = f on the
domain pixels of a uniform grid over [-1, 1]^2 (the ``linear2d`` problems' reference solver; the
PDE family of Bischof et al., "HyPINO", arXiv 2509.05117).

Grid: the image convention of ``sciml.problems.pde_grids``: row 0 at y = +1, row H-1 at y = -1,
column 0 at x = -1; spacings h_x = 2 / (W - 1), h_y = 2 / (H - 1). Every domain pixel is one
unknown; one equation per unknown, all assembled into one ``scipy.sparse`` matrix and solved
directly (SuperLU), in float64:

- a Dirichlet pixel: u = g;
- a Neumann pixel (not Dirichlet): du/dn = n_x u_x + n_y u_y = h with each derivative a
  one-sided difference into the domain, second order (3 u_0 - 4 u_1 + u_2) / 2h where two
  pixels inward exist, first order (u_0 - u_1) / h where only one does;
- any other pixel, **elliptic or steady** operators (every class but the two below): the
  central five-point scheme, second order; each of its neighbours must be a domain pixel or,
  across a curved Dirichlet boundary given as ``crossings``, the boundary point itself at a
  fraction theta of a step (Shortley-Weller: three-point differences on unequal spacings, the
  boundary value g on the right-hand side; second order overall).
- **time-like** operators (y is time, initial data on the row y = -1, which must be Dirichlet):
  one space-time sparse system (not a march, the same direct solve), row by row upwards in y:
  *parabolic / first order in y* (c_yy = 0, c_y != 0): Crank-Nicolson in y,
  c_y (u^j - u^{j-1}) / h_y + (S u^j + S u^{j-1}) / 2 = (f^j + f^{j-1}) / 2 with S = c_u +
  c_x D_x + c_xx D_xx; *hyperbolic* (c_xx c_yy < 0): the initial slope u_y comes from the Neumann
  data of the row y = -1 (h = du/dn with n = (0, -1)); the first row by the Taylor step
  u^1 = u^0 + h_y u_y^0 + h_y^2 / 2 u_yy^0 (u_yy^0 from the equation), the others by the
  average-acceleration (Newmark beta = 1/4) scheme c_yy (u^j - 2 u^{j-1} + u^{j-2}) / h_y^2 +
  c_y (u^j - u^{j-2}) / 2 h_y + (S u^j + 2 S u^{j-1} + S u^{j-2}) / 4 = f^{j-1}, second order
  and unconditionally stable. Time-like problems must be the whole square (no holes).

Without ``crossings`` curved boundaries are staircased: a pixel next to a hole carries the
boundary data at its own position, so data given as a formula of (x, y) everywhere (an exact
solution) keeps second order, while data defined only on the true curve (g = 0 on a circle) is
first order in the geometry; with them the Dirichlet data sit on the true curve.
The convergence orders are measured in ``tests/reference/test_masked_fd.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse
import scipy.sparse.linalg

from sciml.core.errors import SciMLError


def operator_class(coefficients: np.ndarray) -> str:
    """``"hyperbolic"`` (c_xx c_yy < 0), ``"parabolic"`` (c_yy = 0, c_y != 0: first order in the
    time-like y) or ``"steady"`` (everything else, elliptic operators included) for the vector
    (c_u, c_x, c_y, c_xx, c_yy): which scheme :func:`solve_masked` uses."""
    _, _, c_y, c_xx, c_yy = (float(c) for c in coefficients)
    if c_xx * c_yy < 0:
        return "hyperbolic"
    if c_yy == 0 and c_y != 0:
        return "parabolic"
    return "steady"


class _System:
    """Sparse rows: the equation of unknown ``k`` is row ``k``."""

    def __init__(self, domain: np.ndarray, hx: float, hy: float) -> None:
        self.index = np.full(domain.shape, -1, dtype=np.int64)
        self.index[domain] = np.arange(int(domain.sum()))
        self.padded = np.pad(self.index, 2, constant_values=-1)
        self.hx, self.hy = hx, hy
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.rhs = np.zeros(int(domain.sum()))

    def neighbour(self, i: np.ndarray, j: np.ndarray, di, dj) -> np.ndarray:
        """Unknown numbers of pixels (i + di, j + dj); -1 outside the domain or the image."""
        return self.padded[i + 2 + di, j + 2 + dj]

    def add(self, i: np.ndarray, j: np.ndarray, di, dj, weight) -> None:
        """Add ``weight * u(i + di, j + dj)`` to the equations of pixels (i, j)."""
        if np.isscalar(weight) and weight == 0:
            return
        cols = self.neighbour(i, j, di, dj)
        if np.any(cols < 0):
            k = int(np.argmax(cols < 0))
            raise SciMLError(
                f"pixel (row {i[k]}, column {j[k]}) needs its neighbour (row {i[k] + di}, column "
                f"{j[k] + dj}), which is outside the domain: mark the pixels next to the edge as "
                "Dirichlet or Neumann"
            )
        self.rows.append(self.index[i, j])
        self.cols.append(cols)
        self.vals.append(np.broadcast_to(np.asarray(weight, dtype=np.float64), i.shape))

    def stencil(self, i, j, c: np.ndarray, scale: float = 1.0, di: int = 0, space_only=False):
        """``scale`` times the central-difference operator at the pixels (i + di, j): S = c_u +
        c_x D_x + c_xx D_xx, plus c_y D_y + c_yy D_yy unless ``space_only``."""
        c_u, c_x, c_y, c_xx, c_yy = c * scale
        hx, hy = self.hx, self.hy
        terms = [(0, 0, c_u - 2 * c_xx / hx**2), (0, 1, c_x / (2 * hx) + c_xx / hx**2)]
        terms += [(0, -1, -c_x / (2 * hx) + c_xx / hx**2)]
        if not space_only:  # row i - 1 is y + h_y
            terms[0] = (0, 0, terms[0][2] - 2 * c_yy / hy**2)
            terms += [
                (-1, 0, c_y / (2 * hy) + c_yy / hy**2),
                (1, 0, -c_y / (2 * hy) + c_yy / hy**2),
            ]
        for ti, tj, w in terms:
            self.add(i, j, di + ti, tj, w)

    def steady(self, i, j, c: np.ndarray, source, fraction=None, value=None) -> None:
        """The steady equation at pixels (i, j) by three-point differences on each axis; a
        neighbour beyond a curved Dirichlet boundary is replaced by the boundary point at
        ``fraction`` (H, W, 4) of a step, whose ``value`` moves to the right-hand side
        (Shortley-Weller); NaN fractions mean an ordinary neighbour."""
        rows = self.index[i, j]
        self.rhs[rows] = source[i, j]
        self.add(i, j, 0, 0, np.full(i.shape, c[0]))
        for axis, (c1, c2, h) in enumerate(((c[2], c[4], self.hy), (c[1], c[3], self.hx))):
            # direction k: 0 up (y + h), 1 down, 2 left, 3 right (x + h); plus side first
            plus, minus = (0, 1) if axis == 0 else (3, 2)
            offsets = [(-1, 0), (1, 0), (0, -1), (0, 1)]
            b = np.full(i.shape, np.nan) if fraction is None else fraction[i, j, plus]
            a = np.full(i.shape, np.nan) if fraction is None else fraction[i, j, minus]
            cut_b, cut_a = np.isfinite(b), np.isfinite(a)
            b, a = np.where(cut_b, b, 1.0), np.where(cut_a, a, 1.0)
            w_plus = (2 * c2 / (b * (a + b)) + c1 * a / (b * (a + b)) * h) / h**2
            w_minus = (2 * c2 / (a * (a + b)) - c1 * b / (a * (a + b)) * h) / h**2
            w_zero = (-2 * c2 / (a * b) + c1 * (b - a) / (a * b) * h) / h**2
            self.add(i, j, 0, 0, w_zero)
            for k, w, cut in ((plus, w_plus, cut_b), (minus, w_minus, cut_a)):
                di, dj = offsets[k]
                self.add(i[~cut], j[~cut], di, dj, w[~cut])
                if cut.any():
                    np.subtract.at(self.rhs, rows[cut], w[cut] * value[i[cut], j[cut], k])

    def solve(self) -> np.ndarray:
        n = len(self.rhs)
        matrix = scipy.sparse.csc_matrix(
            (np.concatenate(self.vals), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(n, n),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error", scipy.sparse.linalg.MatrixRankWarning)
            try:
                u = scipy.sparse.linalg.spsolve(matrix, self.rhs)
            except (scipy.sparse.linalg.MatrixRankWarning, RuntimeError) as error:
                raise SciMLError(f"the finite-difference system is singular ({error})") from None
        if not np.all(np.isfinite(u)):
            raise SciMLError("the finite-difference system is singular: non-finite solution")
        return u


def _neumann_rows(system: _System, i, j, normals: np.ndarray, values: np.ndarray) -> None:
    """n . grad u = h by one-sided differences into the domain (second order where two pixels
    inward exist, else first order)."""
    system.rhs[system.index[i, j]] = values[i, j]
    for axis, h in ((0, system.hx), (1, system.hy)):
        n = normals[i, j, axis]
        on = n != 0
        ii, jj, weight = i[on], j[on], np.abs(n[on])
        # outward +x: inward is column j - 1; outward +y: inward is row i + 1 (y falls with i)
        step = (-np.sign(n[on])).astype(np.int64) if axis == 0 else np.sign(n[on]).astype(np.int64)
        di, dj = (0 * step, step) if axis == 0 else (step, 0 * step)
        one = system.neighbour(ii, jj, di, dj) >= 0
        two = one & (system.neighbour(ii, jj, 2 * di, 2 * dj) >= 0)
        if not np.all(one):
            k = int(np.argmin(one))
            raise SciMLError(
                f"Neumann pixel (row {ii[k]}, column {jj[k]}) has no domain pixel inward along "
                "its normal"
            )
        w2, w1 = weight[two], weight[~two]
        for sel, coefs in ((two, (1.5 * w2, -2 * w2, 0.5 * w2)), (~two, (w1, -w1, 0 * w1))):
            for m, w in enumerate(coefs):
                system.add(ii[sel], jj[sel], m * di[sel], m * dj[sel], w / h)


def solve_masked(
    coefficients: np.ndarray,
    source: np.ndarray,
    domain: np.ndarray,
    dirichlet_mask: np.ndarray,
    dirichlet_values: np.ndarray,
    neumann_mask: np.ndarray,
    neumann_values: np.ndarray,
    normals: np.ndarray,
    crossings: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """u on the (H, W) grid (zero outside ``domain``) for the coefficient vector (c_u, c_x, c_y,
    c_xx, c_yy), the source f, the boundary masks and values and the outward unit ``normals``
    (H, W, 2) at Neumann pixels; see the module docstring for the schemes.

    ``crossings`` (steady schemes): (fraction, value), each (H, W, 4) over the directions up,
    down, left, right: where a pixel's neighbour lies beyond a curved Dirichlet boundary, the
    boundary's distance in steps (0, 1] and g there; NaN elsewhere."""
    c = np.asarray(coefficients, dtype=np.float64)
    domain = np.asarray(domain, dtype=bool)
    height, width = domain.shape
    hx, hy = 2.0 / (width - 1), 2.0 / (height - 1)
    dirichlet = np.asarray(dirichlet_mask, dtype=bool) & domain
    neumann = np.asarray(neumann_mask, dtype=bool) & domain & ~dirichlet
    kind = operator_class(c)
    system = _System(domain, hx, hy)
    i, j = np.nonzero(dirichlet)
    system.add(i, j, 0, 0, 1.0)
    system.rhs[system.index[i, j]] = dirichlet_values[i, j]
    _neumann_rows(system, *np.nonzero(neumann), normals, neumann_values)
    rest = domain & ~dirichlet & ~neumann
    if kind == "steady":
        fraction, value = crossings if crossings is not None else (None, None)
        if fraction is not None:
            fraction = np.where(np.isfinite(fraction), np.maximum(fraction, 1e-6), np.nan)
        system.steady(*np.nonzero(rest), c, source, fraction, value)
    else:
        _time_like_rows(
            system,
            kind,
            c,
            rest,
            source,
            dirichlet,
            dirichlet_values,
            neumann_values,
            normals,
            np.asarray(neumann_mask, dtype=bool),
        )
    u = np.zeros((height, width))
    u[domain] = system.solve()
    return u


def _time_like_rows(system, kind, c, rest, source, dirichlet, g, h, normals, neumann_mask):
    """Crank-Nicolson or Newmark rows (module docstring) for the pixels ``rest``."""
    height = rest.shape[0]
    if not system.index.min() >= 0:
        raise SciMLError(f"the {kind} (time-like) reference needs the whole square: no holes")
    if not dirichlet[-1].all():
        raise SciMLError(f"a {kind} problem needs Dirichlet initial values on the row y = -1")
    hy = system.hy
    c_y, c_yy = c[2], c[4]
    if kind == "parabolic":
        i, j = np.nonzero(rest)
        system.add(i, j, 0, 0, c_y / hy)
        system.add(i, j, 1, 0, -c_y / hy)
        system.stencil(i, j, c, 0.5, 0, space_only=True)
        system.stencil(i, j, c, 0.5, 1, space_only=True)
        system.rhs[system.index[i, j]] = 0.5 * (source[i, j] + source[i + 1, j])
        return
    n_y = normals[-1, :, 1]
    if not (neumann_mask[-1].all() and np.all(np.abs(n_y) > 0.5)):
        raise SciMLError(
            "a hyperbolic problem needs the initial slope u_y on the row y = -1 "
            "(Neumann data with normal (0, -1))"
        )
    first = rest.copy()
    first[:-2] = False
    i, j = np.nonzero(first)  # row H - 2: the Taylor step from the initial data
    g0, v0 = g[-1], h[-1] / n_y
    hx = system.hx
    jj = np.clip(j, 1, rest.shape[1] - 2)  # first-row unknowns are interior columns
    s_g0 = (
        c[0] * g0[jj]
        + c[1] * (g0[jj + 1] - g0[jj - 1]) / (2 * hx)
        + c[3] * (g0[jj + 1] - 2 * g0[jj] + g0[jj - 1]) / hx**2
    )
    accel = (source[-1, jj] - s_g0 - c_y * v0[jj]) / c_yy
    system.add(i, j, 0, 0, 1.0)
    system.rhs[system.index[i, j]] = g0[jj] + hy * v0[jj] + 0.5 * hy**2 * accel
    later = rest.copy()
    later[height - 2 :] = False
    i, j = np.nonzero(later)
    for di, w in ((0, 1.0), (1, -2.0), (2, 1.0)):
        system.add(i, j, di, 0, c_yy * w / hy**2)
    system.add(i, j, 0, 0, c_y / (2 * hy))
    system.add(i, j, 2, 0, -c_y / (2 * hy))
    for di, w in ((0, 0.25), (1, 0.5), (2, 0.25)):
        system.stencil(i, j, c, w, di, space_only=True)
    system.rhs[system.index[i, j]] = source[i + 1, j]
