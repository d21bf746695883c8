"""Field references: a solution on a tensor grid, written to and read from the HDF5 cache."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from sciml.core.errors import SciMLError
from sciml.core.io import atomic_path
from sciml.core.memory import check_memory
from sciml.data.cache import (
    cache_path,
    cached,
    dataset_identity,
    verify_entry,
    write_checksum,
    write_provenance,
)

DATASET_FORMAT = "sciml-dataset"
DATASET_VERSION = 1


@dataclass
class FieldReference:
    """A reference on a tensor grid: ``values[i0, i1, ..., k]`` at ``axes`` (input order).

    ``mask`` (the grid's shape, bool), when given, marks the grid points inside the problem's
    domain (a domain with holes): :meth:`points` and :meth:`flat_values`, which scoring uses,
    hold those points only; :meth:`grid_points` holds them all (for figures)."""

    axes: dict[str, np.ndarray]
    values: np.ndarray
    mask: np.ndarray | None = None

    def grid_points(self) -> np.ndarray:
        grids = np.meshgrid(*self.axes.values(), indexing="ij")
        return np.stack([g.ravel() for g in grids], axis=-1)

    def points(self) -> np.ndarray:
        points = self.grid_points()
        return points if self.mask is None else points[self.mask.ravel()]

    def flat_values(self) -> np.ndarray:
        values = self.values.reshape(-1, self.values.shape[-1])
        return values if self.mask is None else values[self.mask.ravel()]


def write_field_reference(path: str | os.PathLike, problem: Any, ref: FieldReference) -> Path:
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
        if ref.mask is not None:
            f.create_dataset("mask", data=ref.mask.astype(np.uint8), compression="gzip")
        write_checksum(f)
    return Path(path)


def read_field_reference(
    path: str | os.PathLike, identity: dict[str, Any] | None = None
) -> FieldReference:
    """Read a field dataset, checking its checksum (when it has one), its shapes and that its
    values are finite; with ``identity`` (the cache), also that it is that dataset. Anything
    wrong is a one-line :class:`SciMLError`."""
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") != DATASET_FORMAT:
                raise SciMLError("not a sciml dataset")
            verify_entry(f, identity)
            axes = {name: f["coordinates"][name][()] for name in _names(f.attrs["inputs"])}
            outputs = _names(f.attrs["outputs"])
            fields = [f["fields"][name][()] for name in outputs]
            mask = f["mask"][()].astype(bool) if "mask" in f else None
    except SciMLError as error:
        raise SciMLError(f"cannot read dataset {path}: {error}") from None
    except Exception as error:  # noqa: BLE001 - any malformed file is reported the same way
        raise SciMLError(f"cannot read dataset {path}: {_reason(error)}") from None
    shape = tuple(len(np.atleast_1d(axis)) for axis in axes.values())
    for name, field in zip(outputs, fields):
        if field.shape != shape or not np.issubdtype(field.dtype, np.number):
            raise SciMLError(
                f"cannot read dataset {path}: field {name!r} has shape {field.shape}, the grid "
                f"{shape}"
            )
    if mask is not None and mask.shape != shape:
        raise SciMLError(
            f"cannot read dataset {path}: its mask has shape {mask.shape}, not {shape}"
        )
    if any(np.ndim(axis) != 1 for axis in axes.values()) or not outputs:
        raise SciMLError(f"cannot read dataset {path}: malformed coordinates or no fields")
    values = np.stack(fields, axis=-1)
    if not np.isfinite(values).all():
        raise SciMLError(f"cannot read dataset {path}: its fields hold NaN or infinite values")
    return FieldReference(axes, values, mask)


def _names(attribute: Any) -> list[str]:
    names = json.loads(str(attribute))
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise SciMLError(f"expected a JSON list of names, got {str(attribute)[:60]!r}")
    return names


def _reason(error: BaseException) -> str:
    return ((str(error).strip().splitlines() or [type(error).__name__])[0])[:160]


def reference_grid(problem: Any) -> tuple[int, ...] | None:
    """Points per input of the problem's reference grid, from its parameters: ``n<input>`` (``nx``,
    ``nt``), for a spatial input also ``resolution`` or ``nx``; a problem may instead define
    ``reference_grid()``. None when the grid is not known from the parameters."""
    own = getattr(problem, "reference_grid", None)
    if callable(own):
        return own()
    params, shape = problem.params, []
    for name in problem.inputs:
        keys = [f"n{name}"] + ([] if name == problem.time_input else ["resolution", "nx"])
        count = next((params[k] for k in keys if k in params), None)
        if isinstance(count, bool) or not isinstance(count, (int, float)) or count <= 0:
            return None
        shape.append(int(count))
    return tuple(shape)


def reference_bytes(problem: Any) -> int | None:
    """Estimated peak memory of a reference and its scoring: per grid point, float64 copies of
    the points (meshgrid and stacked, 3 per input) and of the values (solution, flattened,
    prediction and error: 4 per output)."""
    shape = reference_grid(problem)
    if shape is None:
        return None
    points = math.prod(shape)
    return 8 * points * (3 * len(problem.inputs) + 4 * len(problem.outputs))


def cached_reference(problem: Any) -> FieldReference:
    """The problem's reference solution, computed once and cached as HDF5; a grid that would not
    fit in memory is refused (with the estimate) before anything is allocated."""
    check_memory(
        reference_bytes(problem),
        f"the reference solution of {problem.name} on its evaluation grid "
        f"({' x '.join(map(str, reference_grid(problem) or ()))} points)",
        "use a coarser grid ("
        + ", ".join(k for k in ("nx", "ny", "nt", "resolution") if k in problem.params)
        + ")",
    )
    return cached(
        cache_path(problem),
        lambda path: read_field_reference(path, dataset_identity(problem)),
        problem.compute_reference,
        lambda path, ref: write_field_reference(path, problem, ref),
    )
