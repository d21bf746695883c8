"""Zero-shot error of a hypernetwork on held-out manufactured solutions: the relative L2 error of
the generated PINN against the exact u on the grid, per sample (a seed the training never uses).
"""

from __future__ import annotations

import numpy as np
import torch

from sciml.methods.hypino import mms, target_pinn
from sciml.methods.hypino.hypernet import HyPINOHypernet
from sciml.methods.hypino.inputs import grid_coordinates
from sciml.methods.hypino.training import network_input

HELD_OUT_SEED = 10**6 + 7


def held_out_errors(
    net: HyPINOHypernet,
    n: int = 64,
    seed: int = HELD_OUT_SEED,
    chunk: int = 16,
    max_holes: int = 3,
) -> np.ndarray:
    """(n,) relative L2 errors of the zero-shot PINNs on n supervised MMS samples, on each
    sample's domain pixels."""
    generator = torch.Generator().manual_seed(seed)
    size = net.resolution
    errors = []
    for start in range(0, n, chunk):
        batch = mms.to_dtype(
            mms.manufactured(min(chunk, n - start), size, size, 1, generator, max_holes),
            torch.float32,
        )
        xy = grid_coordinates(size, size).float().expand(batch.source.shape[0], -1, -1)
        with torch.no_grad():
            flat = net(batch.coefficients, network_input(batch, size))
            u = target_pinn.forward(flat, xy)
        truth = batch.solution[:, 0].flatten(1)
        inside = batch.domain_mask.flatten(1)
        error = torch.where(inside, u - truth, 0.0).norm(dim=1)
        errors.append((error / torch.where(inside, truth, 0.0).norm(dim=1)).numpy())
    return np.concatenate(errors)
