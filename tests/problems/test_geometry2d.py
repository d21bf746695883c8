"""Holes, domain and boundary masks, normals and the random hole generator."""

import numpy as np
import pytest

from sciml.core.errors import SciMLError
from sciml.problems.geometry2d import (
    Disk,
    Rectangle,
    Triangle,
    boundary_mask,
    boundary_normals,
    boundary_parts,
    domain_mask,
    hole_crossings,
    hole_from_table,
    hole_from_text,
    random_holes,
    side_point,
)
from sciml.problems.pde_grids import grid_axes


def test_contains_points_of_each_shape():
    x = np.array([0.0, 0.29, 0.31, 0.3])
    y = np.array([0.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(Disk(0, 0, 0.3).contains(x, y), [True, True, False, False])
    rect = Rectangle(-0.5, -0.25, 0.5, 0.25)
    np.testing.assert_array_equal(
        rect.contains(np.array([0.0, 0.5, 0.49, 0.0]), np.array([0.0, 0.0, 0.2, 0.3])),
        [True, False, True, False],
    )
    for vertices in [((0, 0), (1, 0), (0, 1)), ((0, 0), (0, 1), (1, 0))]:  # both orientations
        tri = Triangle(*vertices)
        np.testing.assert_array_equal(
            tri.contains(np.array([0.2, 0.6, -0.1, 0.5]), np.array([0.2, 0.6, 0.1, 0.0])),
            [True, False, False, False],
        )


def test_domain_mask_follows_the_image_convention():
    # an L-shape: the square minus the upper-right quadrant; row 0 is y = +1, column 0 is x = -1
    mask = domain_mask(5, 5, [Rectangle(0, 0, 1, 1)])
    expected = np.array(
        [[1, 1, 1, 0, 0], [1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1]],
        dtype=bool,
    )
    np.testing.assert_array_equal(mask, expected)


def test_boundary_mask_is_a_band_of_the_given_thickness():
    domain = np.ones((9, 9), dtype=bool)
    one, two = boundary_mask(domain, 1), boundary_mask(domain, 2)
    assert one.sum() == 81 - 49 and two.sum() == 81 - 25
    assert not one[1:-1, 1:-1].any() and two[1, 1:-1].all()
    # a hole's pixel makes its 4 neighbours boundary pixels
    domain[4, 4] = False
    band = boundary_mask(domain, 1)
    assert band[3, 4] and band[5, 4] and band[4, 3] and band[4, 5] and not band[3, 3]
    with pytest.raises(SciMLError, match="thickness"):
        boundary_mask(domain, 0)


def test_boundary_parts_are_disjoint_and_cover_the_boundary():
    holes = [Disk(0.3, 0.3, 0.2), Triangle((-0.6, -0.6), (-0.2, -0.6), (-0.4, -0.2))]
    parts = boundary_parts(41, 41, holes, thickness=2)
    total = sum(p.astype(int) for p in parts.values())
    band = boundary_mask(domain_mask(41, 41, holes), 2)
    np.testing.assert_array_equal(total, band.astype(int))
    # the initial row keeps its corners; the top side loses its corners to left/right
    assert parts["bottom"][-1].all() and not parts["top"][0, 0] and parts["left"][0, 0]
    assert parts["hole0"].sum() > 0 and parts["hole1"].sum() > 0


def test_normals_are_unit_and_analytic():
    holes = [
        Disk(0.3, 0.3, 0.2),
        Rectangle(-0.8, 0.4, -0.4, 0.8),
        Triangle((-0.6, -0.6), (-0.2, -0.6), (-0.4, -0.2)),
    ]
    n, parts = boundary_normals(61, 61, holes), boundary_parts(61, 61, holes)
    band = boundary_mask(domain_mask(61, 61, holes))
    np.testing.assert_allclose(np.linalg.norm(n[band], axis=-1), 1.0)
    assert not n[~band].any()
    x, y = grid_axes(61, 61)
    xx, yy = np.meshgrid(x, y)
    np.testing.assert_array_equal(n[parts["left"]], [[-1.0, 0.0]] * parts["left"].sum())
    np.testing.assert_array_equal(n[parts["bottom"]], [[0.0, -1.0]] * parts["bottom"].sum())
    # the disk: towards its centre
    on = parts["hole0"]
    towards = np.stack([0.3 - xx[on], 0.3 - yy[on]], -1)
    np.testing.assert_allclose(n[on], towards / np.linalg.norm(towards, axis=-1, keepdims=True))
    # the rectangle: the pixel on its left side points right, the one on its top side points down
    j_left, i_mid = np.argmin(np.abs(x + 0.8)), np.argmin(np.abs(y - 0.6))
    np.testing.assert_allclose(n[i_mid, j_left], [1.0, 0.0])
    i_top, j_mid = np.argmin(np.abs(y - 0.8)), np.argmin(np.abs(x + 0.6))
    np.testing.assert_allclose(n[i_top, j_mid], [0.0, -1.0])
    # the triangle's bottom edge (y = -0.6): the pixel on it points up
    i_below, j_mid = np.argmin(np.abs(y + 0.6)), np.argmin(np.abs(x + 0.4))
    np.testing.assert_allclose(n[i_below, j_mid], [0.0, 1.0])


def test_random_holes_follow_the_paper_ranges():
    generator = np.random.default_rng(0)
    draws = [random_holes(generator) for _ in range(300)]
    counts = np.bincount([len(d) for d in draws], minlength=4)
    assert len(counts) == 4 and counts.min() > 40  # 0..3 holes, each count about 75 times
    holes = [h for d in draws for h in d]
    kinds = {cls: sum(isinstance(h, cls) for h in holes) for cls in (Disk, Rectangle, Triangle)}
    assert min(kinds.values()) > 100
    radii = np.array([h.r for h in holes if isinstance(h, Disk)])
    assert 0.25 <= radii.min() and radii.max() <= 0.5
    sides = np.array([(h.x1 - h.x0, h.y1 - h.y0) for h in holes if isinstance(h, Rectangle)])
    assert sides.min() > 0 and sides.max() <= 0.5
    assert random_holes(np.random.default_rng(1)) == random_holes(np.random.default_rng(1))


def test_hole_from_table_reads_shapes_and_refuses_bad_ones():
    assert hole_from_table({"shape": "disk", "center": [0, 0.5], "radius": 0.2}) == Disk(
        0, 0.5, 0.2
    )
    assert hole_from_table({"shape": "rectangle", "lower": [0, 0], "upper": [1, 1]}) == Rectangle(
        0, 0, 1, 1
    )
    tri = hole_from_table({"shape": "triangle", "vertices": [[0, 0], [1, 0], [0, 1]]})
    assert tri == Triangle((0, 0), (1, 0), (0, 1))
    for bad, match in [
        ({"shape": "ellipse"}, "unknown"),
        ({"shape": "disk", "center": [0, 0]}, "missing"),
        ({"shape": "disk", "center": [0, 0], "radius": -1}, "radius"),
        ({"shape": "rectangle", "lower": [1, 0], "upper": [0, 1]}, "lower < upper"),
        ({"shape": "triangle", "vertices": [[0, 0], [1, 1], [2, 2]]}, "zero area"),
        ({"shape": "disk", "center": [0, "a"], "radius": 1}, "malformed"),
    ]:
        with pytest.raises(SciMLError, match=match):
            hole_from_table(bad)


def test_perimeters_and_points_along_them():
    t = np.linspace(0, 1, 400, endpoint=False)
    for shape, length in [
        (Disk(0.1, 0.2, 0.3), 2 * np.pi * 0.3),
        (Rectangle(-0.5, -0.25, 0.5, 0.25), 3.0),
        (Triangle((0, 0), (0.3, 0), (0, 0.4)), 1.2),
    ]:
        assert shape.perimeter == pytest.approx(length)
        x, y = shape.point_at(t)
        np.testing.assert_allclose(shape.distance(x, y), 0.0, atol=1e-12)
        # uniform in arc length: consecutive points one 400th of the perimeter apart (less
        # where they cut a corner)
        steps = np.hypot(np.diff(x), np.diff(y))
        assert np.median(steps) == pytest.approx(length / 400, rel=1e-4)
        assert steps.max() == pytest.approx(length / 400, rel=1e-4)
    x, y = side_point("left", np.array([0.0, 0.5]))
    np.testing.assert_array_equal(np.stack([x, y]), [[-1, -1], [-1, 0]])


def test_hole_from_text():
    assert hole_from_text("disk 0 0.5 0.2") == Disk(0, 0.5, 0.2)
    assert hole_from_text("rectangle 0 0 1 1") == Rectangle(0, 0, 1, 1)
    assert hole_from_text("triangle 0 0 1 0 0 1") == Triangle((0, 0), (1, 0), (0, 1))
    for bad, match in [
        ("blob 1", "start with"),
        ("disk 1 2", "takes 3"),
        ("disk 0 0 x", "malformed"),
    ]:
        with pytest.raises(SciMLError, match=match):
            hole_from_text(bad)


def test_hole_crossings_find_the_true_curve():
    disk = Disk(0.05, -0.02, 0.3)
    n = 41
    fraction, cx, cy, which = hole_crossings(n, n, [disk])
    found = np.isfinite(fraction)
    assert found.sum() > 40 and np.all((fraction[found] > 0) & (fraction[found] <= 1))
    np.testing.assert_allclose(disk.distance(cx[found], cy[found]), 0.0, atol=1e-12)
    assert np.all(which[found] == 0) and np.all(which[~found] == -1)
    # the crossing lies on the grid line from the pixel towards the neighbour: e.g. rightwards
    x, y = grid_axes(n, n)
    xx, yy = np.meshgrid(x, y)
    right = found[..., 3]
    np.testing.assert_allclose(cy[right, 3], yy[right])
    np.testing.assert_allclose(cx[right, 3], xx[right] + fraction[right, 3] * 2 / (n - 1))
