"""The HDF5 dataset cache under ``datasets/`` (layouts: ``docs/formats.md``).

A dataset is identified by the problem, task, parameter values, seed and generator version; the
same identity always regenerates the same file, so the cache is safe to delete. The functions
take any problem object with ``name``, ``spec.equation``, ``task``, ``params``, ``seed`` and
``generator_version`` (this layer sits below ``sciml.problems`` and never imports it).
Set ``SCIML_DATA_DIR`` to cache elsewhere than ``./datasets``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import h5py

from sciml.core.errors import SciMLError
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


def cached(
    path: Path,
    read: Callable[[Path], T],
    compute: Callable[[], T],
    write: Callable[[Path, T], object],
) -> T:
    """``read(path)`` if it exists and reads; else ``compute()``, written to ``path`` if possible.

    A corrupt entry is deleted and regenerated; an unwritable cache only costs a recomputation.
    """
    if path.exists():
        try:
            return read(path)
        except SciMLError:
            path.unlink(missing_ok=True)
    value = compute()
    try:
        write(path, value)
    except (SciMLError, OSError):
        pass
    return value
