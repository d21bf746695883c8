"""The one device choice: ``auto`` is CUDA when available, else the CPU."""

from __future__ import annotations

import torch

from sciml.core.errors import SciMLError

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``auto``, ``cpu`` or ``cuda`` as a torch device, or a one-line error naming the choices."""
    if isinstance(device, torch.device):
        return device
    if device not in DEVICES:
        raise SciMLError(f"unknown device {device!r}; choices: {', '.join(DEVICES)}")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise SciMLError("--device cuda was requested but no CUDA device is available; use cpu")
    return torch.device(device)
