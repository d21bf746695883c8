"""Random domains for HyPINO's training data: [-1, 1]^2 minus 0-3 random holes (disks,
rectangles, triangles: :func:`sciml.problems.geometry2d.random_holes`, the paper's
``generate_random_domain``), rasterized with one-pixel boundary lines.

Each hole's boundary is Neumann with probability 1/2 and Dirichlet when it is not Neumann, or
else with probability 1/2 (both), as the reference's ``supervised.py``. The square's sides are
returned separately (the operator type decides their conditions, :mod:`.mms`). Normals are the
geometry's exact outward normals (``geometry2d.boundary_normals``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from sciml.problems.geometry2d import (
    SIDES,
    Shape,
    boundary_normals,
    boundary_parts,
    domain_mask,
    random_holes,
)


@dataclass
class Domains:
    domain: torch.Tensor  # (B, H, W) bool
    sides: dict[str, torch.Tensor]  # bottom, left, right, top: (B, H, W) bool
    hole_dirichlet: torch.Tensor  # (B, H, W) bool
    hole_neumann: torch.Tensor  # (B, H, W) bool
    normals: torch.Tensor  # (B, 2, H, W) float64
    holes: list[list[Shape]]


def random_domains(
    batch: int, height: int, width: int, generator: torch.Generator, n_max: int = 3
) -> Domains:
    """``batch`` random domains (a numpy generator seeded from ``generator``)."""
    rng = np.random.default_rng(int(torch.randint(2**62, (1,), generator=generator)))
    domain, dirichlet, neumann, normals, holes = [], [], [], [], []
    sides: dict[str, list[np.ndarray]] = {side: [] for side in SIDES}
    for _ in range(batch):
        shapes = random_holes(rng, n_max)
        parts = boundary_parts(height, width, shapes, 1)
        d = np.zeros((height, width), bool)
        n = np.zeros((height, width), bool)
        for k in range(len(shapes)):
            on = parts[f"hole{k}"]
            is_neumann = rng.uniform() < 0.5
            n |= on if is_neumann else False
            d |= on if (not is_neumann or rng.uniform() < 0.5) else False
        for side in SIDES:
            sides[side].append(parts[side])
        domain.append(domain_mask(height, width, shapes))
        dirichlet.append(d)
        neumann.append(n)
        normals.append(boundary_normals(height, width, shapes, 1).transpose(2, 0, 1))
        holes.append(shapes)
    return Domains(
        domain=torch.from_numpy(np.stack(domain)),
        sides={side: torch.from_numpy(np.stack(masks)) for side, masks in sides.items()},
        hole_dirichlet=torch.from_numpy(np.stack(dirichlet)),
        hole_neumann=torch.from_numpy(np.stack(neumann)),
        normals=torch.from_numpy(np.stack(normals)),
        holes=holes,
    )


def interior_points(
    holes: list[list[Shape]], n: int, generator: torch.Generator, oversample: int = 4
) -> torch.Tensor:
    """(B, n, 2) float64 points uniform in each domain (``oversample`` x n drawn, the first n
    outside every hole kept; a domain almost covered by holes may keep a few inside)."""
    batch = len(holes)
    points = torch.rand((batch, oversample * n, 2), generator=generator, dtype=torch.float64)
    points = 2 * points - 1
    inside = np.zeros((batch, oversample * n), bool)
    for b, shapes in enumerate(holes):
        x, y = points[b, :, 0].numpy(), points[b, :, 1].numpy()
        for shape in shapes:
            inside[b] |= shape.contains(x, y)
    order = torch.from_numpy(inside).to(torch.int8).argsort(dim=1, stable=True)[:, :n]
    return torch.gather(points, 1, order[..., None].expand(-1, -1, 2))
