"""Atomic file output: write to a temporary file beside the target, then rename over it.

An interrupted write never leaves a truncated file where a good one was; ``os.replace`` is atomic
on POSIX and Windows when both paths are on the same filesystem.
"""

from __future__ import annotations

import contextlib
import json
import math
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
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
    except OSError as error:
        raise SciMLError(f"cannot write {str(target)!r}: {error.strerror}") from None
    os.close(handle)
    try:
        yield Path(temporary)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; respect the umask
        os.replace(temporary, target)
    except OSError as error:  # a full disk, a target that is a directory: one line
        raise SciMLError(
            f"cannot write {str(target)!r}: {error.strerror or _first_line(error)}"
        ) from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_json(path: str | os.PathLike, data: Any) -> None:
    """Strict JSON, atomically: NaN and infinities are written as null (bare NaN is no JSON)."""
    text = json_text(data)
    with atomic_path(path) as temporary:
        temporary.write_text(text + "\n")


def json_text(data: Any) -> str:
    """``data`` as strict JSON text, NaN and infinities as null."""
    return json.dumps(_finite(data), indent=2, sort_keys=False, allow_nan=False)


def _finite(value: Any) -> Any:
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


@contextlib.contextmanager
def directory_lock(directory: str | os.PathLike) -> Iterator[None]:
    """Hold ``DIRECTORY/.sciml.lock`` while a run writes there: a second run into the same
    directory fails in one line instead of overwriting the first one's files. A lock left by a
    process that no longer exists is taken over."""
    path = Path(directory) / ".sciml.lock"
    for _ in range(2):
        try:
            handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            owner = _lock_owner(path)
            if owner is not None and _alive(owner):
                raise SciMLError(
                    f"output directory {str(directory)!r} is in use by another sciml run "
                    f"(pid {owner}); wait for it or choose another --out"
                ) from None
            path.unlink(missing_ok=True)  # stale: its process is gone
    else:
        raise SciMLError(f"cannot lock output directory {str(directory)!r}")
    try:
        os.write(handle, str(os.getpid()).encode())
        os.close(handle)
        yield
    finally:
        path.unlink(missing_ok=True)


def _lock_owner(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
