"""Trained surrogates and their HDF5 files (layout in ``docs/formats.md``).

A file holds JSON metadata as root attributes (problem, method, task, inputs, outputs, the
network's constructor arguments, the method options, the metrics), the weights as one dataset per
``state_dict`` entry under ``/weights`` and any other arrays under ``/arrays`` -- the Keras ``.h5``
precedent. Loading rebuilds the network from the registered class and its JSON kwargs: nothing in
the file is executed or unpickled, and a plain h5py user can read everything.
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import torch
from torch import nn

from sciml.core.errors import SurrogateFormatError
from sciml.core.io import atomic_path

FORMAT = "sciml-surrogate"
FORMAT_VERSION = 1
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

    def predict(self, points: Any) -> np.ndarray:
        """Outputs at ``points``; for field surrogates (N, len(inputs)) -> (N, len(outputs))."""
        from sciml.methods import METHODS

        return METHODS.get(self.method).predict(self, points)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the surrogate to ``path`` atomically (temporary file, then rename)."""
        import sciml

        with atomic_path(path) as temporary, h5py.File(temporary, "w") as f:
            f.attrs["format"] = FORMAT
            f.attrs["format_version"] = FORMAT_VERSION
            f.attrs["sciml_version"] = sciml.__version__
            f.attrs["created"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
            f.attrs["problem"] = self.problem
            f.attrs["method"] = self.method
            f.attrs["task"] = self.task
            f.attrs["inputs"] = json.dumps(list(self.inputs))
            f.attrs["outputs"] = json.dumps(list(self.outputs))
            f.attrs["config"] = json.dumps(self.config)
            f.attrs["metrics"] = json.dumps(self.metrics)
            weights = f.create_group("weights")
            for name, tensor in self.network.state_dict().items():
                weights.create_dataset(name, data=tensor.detach().cpu().numpy())
            arrays = f.create_group("arrays")
            for name, array in self.arrays.items():
                arrays.create_dataset(name, data=np.asarray(array))
        return Path(path)


def load(path: str | os.PathLike, device: str = "cpu") -> Surrogate:
    """Read a surrogate file; any problem with it raises :class:`SurrogateFormatError`."""
    from sciml.nets import NETWORKS

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
        if f.attrs.get("format") != FORMAT:
            raise SurrogateFormatError(f"{path} is not a sciml surrogate (no format={FORMAT!r})")
        missing = [key for key in _REQUIRED if key not in f.attrs]
        if missing:
            raise SurrogateFormatError(f"{path} lacks the attributes {', '.join(missing)}")
        version = int(f.attrs["format_version"])
        if version != FORMAT_VERSION:
            raise SurrogateFormatError(
                f"{path} has format version {version}; this sciml reads version {FORMAT_VERSION}"
            )
        try:
            config = json.loads(f.attrs["config"])
            metrics = json.loads(f.attrs.get("metrics", "{}"))
            inputs, outputs = json.loads(f.attrs["inputs"]), json.loads(f.attrs["outputs"])
            spec = config["network"]
            network = NETWORKS.get(spec["type"])(**spec["kwargs"])
            state = {name: torch.from_numpy(f["weights"][name][()]) for name in f["weights"]}
            network.load_state_dict(state, strict=True)
            arrays = {name: f["arrays"][name][()] for name in f.get("arrays", {})}
        except Exception as error:  # noqa: BLE001 - every malformed file is reported the same way
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise SurrogateFormatError(f"{path} is malformed: {reason}") from None
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
        )
