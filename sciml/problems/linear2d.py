"""Linear 2D PDEs with constant coefficients on [-1, 1]^2 with holes, the family of HyPINO
(Bischof & Bickel, "HyPINO: Multi-Physics Neural Operators via HyperPINNs and the Method of
Manufactured Solutions", arXiv 2509.05117) and its seven benchmarks (``problems/heat.toml``, ...):

    L u = c_u u + c_x u_x + c_y u_y + c_xx u_xx + c_yy u_yy = f   on  [-1, 1]^2 minus holes,
    u = g on Dirichlet parts of the boundary,  du/dn = h on Neumann parts (n outward).

For hyperbolic operators (c_xx c_yy < 0) and those first order in y (c_yy = 0, c_y != 0) y plays
the role of time: the row y = -1 carries the initial data (Dirichlet u; for hyperbolic ones also
Neumann h = du/dn = -u_y) and the side y = +1 none.

Problem-file parameters (all overridable with ``--set``):

- ``coefficients``: the list [c_u, c_x, c_y, c_xx, c_yy];
- ``source``: f as a formula in x, y; or ``solution``: an exact u (formula), from which f = L u
  and all boundary data follow (derivatives by autograd, exact);
- ``holes``: lines ``disk CX CY R``, ``rectangle X0 Y0 X1 Y1``, ``triangle X1 Y1 X2 Y2 X3 Y3``
  (an L-shape is the square minus ``rectangle 0 0 1 1``);
- ``boundary``: lines ``PART KIND [FORMULA]``, PART one of bottom, left, right, top, sides (all
  four), holes (all), hole0, hole1, ...; KIND dirichlet (u = FORMULA) or neumann (du/dn =
  FORMULA); with a ``solution`` the formula may be left out. Later lines win for a part;
- ``resolution``: the reference grid (pixels per side); ``thickness``: the width in pixels of the
  boundary lines of :meth:`Linear2D.pde_grids` (2-3 as the paper).

The reference is :mod:`sciml.reference.masked_fd` on the ``resolution`` x ``resolution`` image
grid, scored on the domain's pixels only (``FieldReference.mask``). A PINN trains on the residual
and the Dirichlet parts (points on the true curves); Neumann data is not part of its loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from sciml.core.derivatives import Fields
from sciml.core.errors import SciMLError
from sciml.core.expressions import Expression
from sciml.problems.base import EQUATIONS, Equation, FieldReference, LinearOperator
from sciml.problems.geometry2d import (
    DIRECTIONS,
    SIDES,
    boundary_normals,
    boundary_parts,
    domain_mask,
    hole_crossings,
    hole_from_text,
    side_point,
)
from sciml.problems.pde_grids import COEFFICIENTS, PDEGrids, grid_axes
from sciml.problems.spec import ProblemSpec
from sciml.reference.masked_fd import operator_class, solve_masked

KINDS = ("dirichlet", "neumann")


@dataclass(frozen=True)
class Condition:
    """Boundary data of one part: u = formula (dirichlet) or du/dn = formula (neumann); None:
    from the exact solution."""

    kind: str
    formula: Expression | None


def _derivatives(formula: Expression, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(5, N): u, u_x, u_y, u_xx, u_yy of a formula at points, by autograd in float64."""
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64).ravel()).requires_grad_(True)
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64).ravel()).requires_grad_(True)
    with torch.enable_grad():
        u = torch.as_tensor(formula(x=xt, y=yt), dtype=torch.float64).expand(xt.shape)

        def grad(f, v):
            if not f.requires_grad:
                return torch.zeros_like(v)
            (g,) = torch.autograd.grad(f.sum(), v, create_graph=True, allow_unused=True)
            return torch.zeros_like(v) if g is None else g

        u_x, u_y = grad(u, xt), grad(u, yt)
        terms = [u, u_x, u_y, grad(u_x, xt), grad(u_y, yt)]
    return np.stack([t.detach().numpy() for t in terms])


@EQUATIONS.register("linear2d")
class Linear2D(Equation):
    inputs = ("x", "y")
    outputs = ("u",)
    time_input = None
    provides = frozenset({"residual", "steady", "linear_operator", "pde_grids"})
    equation_text = "c_u u + c_x u_x + c_y u_y + c_xx u_xx + c_yy u_yy = f on [-1,1]^2 minus holes"

    def __init__(self, spec: ProblemSpec, task: str, params: dict, seed: int = 0) -> None:
        super().__init__(spec, task, params, seed)
        c = np.asarray(params["coefficients"], dtype=np.float64)
        if c.shape != (5,) or not np.any(c):
            raise SciMLError(
                f"coefficients must be 5 numbers [c_u, c_x, c_y, c_xx, c_yy], not all zero; got "
                f"{params['coefficients']}"
            )
        self.c = c
        self.kind = operator_class(c)
        self.holes = [hole_from_text(h) for h in params.get("holes", [])]
        text = str(params.get("solution", "")).strip()
        self.solution = Expression(text, self.inputs) if text else None
        self.source = Expression(str(params.get("source", "0")), self.inputs)
        self.conditions = self._read_boundary(params.get("boundary", []))
        bottom = self.conditions.get("bottom")
        if self.kind != "steady" and (bottom is None or bottom.kind != "dirichlet"):
            raise SciMLError(
                f"problem {self.name}: a {self.kind} (time-like) operator needs Dirichlet initial "
                "values: write 'bottom dirichlet ...'"
            )
        if self.kind != "steady" and self.holes:
            raise SciMLError(
                f"problem {self.name}: a {self.kind} (time-like) operator needs the whole square; "
                "remove the holes"
            )
        dirichlet = any(cond.kind == "dirichlet" for cond in self.conditions.values())
        if self.kind == "steady" and c[0] == 0 and not dirichlet:
            raise SciMLError(
                f"problem {self.name}: with no u term and Neumann data only, u is determined up to "
                "a constant; make a part Dirichlet"
            )

    # -- the problem file -----------------------------------------------------------------
    def _read_boundary(self, lines: list[str]) -> dict[str, Condition]:
        parts = list(SIDES) + [f"hole{k}" for k in range(len(self.holes))]
        groups = {"sides": list(SIDES), "holes": parts[len(SIDES) :]}
        conditions: dict[str, Condition] = {}
        for line in lines:
            words = str(line).split(maxsplit=2)
            if len(words) < 2 or words[1] not in KINDS:
                raise SciMLError(f"boundary line {line!r}: write PART dirichlet|neumann [FORMULA]")
            part, kind = words[0], words[1]
            if part not in parts and part not in groups:
                raise SciMLError(
                    f"boundary line {line!r}: unknown part {part!r}; choose from "
                    f"{', '.join(parts + list(groups))}"
                )
            if len(words) < 3 and self.solution is None:
                raise SciMLError(f"boundary line {line!r} needs a formula (no exact solution)")
            formula = Expression(words[2], self.inputs) if len(words) == 3 else None
            for name in groups.get(part, [part]):
                conditions[name] = Condition(kind, formula)
        needed = [p for p in parts if p != "top"] if self.kind != "steady" else parts
        missing = [p for p in needed if p not in conditions]
        if missing:
            raise SciMLError(f"problem {self.name}: no boundary condition for {', '.join(missing)}")
        return conditions

    @property
    def domain(self) -> dict[str, tuple[float, float]]:
        return {"x": (-1.0, 1.0), "y": (-1.0, 1.0)}

    def describe(self) -> str:
        terms = " + ".join(f"{v:g} {k}" for k, v in zip(COEFFICIENTS, self.c) if v)
        rhs = f"L u_exact, u = {self.solution.text}" if self.solution else self.source.text
        return f"{terms} = {rhs} on [-1,1]^2 minus {len(self.holes)} hole(s) ({self.kind})"

    # -- formulas -------------------------------------------------------------------------
    def _source(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self.solution is not None:
            return np.tensordot(self.c, _derivatives(self.solution, x, y), 1).reshape(np.shape(x))
        values = np.asarray(self.source(x=x, y=y), dtype=np.float64)
        return np.broadcast_to(values, np.shape(x)).copy()

    def _data(self, part: str, x: np.ndarray, y: np.ndarray, normals: np.ndarray) -> np.ndarray:
        """The boundary value of ``part`` at points: g, or h = du/dn with ``normals`` (N, 2)."""
        condition = self.conditions[part]
        if condition.formula is not None:
            values = condition.formula(x=x, y=y)
            return np.broadcast_to(np.asarray(values, dtype=np.float64), np.shape(x)).copy()
        d = _derivatives(self.solution, x, y)
        if condition.kind == "dirichlet":
            return d[0]
        return normals[:, 0] * d[1] + normals[:, 1] * d[2]

    # -- grids ----------------------------------------------------------------------------
    def pde_grids(self, height: int, width: int, thickness: int | None = None) -> PDEGrids:
        """The problem on an H x W image grid (row 0 at y = +1), boundary lines ``thickness``
        pixels wide (default: the ``thickness`` parameter)."""
        thickness = int(self.params.get("thickness", 2)) if thickness is None else thickness
        x, y = grid_axes(height, width)
        xx, yy = np.meshgrid(x, y)
        domain = domain_mask(height, width, self.holes)
        if not domain.any():
            raise SciMLError(f"problem {self.name}: the holes cover the whole square")
        normals = boundary_normals(height, width, self.holes, thickness)
        masks = {k: np.zeros((height, width), dtype=bool) for k in KINDS}
        values = {k: np.zeros((height, width)) for k in KINDS}
        for part, on in boundary_parts(height, width, self.holes, thickness).items():
            if part not in self.conditions or not on.any():
                continue
            kind = self.conditions[part].kind
            masks[kind] |= on
            values[kind][on] = self._data(part, xx[on], yy[on], normals[on])
            if self.kind == "hyperbolic" and part == "bottom":  # and the initial slope
                masks["neumann"] |= on
                values["neumann"][on] = self._initial_slope(xx[on], yy[on], normals[on])
        source = np.where(domain, self._source(xx, yy), 0.0)
        return PDEGrids(
            dict(zip(COEFFICIENTS, map(float, self.c))),
            source,
            domain,
            masks["dirichlet"],
            values["dirichlet"],
            masks["neumann"],
            values["neumann"],
        ).validate()

    def _initial_slope(self, x, y, normals) -> np.ndarray:
        """du/dn on the initial row of a hyperbolic problem: from the ``initial_slope``
        parameter (a formula of u_y) or the exact solution."""
        text = str(self.params.get("initial_slope", "")).strip()
        if text:
            slope = Expression(text, self.inputs)(x=x, y=y)
            return -np.broadcast_to(np.asarray(slope, dtype=np.float64), np.shape(x)).copy()
        if self.solution is None:
            raise SciMLError(f"problem {self.name} is hyperbolic: give initial_slope (u_y at y=-1)")
        d = _derivatives(self.solution, x, y)
        return normals[:, 0] * d[1] + normals[:, 1] * d[2]

    def boundary_normals(self, height: int, width: int, thickness: int | None = None):
        """(H, W, 2) outward unit normals at the boundary pixels of :meth:`pde_grids`."""
        thickness = int(self.params.get("thickness", 2)) if thickness is None else thickness
        return boundary_normals(height, width, self.holes, thickness)

    # -- reference ------------------------------------------------------------------------
    def reference_grid(self) -> tuple[int, int]:
        n = int(self.params["resolution"])
        return (n, n)

    def compute_reference(self) -> FieldReference:
        """The finite-difference solution on the ``resolution`` grid (boundary lines one pixel
        wide); Dirichlet holes of a steady problem enter with their true curve (crossings)."""
        n = int(self.params["resolution"])
        g = self.pde_grids(n, n, thickness=1)
        dirichlet, crossings = g.dirichlet_mask, None
        if self.kind == "steady" and self.holes:
            dirichlet, crossings = self._crossings(n, g.domain_mask, g.dirichlet_mask)
        u = solve_masked(
            g.coefficient_vector(),
            g.source,
            g.domain_mask,
            dirichlet,
            g.dirichlet_values,
            g.neumann_mask,
            g.neumann_values,
            self.boundary_normals(n, n, 1),
            crossings,
        )
        x, y = grid_axes(n, n)
        # image rows run down in y; the reference's tensor grid is values[ix, iy], y ascending
        return FieldReference(
            {"x": x, "y": y[::-1].copy()}, u[::-1].T[..., None].copy(), g.domain_mask[::-1].T.copy()
        )

    def _crossings(self, n: int, domain: np.ndarray, dirichlet: np.ndarray):
        """The Dirichlet mask without the pixels next to Dirichlet holes, and those holes'
        crossings with g on the true curve; a pixel keeps its own Dirichlet row where one of
        its outside neighbours is no Dirichlet hole (the image's edge, a Neumann hole)."""
        fraction, cx, cy, which = hole_crossings(n, n, self.holes)
        value = np.full(fraction.shape, np.nan)
        usable = np.isfinite(fraction)
        for k in range(len(self.holes)):
            on = which == k
            condition = self.conditions.get(f"hole{k}")
            if condition is None or condition.kind != "dirichlet":
                usable &= ~on
            elif on.any():
                value[on] = self._data(f"hole{k}", cx[on], cy[on], np.zeros((int(on.sum()), 2)))
        outside = ~np.pad(domain, 1, constant_values=False)
        cut = np.stack(
            [outside[1 + di : 1 + di + n, 1 + dj : 1 + dj + n] for di, dj in DIRECTIONS], -1
        )
        parts = boundary_parts(n, n, self.holes, 1)
        holes = np.zeros((n, n), dtype=bool)
        for k in range(len(self.holes)):
            holes |= parts[f"hole{k}"]
        embedded = dirichlet & holes & np.all(~cut | usable, axis=-1) & np.any(usable, axis=-1)
        fraction = np.where(embedded[..., None] & usable, fraction, np.nan)
        return dirichlet & ~embedded, (fraction, value)

    def exact_solution(self, points: np.ndarray) -> np.ndarray:
        if self.solution is None:
            raise SciMLError(f"problem {self.name} has no exact solution")
        points = np.asarray(points, dtype=np.float64)
        u = self.solution(x=points[:, 0], y=points[:, 1])
        return np.broadcast_to(np.asarray(u, dtype=np.float64), (len(points),))[:, None].copy()

    # -- physics-informed training --------------------------------------------------------
    def _inside(self, points: torch.Tensor) -> torch.Tensor:
        x, y = points[:, 0].numpy(), points[:, 1].numpy()
        keep = np.ones(len(points), dtype=bool)
        for hole in self.holes:
            keep &= ~hole.contains(x, y)
        return torch.from_numpy(keep)

    def sample_domain(self, n: int, generator: torch.Generator, **fixed: float) -> torch.Tensor:
        """``n`` uniform points of the square outside the holes (drawn in rounds of 2n)."""
        kept = []
        count = 0
        while count < n:
            points = super().sample_domain(2 * n, generator, **fixed)
            points = points[self._inside(points)]
            kept.append(points)
            count += len(points)
        return torch.cat(kept)[:n]

    def linear_operator(self) -> LinearOperator:
        coefficients = {k: float(v) for k, v in zip(COEFFICIENTS, self.c) if v}
        return LinearOperator(
            coefficients,
            lambda points: self._source(np.asarray(points)[:, 0], np.asarray(points)[:, 1])[
                :, None
            ],
        )

    def pde_residual(self, f: Fields) -> torch.Tensor:
        points = f.points.detach()
        source = self._source(points[:, 0].cpu().numpy(), points[:, 1].cpu().numpy())
        residual = -torch.as_tensor(source, dtype=points.dtype, device=points.device)
        derivatives = {
            "u": (),
            "u_x": ("x",),
            "u_y": ("y",),
            "u_xx": ("x", "x"),
            "u_yy": ("y", "y"),
        }
        for name, c in zip(COEFFICIENTS, self.c):
            if c:
                variables = derivatives[name]
                residual = residual + float(c) * (f.d("u", *variables) if variables else f["u"])
        return residual[:, None]

    def boundary_data(self, n: int, generator: torch.Generator):
        """``n`` points on the Dirichlet parts (uniform in arc length over all of them, on the
        true curves; those inside another hole or outside the square dropped) and g there."""
        curves = [p for p, c in self.conditions.items() if c.kind == "dirichlet"]
        if not curves:
            raise SciMLError(f"problem {self.name} has no Dirichlet boundary for a PINN")
        lengths = np.array(
            [2.0 if p in SIDES else self.holes[int(p[4:])].perimeter for p in curves]
        )
        kept: list[np.ndarray] = []
        count = 0
        while count < n:
            pick = torch.multinomial(
                torch.as_tensor(lengths / lengths.sum()), 2 * n, True, generator=generator
            ).numpy()
            t = torch.rand(2 * n, generator=generator, dtype=torch.float64).numpy()
            rows = np.zeros((2 * n, 3))  # x, y, g in the order drawn
            for k, part in enumerate(curves):
                on = pick == k
                shape = None if part in SIDES else self.holes[int(part[4:])]
                x, y = side_point(part, t[on]) if shape is None else shape.point_at(t[on])
                rows[on, 0], rows[on, 1] = x, y
                rows[on, 2] = self._data(part, x, y, np.zeros((len(x), 2)))
            keep = (np.abs(rows[:, 0]) <= 1 + 1e-12) & (np.abs(rows[:, 1]) <= 1 + 1e-12)
            # a hole's own curve tests as inside it by rounding: drop those points only where
            # they lie on the square's edge (a hole's side on the edge, as the L-shape's)
            edge = np.abs(rows[:, :2]).max(axis=1) >= 1 - 1e-12
            for k, hole in enumerate(self.holes):
                own = np.array([p == f"hole{k}" for p in curves])[pick] & ~edge
                keep &= own | ~hole.contains(rows[:, 0], rows[:, 1])
            kept.append(rows[keep])
            count += int(keep.sum())
        rows = torch.as_tensor(np.concatenate(kept)[:n])
        return rows[:, :2].contiguous(), rows[:, 2:].contiguous()
