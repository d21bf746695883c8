"""The kan method through the command line: a CSV table (model.h5, metrics.json with r2, rmse
and the formula, the figure), the bad tables of the issue in one line each, and Lorenz."""

import json

import numpy as np
import pytest

from tests.tasks.test_regression import run_main


def test_solve_a_csv_writes_the_model_metrics_formula_and_figure(tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-1, 1, (2, 150))
    rows = "\n".join(f"{p},{q},{2 * p + 3 * q * q - 1}" for p, q in zip(a.tolist(), b.tolist()))
    (tmp_path / "data.csv").write_text("a,b,out\n" + rows + "\n")
    out = tmp_path / "run"
    args = [
        "solve",
        str(tmp_path / "data.csv"),
        "--method",
        "kan",
        "--set",
        "target=out",
        "--set",
        "library=polynomial",
        "--budget",
        "smoke",
        "--out",
        str(out),
        "--quiet",
    ]
    code, stdout, errors = run_main(monkeypatch, capsys, *args)
    assert code == 0 and errors == [], errors
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["r2"] > 0.99 and metrics["rmse"] < 0.1  # measured 0.99999, 3.9e-3
    (formula,) = metrics["formula"]
    assert formula.startswith("out = ") and f"  {formula}" in stdout
    assert metrics["formula_r2"][0] > 0.999
    assert (out / "model.h5").stat().st_size > 0 and (out / "solution.png").stat().st_size > 0
    code, stdout, _ = run_main(monkeypatch, capsys, "eval", str(out / "model.h5"))
    assert code == 0 and json.loads(stdout)["metadata"]["formula"] == [formula]


@pytest.mark.parametrize(
    "text, sets, expected",
    [
        (
            "a,y\n1,2\n3,4\n5,6\n",
            ["target=z"],
            "invalid value 'z' for target: expected one of a, y",
        ),
        ("a,y\n1,2\n3,x\n", [], "column 'y', row 2 (line 3) holds 'x', which is not a number"),
        ("a,y\n1,nan\n3,4\n", [], "column 'y', row 1 (line 2) is 'nan'"),
        ("a,y\n1,2\n-inf,4\n", [], "column 'a', row 2 (line 3) is '-inf'"),
        ("", [], "is empty"),
        ("a,y\n1,2\n", [], "has one row of data"),
        ("a,y\n1,2\n3,2\n5,2\n", [], "target column 'y' is constant (2 in every row)"),
        ("a,b,y\n1,7,2\n3,7,5\n5,7,1\n", [], "input column 'b' is constant (7 in every row)"),
    ],
)
def test_bad_tables_are_one_line(tmp_path, monkeypatch, capsys, text, sets, expected):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.csv").write_text(text)
    args = ["solve", "bad.csv", "--method", "kan", "--budget", "smoke", "--quiet"]
    for item in sets:
        args += ["--set", item]
    code, _, lines = run_main(monkeypatch, capsys, *args)
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith("error: ") and expected in lines[0], lines[0]


def test_lorenz_prints_its_three_equations(tmp_path, monkeypatch, capsys):
    args = [
        "solve",
        "lorenz",
        "--method",
        "kan",
        "--budget",
        "smoke",
        "--out",
        str(tmp_path),
        "--quiet",
    ]
    code, stdout, _ = run_main(monkeypatch, capsys, *args)
    lines = stdout.splitlines()
    assert code == 0 and [line.split(" = ")[0] for line in lines[1:4]] == [
        "  dx/dt",
        "  dy/dt",
        "  dz/dt",
    ]
    assert lines[1] == "  dx/dt = -10.0*x + 10.0*y"  # linear: exact even at the smoke budget
