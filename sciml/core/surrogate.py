"""Trained surrogates and their HDF5 files (layout in ``docs/formats.md``).

A file holds JSON metadata as root attributes (problem, method, task, inputs, outputs, the
network's constructor arguments, the method options, the metrics, and since format version 2 a
free ``metadata`` slot, e.g. a symbolic formula), the weights as one dataset per ``state_dict``
entry under ``/weights`` and any other arrays under ``/arrays`` -- the Keras ``.h5`` precedent.
Reading rebuilds the network from a registered class and its JSON kwargs: nothing in the file is
executed or unpickled, and a plain h5py user can read everything. Version 1 files still load.

This module knows no method: ``sciml.load`` reads a file here and binds the method's ``predict``
(and ``generate``, for dynamics) with the task's input checks.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import torch
from torch import nn
from torch.nn.modules.module import (
    register_module_buffer_registration_hook,
    register_module_parameter_registration_hook,
)

from sciml.core.errors import SciMLError, SurrogateFormatError, brief
from sciml.core.io import atomic_path
from sciml.core.memory import build_on_meta, check_memory
from sciml.core.version import __version__

FORMAT = "sciml-surrogate"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
_REQUIRED = ("format_version", "problem", "method", "task", "inputs", "outputs", "config")


class Surrogate:
    """A trained model: ``predict(points)``, plus what it is and how well it did."""

    def __init__(
        self,
        problem: str,
        method: str,
        task: str,
        inputs: tuple[str, ...],
        outputs: tuple[str, ...],
        config: dict[str, Any],
        network: nn.Module,
        metrics: dict[str, Any] | None = None,
        arrays: dict[str, np.ndarray] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.problem = problem
        self.method = method
        self.task = task
        self.inputs = tuple(inputs)
        self.outputs = tuple(outputs)
        self.config = config
        self.network = network
        self.metrics = dict(metrics or {})
        self.arrays = dict(arrays or {})
        self.metadata = dict(metadata or {})
        self._predict: Callable[[Surrogate, Any], np.ndarray] | None = None
        self._generate: Callable[[Surrogate, Any, int], np.ndarray] | None = None

    def bind(
        self,
        predict: Callable[[Surrogate, Any], np.ndarray],
        generate: Callable[[Surrogate, Any, int], np.ndarray] | None = None,
    ) -> Surrogate:
        """Attach how this surrogate is called (``sciml.load`` and ``sciml.solve`` do this)."""
        self._predict, self._generate = predict, generate
        return self

    def __repr__(self) -> str:
        return (
            f"Surrogate(problem={self.problem!r}, method={self.method!r}, task={self.task!r}, "
            f"inputs={self.inputs}, outputs={self.outputs})"
        )

    @property
    def n_params(self) -> int:
        """Trainable real numbers: a complex weight (e.g. FNO's spectral weights) counts twice."""
        return sum(p.numel() * (2 if p.is_complex() else 1) for p in self.network.parameters())

    @property
    def device(self) -> torch.device:
        return next(self.network.parameters()).device

    def predict(self, inputs: Any) -> np.ndarray:
        """Outputs for ``inputs``; for field surrogates (N, len(inputs)) points ->
        (N, len(outputs)), for operators a batch of input functions -> output functions."""
        if self._predict is None:
            raise SciMLError("this surrogate is not bound to its method; read it with sciml.load")
        return self._predict(self, inputs)

    def generate(self, initial: Any, steps: int) -> np.ndarray:
        """A free run of ``steps`` states from ``initial`` (dynamics surrogates)."""
        if self._generate is None:
            raise SciMLError(f"a {self.task} surrogate ({self.method}) does not generate")
        return self._generate(self, initial, steps)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the surrogate to ``path`` atomically (temporary file, then rename)."""
        with atomic_path(path) as temporary, h5py.File(temporary, "w") as f:
            f.attrs["format"] = FORMAT
            f.attrs["format_version"] = FORMAT_VERSION
            f.attrs["sciml_version"] = __version__
            f.attrs["created"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
            f.attrs["problem"] = self.problem
            f.attrs["method"] = self.method
            f.attrs["task"] = self.task
            f.attrs["inputs"] = json.dumps(list(self.inputs))
            f.attrs["outputs"] = json.dumps(list(self.outputs))
            f.attrs["config"] = json.dumps(self.config)
            f.attrs["metrics"] = json.dumps(self.metrics)
            f.attrs["metadata"] = json.dumps(self.metadata)
            weights = f.create_group("weights")
            for name, tensor in self.network.state_dict().items():
                weights.create_dataset(name, data=tensor.detach().cpu().numpy())
            arrays = f.create_group("arrays")
            for name, array in self.arrays.items():
                arrays.create_dataset(name, data=np.asarray(array))
        return Path(path)


def read_surrogate(
    path: str | os.PathLike, build_network: Callable[..., nn.Module], device: str = "cpu"
) -> Surrogate:
    """Read a surrogate file, rebuilding its network with ``build_network(type, kwargs)``; any
    problem with the file raises :class:`SurrogateFormatError`. The result is not yet bound."""
    path = Path(path)
    if not path.is_file():
        raise SurrogateFormatError(f"no surrogate file at {str(path)!r}")
    try:
        f = h5py.File(path, "r")
    except OSError:
        raise SurrogateFormatError(
            f"{path} is not a readable HDF5 file (truncated or foreign)"
        ) from None
    with f:
        try:
            return _read(f, path, build_network, device)
        except SurrogateFormatError:
            raise
        except SciMLError as error:
            raise SurrogateFormatError(f"{path}: {error}") from None
        except Exception as error:  # noqa: BLE001 - every malformed file is reported the same way
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
            raise SurrogateFormatError(f"{path} is malformed: {reason}") from None


def _read(
    f: h5py.File, path: Path, build_network: Callable[..., nn.Module], device: str
) -> Surrogate:
    if f.attrs.get("format") != FORMAT:
        raise SurrogateFormatError(f"{path} is not a sciml surrogate (no format={FORMAT!r})")
    missing = [key for key in _REQUIRED if key not in f.attrs]
    if missing:
        raise SurrogateFormatError(f"{path} lacks the attributes {', '.join(missing)}")
    try:
        version = int(f.attrs["format_version"])
    except (TypeError, ValueError):
        version = -1
    if version not in READABLE_VERSIONS:
        raise SurrogateFormatError(
            f"{path} has format version {version}; this sciml reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}"
        )
    try:
        config = _json(f.attrs["config"], dict, "config")
        metrics = _json(f.attrs.get("metrics", "{}"), dict, "metrics")
        metadata = _json(f.attrs.get("metadata", "{}"), dict, "metadata")
        inputs, outputs = (_json(f.attrs[k], list, k) for k in ("inputs", "outputs"))
        if not all(isinstance(name, str) for name in (*inputs, *outputs)):
            raise SurrogateFormatError("inputs and outputs must be lists of names")
        spec = config.get("network")
        if not isinstance(spec, dict) or not isinstance(spec.get("kwargs"), dict):
            raise SurrogateFormatError("config.network needs a type and a kwargs object")
        weights = _datasets(f["weights"], "weights")
        arrays = _datasets(f.get("arrays", {}), "arrays")
        check_memory(
            sum(d.size * d.dtype.itemsize for d in (*weights.values(), *arrays.values())),
            "reading its weights and arrays",
        )
        _check_shapes(weights, build_network, spec)
        with _bounded_build(len(weights)):
            network = build_network(spec["type"], spec["kwargs"])
        state = {name: torch.from_numpy(data[()]) for name, data in weights.items()}
        network.load_state_dict(state, strict=True)
        arrays = {name: data[()] for name, data in arrays.items()}
    except SurrogateFormatError as error:
        raise SurrogateFormatError(f"{path} is malformed: {error}") from None
    return Surrogate(
        problem=str(f.attrs["problem"]),
        method=str(f.attrs["method"]),
        task=str(f.attrs["task"]),
        inputs=tuple(inputs),
        outputs=tuple(outputs),
        config=config,
        network=network.to(device).eval(),
        metrics=metrics,
        arrays=arrays,
        metadata=metadata,
    )


def _json(text: Any, kind: type, name: str) -> Any:
    value = json.loads(text)
    if not isinstance(value, kind):
        raise SurrogateFormatError(f"attribute {name} is no JSON {kind.__name__}")
    return value


def _datasets(group: Any, what: str) -> dict[str, h5py.Dataset]:
    """The datasets of ``group``, refusing what could read outside the file or block: links,
    external or virtual storage (e.g. a FIFO), subgroups."""
    if not isinstance(group, (h5py.Group, dict)):
        raise SurrogateFormatError(f"/{what} is not a group")
    found = {}
    for name in group:
        if not isinstance(group.get(name, getlink=True), h5py.HardLink):
            raise SurrogateFormatError(f"/{what}/{brief(name)} is a link")
        data = group[name]
        if not isinstance(data, h5py.Dataset) or data.external or data.is_virtual:
            raise SurrogateFormatError(f"/{what}/{brief(name)} is not a plain dataset")
        found[name] = data
    return found


@contextlib.contextmanager
def _bounded_build(n_weights: int) -> Iterator[None]:
    """Stop building a network as soon as it registers far more tensors than the file holds
    weights (e.g. a config saying depth = 10^9), instead of looping for hours."""
    limit = 4 * n_weights + 64
    count = 0

    def count_one(module: nn.Module, name: str, value: Any) -> None:
        nonlocal count
        count += 1
        if count > limit:
            raise SurrogateFormatError(
                f"its config describes a network of more than {limit} tensors; the file holds "
                f"{n_weights} weights"
            )

    hooks = [
        register_module_parameter_registration_hook(count_one),
        register_module_buffer_registration_hook(count_one),
    ]
    try:
        yield
    finally:
        for hook in hooks:
            hook.remove()


def _check_shapes(
    weights: dict[str, h5py.Dataset], build_network: Callable[..., nn.Module], spec: Any
) -> None:
    """Compare the file's weights with the network its config describes, built on the meta device
    (no memory is allocated, however large the config says it is): one line names the first
    difference and counts the others."""
    try:
        with _bounded_build(len(weights)):
            skeleton = build_on_meta(lambda: build_network(spec["type"], spec["kwargs"]))
        expected = {k: tuple(v.shape) for k, v in skeleton.state_dict().items()}
    except SciMLError:
        raise
    except Exception:  # noqa: BLE001 - not buildable on meta: the real build reports the problem
        return
    problems = [f"{name} is missing" for name in expected if name not in weights]
    problems += [f"{brief(n)} is not in the network" for n in weights if n not in expected]
    problems += [
        f"{name} has shape {tuple(data.shape)}, the network needs {expected[name]}"
        for name, data in weights.items()
        if name in expected and tuple(data.shape) != expected[name]
    ]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SurrogateFormatError(
            f"its weights do not fit the {brief(spec['type'])} network of its config: "
            f"{problems[0]}{more}"
        )
