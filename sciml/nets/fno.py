"""Fourier neural operator baseline: a thin layer over ``neuralop.models.FNO`` (neuraloperator 2.x).

Li, Kovachki, Azizzadenesheli, Liu, Bhattacharya, Stuart & Anandkumar, "Fourier Neural Operator for
Parametric Partial Differential Equations", ICLR 2021. Each block is

    v <- sigma( W v + K v ),   (K v)^ (k) = R(k) v^(k) for the kept modes k, 0 otherwise,

between a lifting and a projection MLP. We do not reimplement it: :func:`make_fno` builds
neuraloperator's model, and :class:`FNONet` wraps it so it can be rebuilt from JSON keyword
arguments like our other networks.

Conventions of the wrapped model that matter here:

* ``n_modes`` counts positive and negative frequencies: along the last axis it keeps
  n_modes // 2 + 1 rfft modes (16 -> frequencies 0..8), along the others n_modes rows (+-8).
* ``positional_embedding="grid"`` (its default) appends the coordinates in [0, 1) of the current
  grid as extra input channels; our inputs carry no coordinate channels.
* the spectral weights are complex64 parameters (they appear as such in the state_dict).
* neuralop's models add a non-tensor ``"_metadata"`` entry (their constructor arguments) to their
  state_dict; :class:`FNONet` drops it, so its state_dict holds tensors only and loads back into
  ``FNONet(**config)`` with the plain ``nn.Module.load_state_dict``.
"""

from __future__ import annotations

import torch
from neuralop.models import FNO
from torch import nn


def make_fno(
    in_channels: int,
    out_channels: int,
    n_modes: int = 16,
    hidden_channels: int = 64,
    n_layers: int = 4,
    dim: int = 1,
) -> FNO:
    """neuralop's FNO for (B, C_in, n) (dim 1) or (B, C_in, H, W) (dim 2) inputs."""
    if dim not in (1, 2):
        raise ValueError(f"dim must be 1 or 2, got {dim}")
    return FNO(
        n_modes=(n_modes,) * dim,
        in_channels=in_channels,
        out_channels=out_channels,
        hidden_channels=hidden_channels,
        n_layers=n_layers,
        positional_embedding="grid",
    )


class FNONet(nn.Module):
    """:func:`make_fno` as a module with explicit JSON-serialisable keyword arguments.

    **Returns** ``forward(x (B, in_channels, *grid))`` -> (B, out_channels, *grid), any grid size.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        n_modes: int = 16,
        hidden_channels: int = 64,
        n_layers: int = 4,
        dim: int = 1,
    ) -> None:
        super().__init__()
        self.dim, self.in_channels = dim, in_channels
        self.fno = make_fno(in_channels, out_channels, n_modes, hidden_channels, n_layers, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != self.dim + 2 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"FNO (dim={self.dim}) expects input (B, {self.in_channels}, "
                f"{'n' if self.dim == 1 else 'H, W'}), got {tuple(x.shape)}"
            )
        return self.fno(x)

    def state_dict(self, *args, **kwargs):
        # neuralop's BaseModel writes "_metadata" (a dict) into the shared state_dict; drop it
        state = super().state_dict(*args, **kwargs)
        state.pop("_metadata", None)
        return state
