"""Items 1, 3 and 10 of the reliability issue: resume cannot continue another run, Ctrl-C (a real
SIGINT to ``sciml solve``) prints the hint and a resume gives the uninterrupted result, and a
checkpoint that is random bytes, a pickle payload or damaged is refused in one line."""

import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from torch import nn

import sciml
from sciml.core.errors import SciMLError
from sciml.core.training import Phase, Trainer, TrainResult
from tests.hostile.conftest import RUN, TINY, one_line


def test_resume_refuses_another_runs_checkpoint_and_keeps_its_model(run_copy):
    """A beta = 5 checkpoint resumed as beta = 50, or as burgers, is refused naming the fields;
    the directory's model.h5 is not overwritten."""
    before = (run_copy / "model.h5").read_bytes()
    with pytest.raises(SciMLError) as error:
        sciml.solve(
            "convection-diffusion",
            "pinn",
            overrides={**TINY, "beta": 50},
            out=run_copy,
            resume=True,
            **RUN,
        )
    assert "another run" in one_line(error) and "parameters.beta" in str(error.value)
    burgers = {k: v for k, v in TINY.items()}
    with pytest.raises(SciMLError) as error:
        sciml.solve("burgers", "pinn", overrides=burgers, out=run_copy, resume=True, **RUN)
    assert "problem" in one_line(error)
    assert (run_copy / "model.h5").read_bytes() == before


# -- Ctrl-C: a real SIGINT to the command -------------------------------------------------------
# a checkpoint every call: this small run's L-BFGS stops moving (and its round ends) after 60
# iterations, so the window for an interrupt inside L-BFGS is a few calls
SIGINT_RUN = {**TINY, "adam_steps": 20, "lbfgs_steps": 300, "checkpoint_every": 1}
SIGINT_RUN["eval_every"] = 10_000  # score at the end only: the histories then match too


def _command(out, *extra):
    sets = [arg for key, value in SIGINT_RUN.items() for arg in ("--set", f"{key}={value}")]
    return [
        sys.executable,
        "-c",
        "from sciml.cli import main; main()",
        "solve",
        "convection-diffusion",
        "--method",
        "pinn",
        "--budget",
        "smoke",
        "--device",
        "cpu",
        "--out",
        str(out),
        "-q",
        *sets,
        *extra,
    ]


def _phase_of(checkpoint):
    try:
        return torch.load(checkpoint, weights_only=True)["phase_index"]
    except Exception:  # noqa: BLE001 - being replaced right now: look again
        return None


def test_sigint_during_lbfgs_prints_the_hint_and_resume_equals_the_uninterrupted_run(tmp_path):
    root = str(Path(sciml.__file__).resolve().parents[1])  # this sciml, not an installed one
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": root}
    out = tmp_path / "interrupted"
    process = subprocess.Popen(
        _command(out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:  # meanwhile, in this process: the same run without interruption
        _, straight = sciml.solve(
            "convection-diffusion", "pinn", overrides=SIGINT_RUN, out=tmp_path / "straight", **RUN
        )
        checkpoint = out / "checkpoint-window0.pt"
        deadline = time.monotonic() + 120
        while _phase_of(checkpoint) != 1:  # interrupt inside the L-BFGS phase
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no L-BFGS checkpoint within 120 s"
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines == ["interrupted; rerun with --resume to continue from the last checkpoint"]
    assert not (out / "model.h5").exists()

    resumed = subprocess.run(
        _command(out, "--resume"), capture_output=True, text=True, env=env, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    # 320 planned; the trainer ends an L-BFGS round early once a call moves no parameter
    assert metrics["steps"] == straight["steps"] and 0 < straight["steps"] <= 320
    assert metrics["rel_l2"] == straight["rel_l2"]
    assert [h["loss"] for h in metrics["history"]] == [h["loss"] for h in straight["history"]]


# -- damaged checkpoints --------------------------------------------------------------------------
class Quadratic:
    def __init__(self, model):
        self.model = model

    def loss(self, phase):
        return (self.model.weight - 3.0).square().sum(), {}

    def after_step(self, phase, info):
        return False

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


def _trainer(path, width=4):
    model = nn.Linear(width, 1, bias=False)
    return Trainer(
        model,
        Quadratic(model),
        [Phase("adam", 4)],
        checkpoint_path=path,
        progress=False,
        identity={"run": 1},
    )


class Payload:
    """Unpickling this would create the marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _damage(path, kind, tmp_path):
    good = torch.load(path, weights_only=True)
    if kind == "random bytes":
        path.write_bytes(os.urandom(4096))
    elif kind == "pickle payload":
        path.write_bytes(pickle.dumps(Payload(tmp_path / "executed")))
    elif kind == "torch pickle payload":
        torch.save({"model": Payload(tmp_path / "executed")}, path)
    elif kind == "truncated":
        path.write_bytes(path.read_bytes()[:500])
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "a list":
        torch.save([1, 2, 3], path)
    elif kind == "identity not text":
        torch.save({**good, "identity": 5}, path)
    elif kind == "identity not JSON":
        torch.save({**good, "identity": "{oops"}, path)
    elif kind == "wrong weight shapes":
        torch.save({**good, "model": {"weight": torch.zeros(3, 3)}}, path)
    elif kind == "phase out of range":
        torch.save({**good, "phase_index": 99}, path)
    elif kind == "result not a table":
        torch.save({**good, "result": [1]}, path)
    elif kind == "optimizer state damaged":
        torch.save({**good, "optimizer": {"state": {}, "param_groups": []}, "call": 2}, path)


@pytest.mark.parametrize(
    "kind",
    [
        "random bytes",
        "pickle payload",
        "torch pickle payload",
        "truncated",
        "empty",
        "a list",
        "identity not text",
        "identity not JSON",
        "wrong weight shapes",
        "phase out of range",
        "result not a table",
        "optimizer state damaged",
    ],
)
def test_a_damaged_checkpoint_is_refused_in_one_line(tmp_path, kind):
    path = tmp_path / "checkpoint.pt"
    trainer = _trainer(path)  # a checkpoint after 2 of 4 steps ...
    trainer._save_checkpoint(0, 2, trainer.phases[0].make([trainer.model.weight]), TrainResult())
    _trainer(path).run(resume=True)  # (which resumes)
    trainer._save_checkpoint(0, 2, trainer.phases[0].make([trainer.model.weight]), TrainResult())
    _damage(path, kind, tmp_path)
    with pytest.raises(SciMLError) as error:
        _trainer(path).run(resume=True)  # ... and resume it
    message = one_line(error)
    assert message.startswith(f"cannot resume from {path}: ")
    assert not (tmp_path / "executed").exists()  # nothing in the file was run


def _adam_run(path=None, resume=False):
    torch.manual_seed(0)
    model = nn.Linear(4, 1, bias=False)
    trainer = Trainer(
        model,
        Quadratic(model),
        [Phase("adam", 8, lr=0.1)],
        checkpoint_path=path,
        progress=False,
        identity={"run": 1},
    )
    trainer.run(resume=resume)
    return model.weight.detach().clone()


def test_ctrl_c_just_after_an_adam_update_resumes_exactly(tmp_path, monkeypatch):
    """Ctrl-C that lands after optimizer.step() (the moments already moved): the step is
    rewound whole, so the resumed run equals the uninterrupted one."""
    straight = _adam_run()
    step, calls = torch.optim.Adam.step, []

    def step_then_interrupt(self, *args, **kwargs):
        result = step(self, *args, **kwargs)
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return result

    monkeypatch.setattr(torch.optim.Adam, "step", step_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        _adam_run(tmp_path / "checkpoint.pt")
    monkeypatch.undo()
    assert torch.equal(_adam_run(tmp_path / "checkpoint.pt", resume=True), straight)
