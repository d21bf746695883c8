"""Reference solutions as HDF5 datasets, cached under ``datasets/`` (layout: ``docs/formats.md``).

A dataset is identified by the problem, task, parameter values, seed and generator version; the
same identity always regenerates the same file, so the cache is safe to delete.
Set ``SCIML_DATA_DIR`` to cache elsewhere than ``./datasets``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import h5py
import numpy as np

from sciml.core.errors import SciMLError
from sciml.core.io import atomic_path

if TYPE_CHECKING:
    from sciml.problems.base import Equation, FieldReference

T = TypeVar("T")

DATASET_FORMAT = "sciml-dataset"
DATASET_VERSION = 1


def data_dir() -> Path:
    return Path(os.environ.get("SCIML_DATA_DIR", "datasets"))


def dataset_identity(problem: Equation) -> dict:
    return {
        "problem": problem.name,
        "equation": problem.spec.equation,
        "task": problem.task,
        "parameters": problem.params,
        "seed": problem.seed,
        "generator": f"{type(problem).__module__}.{type(problem).__name__} v"
        + problem.generator_version,
    }


def cache_path(problem: Equation, identity: dict[str, Any] | None = None) -> Path:
    """``DATA_DIR/PROBLEM-TASK-DIGEST.h5``, the digest a hash of the identity."""
    identity = dataset_identity(problem) if identity is None else identity
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:12]
    return data_dir() / f"{problem.name}-{identity['task']}-{digest}.h5"


def write_provenance(
    f: h5py.File, fmt: str, version: int, identity: dict[str, Any], problem: Equation
) -> None:
    """The attributes every dataset file starts with: format, versions, identity, parameters."""
    import sciml

    f.attrs["format"] = fmt
    f.attrs["format_version"] = version
    f.attrs["sciml_version"] = sciml.__version__
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


def write_field_reference(path: str | os.PathLike, problem: Equation, ref: FieldReference) -> Path:
    """Write ``ref`` with its coordinates, parameters and provenance to ``path`` atomically."""
    with atomic_path(path) as temporary, h5py.File(temporary, "w") as f:
        write_provenance(f, DATASET_FORMAT, DATASET_VERSION, dataset_identity(problem), problem)
        f.attrs["inputs"] = json.dumps(list(ref.axes))
        outputs = [problem.outputs[i] for i in problem.reference_outputs]
        f.attrs["outputs"] = json.dumps(outputs)
        f.attrs["equation_text"] = problem.describe()
        coords = f.create_group("coordinates")
        for name, axis in ref.axes.items():
            coords.create_dataset(name, data=np.asarray(axis, dtype=np.float64))
        fields = f.create_group("fields")
        for k, name in enumerate(outputs):
            fields.create_dataset(name, data=ref.values[..., k], compression="gzip")
    return Path(path)


def read_field_reference(path: str | os.PathLike) -> FieldReference:
    from sciml.problems.base import FieldReference

    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") != DATASET_FORMAT:
                raise SciMLError(f"{path} is not a sciml dataset")
            axes = {name: f["coordinates"][name][()] for name in json.loads(f.attrs["inputs"])}
            outputs = json.loads(f.attrs["outputs"])
            values = np.stack([f["fields"][name][()] for name in outputs], axis=-1)
    except (OSError, KeyError) as error:
        raise SciMLError(f"cannot read dataset {path}: {error}") from None
    return FieldReference(axes, values)


def cached_reference(problem: Equation) -> FieldReference:
    """The problem's reference solution, computed once and cached as HDF5."""
    return cached(
        cache_path(problem),
        read_field_reference,
        problem.compute_reference,
        lambda path, ref: write_field_reference(path, problem, ref),
    )
