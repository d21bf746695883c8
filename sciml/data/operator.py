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
from sciml.core.memory import check_memory
from sciml.data.cache import cache_path as _cache_path
from sciml.data.cache import cached, verify_entry, write_checksum, write_provenance
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
    ``t_input`` and ``t_output`` (Burgers' space-time task: ``t_output`` only). Inputs are ``(N,
    *grid[, t_in])``, outputs ``(N, *grid[, t_out])``, float32. Initial-value data (``grid =
    "trajectory"``) has only a time axis ``t``: inputs ``(N, d)`` initial states, outputs ``(N,
    len(t), d)`` trajectories.
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

    @property
    def trajectories(self) -> bool:
        """Initial states -> trajectories (no spatial grid)."""
        return self.attributes.get("grid") == "trajectory"

    @property
    def node_grid(self) -> bool:
        """Grids with both end points (Darcy's ``x_i = i / (n - 1)``), not periodic ``j / n``."""
        return self.attributes.get("grid") == "nodes"

    def subsample(self, resolution: int) -> OperatorDataset:
        """Every k-th grid point along each spatial axis: k = stored / ``resolution`` on periodic
        grids, (stored - 1) / (``resolution`` - 1) on node grids (both end points kept)."""
        stored = self.spatial_shape[0]
        if resolution == stored:
            return self
        shift = 1 if self.node_grid else 0
        if resolution > stored or resolution <= shift or (stored - shift) % (resolution - shift):
            rule = (
                "resolution - 1 must divide generation_resolution - 1"
                if shift
                else ("resolution must divide the generation resolution")
            )
            raise SciMLError(
                f"resolution {resolution} does not subsample the stored {stored}-point grid: {rule}"
            )
        step = (stored - shift) // (resolution - shift)
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


def dataset_bytes(problem: Any) -> int | None:
    """Estimated peak memory of generating and holding the dataset: float32 pairs of
    ``n_train + n_test`` samples on the ``generation_resolution``^d grid (d spatial inputs) with
    ``t_in + t_out`` snapshots (or one input and one output), three copies (the generated
    arrays, the stored ones, the training-resolution views)."""
    p = problem.params
    try:
        n = int(p["n_train"]) + int(p["n_test"])
        grid = int(p.get("generation_resolution", p.get("resolution")))
        if "t_in" in p:
            frames = int(p["t_in"]) + int(p["t_out"])
        else:
            frames = 1 + int(p.get("n_times", 1))
    except (KeyError, TypeError, ValueError):
        return None
    dims = sum(1 for name in problem.inputs if name != problem.time_input)
    return 3 * 4 * n * grid**dims * frames


def cached_operator_dataset(
    problem: Any, generate: Callable[[Any], OperatorDataset]
) -> OperatorDataset:
    """The problem's dataset at its training resolution: from memory, the HDF5 cache, or solved;
    a dataset that would not fit in memory is refused (with the estimate) before any of it is
    generated or read."""
    path = cache_path(problem)
    dataset = _MEMORY.get(path)
    if dataset is None:
        check_memory(
            dataset_bytes(problem),
            f"the {problem.name} operator dataset ({problem.params.get('n_train')} + "
            f"{problem.params.get('n_test')} samples)",
            "use fewer samples (n_train, n_test) or a coarser generation_resolution",
        )
        identity = dataset_identity(problem)
        dataset = cached(
            path,
            lambda source: read_operator_dataset(source, identity),
            lambda: generate(problem),
            lambda target, data: write_operator_dataset(target, problem, data),
        )
    _MEMORY.clear()  # keep one dataset in memory
    _MEMORY[path] = dataset
    if "resolution" not in problem.params:  # trajectories: nothing to subsample
        return dataset
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
        write_checksum(f)
    return Path(path)


def read_operator_dataset(
    path: str | os.PathLike, identity: dict[str, Any] | None = None
) -> OperatorDataset:
    """Read an operator dataset, checking its checksum (when it has one), its attributes, shapes
    and finite values; with ``identity`` (the cache), also that it is that dataset. Anything wrong
    is a one-line :class:`SciMLError`."""
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") != OPERATOR_FORMAT:
                raise SciMLError("not a sciml operator dataset")
            if int(f.attrs["format_version"]) != OPERATOR_VERSION:
                raise SciMLError("unsupported format version")
            verify_entry(f, identity)
            coords = {name: f["coordinates"][name][()] for name in f["coordinates"]}
            arrays = [f[s][k][()] for s in ("train", "test") for k in ("inputs", "outputs")]
            attributes = {
                k: str(f.attrs[k]) for k in ("inputs", "outputs", "solver", "grid") if k in f.attrs
            }
            for key in ("inputs", "outputs"):
                names = json.loads(attributes[key])
                if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                    raise SciMLError(f"attribute {key!r} is no JSON list of names")
            json.loads(attributes.get("solver", "{}"))
    except SciMLError as error:
        raise SciMLError(f"cannot read operator dataset {path}: {error}") from None
    except Exception as error:  # noqa: BLE001 - any malformed file is reported the same way
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
        raise SciMLError(f"cannot read operator dataset {path}: {reason}") from None
    if attributes.get("grid") == "trajectory":
        _check_trajectory_shapes(path, coords, arrays)
    else:
        _check_shapes(path, coords, arrays)
    return OperatorDataset(coords, *arrays, attributes=attributes)


def _check_shapes(path: Any, coords: dict[str, np.ndarray], arrays: list[np.ndarray]) -> None:
    """Pairs agree in count, their grid is the coordinates', snapshots match the times, and every
    value is a finite number."""
    grid = tuple(len(coords[a]) for a in ("x", "y") if a in coords)
    # a trailing time axis on the inputs (outputs) exactly when t_input (t_output) is stored:
    # Navier-Stokes windows have both, Burgers' space-time task only t_output
    frames = [(len(coords[k]),) if k in coords else () for k in ("t_input", "t_output")]
    problems = []
    if not grid or any(np.ndim(axis) != 1 for axis in coords.values()):
        problems.append("malformed coordinates")
    for k, (name, array) in enumerate(zip(("train", "train", "test", "test"), arrays)):
        kind = "inputs" if k % 2 == 0 else "outputs"
        expected = grid + frames[k % 2]
        if array.shape[1:] != expected or not np.issubdtype(array.dtype, np.floating):
            problems.append(f"{name}/{kind} has shape {array.shape}, expected (N, *{expected})")
        elif not np.isfinite(array).all():
            problems.append(f"{name}/{kind} holds NaN or infinite values")
    for name, (inputs, outputs) in (("train", arrays[:2]), ("test", arrays[2:])):
        if not problems and (len(inputs) != len(outputs) or len(inputs) == 0):
            problems.append(f"{name} has {len(inputs)} inputs and {len(outputs)} outputs")
    if problems:
        raise SciMLError(f"cannot read operator dataset {path}: {problems[0]}")


def _check_trajectory_shapes(path: Any, coords: dict[str, np.ndarray], arrays: list[np.ndarray]):
    """Initial states (N, d) and trajectories (N, len(t), d) that start from them, finite."""
    times = coords.get("t")
    problems = []
    if times is None or np.ndim(times) != 1 or len(times) < 2 or np.any(np.diff(times) <= 0):
        problems.append("coordinate t is missing or not increasing")
    else:
        for name, (states, runs) in (("train", arrays[:2]), ("test", arrays[2:])):
            d = states.shape[-1] if states.ndim == 2 else None
            if d is None or runs.shape != (len(states), len(times), d) or not len(states):
                problems.append(
                    f"{name} has inputs {states.shape} and outputs {runs.shape}, expected "
                    f"(N, d) and (N, {len(times)}, d)"
                )
            elif not (np.isfinite(states).all() and np.isfinite(runs).all()):
                problems.append(f"{name} holds NaN or infinite values")
    if problems:
        raise SciMLError(f"cannot read operator dataset {path}: {problems[0]}")
