"""Reduced-precision arithmetic on CUDA, off by default (``--set precision=...``).

* ``float32``: as the parameters' dtype says (no change).
* ``tf32``: float32 tensors, matrix products and convolutions in TensorFloat-32 on Ampere and
  later GPUs (10-bit mantissa inputs, float32 accumulation): ``torch.backends.cuda.matmul`` and
  ``torch.backends.cudnn`` ``allow_tf32`` for the run, restored afterwards.
* ``bf16``: the loss computed under ``torch.autocast("cuda", torch.bfloat16)`` (matrix products
  in bfloat16, reductions and the optimizer in float32; no gradient scaling needed).

Both are CUDA options: on a CPU they are refused with one line (PyTorch's CPU autocast exists,
but these machines' CPUs have no bfloat16 matrix units, so it only loses accuracy).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

from sciml.core.errors import SciMLError

PRECISIONS = ("float32", "tf32", "bf16")


def check_precision(precision: str, device: torch.device) -> None:
    if precision not in PRECISIONS:
        raise SciMLError(f"unknown precision {precision!r}; choices: {', '.join(PRECISIONS)}")
    if precision != "float32" and device.type != "cuda":
        raise SciMLError(
            f"precision={precision} is a CUDA option (TF32 / bfloat16 autocast); this run is on "
            f"{device.type}: use --device cuda or precision=float32"
        )


@contextlib.contextmanager
def tf32_for(precision: str) -> Iterator[None]:
    """TF32 matrix products and convolutions while the run trains, when ``precision`` is tf32."""
    if precision != "tf32":
        yield
        return
    before = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = before


def autocast_for(precision: str, device: torch.device) -> contextlib.AbstractContextManager:
    """bfloat16 autocast around a loss, when ``precision`` is bf16; else nothing."""
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()
