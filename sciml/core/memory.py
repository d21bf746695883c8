"""Memory estimates checked before large allocations: a request that cannot fit is refused in one
line stating the estimate, instead of swapping, being killed or allocating for minutes.

The limit is 80% of the memory the machine has available now (``MemAvailable`` on Linux, else
the physical memory: estimates are estimates, and a process killed for memory says nothing), or
``SCIML_MEMORY_LIMIT`` (bytes, or with a unit: ``512M``, ``8G``) when that is smaller.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from typing import TypeVar

import torch
from torch.overrides import TorchFunctionMode

from sciml.core.errors import SciMLError

T = TypeVar("T")

_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def format_bytes(n: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} bytes"


def available_bytes() -> int | None:
    """Memory available to a new allocation now, or None when the system does not say."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def usable_bytes() -> int | None:
    """What a request may use: 80% of :func:`available_bytes`."""
    available = available_bytes()
    return None if available is None else int(0.8 * available)


def configured_limit() -> int | None:
    """``SCIML_MEMORY_LIMIT`` in bytes, or None when unset."""
    text = os.environ.get("SCIML_MEMORY_LIMIT", "").strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?", text, flags=re.IGNORECASE)
    if not match:
        raise SciMLError(
            f"SCIML_MEMORY_LIMIT={text[:40]!r} is no size; give bytes or e.g. 512M, 8G"
        )
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def check_memory(nbytes: float | None, what: str, hint: str = "") -> None:
    """Refuse ``what`` when its estimated ``nbytes`` exceed the limit (None: unknown, no check)."""
    if nbytes is None:
        return
    limits = [
        (limit, label)
        for limit, label in (
            (configured_limit(), "SCIML_MEMORY_LIMIT"),
            (usable_bytes(), "usable (80% of the memory available)"),
        )
        if limit is not None
    ]
    if not limits:
        return
    limit, label = min(limits)
    if nbytes > limit:
        raise SciMLError(
            f"{what} needs about {format_bytes(nbytes)} of memory, more than the "
            f"{format_bytes(limit)} {label}" + (f"; {hint}" if hint else "")
        )


def build_on_meta(build: Callable[[], T]) -> T:
    """``build()`` on PyTorch's meta device: shapes and dtypes, no memory. Random initialisation
    and ``arange`` are shortcut there (their values are none), which also spares the one-time
    second that loading torch's Python reference kernels for them would cost."""
    with torch.device("meta"), _MetaShortcuts():
        return build()


class _MetaShortcuts(TorchFunctionMode):
    FILLS = frozenset(
        getattr(torch.Tensor, name)
        for name in ("normal_", "uniform_", "exponential_", "log_normal_", "cauchy_", "random_")
    )

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        if func in self.FILLS and args and isinstance(args[0], torch.Tensor) and args[0].is_meta:
            return args[0]
        if func in (torch.randn, torch.rand):
            kwargs.pop("generator", None)
            return torch.empty(*args, **kwargs)  # the device context makes it a meta tensor
        if func is torch.arange and args and not {"start", "end", "step", "out"} & set(kwargs):
            bounds = [float(a) for a in args]
            start, end, step = ([0.0, *bounds, 1.0] if len(bounds) == 1 else [*bounds, 1.0])[:3]
            integral = not any(
                isinstance(a, float) or (isinstance(a, torch.Tensor) and a.is_floating_point())
                for a in args
            )
            dtype = kwargs.pop("dtype", None) or (torch.int64 if integral else None)
            size = max(0, math.ceil((end - start) / step))
            return torch.empty(size, dtype=dtype, **kwargs)
        return func(*args, **kwargs)
