"""The HDF5 dataset cache under ``datasets/`` (layouts: ``docs/formats.md``).

A dataset is identified by the problem, task, parameter values, seed and generator version; the
same identity always regenerates the same file, so the cache is safe to delete. The functions
take any problem object with ``name``, ``spec.equation``, ``task``, ``params``, ``seed`` and
``generator_version`` (this layer sits below ``sciml.problems`` and never imports it).
Set ``SCIML_DATA_DIR`` to cache elsewhere than ``./datasets``.

Every entry records its identity and a checksum of its content (:func:`write_checksum`); a read
through the cache checks both (:func:`verify_entry`), so an entry of another dataset copied under
this name, values edited in place or a damaged file are regenerated, with one warning, instead of
being used or ending the run.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import h5py
import numpy as np

from sciml.core.errors import SciMLError, SciMLWarning, brief
from sciml.core.version import __version__

T = TypeVar("T")


def data_dir() -> Path:
    return Path(os.environ.get("SCIML_DATA_DIR", "datasets"))


def dataset_identity(problem: Any) -> dict:
    return {
        "problem": problem.name,
        "equation": problem.spec.equation,
        "task": problem.task,
        "parameters": problem.params,
        "seed": problem.seed,
        "generator": f"{type(problem).__module__}.{type(problem).__name__} v"
        + problem.generator_version,
    }


def cache_path(problem: Any, identity: dict[str, Any] | None = None) -> Path:
    """``DATA_DIR/PROBLEM-TASK-DIGEST.h5``, the digest a hash of the identity."""
    identity = dataset_identity(problem) if identity is None else identity
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:12]
    return data_dir() / f"{problem.name}-{identity['task']}-{digest}.h5"


def write_provenance(
    f: h5py.File, fmt: str, version: int, identity: dict[str, Any], problem: Any
) -> None:
    """The attributes every dataset file starts with: format, versions, identity, parameters."""
    f.attrs["format"] = fmt
    f.attrs["format_version"] = version
    f.attrs["sciml_version"] = __version__
    for key in ("problem", "equation", "task", "generator"):
        f.attrs[key] = identity[key]
    f.attrs["seed"] = problem.seed
    f.attrs["parameters"] = json.dumps(problem.params)
    f.attrs["identity"] = json.dumps(identity, sort_keys=True)


def content_checksum(f: h5py.File) -> str:
    """SHA-256 of everything in the file but the checksum: each attribute (name and value) and
    each dataset (path, dtype, shape and bytes), in sorted order."""
    digest = hashlib.sha256()
    for name in sorted(k for k in f.attrs if k != "checksum"):
        digest.update(f"attr {name}={f.attrs[name]!r}\n".encode())
    datasets: list[str] = []
    f.visititems(
        lambda name, item: datasets.append(name) if isinstance(item, h5py.Dataset) else None
    )
    for name in sorted(datasets):
        data = np.ascontiguousarray(f[name][()])
        digest.update(f"dataset {name} {data.dtype.str} {data.shape}\n".encode())
        digest.update(data.tobytes() if data.dtype.hasobject else memoryview(data).cast("B"))
    return digest.hexdigest()


def write_checksum(f: h5py.File) -> None:
    """Record :func:`content_checksum`; call it last, when everything else is written."""
    f.flush()
    f.attrs["checksum"] = content_checksum(f)


def verify_entry(f: h5py.File, identity: dict[str, Any] | None = None) -> None:
    """Check a dataset file's checksum and, when ``identity`` is given, that the file is that
    dataset; a one-line :class:`SciMLError` says which check failed."""
    if identity is not None:
        stored = f.attrs.get("identity")
        if stored is None:
            raise SciMLError("it records no identity (written by an older sciml)")
        stored = json.loads(str(stored))
        if not isinstance(stored, dict):
            raise SciMLError("its identity attribute is no JSON object")
        expected = json.loads(json.dumps(identity, sort_keys=True))
        if stored != expected:
            keys = sorted(
                k for k in set(stored) | set(expected) if stored.get(k) != expected.get(k)
            )
            shown = ", ".join(brief(k, 30) for k in keys[:6])
            raise SciMLError(f"it holds another dataset, differing in {shown}")
    checksum = f.attrs.get("checksum")
    if checksum is None:
        if identity is not None:
            raise SciMLError("it records no checksum (written by an older sciml)")
        return
    if str(checksum) != content_checksum(f):
        raise SciMLError("its content does not match its checksum (edited or damaged)")


def cached(
    path: Path,
    read: Callable[[Path], T],
    compute: Callable[[], T],
    write: Callable[[Path, T], object],
) -> T:
    """``read(path)`` if it exists and reads; else ``compute()``, written to ``path`` if possible.

    ``read`` raises :class:`SciMLError` for an unusable entry (unreadable, of another dataset,
    failing its checksum or its shape checks): the entry is deleted and regenerated, with one
    warning line. An unwritable cache only costs a recomputation.
    """
    if path.exists():
        try:
            return read(path)
        except SciMLError as error:
            reason = (str(error).splitlines() or ["unreadable"])[0].split(f"{path}: ", 1)[-1]
            warnings.warn(
                f"dataset cache entry {path} is unusable ({reason[:200]}); regenerating it",
                SciMLWarning,
                stacklevel=2,
            )
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass
    value = compute()
    try:
        write(path, value)
    except (SciMLError, OSError):
        pass
    return value
