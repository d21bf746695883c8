"""Reference solutions as HDF5 datasets, cached under ``datasets/`` (layout: ``docs/formats.md``).

A dataset is identified by the problem, task, parameter values, seed and generator version; the
same identity always regenerates the same file, so the cache is safe to delete.
Set ``SCIML_DATA_DIR`` to cache elsewhere than ``./datasets``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import h5py
import numpy as np

from sciml.errors import SciMLError
from sciml.io import atomic_path

if TYPE_CHECKING:
    from sciml.problems.base import Equation, FieldReference

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


def cache_path(problem: Equation) -> Path:
    identity = json.dumps(dataset_identity(problem), sort_keys=True)
    digest = hashlib.sha256(identity.encode()).hexdigest()[:12]
    return data_dir() / f"{problem.name}-{problem.task}-{digest}.h5"


def write_field_reference(path: str | os.PathLike, problem: Equation, ref: FieldReference) -> Path:
    """Write ``ref`` with its coordinates, parameters and provenance to ``path`` atomically."""
    import sciml

    identity = dataset_identity(problem)
    with atomic_path(path) as temporary, h5py.File(temporary, "w") as f:
        f.attrs["format"] = DATASET_FORMAT
        f.attrs["format_version"] = DATASET_VERSION
        f.attrs["sciml_version"] = sciml.__version__
        for key in ("problem", "equation", "task", "generator"):
            f.attrs[key] = identity[key]
        f.attrs["seed"] = problem.seed
        f.attrs["parameters"] = json.dumps(problem.params)
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
    path = cache_path(problem)
    if path.exists():
        try:
            return read_field_reference(path)
        except SciMLError:
            path.unlink(missing_ok=True)  # a corrupt cache entry is regenerated
    ref = problem.compute_reference()
    try:
        write_field_reference(path, problem, ref)
    except (SciMLError, OSError):
        pass  # an unwritable cache only costs a recomputation next time
    return ref
