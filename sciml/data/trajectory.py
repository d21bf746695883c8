"""Trajectory datasets of the dynamics task, written to and read from the HDF5 cache.

A dataset is one observed training trajectory (noisy) and a separate clean test trajectory from
another initial state on the attractor, both sampled every ``dt`` (layout: ``docs/formats.md``).
"""

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
from sciml.core.memory import check_memory
from sciml.data.cache import (
    cache_path,
    cached,
    dataset_identity,
    verify_entry,
    write_checksum,
    write_provenance,
)

TRAJECTORY_FORMAT = "sciml-trajectories"
TRAJECTORY_VERSION = 1


@dataclass
class Trajectories:
    """``train`` (T, d) noisy observations, ``test`` (T', d) clean states, sampled every ``dt``;
    physical units, components in ``names`` order."""

    train: np.ndarray
    test: np.ndarray
    dt: float
    names: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"train": self.train, "test": self.test, "dt": self.dt}


def write_trajectories(path: str | os.PathLike, problem: Any, data: Trajectories) -> Path:
    with atomic_path(path) as temporary, h5py.File(temporary, "w") as f:
        write_provenance(
            f, TRAJECTORY_FORMAT, TRAJECTORY_VERSION, dataset_identity(problem), problem
        )
        f.attrs["outputs"] = json.dumps(list(data.names))
        f.attrs["dt"] = float(data.dt)
        f.attrs["equation_text"] = problem.describe()
        f.create_dataset("train", data=np.asarray(data.train, dtype=np.float64))
        f.create_dataset("test", data=np.asarray(data.test, dtype=np.float64))
        write_checksum(f)
    return Path(path)


def read_trajectories(
    path: str | os.PathLike, identity: dict[str, Any] | None = None
) -> Trajectories:
    """Read a trajectory dataset, checking checksum, shapes and finiteness (one-line errors)."""
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") != TRAJECTORY_FORMAT:
                raise SciMLError("not a sciml trajectory dataset")
            verify_entry(f, identity)
            names = tuple(json.loads(str(f.attrs["outputs"])))
            dt = float(f.attrs["dt"])
            train, test = f["train"][()], f["test"][()]
    except SciMLError as error:
        raise SciMLError(f"cannot read dataset {path}: {error}") from None
    except Exception as error:  # noqa: BLE001 - any malformed file is reported the same way
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
        raise SciMLError(f"cannot read dataset {path}: {reason}") from None
    for name, array in (("train", train), ("test", test)):
        if array.ndim != 2 or array.shape[1] != len(names) or len(array) < 2:
            raise SciMLError(f"cannot read dataset {path}: {name} has shape {array.shape}")
        if not np.isfinite(array).all():
            raise SciMLError(f"cannot read dataset {path}: {name} holds NaN or infinite values")
    if not (np.isfinite(dt) and dt > 0):
        raise SciMLError(f"cannot read dataset {path}: dt = {dt}")
    return Trajectories(train, test, dt, names)


def cached_trajectories(problem: Any) -> Trajectories:
    """The problem's trajectories (``problem.compute_trajectories()``), computed once and cached;
    sizes that cannot fit in memory are refused before anything is integrated."""
    steps = int(problem.params["n_train"]) + int(problem.params["n_test"])
    # float64 states of two trajectories, the solver's stacked output and the noisy copy
    check_memory(
        8 * 4 * len(problem.outputs) * (steps + 2 * int(problem.params["n_transient"])),
        f"the trajectories of {problem.name} ({steps:,} steps)",
        "use fewer steps (n_train, n_test)",
    )
    return cached(
        cache_path(problem),
        lambda path: read_trajectories(path, dataset_identity(problem)),
        problem.compute_trajectories,
        lambda path, data: write_trajectories(path, problem, data),
    )
