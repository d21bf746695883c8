"""The hypernetwork's input: PDEGrids-like fields as image channels at a fixed resolution.

Channels as the reference (Bischof et al., arXiv 2509.05117, ``HyperNetEncoder.forward``):
Dirichlet mask, Neumann mask, Dirichlet values, Neumann values, source compressed as
sign(f) log(1 + |f|) (the source can be very large). Grids of any H x W are resampled to n x n:
masks by area ("any pixel of the cell on the boundary"), values as the mask-weighted cell mean,
so a one-pixel boundary line survives downsampling. Outward normals come from the domain mask
(a Sobel gradient of the mask padded with zeros outside [-1, 1]^2), the only geometry a grid holds.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from sciml.problems.pde_grids import PDEGrids, grid_axes

_SOBEL = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def grid_coordinates(height: int, width: int) -> torch.Tensor:
    """(H*W, 2) columns (x, y) of the pixel centres, row-major, row 0 at y = +1."""
    x, y = grid_axes(height, width)
    xx, yy = np.meshgrid(x, y)
    return torch.from_numpy(np.stack([xx.ravel(), yy.ravel()], axis=-1))


def boundary_pixels(domain_mask: torch.Tensor) -> torch.Tensor:
    """(B, H, W) bool: domain pixels with a non-domain 4-neighbour (outside the grid counts)."""
    m = F.pad(domain_mask.float()[:, None], (1, 1, 1, 1))
    inside = F.max_pool2d(-m, 3, stride=1) * -1  # min over the 3 x 3 neighbourhood
    return domain_mask & (inside[:, 0] < 0.5)


def outward_normals(domain_mask: torch.Tensor) -> torch.Tensor:
    """(B, 2, H, W) unit outward normals (x, y) on boundary pixels, zero elsewhere."""
    m = F.pad(domain_mask.double()[:, None], (1, 1, 1, 1))
    kernel = _SOBEL.double()
    d_dcol = F.conv2d(m, kernel[None, None])[:, 0]  # columns grow with x
    d_drow = F.conv2d(m, kernel.T[None, None])[:, 0]  # rows grow as y falls
    n = torch.stack([-d_dcol, d_drow], dim=1)
    norm = n.norm(dim=1, keepdim=True)
    on = boundary_pixels(domain_mask)[:, None] & (norm > 0)
    return torch.where(on, n / norm.clamp_min(1e-12), 0.0)


def log_compress(f: torch.Tensor) -> torch.Tensor:
    return torch.sign(f) * torch.log1p(f.abs())


def resample(
    values: torch.Tensor, mask: torch.Tensor, size: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, H, W) values on (B, H, W) mask -> (B, n, n): mask = any, values = mask-weighted mean."""
    if values.shape[-2:] == (size, size):
        return values, mask
    m = mask.float()[:, None]
    v = (values * mask)[:, None].float()
    if values.shape[-2] >= size and values.shape[-1] >= size:
        area_m = F.adaptive_avg_pool2d(m, size)
        area_v = F.adaptive_avg_pool2d(v, size)
        new_mask = area_m > 0
        new_values = torch.where(new_mask, area_v / area_m.clamp_min(1e-12), 0.0)
    else:  # upsampling: nearest pixel
        new_mask = F.interpolate(m, size=(size, size), mode="nearest") > 0.5
        new_values = F.interpolate(v, size=(size, size), mode="nearest") * new_mask
    return new_values[:, 0], new_mask[:, 0]


def channels(
    dirichlet_mask: torch.Tensor,
    neumann_mask: torch.Tensor,
    dirichlet_values: torch.Tensor,
    neumann_values: torch.Tensor,
    source: torch.Tensor,
    domain_mask: torch.Tensor,
    size: int,
) -> torch.Tensor:
    """(B, 5, n, n) float32 network input from (B, H, W) fields (source zero off the domain)."""
    g, dm = resample(dirichlet_values, dirichlet_mask, size)
    h, nm = resample(neumann_values, neumann_mask, size)
    f, _ = resample(source, domain_mask, size)
    return torch.stack([dm.float(), nm.float(), g.float(), h.float(), log_compress(f.float())], 1)


def grids_to_tensors(grids: PDEGrids) -> dict[str, torch.Tensor]:
    """One validated PDEGrids as batch-of-one float64/bool tensors, with its outward normals."""
    grids.validate()
    out = {
        "coefficients": torch.from_numpy(grids.coefficient_vector())[None],
        "source": torch.as_tensor(np.where(grids.domain_mask, grids.source, 0.0))[None],
        "domain_mask": torch.as_tensor(np.asarray(grids.domain_mask, dtype=bool))[None],
        "dirichlet_mask": torch.as_tensor(np.asarray(grids.dirichlet_mask, dtype=bool))[None],
        "dirichlet_values": torch.as_tensor(np.asarray(grids.dirichlet_values, dtype=float))[None],
        "neumann_mask": torch.as_tensor(np.asarray(grids.neumann_mask, dtype=bool))[None],
        "neumann_values": torch.as_tensor(np.asarray(grids.neumann_values, dtype=float))[None],
    }
    out["normals"] = outward_normals(
        out["domain_mask"] | out["dirichlet_mask"] | out["neumann_mask"]
    )
    return out
