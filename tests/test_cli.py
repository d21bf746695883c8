"""The command line: real subprocesses, so what a user sees is what is tested."""

import json
import os
import subprocess
import sys

import pytest


def sciml(*args, cwd=None, env=None):
    env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", "from sciml.cli import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )


def one_clean_line(result):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_list_shows_problems_tasks_parameters_and_methods():
    result = sciml("list")
    assert result.returncode == 0
    for word in (
        "burgers",
        "convection-diffusion",
        "lorenz",
        "navier-stokes",
        "pinn",
        "causal-pinn",
        "beta = 30",
        "field",
    ):
        assert word in result.stdout


@pytest.mark.parametrize(
    "args, expected",
    [
        (["solve", "burgerz", "--method", "pinn"], "unknown problem 'burgerz'; choices: "),
        (["solve", "burgers", "--method", "pinnn"], "unknown method 'pinnn'; choices: "),
        (["solve", "burgers", "--method", "pinn", "--set", "nuu=1"], "unknown --set key 'nuu'"),
        (
            ["solve", "convection-diffusion", "--method", "pinn", "--set", "beta=1000"],
            "invalid value '1000' for beta: expected a number in [0, 200]",
        ),
        (
            ["solve", "burgers", "--method", "pinn", "--set", "adam_steps=many"],
            "invalid value 'many' for adam_steps: expected an integer",
        ),
        (["solve", "burgers", "--method", "pinn", "--set", "nu"], "expected KEY=VALUE"),
        (["solve", "burgers", "--method", "pinn", "--budget", "huge"], "unknown budget 'huge'"),
        (["solve", "burgers", "--method", "pinn", "--device", "tpu"], "unknown device 'tpu'"),
        (
            ["solve", "missing.toml", "--method", "pinn"],
            "problem file 'missing.toml' does not exist",
        ),
        (["eval", "absent.h5"], "no surrogate file at 'absent.h5'"),
        (["compare", "burgers", "--methods", "pinn,nope"], "unknown method 'nope'"),
    ],
)
def test_bad_input_gives_one_line_and_no_traceback(args, expected, tmp_path):
    line = one_clean_line(sciml(*args, cwd=tmp_path))
    assert line.startswith("error: ") and expected in line, line


def test_method_that_does_not_serve_the_task(tmp_path):
    problem = tmp_path / "operator_only.toml"
    problem.write_text(
        'name = "op"\nequation = "burgers"\n[parameters.nu]\ndefault = 0.1\n[tasks.operator]\n'
    )
    line = one_clean_line(sciml("solve", str(problem), "--method", "pinn", cwd=tmp_path))
    assert "method pinn solves field tasks; problem op has operator" in line


def test_unwritable_output_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = sciml(
        "solve",
        "burgers",
        "--method",
        "pinn",
        "--budget",
        "smoke",
        "--out",
        str(blocker / "run"),
        cwd=tmp_path,
    )
    assert "cannot create output directory" in one_clean_line(result)


def test_corrupt_model_file(tmp_path):
    bad = tmp_path / "model.h5"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 100)
    assert "not a readable HDF5 file" in one_clean_line(sciml("eval", str(bad)))


def test_solve_then_eval_reproduces_the_metrics(tmp_path):
    out = tmp_path / "run"
    result = sciml(
        "solve",
        "lorenz",
        "--method",
        "pinn",
        "--budget",
        "smoke",
        "--out",
        str(out),
        "--set",
        "t_end=0.5",
        "-q",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "lorenz / pinn: rel_l2" in result.stdout
    assert {p.name for p in out.iterdir()} >= {"model.h5", "metrics.json", "solution.png"}
    saved = json.loads((out / "metrics.json").read_text())
    evaluated = sciml("eval", str(out / "model.h5"))
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["rel_l2"] == pytest.approx(saved["rel_l2"], rel=1e-6)


def test_threads_option_is_applied_recorded_and_checked(tmp_path):
    out = tmp_path / "run"
    args = ["solve", "burgers", "--method", "deeponet", "--budget", "smoke", "-q"]
    result = sciml(*args, "--threads", "1", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "metrics.json").read_text())["threads"] == 1
    line = one_clean_line(sciml(*args, "--threads", "0", cwd=tmp_path))
    assert "--threads" in line and "greater than or equal to 1" in line


def test_help_shows_the_defaults_it_describes():
    """Square brackets are rich markup: "[default: ...]" in a help text vanished from --help."""
    result = sciml("solve", "--help", env={"COLUMNS": "400"})
    assert result.returncode == 0
    assert "runs/PROBLEM-METHOD" in result.stdout and "OMP_NUM_THREADS if set" in result.stdout
