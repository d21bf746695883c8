"""Atomic file output: write to a temporary file beside the target, then rename over it.

An interrupted write never leaves a truncated file where a good one was; ``os.replace`` is atomic
on POSIX and Windows when both paths are on the same filesystem.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sciml.core.errors import SciMLError


def ensure_directory(path: str | os.PathLike) -> Path:
    """Create ``path`` if needed and check it is writable, or fail in one line."""
    directory = Path(path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SciMLError(
            f"cannot create output directory {str(directory)!r}: {error.strerror}"
        ) from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise SciMLError(f"output directory {str(directory)!r} is not writable")
    return directory


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path`` in one step."""
    target = Path(path)
    ensure_directory(target.parent if str(target.parent) else ".")
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_json(path: str | os.PathLike, data: Any) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(data, indent=2, sort_keys=False, default=_plain) + "\n")


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
