"""Data parallelism over the processes that ``torchrun`` starts (``torch.distributed``).

Under ``torchrun --nproc_per_node N`` (or ``sciml solve --nproc N``) every process runs the same
program: :func:`init` joins the process group (backend ``nccl`` on CUDA, each rank on the GPU of
its ``LOCAL_RANK``; ``gloo`` on the CPU), the trainer wraps the loss in
:class:`~torch.nn.parallel.DistributedDataParallel`, and objectives take this rank's share of
every global batch with :func:`shard`. Every rank draws the same global batch from the same seed
(the run's seed; there are no per-rank seeds), so the model trained on N ranks is the one trained
in one process on the same global batch, up to float summation order. Rank 0 alone writes files.

Convention for a sharded loss: a rank returns ``world * (its part of the global sum) / n`` for a
global mean over n items, plus the replicated terms unchanged. DDP averages gradients over ranks,
so the result is the gradient of the global loss, and the mean of the ranks' losses is its value
(:func:`average`). Without a process group every helper is the identity, and a single-process run
computes exactly what it computed before this module existed.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
from collections.abc import Callable
from typing import Any, TypeVar

import torch
import torch.distributed as dist

from sciml.core.errors import SciMLError

T = TypeVar("T")
_joined = False


class PeerLost(SciMLError):
    """Another rank stopped (died, was killed, or was ended by the launcher) during a run."""


class RankError(SciMLError):
    """A failure of this rank alone (the others cannot report it)."""


class RankZeroError(SciMLError):
    """Rank 0's error, raised on the other ranks too so that none waits (rank 0 reports it)."""


def launched() -> bool:
    """True in a process that torchrun started as one of several ranks."""
    return _env_int("WORLD_SIZE", 1) > 1


def active() -> bool:
    """True once this process is one of several in an initialized process group."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def joined() -> bool:
    """True once :func:`init` joined a process group in this process."""
    return _joined


def world_size() -> int:
    return dist.get_world_size() if active() else _env_int("WORLD_SIZE", 1)


def rank() -> int:
    return dist.get_rank() if active() else _env_int("RANK", 0)


def local_rank() -> int:
    return _env_int("LOCAL_RANK", 0)


def is_main() -> bool:
    """Rank 0, the one process that writes files and prints (always True without torchrun)."""
    return rank() == 0


def backend_for(device: torch.device) -> str:
    return "nccl" if device.type == "cuda" else "gloo"


def init(device: torch.device) -> torch.device:
    """Join torchrun's process group if this process is one of several ranks; return the device
    this rank trains on (``cuda:LOCAL_RANK`` on CUDA). A no-op without torchrun."""
    global _joined
    if not launched():
        return device
    if device.type == "cuda":
        if local_rank() >= torch.cuda.device_count():
            raise RankError(
                f"rank {rank()} has LOCAL_RANK {local_rank()} but this machine has "
                f"{torch.cuda.device_count()} CUDA device(s); start at most that many processes "
                "per machine"
            )
        device = torch.device("cuda", local_rank())
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend_for(device))
        _joined = True
        atexit.register(shutdown)
        # torchrun ends the other ranks with SIGTERM when one fails: one line, not a silent death
        with contextlib.suppress(ValueError):  # only the main thread may set handlers
            signal.signal(signal.SIGTERM, _stopped_by_launcher)
    return device


def shutdown() -> None:
    """Leave the process group (at the end of the program)."""
    global _joined
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
    _joined = False


def _stopped_by_launcher(signum: int, frame: Any) -> None:
    raise PeerLost(f"rank {rank()} was stopped by the launcher because another rank failed")


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


# -- sharding ---------------------------------------------------------------------------------
def shard(items: torch.Tensor) -> torch.Tensor:
    """This rank's rows of a global batch that every rank holds: rows rank, rank + world, ..."""
    return items[rank() :: world_size()] if active() else items


def shard_index(index: torch.Tensor) -> tuple[torch.Tensor, float]:
    """This rank's part of the global minibatch ``index`` and the factor that turns the sum of
    its per-sample losses into its share of the global mean (see the module docstring). A rank
    left without samples (a batch smaller than the world) gets one with factor 0, so that its
    backward pass still joins DDP's gradient all-reduce."""
    if not active():
        return index, 1.0 / max(len(index), 1)
    local = index[rank() :: world_size()]
    if len(local) == 0:
        return index[:1], 0.0
    return local, world_size() / len(index)


def mean_of_shard(values: torch.Tensor, scale: float) -> torch.Tensor:
    """The mean of a minibatch's per-sample ``values`` alone; under torchrun this rank's share of
    it, with the ``scale`` of :func:`shard_index`."""
    return values.mean() if not active() else values.sum() * scale


def sharded_mean(values: torch.Tensor, n_total: int) -> torch.Tensor:
    """The share of ``mean`` over all ranks' ``values`` (dim 0; ``n_total`` rows in all) that
    makes DDP's gradient average the gradient of the global mean; ``values.mean(0)`` alone."""
    if not active():
        return values.mean(dim=0)
    return values.sum(dim=0) * (world_size() / n_total)


def all_sum(tensor: torch.Tensor) -> torch.Tensor:
    """The sum over ranks of a tensor (detached; a no-op alone)."""
    if not active():
        return tensor
    total = tensor.detach().clone()
    _collective(dist.all_reduce, total)
    return total


def average(values: dict[str, float]) -> dict[str, float]:
    """The mean over ranks of each number (every rank has the same keys)."""
    if not active() or not values:
        return values
    keys = sorted(values)
    device = _collective_device()
    tensor = torch.tensor([float(values[k]) for k in keys], dtype=torch.float64, device=device)
    _collective(dist.all_reduce, tensor)
    tensor /= world_size()
    return dict(zip(keys, tensor.tolist()))


def broadcast(tensor: torch.Tensor) -> torch.Tensor:
    """Rank 0's tensor on every rank (same shape and dtype everywhere)."""
    if not active():
        return tensor
    out = tensor.detach().clone().contiguous()
    _collective(dist.broadcast, out, src=0)
    return out


def from_main(compute: Callable[[], T]) -> T:
    """Run ``compute`` on rank 0 and hand its result to every rank; a :class:`SciMLError` there
    is raised on every rank (so that no rank waits for a result that never comes): on rank 0 as
    it was, on the others as a :class:`RankZeroError` (rank 0 reports it)."""
    if not active():
        return compute()
    if is_main():
        try:
            result = compute()
        except SciMLError as error:
            _collective(dist.broadcast_object_list, [None, str(error)], src=0)
            raise
        _collective(dist.broadcast_object_list, [result, None], src=0)
        return result
    message: list[Any] = [None, None]
    _collective(dist.broadcast_object_list, message, src=0)
    if message[1] is not None:
        raise RankZeroError(message[1])
    return message[0]


def main_first(compute: Callable[[], T]) -> T:
    """Run ``compute`` on rank 0, then (if it succeeded) on the other ranks: for steps that fill
    a cache, which the other ranks then read instead of filling it at the same time."""
    if not active():
        return compute()
    result: list[T] = []
    from_main(lambda: result.append(compute()))
    return result[0] if is_main() else compute()


def _collective_device() -> torch.device:
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def _collective(operation: Callable, *args: Any, **kwargs: Any) -> Any:
    try:
        return operation(*args, **kwargs)
    except (RuntimeError, dist.DistError) as error:
        raise lost(error) from None


def lost(error: BaseException) -> PeerLost:
    """The one-line error for a collective that failed because another rank went away."""
    if isinstance(error, PeerLost):
        return error
    return PeerLost(f"rank {rank()} lost contact with another rank (it stopped or was killed)")


def is_peer_failure(error: BaseException) -> bool:
    """Whether an exception from a step is a failed collective (another rank went away)."""
    if isinstance(error, PeerLost | dist.DistError):
        return True
    text = str(error)
    return isinstance(error, RuntimeError) and any(
        mark in text
        for mark in ("Connection closed", "Connection reset", "Broken pipe", "gloo", "NCCL")
    )


# -- launching ----------------------------------------------------------------------------------
LAUNCHER_ENV = "SCIML_LAUNCHER"  # set in the ranks that :func:`launch` starts


def launch(nproc: int, argv: list[str]) -> int:
    """Run ``python -m sciml ARGV`` as ``nproc`` ranks on this machine, as ``torchrun --standalone
    --nproc_per_node NPROC`` does, and return the exit status. A rank that fails ends the others;
    a rank killed by a signal is reported here in one line (the ranks report their own errors).
    Each rank gets ``OMP_NUM_THREADS`` = cores // nproc unless it is set."""
    import logging
    import sys
    import uuid

    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.launcher.api import LaunchConfig, elastic_launch

    for name in list(logging.Logger.manager.loggerDict):  # the agent's notes are no user's news
        if name.startswith("torch.distributed"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))
    os.environ[LAUNCHER_ENV] = "1"
    config = LaunchConfig(
        min_nodes=1,
        max_nodes=1,
        nproc_per_node=nproc,
        run_id=str(uuid.uuid4()),
        rdzv_backend="c10d",
        rdzv_endpoint="localhost:0",
        max_restarts=0,
    )
    try:
        elastic_launch(config, entrypoint=sys.executable)("-m", "sciml", *argv)
    except ChildFailedError as error:
        # a rank killed by a signal is the cause; the others' exits follow it (the surviving
        # rank may exit first: it is stopped by the launcher, and leaves without atexit work)
        killed = {r: f for r, f in error.failures.items() if f.exitcode < 0}
        pool = killed or error.failures
        failed_rank = min(pool, key=lambda r: pool[r].timestamp)
        failure = pool[failed_rank]
        if failure.exitcode >= 0:
            return failure.exitcode or 1
        print(
            f"error: rank {failed_rank} was killed ({failure.signal_name()}); the other ranks "
            "stopped; the last "
            "checkpoint is intact: rerun with --resume to continue from it",
            file=sys.stderr,
        )
        return 1
    except SignalException as stop:  # Ctrl-C or a kill of the launcher: the ranks report it
        return 128 + int(stop.sigval)
    return 0
