"""Items 9 and 10: one run at a time per output directory; outputs respect the umask;
metrics.json is strict JSON and a non-finite score fails the command; a relative ``extends`` is
the problem file's neighbour; a model.h5 with wrong weight shapes is one complete line."""

import json
import os
import subprocess
import sys
import warnings

import h5py
import numpy as np
import pytest

import sciml
from sciml.cli import main
from sciml.core.errors import SciMLError
from sciml.problems.spec import load_spec
from sciml.tasks import TASKS
from tests.hostile.conftest import RUN, TINY, one_line


def test_a_second_run_into_a_busy_directory_is_refused_and_changes_nothing(run_copy):
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (run_copy / ".sciml.lock").write_text(str(holder.pid))  # a run in progress
        before = {p.name: p.read_bytes() for p in run_copy.iterdir()}
        with pytest.raises(SciMLError) as error:
            sciml.solve("convection-diffusion", "pinn", overrides=TINY, out=run_copy, **RUN)
        assert "in use by another sciml run" in one_line(error)
        assert {p.name: p.read_bytes() for p in run_copy.iterdir()} == before
    finally:
        holder.kill()
        holder.wait()
    sciml.solve("convection-diffusion", "pinn", overrides=TINY, out=run_copy, **RUN)  # stale
    assert not (run_copy / ".sciml.lock").exists()


def test_outputs_respect_the_umask(tmp_path):
    previous = os.umask(0o027)
    try:
        sciml.solve("convection-diffusion", "pinn", overrides=TINY, out=tmp_path, **RUN)
    finally:
        os.umask(previous)
    for name in ("model.h5", "metrics.json", "solution.png", "checkpoint-window0.pt"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o640, name


@pytest.fixture
def nan_score(monkeypatch):
    field = TASKS.get("field")
    monkeypatch.setattr(type(field), "evaluate", lambda self, s, p: {"rel_l2": float("nan")})


def _strict(text):
    def refuse(constant):
        raise ValueError(f"bare {constant} is no JSON")

    return json.loads(text, parse_constant=refuse)


def test_a_non_finite_score_is_null_in_metrics_json_and_fails_the_command(
    tmp_path, nan_score, monkeypatch, capsys
):
    monkeypatch.setattr(warnings, "formatwarning", warnings.formatwarning)  # main() sets it
    sets = [arg for k, v in TINY.items() for arg in ("--set", f"{k}={v}")]
    argv = ["sciml", "solve", "convection-diffusion", "--method", "pinn", "--budget", "smoke"]
    monkeypatch.setattr(sys, "argv", [*argv, "--out", str(tmp_path), "-q", *sets])
    with pytest.raises(SystemExit) as exit_status:
        main()
    assert exit_status.value.code == 1
    assert "warning: rel_l2 is not finite" in capsys.readouterr().err
    metrics = _strict((tmp_path / "metrics.json").read_text())
    assert metrics["rel_l2"] is None and "not finite" in metrics["diverged"]

    monkeypatch.setattr(sys, "argv", ["sciml", "eval", str(tmp_path / "model.h5")])
    with pytest.raises(SystemExit) as exit_status:
        main()
    assert exit_status.value.code == 1
    assert _strict(capsys.readouterr().out)["rel_l2"] is None


def test_a_relative_extends_is_resolved_against_the_files_folder(tmp_path, monkeypatch):
    folder = tmp_path / "problems"
    folder.mkdir()
    (folder / "base.toml").write_text('extends = "burgers"\nname = "base"\n')
    (folder / "child.toml").write_text(
        'extends = "base.toml"\nname = "child"\n[parameters.nu]\ndefault = 0.05\n'
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "base.toml").write_text('name = "decoy"\nequation = "lorenz"\n[tasks.field]\n')
    monkeypatch.chdir(elsewhere)
    spec = load_spec(str(folder / "child.toml"))
    assert spec.equation == "burgers" and spec.name == "child"
    assert spec.parameters["nu"].default == 0.05 and spec.parameters["nu"].max == 1.0


def test_a_model_with_wrong_weight_shapes_is_one_complete_line(run_copy):
    path = run_copy / "model.h5"
    with h5py.File(path, "r+") as f:
        name = "windows.0.hidden.1.weight"
        shape = f["weights"][name].shape
        del f["weights"][name]
        f["weights"][name] = np.zeros((shape[0] + 3, shape[1]), dtype=np.float32)
    with pytest.raises(sciml.SurrogateFormatError) as error:
        sciml.load(path)
    message = one_line(error)
    assert f"{name} has shape ({shape[0] + 3}, {shape[1]}), the network needs {shape}" in message
    assert message.endswith(")")
