"""Holes in [-1, 1]^2 and their boundary pixels on an image grid, the geometry of the ``linear2d``
problems and of HyPINO's training samples (Bischof et al., arXiv 2509.05117; reference code
``src/data/utils.py``: ``generate_random_shape``, ``generate_random_domain``).

The domain is the square [-1, 1]^2 minus holes (:class:`Disk`, :class:`Rectangle`,
:class:`Triangle`); an L-shape is the square minus a rectangle. On an H x W grid in the image
convention of :mod:`sciml.problems.pde_grids` (row 0 at y = +1, column 0 at x = -1):

- :func:`domain_mask`: pixels in the domain (a hole holds its open interior, so a pixel exactly
  on a hole's edge belongs to the domain);
- :func:`boundary_mask`: domain pixels within ``thickness`` 4-neighbour steps of a pixel outside
  the domain or of the image edge (the paper's boundary lines are 2-3 pixels wide);
- :func:`boundary_parts`: the boundary split by the nearest part: the four sides of the square
  (``bottom`` y = -1, ``left``, ``right``, ``top``; a tie goes to the first in that order, so for
  a time-like problem the initial row keeps its corners and ``top`` none) and each hole
  (``hole0``, ``hole1``, ...);
- :func:`boundary_normals`: the outward unit normal of the domain at each boundary pixel, analytic
  for the part it belongs to (a side's normal; for a hole, pointing into the hole: towards a
  disk's centre, along the rectangle's face or the triangle's edge nearest the pixel), so
  Neumann data h = grad u . n is exact for a formula u.

:func:`random_holes` draws 0 to ``n_max`` holes as the paper's generator does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage

from sciml.core.errors import SciMLError
from sciml.problems.pde_grids import grid_axes

SIDES = ("bottom", "left", "right", "top")
SIDE_NORMALS = {"bottom": (0.0, -1.0), "left": (-1.0, 0.0), "right": (1.0, 0.0), "top": (0.0, 1.0)}


def _area2(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Twice the signed area of the triangle a, b, c (positive counter-clockwise)."""
    return float((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))


def _polygon_perimeter(vertices: np.ndarray) -> float:
    return float(np.linalg.norm(np.roll(vertices, -1, axis=0) - vertices, axis=-1).sum())


def _polygon_point(vertices: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points at arc-length fractions t in [0, 1) along the closed polygon."""
    edges = np.roll(vertices, -1, axis=0) - vertices
    lengths = np.linalg.norm(edges, axis=-1)
    ends = np.cumsum(lengths)
    s = np.asarray(t) * ends[-1]
    k = np.minimum(np.searchsorted(ends, s, side="right"), len(edges) - 1)
    fraction = (s - (ends[k] - lengths[k])) / lengths[k]
    points = vertices[k] + fraction[..., None] * edges[k]
    return points[..., 0], points[..., 1]


@dataclass(frozen=True)
class Disk:
    """The open disk of centre (cx, cy) and radius r."""

    cx: float
    cy: float
    r: float

    def contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return (x - self.cx) ** 2 + (y - self.cy) ** 2 < self.r**2

    def distance(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Distance from (x, y) to the circle."""
        return np.abs(np.hypot(x - self.cx, y - self.cy) - self.r)

    def normal(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """(..., 2) unit vectors from (x, y) towards the centre (the domain's outward normal)."""
        dx, dy = self.cx - x, self.cy - y
        norm = np.maximum(np.hypot(dx, dy), 1e-300)
        return np.stack([dx / norm, dy / norm], axis=-1)

    @property
    def perimeter(self) -> float:
        return 2 * np.pi * self.r

    def point_at(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Points of the circle at arc-length fractions t in [0, 1)."""
        angle = 2 * np.pi * t
        return self.cx + self.r * np.cos(angle), self.cy + self.r * np.sin(angle)


@dataclass(frozen=True)
class Rectangle:
    """The open rectangle (x0, x1) x (y0, y1), x0 < x1, y0 < y1; a side on or beyond the
    square's edge (x1 >= 1, ...) holds the pixels on that edge too, so that the square minus
    Rectangle(0, 0, 1, 1) is an L-shape with no stray line of pixels at x = 1 or y = 1."""

    x0: float
    y0: float
    x1: float
    y1: float

    def _outside(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Signed distances outside the x and y slabs (negative inside)."""
        x0, x1 = (-np.inf if self.x0 <= -1 else self.x0), (np.inf if self.x1 >= 1 else self.x1)
        y0, y1 = (-np.inf if self.y0 <= -1 else self.y0), (np.inf if self.y1 >= 1 else self.y1)
        return np.maximum(x0 - x, x - x1), np.maximum(y0 - y, y - y1)

    def _faces(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Signed distances to the rectangle's own faces (as if nothing extended past the
        square)."""
        return np.maximum(self.x0 - x, x - self.x1), np.maximum(self.y0 - y, y - self.y1)

    def contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        sx, sy = self._outside(x, y)
        return (sx < 0) & (sy < 0)

    def distance(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Distance from (x, y) to the rectangle's edges."""
        sx, sy = self._faces(x, y)
        outside = np.hypot(np.maximum(sx, 0.0), np.maximum(sy, 0.0))
        return np.where((sx < 0) & (sy < 0), -np.maximum(sx, sy), outside)

    def normal(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """(..., 2): the normal of the face that (x, y) lies farthest outside of, pointing into
        the rectangle (the domain's outward normal there)."""
        sx, sy = self._faces(x, y)
        along_x = sx >= sy
        nx = np.where(along_x, np.where(x < (self.x0 + self.x1) / 2, 1.0, -1.0), 0.0)
        ny = np.where(along_x, 0.0, np.where(y < (self.y0 + self.y1) / 2, 1.0, -1.0))
        return np.stack([nx, ny], axis=-1)

    def _corners(self) -> np.ndarray:
        return np.array(
            [[self.x0, self.y0], [self.x1, self.y0], [self.x1, self.y1], [self.x0, self.y1]]
        )

    @property
    def perimeter(self) -> float:
        return _polygon_perimeter(self._corners())

    def point_at(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Points of the edges at arc-length fractions t in [0, 1)."""
        return _polygon_point(self._corners(), t)


@dataclass(frozen=True)
class Triangle:
    """The open triangle with vertices a, b, c (any orientation, nonzero area)."""

    a: tuple[float, float]
    b: tuple[float, float]
    c: tuple[float, float]

    def _vertices(self) -> np.ndarray:
        """(3, 2) vertices in counter-clockwise order."""
        v = np.array([self.a, self.b, self.c], dtype=np.float64)
        return v if _area2(v[0], v[1], v[2]) > 0 else v[[0, 2, 1]]

    def _edges(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per edge k (last axis): the signed distance of (x, y) to its line (positive inside)
        and the distance to the segment."""
        v = self._vertices()
        start, direction = v, np.roll(v, -1, axis=0) - v
        length = np.linalg.norm(direction, axis=-1)
        px, py = x[..., None] - start[:, 0], y[..., None] - start[:, 1]
        signed = (direction[:, 0] * py - direction[:, 1] * px) / length
        t = np.clip((px * direction[:, 0] + py * direction[:, 1]) / length**2, 0.0, 1.0)
        segment = np.hypot(px - t * direction[:, 0], py - t * direction[:, 1])
        return signed, segment

    def contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.all(self._edges(np.asarray(x), np.asarray(y))[0] > 0, axis=-1)

    def distance(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Distance from (x, y) to the triangle's edges."""
        return self._edges(np.asarray(x), np.asarray(y))[1].min(axis=-1)

    def normal(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """(..., 2): the inward normal of the edge nearest (x, y) (the domain's outward normal)."""
        v = self._vertices()
        direction = np.roll(v, -1, axis=0) - v
        inward = np.stack([-direction[:, 1], direction[:, 0]], axis=-1)
        inward = inward / np.linalg.norm(inward, axis=-1, keepdims=True)
        nearest = self._edges(np.asarray(x), np.asarray(y))[1].argmin(axis=-1)
        return inward[nearest]

    @property
    def perimeter(self) -> float:
        return _polygon_perimeter(self._vertices())

    def point_at(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Points of the edges at arc-length fractions t in [0, 1)."""
        return _polygon_point(self._vertices(), t)


Shape = Disk | Rectangle | Triangle


def _grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    x, y = grid_axes(height, width)
    return np.meshgrid(x, y)


def domain_mask(height: int, width: int, holes: tuple[Shape, ...] | list[Shape] = ()) -> np.ndarray:
    """(H, W) bool: pixels of [-1, 1]^2 outside every hole."""
    if height < 3 or width < 3:
        raise SciMLError(f"a grid needs at least 3 x 3 pixels; got {height} x {width}")
    xx, yy = _grid(height, width)
    inside = np.ones((height, width), dtype=bool)
    for hole in holes:
        inside &= ~hole.contains(xx, yy)
    return inside


def boundary_mask(domain: np.ndarray, thickness: int = 1) -> np.ndarray:
    """(H, W) bool: domain pixels within ``thickness`` 4-neighbour steps of a non-domain pixel or
    of the image edge."""
    if thickness < 1:
        raise SciMLError(f"boundary thickness must be >= 1 pixel; got {thickness}")
    cross = ndimage.generate_binary_structure(2, 1)
    interior = ndimage.binary_erosion(domain, cross, iterations=thickness, border_value=0)
    return domain & ~interior


def boundary_parts(
    height: int, width: int, holes: tuple[Shape, ...] | list[Shape] = (), thickness: int = 1
) -> dict[str, np.ndarray]:
    """Disjoint (H, W) bool masks whose union is the boundary: ``bottom``, ``left``, ``right``,
    ``top`` (sides of the square) and ``hole0``, ``hole1``, ... (each hole), each boundary pixel
    given to the part nearest to it (ties to the first in that order)."""
    xx, yy = _grid(height, width)
    boundary = boundary_mask(domain_mask(height, width, holes), thickness)
    distances = [yy + 1.0, xx + 1.0, 1.0 - xx, 1.0 - yy]
    distances += [hole.distance(xx, yy) for hole in holes]
    nearest = np.argmin(np.stack(distances), axis=0)
    names = list(SIDES) + [f"hole{k}" for k in range(len(holes))]
    return {name: boundary & (nearest == k) for k, name in enumerate(names)}


def boundary_normals(
    height: int, width: int, holes: tuple[Shape, ...] | list[Shape] = (), thickness: int = 1
) -> np.ndarray:
    """(H, W, 2) outward unit normals (n_x, n_y) of the domain at boundary pixels (zero
    elsewhere), each from the part of :func:`boundary_parts` the pixel belongs to."""
    xx, yy = _grid(height, width)
    normals = np.zeros((height, width, 2))
    for name, mask in boundary_parts(height, width, holes, thickness).items():
        if name in SIDE_NORMALS:
            normals[mask] = SIDE_NORMALS[name]
        else:
            normals[mask] = holes[int(name[4:])].normal(xx[mask], yy[mask])
    return normals


DIRECTIONS = ((-1, 0), (1, 0), (0, -1), (0, 1))  # up (y + h), down, left, right: (row, column)


def hole_crossings(
    height: int, width: int, holes: tuple[Shape, ...] | list[Shape] = ()
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where the grid line from a domain pixel to a neighbour inside a hole (each of
    :data:`DIRECTIONS`) enters the holes: (fraction, x, y, hole), each (H, W, 4): the distance
    in steps (0, 1], the point, the index of the hole it enters (NaN / -1 for the other
    neighbours). Found by 48 bisection steps on ``contains`` (any shape, to 1e-14 of a step)."""
    xx, yy = _grid(height, width)
    domain = domain_mask(height, width, holes)
    outside = ~np.pad(domain, 1, constant_values=True)  # the image's edge is not a hole
    fraction = np.full((height, width, 4), np.nan)
    cx, cy = np.full_like(fraction, np.nan), np.full_like(fraction, np.nan)
    which = np.full((height, width, 4), -1)
    hx, hy = 2.0 / (width - 1), 2.0 / (height - 1)

    def inside(x, y):
        return np.any([hole.contains(x, y) for hole in holes], axis=0)

    for k, (di, dj) in enumerate(DIRECTIONS):
        cut = domain & outside[1 + di : 1 + di + height, 1 + dj : 1 + dj + width]
        x0, y0 = xx[cut], yy[cut]
        sx, sy = dj * hx, -di * hy
        low, high = np.zeros(len(x0)), np.ones(len(x0))
        for _ in range(48):
            mid = (low + high) / 2
            into = inside(x0 + mid * sx, y0 + mid * sy)
            high, low = np.where(into, mid, high), np.where(into, low, mid)
        px, py = x0 + high * sx, y0 + high * sy
        fraction[cut, k], cx[cut, k], cy[cut, k] = high, px, py
        if len(px):
            which[cut, k] = np.argmax([hole.contains(px, py) for hole in holes], axis=0)
    return fraction, cx, cy, which


def random_holes(generator: np.random.Generator, n_max: int = 3) -> list[Shape]:
    """0 to ``n_max`` holes (uniform count), each a disk, rectangle or triangle with equal
    probability, drawn as the paper's ``generate_random_shape`` on [-1, 1]^2: a disk of centre
    U[-1, 1]^2 and radius U[0.25, 0.5]; a rectangle with lower corner U[-1, 1]^2 and sides
    U[0, 0.5]; a triangle of three vertices within 0.5 (per axis) of a centre U[-1, 1]^2. Holes
    may reach outside the square. Degenerate triangles (area < 1e-3) are redrawn."""
    holes: list[Shape] = []
    for _ in range(int(generator.integers(0, n_max + 1))):
        kind = generator.integers(3)
        centre = generator.uniform(-1.0, 1.0, size=2)
        if kind == 0:
            holes.append(Disk(float(centre[0]), float(centre[1]), generator.uniform(0.25, 0.5)))
        elif kind == 1:
            side = generator.uniform(1e-6, 0.5, size=2)
            x0, y0 = (float(c) for c in centre)
            holes.append(Rectangle(x0, y0, x0 + float(side[0]), y0 + float(side[1])))
        else:
            while True:
                v = centre + generator.uniform(-0.5, 0.5, size=(3, 2))
                if abs(_area2(*v)) / 2 >= 1e-3:
                    break
            holes.append(Triangle(*(tuple(float(c) for c in p) for p in v)))
    return holes


def side_point(side: str, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points of a side of the square (``bottom``, ``left``, ``right``, ``top``) at fractions
    t in [0, 1) of its length (2)."""
    s, one = 2 * np.asarray(t) - 1, np.ones(np.shape(t))
    return {"bottom": (s, -one), "top": (s, one), "left": (-one, s), "right": (one, s)}[side]


def hole_from_text(text: str) -> Shape:
    """A hole from a line of a problem file: ``disk CX CY R``, ``rectangle X0 Y0 X1 Y1`` or
    ``triangle X1 Y1 X2 Y2 X3 Y3`` (numbers separated by spaces)."""
    words = str(text).split()
    counts = {"disk": 3, "rectangle": 4, "triangle": 6}
    if not words or words[0] not in counts:
        raise SciMLError(f"hole {text!r}: start with one of {', '.join(counts)}")
    kind, numbers = words[0], words[1:]
    if len(numbers) != counts[kind]:
        raise SciMLError(f"hole {text!r}: a {kind} takes {counts[kind]} numbers")
    try:
        v = [float(w) for w in numbers]
    except ValueError:
        raise SciMLError(f"hole {text!r}: malformed numbers") from None
    if not np.all(np.isfinite(v)):
        raise SciMLError(f"hole {text!r}: numbers must be finite")
    if kind == "disk":
        return hole_from_table({"shape": kind, "center": v[:2], "radius": v[2]})
    if kind == "rectangle":
        return hole_from_table({"shape": kind, "lower": v[:2], "upper": v[2:]})
    return hole_from_table({"shape": kind, "vertices": [v[:2], v[2:4], v[4:]]})


def hole_from_table(table: dict[str, Any]) -> Shape:
    """A hole from a problem file's table: ``{shape = "disk", center = [x, y], radius = r}``,
    ``{shape = "rectangle", lower = [x0, y0], upper = [x1, y1]}`` or
    ``{shape = "triangle", vertices = [[x, y], [x, y], [x, y]]}``."""
    keys = {
        "disk": ("center", "radius"),
        "rectangle": ("lower", "upper"),
        "triangle": ("vertices",),
    }
    kind = table.get("shape")
    if kind not in keys:
        raise SciMLError(f"hole shape {kind!r} is unknown; choose from {', '.join(keys)}")
    missing = [k for k in keys[kind] if k not in table]
    if missing:
        raise SciMLError(f"a {kind} hole needs keys {list(keys[kind])}; missing {missing}")
    try:
        if kind == "disk":
            (cx, cy), r = table["center"], float(table["radius"])
            if r <= 0:
                raise SciMLError(f"a disk hole needs radius > 0; got {r}")
            return Disk(float(cx), float(cy), r)
        if kind == "rectangle":
            (x0, y0), (x1, y1) = table["lower"], table["upper"]
            if not (x0 < x1 and y0 < y1):
                raise SciMLError(f"a rectangle hole needs lower < upper; got {table}")
            return Rectangle(float(x0), float(y0), float(x1), float(y1))
        a, b, c = (tuple(float(v) for v in p) for p in table["vertices"])
    except (TypeError, ValueError) as error:
        raise SciMLError(f"hole {table} has malformed numbers: {error}") from None
    if any(len(p) != 2 for p in (a, b, c)):
        raise SciMLError(f"triangle vertices must be [x, y] pairs; got {table['vertices']}")
    if _area2(np.array(a), np.array(b), np.array(c)) == 0:
        raise SciMLError(f"triangle {table['vertices']} has zero area")
    return Triangle(a, b, c)  # type: ignore[arg-type]
