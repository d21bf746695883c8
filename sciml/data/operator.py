"""Operator-learning datasets: train/test pairs (input function -> solution) on a tensor grid,
stored as HDF5 (layout: ``docs/formats.md``, "Operator datasets") and cached like a field
reference, keyed by the problem, task, parameter values (except the training ``resolution``,
which only subsamples a stored file), seed and generator version. The pairs themselves come from
the reference solvers (:mod:`sciml.data.operator_generation`)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from sciml.core.errors import SciMLError
from sciml.core.io import atomic_path
from sciml.data.cache import cache_path as _cache_path
from sciml.data.cache import cached, write_provenance
from sciml.data.cache import dataset_identity as _field_identity

OPERATOR_FORMAT = "sciml-operator-dataset"
OPERATOR_VERSION = 1
# parameters that select a view of a stored file rather than change its content
VIEW_PARAMETERS = ("resolution",)
_MEMORY: dict[Path, OperatorDataset] = {}


@dataclass
class OperatorDataset:
    """Train/test pairs on a tensor grid.

    ``coordinates`` holds the spatial axes (``x``, or ``x`` and ``y``) and, for time windows,
    ``t_input`` and ``t_output``. Inputs are ``(N, *grid[, t_in])``, outputs ``(N, *grid[,
    t_out])``, float32.
    """

    coordinates: dict[str, np.ndarray]
    train_inputs: np.ndarray
    train_outputs: np.ndarray
    test_inputs: np.ndarray
    test_outputs: np.ndarray
    attributes: dict[str, Any]

    @property
    def spatial_shape(self) -> tuple[int, ...]:
        return tuple(len(self.coordinates[a]) for a in ("x", "y") if a in self.coordinates)

    def subsample(self, resolution: int) -> OperatorDataset:
        """Every k-th grid point along each spatial axis (k = stored points / ``resolution``)."""
        stored = self.spatial_shape[0]
        if resolution == stored:
            return self
        if resolution > stored or stored % resolution:
            raise SciMLError(
                f"resolution {resolution} must divide the generation resolution {stored}"
            )
        step = stored // resolution
        index = (slice(None),) + (slice(None, None, step),) * len(self.spatial_shape)
        coords = dict(self.coordinates)
        for axis in ("x", "y"):
            if axis in coords:
                coords[axis] = coords[axis][::step]
        return OperatorDataset(
            coords,
            *(np.ascontiguousarray(a[index]) for a in self.arrays()),
            attributes=self.attributes,
        )

    def arrays(self) -> tuple[np.ndarray, ...]:
        return self.train_inputs, self.train_outputs, self.test_inputs, self.test_outputs


# -- identity and cache -----------------------------------------------------------------------
def dataset_identity(problem: Any) -> dict[str, Any]:
    identity = _field_identity(problem)
    identity["parameters"] = {k: v for k, v in problem.params.items() if k not in VIEW_PARAMETERS}
    return identity


def cache_path(problem: Any) -> Path:
    return _cache_path(problem, dataset_identity(problem))


def cached_operator_dataset(
    problem: Any, generate: Callable[[Any], OperatorDataset]
) -> OperatorDataset:
    """The problem's dataset at its training resolution: from memory, the HDF5 cache, or solved."""
    path = cache_path(problem)
    dataset = _MEMORY.get(path)
    if dataset is None:
        dataset = cached(
            path,
            read_operator_dataset,
            lambda: generate(problem),
            lambda target, data: write_operator_dataset(target, problem, data),
        )
    _MEMORY.clear()  # keep one dataset in memory
    _MEMORY[path] = dataset
    return dataset.subsample(int(problem.params["resolution"]))


def write_operator_dataset(path: str | os.PathLike, problem: Any, dataset: OperatorDataset) -> Path:
    with atomic_path(path) as temporary, h5py.File(temporary, "w") as f:
        write_provenance(f, OPERATOR_FORMAT, OPERATOR_VERSION, dataset_identity(problem), problem)
        for key, value in dataset.attributes.items():
            f.attrs[key] = value if isinstance(value, str) else json.dumps(value)
        coords = f.create_group("coordinates")
        for name, axis in dataset.coordinates.items():
            coords.create_dataset(name, data=np.asarray(axis, dtype=np.float64))
        for split in ("train", "test"):
            group = f.create_group(split)
            group.create_dataset("inputs", data=getattr(dataset, f"{split}_inputs"))
            group.create_dataset("outputs", data=getattr(dataset, f"{split}_outputs"))
    return Path(path)


def read_operator_dataset(path: str | os.PathLike) -> OperatorDataset:
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") != OPERATOR_FORMAT:
                raise SciMLError(f"{path} is not a sciml operator dataset")
            if int(f.attrs["format_version"]) != OPERATOR_VERSION:
                raise SciMLError(f"{path} has an unsupported format version")
            coords = {name: f["coordinates"][name][()] for name in f["coordinates"]}
            arrays = [f[s][k][()] for s in ("train", "test") for k in ("inputs", "outputs")]
            attributes = {k: f.attrs[k] for k in ("inputs", "outputs", "solver") if k in f.attrs}
    except (OSError, KeyError) as error:
        raise SciMLError(f"cannot read operator dataset {path}: {error}") from None
    attributes = {k: str(v) for k, v in attributes.items()}
    return OperatorDataset(coords, *arrays, attributes=attributes)
