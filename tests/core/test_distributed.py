"""Data parallelism with torchrun: 2 CPU ranks (gloo) train the single-process model, only rank 0
writes, a killed rank ends the run in one line and leaves the last checkpoint intact.

The ranks are started by hand (the environment torchrun gives them), each in its own working
directory with the same relative ``--out``: whatever rank 1 wrote would appear under its own
directory, as on a second machine without a shared filesystem.
"""

import os
import signal
import socket
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
import torch

import sciml
from sciml.core import distributed

FNO = [
    "burgers",
    "--method",
    "fno",
    "--budget",
    "smoke",
    "--set",
    "epochs=3",
    "--set",
    "width=8",
    "--set",
    "n_modes=8",
    "--set",
    "n_layers=2",
    "--set",
    "batch_size=7",  # 7 does not divide by 2 ranks: unequal shares
]
PINN = [
    "burgers",
    "--method",
    "causal-pinn",
    "--budget",
    "smoke",
    "--set",
    "dtype=float64",
    "--set",
    "adam_steps=30",
    "--set",
    "lbfgs_steps=20",
    "--set",
    "n_collocation=257",  # odd: unequal shares
    "--set",
    "width=16",
    "--set",
    "depth=2",
    # the mirrored network's head bias has a zero gradient in exact arithmetic (it cancels in
    # N(x) - N(x')): its 1e-12 drift under DDP is rounding on a parameter without effect, and it
    # would dominate this relative weight comparison
    "--set",
    "symmetric=false",
]
LPINN = [
    "burgers",
    "--method",
    "lpinn",
    "--budget",
    "smoke",
    "--set",
    "dtype=float64",
    "--set",
    "adam_steps=40",
    "--set",
    "lbfgs_steps=10",
    "--set",
    "n_collocation=257",
    "--set",
    "width=16",
    "--set",
    "loss_norm=rms",  # the root of a mean over all ranks
    "--set",
    "grid=256",  # labels of the Eulerian map: a cheaper evaluation
    "--set",
    "eval_every=1000",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ranks(tmp_path, args, n=2, exist_ok=False):
    """Start ``python -m sciml solve ARGS --out run`` as n ranks, each in tmp_path/rankR."""
    port = _free_port()
    processes = []
    for rank in range(n):
        cwd = tmp_path / f"rank{rank}"
        cwd.mkdir(exist_ok=exist_ok)
        env = {
            **os.environ,
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": str(port),
            "WORLD_SIZE": str(n),
            "RANK": str(rank),
            "LOCAL_RANK": str(rank),
            "LOCAL_WORLD_SIZE": str(n),
            "OMP_NUM_THREADS": "1",
        }
        command = [sys.executable, "-m", "sciml", "solve", *args, "--out", "run", "-q"]
        processes.append(
            subprocess.Popen(
                command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
        )
    outputs = [p.communicate(timeout=300) for p in processes]
    return [p.returncode for p in processes], outputs


def _single(tmp_path, args):
    """The same run in this process, one thread."""
    problem, _, method, *rest = args
    sets = dict(a.split("=", 1) for a in rest[3::2])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        sciml.solve(
            problem,
            method,
            budget="smoke",
            overrides=sets,
            out=tmp_path / "single",
            progress=False,
            device="cpu",
        )
    finally:
        torch.set_num_threads(threads)
    return tmp_path / "single" / "model.h5"


def _weights(path):
    """The weights as stored in a model.h5 (float64 stays float64; loading casts to float32)."""
    with h5py.File(path) as file:
        return {k: np.asarray(v) for k, v in file["weights"].items()}


def _largest_difference(a, b):
    """max |a - b| / max |a| over the arrays of two weight dicts."""
    return max(float(np.abs(a[k] - b[k]).max() / max(np.abs(a[k]).max(), 1e-12)) for k in a)


@pytest.mark.parametrize(
    "args, rtol",
    # float32 FNO, 21 Adam steps: rounding of the split sums only (measured 1.6e-7)
    # float64 causal PINN, 30 Adam + 20 L-BFGS iterations: measured 6e-14
    # float64 LPINN with RMS norms, 40 Adam + 10 L-BFGS iterations: measured 9e-15
    [
        pytest.param(FNO, 1e-5, id="fno"),
        pytest.param(PINN, 1e-10, id="causal-pinn"),
        pytest.param(LPINN, 1e-10, id="lpinn-rms", marks=pytest.mark.slow),  # ~35 s under load
    ],
)
def test_two_ranks_train_the_single_process_model_and_only_rank_0_writes(tmp_path, args, rtol):
    codes, outputs = _ranks(tmp_path, args)
    assert codes == [0, 0], outputs
    assert outputs[1] == ("", "")  # rank 1 prints nothing
    assert "rel_l2" in outputs[0][0]
    written = sorted(p.name for p in (tmp_path / "rank0" / "run").iterdir())
    assert written == ["checkpoint.pt", "metrics.json", "model.h5", "solution.png"] or (
        written[0].startswith("checkpoint")
    )
    assert list((tmp_path / "rank1").iterdir()) == []  # rank 1 wrote nothing at all
    parallel_file = tmp_path / "rank0" / "run" / "model.h5"
    assert sciml.load(parallel_file).metrics["ranks"] == 2
    single = _single(tmp_path, args)
    assert _largest_difference(_weights(single), _weights(parallel_file)) <= rtol


def _rank_pid(rank, marker):
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            environ = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
        except OSError:
            continue
        if f"LOCAL_RANK={rank}".encode() in environ and marker.encode() in environ:
            return int(pid)
    return None


@pytest.mark.slow  # 30-70 s on 2 shared cores: two launches of 2 ranks
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the rank in /proc")
def test_a_killed_rank_ends_the_run_in_one_line_and_the_checkpoint_resumes(tmp_path):
    out = tmp_path / "run"
    args = [*FNO[:5], "--set", "epochs=100", "--set", "width=8", "--set", "n_layers=1"]
    args += ["--set", "n_modes=8", "--set", "checkpoint_every=10", "--out", str(out), "-q"]
    marker = f"SCIML_TEST_RUN={tmp_path}"
    env = {**os.environ, "SCIML_TEST_RUN": str(tmp_path), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "sciml", "solve", *args, "--nproc", "2"]
    run = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    start = time.monotonic()
    while not (out / "checkpoint.pt").exists() and time.monotonic() - start < 120:
        time.sleep(0.1)
    pid = _rank_pid(1, marker)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    stdout, stderr = run.communicate(timeout=120)
    lines = [line for line in stderr.decode().splitlines() if line.strip()]
    assert run.returncode == 1
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: rank 1 was killed (SIGKILL)")
    assert "--resume" in lines[0]
    state = torch.load(out / "checkpoint.pt", weights_only=True)  # intact
    assert 0 < state["call"] < 300
    resumed = subprocess.run(
        [*command, "--resume"], env=env, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    assert sciml.load(out / "model.h5").metrics["steps"] == 300  # 100 epochs x 3 batches


def test_without_a_process_group_the_helpers_change_nothing():
    index = torch.arange(7)
    assert not distributed.active() and distributed.is_main() and distributed.world_size() == 1
    local, scale = distributed.shard_index(index)
    assert torch.equal(local, index) and scale == pytest.approx(1 / 7)
    values = torch.rand(7, dtype=torch.float64)
    assert torch.equal(distributed.mean_of_shard(values, scale), values.mean())
    assert torch.equal(distributed.sharded_mean(values, 7), values.mean(0))
    assert distributed.shard(values) is values
    assert distributed.average({"loss": 2.0}) == {"loss": 2.0}
    assert distributed.from_main(lambda: 3) == 3
    assert distributed.main_first(lambda: 4) == 4


def _cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "sciml", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize(
    "args, env, expected",
    [
        (["--nproc", "0"], None, "Invalid value for '--nproc'"),
        (["--nproc", "2", "--method", "plrnn"], None, "method plrnn does not train data-parallel"),
        (["--nproc", "2"], {"WORLD_SIZE": "2"}, "--nproc starts torchrun itself"),
    ],
)
def test_bad_nproc_is_one_line(tmp_path, args, env, expected):
    problem = "lorenz" if "plrnn" in args else "burgers"
    method = [] if "--method" in args else ["--method", "fno"]
    result = _cli("solve", problem, *method, *args, "--out", str(tmp_path), env=env)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert expected in lines[0]


def test_commands_other_than_solve_refuse_torchrun_in_one_line(tmp_path):
    result = _cli("compare", "burgers", "--methods", "fno,mgno", env={"WORLD_SIZE": "2"})
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert "sciml compare runs in one process" in lines[0]


@pytest.mark.slow  # about 20 s on 2 cores
def test_ctrl_c_under_nproc_is_one_line_and_saves_a_checkpoint(tmp_path):
    out = tmp_path / "run"
    args = [*FNO[:5], "--set", "epochs=300", "--set", "width=8", "--set", "n_layers=1"]
    args += ["--set", "n_modes=8", "--set", "checkpoint_every=20", "--out", str(out), "-q"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "sciml", "solve", *args, "--nproc", "2"]
    run = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    start = time.monotonic()
    while not (out / "checkpoint.pt").exists() and time.monotonic() - start < 120:
        time.sleep(0.1)
    os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, stderr = run.communicate(timeout=120)
    lines = [line for line in stderr.decode().splitlines() if line.strip()]
    assert run.returncode == 130
    assert lines == ["interrupted; rerun with --resume to continue from the last checkpoint"]
    assert torch.load(out / "checkpoint.pt", weights_only=True)["call"] > 0


def test_an_error_of_rank_0_is_one_line_and_no_rank_waits(tmp_path):
    """Resuming another run's checkpoint: rank 0 refuses it, rank 1 stops too, silently."""
    (tmp_path / "rank0").mkdir()
    sciml.solve(
        "burgers",
        "fno",
        budget="smoke",
        overrides={"epochs": "1", "width": "8", "n_modes": "8", "n_layers": "1"},
        out=tmp_path / "rank0" / "run",
        progress=False,
        device="cpu",
    )
    args = [*FNO[:5], "--set", "epochs=1", "--set", "width=8", "--set", "n_modes=8"]
    args += ["--set", "n_layers=2", "--resume"]  # another network: another run
    codes, outputs = _ranks(tmp_path, args, exist_ok=True)
    assert codes == [2, 2]
    assert outputs[1] == ("", "")
    lines = [line for line in outputs[0][1].splitlines() if line.strip()]
    assert len(lines) == 1 and "belongs to another run (differs in options.n_layers)" in lines[0]
