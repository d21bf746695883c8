"""Parameter sweeps: outputs of a tiny sweep, and bad input failing before any run starts."""

import json
import os
import subprocess
import sys

import pytest

from sciml.core.errors import SciMLError
from sciml.sweep import parse_param, sweep

TINY = {"adam_steps": "20", "lbfgs_steps": "10"}


def test_sweep_writes_figure_table_and_metrics(tmp_path):
    rows = sweep(
        "convection-diffusion",
        "beta",
        ["5", "10"],
        ["pinn", "lpinn"],
        budget="smoke",
        out=tmp_path / "runs",
        figure=tmp_path / "figures" / "sweep.png",
        table=tmp_path / "docs" / "sweep.md",
        overrides=TINY,
        progress=False,
        device="cpu",
    )
    assert [(r["parameters"]["beta"], r["method"]) for r in rows] == [
        (5.0, "pinn"),
        (5.0, "lpinn"),
        (10.0, "pinn"),
        (10.0, "lpinn"),
    ]
    assert (tmp_path / "figures" / "sweep.png").stat().st_size > 10_000
    table = (tmp_path / "docs" / "sweep.md").read_text()
    assert "| beta | pinn | lpinn |" in table
    assert table.count("\n| 5 |") == 1 and table.count("\n| 10 |") == 1
    assert "sciml sweep convection-diffusion --param beta=5,10 --methods pinn,lpinn" in table
    saved = json.loads((tmp_path / "runs" / "metrics.json").read_text())
    assert [r["rel_l2"] for r in saved] == [r["rel_l2"] for r in rows]
    assert "history" not in saved[0]
    assert (tmp_path / "runs" / "beta=10" / "lpinn" / "model.h5").exists()


@pytest.mark.parametrize(
    "text, expected",
    [("beta=10,30, 50", ("beta", ["10", "30", "50"])), ("nu=0.01", ("nu", ["0.01"]))],
)
def test_parse_param(text, expected):
    assert parse_param(text) == expected


@pytest.mark.parametrize("text", ["beta", "beta=", "=1,2", "beta=1,,2", "beta=1,"])
def test_parse_param_rejects_malformed_lists(text):
    with pytest.raises(SciMLError, match="expected NAME=V1,V2"):
        parse_param(text)


@pytest.mark.parametrize(
    "param, values, methods, overrides, message",
    [
        ("gamma", ["1"], ["lpinn"], {}, "unknown sweep parameter 'gamma'"),
        ("beta", ["10", "500"], ["lpinn"], {}, "invalid value '500' for beta"),
        ("beta", ["ten"], ["lpinn"], {}, "invalid value 'ten' for beta"),
        ("beta", ["10", "10.0"], ["lpinn"], {}, "lists a value twice"),
        ("beta", [], ["lpinn"], {}, "no values to sweep"),
        ("u0", ["sin(x)"], ["lpinn"], {}, "can only sweep a numeric parameter"),
        ("beta", ["10"], ["lpinn", "pinnn"], {}, "unknown method 'pinnn'"),
        ("beta", ["10"], [], {}, "--methods is empty"),
        ("beta", ["10"], ["lpinn"], {"beta": "5"}, "both swept (--param) and set (--set)"),
        ("beta", ["10"], ["lpinn"], {"depth_x": "2"}, "unknown --set key 'depth_x'"),
    ],
)
def test_bad_input_fails_before_any_run(tmp_path, param, values, methods, overrides, message):
    methods = methods + (["pinn"] if overrides.get("depth_x") else [])
    with pytest.raises(SciMLError) as error:
        sweep(
            "convection-diffusion",
            param,
            values,
            methods,
            budget="smoke",
            out=tmp_path / "out",
            overrides=overrides,
            progress=False,
            device="cpu",
        )
    assert message in str(error.value)
    assert not (tmp_path / "out").exists()


def test_cli_sweep_bad_input_is_one_line():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from sciml.cli import main; main()",
            "sweep",
            "convection-diffusion",
            "--param",
            "beta=10,300",
            "--methods",
            "pinn,lpinn",
        ],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=300,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["error: invalid value '300' for beta: expected a number in [0, 200]"]
