"""Field references: a solution on a tensor grid, written to and read from the HDF5 cache."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from sciml.core.errors import SciMLError
from sciml.core.io import atomic_path
from sciml.data.cache import cache_path, cached, dataset_identity, write_provenance

DATASET_FORMAT = "sciml-dataset"
DATASET_VERSION = 1


@dataclass
class FieldReference:
    """A reference on a tensor grid: ``values[i0, i1, ..., k]`` at ``axes`` (input order)."""

    axes: dict[str, np.ndarray]
    values: np.ndarray

    def points(self) -> np.ndarray:
        grids = np.meshgrid(*self.axes.values(), indexing="ij")
        return np.stack([g.ravel() for g in grids], axis=-1)

    def flat_values(self) -> np.ndarray:
        return self.values.reshape(-1, self.values.shape[-1])


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
    return Path(path)


def read_field_reference(path: str | os.PathLike) -> FieldReference:
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


def cached_reference(problem: Any) -> FieldReference:
    """The problem's reference solution, computed once and cached as HDF5."""
    return cached(
        cache_path(problem),
        read_field_reference,
        problem.compute_reference,
        lambda path, ref: write_field_reference(path, problem, ref),
    )
