"""Memory estimates checked before large allocations: a request that cannot fit is refused in one
line stating the estimate, instead of swapping, being killed or allocating for minutes.

The limit is 80% of the memory the machine has available now (``MemAvailable`` on Linux, else
the physical memory: estimates are estimates, and a process killed for memory says nothing), or
``SCIML_MEMORY_LIMIT`` (bytes, or with a unit: ``512M``, ``8G``) when that is smaller.
"""

from __future__ import annotations

import os
import re

from sciml.core.errors import SciMLError

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
