"""The regression task end to end: a CSV file is a problem, a method trains on its rows, the
surrogate file round-trips with its metadata, and bad files are one line.

The method here is ordinary least squares on one linear layer, registered only while a test
needs it, so the tests that run over every registered method never see it.
"""

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from torch import nn

import sciml
from sciml.api import plan
from sciml.cli import main
from sciml.core.errors import SciMLError
from sciml.core.options import Option
from sciml.core.training import TrainResult
from sciml.methods import METHODS, Method
from sciml.nets import NETWORKS
from sciml.problems import load_problem
from sciml.problems.spec import load_spec


class LeastSquares(Method):
    """y = w . x + b fitted in closed form (optionally ridge-regularised), for the tests."""

    name = "test-ols"
    tasks = ("regression",)
    needs = frozenset({"tabular"})
    paper = "ordinary least squares (test only)"
    defaults = {"ridge": Option(0.0, min=0.0)}

    def __init__(self, problem, **kwargs):
        super().__init__(problem, **kwargs)
        self._network = None

    def network_config(self):
        return {"type": "TestLinear", "kwargs": {"in_features": len(self.problem.inputs)}}

    @property
    def network(self):
        if self._network is None:
            torch.manual_seed(self.seed)
            self._network = TestLinear(**self.network_config()["kwargs"]).to(self.device)
        return self._network

    def fit(self, progress=True, checkpoint_dir=None, resume=False, evaluate=None):
        started = time.perf_counter()
        table = self.problem.table()
        x = np.column_stack([table.train_inputs, np.ones(len(table.train_inputs))])
        gram = x.T @ x + float(self.options["ridge"]) * np.eye(x.shape[1])
        coefficients = np.linalg.solve(gram, x.T @ table.train_targets[:, 0])
        with torch.no_grad():
            self.network.weight.copy_(torch.as_tensor(coefficients[None, :-1]))
            self.network.bias.copy_(torch.as_tensor(coefficients[-1:]))
        result = TrainResult(steps=1, seconds=time.perf_counter() - started)
        if evaluate is not None:
            result.history.append({"step": 1, "seconds": result.seconds, **evaluate.score()})
        return result

    def metadata(self):
        weight = self.network.weight.detach().double().numpy()[0]
        terms = [f"{w:+.2f} {name}" for w, name in zip(weight, self.problem.inputs)]
        bias = float(self.network.bias.detach()[0])
        return {"formula": f"{self.problem.outputs[0]} = {' '.join(terms)} {bias:+.2f}"}

    @classmethod
    def predict(cls, surrogate, inputs):
        with torch.no_grad():
            points = torch.as_tensor(inputs, dtype=surrogate.network.weight.dtype)
            return surrogate.network(points.to(surrogate.device)).double().cpu().numpy()


class TestLinear(nn.Linear):
    __test__ = False  # a network, not a pytest class

    def __init__(self, in_features):
        super().__init__(in_features, 1)


@pytest.fixture
def ols():
    METHODS.register("test-ols")(LeastSquares)
    NETWORKS.register("TestLinear")(TestLinear)
    yield LeastSquares
    METHODS.unregister("test-ols")
    NETWORKS.unregister("TestLinear")


@pytest.fixture
def csv_path(tmp_path):
    """y = 2 x1 - 3 x2 + 1 + noise, the target first (so it must be named)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(200, 2))
    y = 2 * x[:, 0] - 3 * x[:, 1] + 1 + 0.01 * rng.standard_normal(200)
    path = tmp_path / "linear.csv"
    lines = ["y,x1,x2"] + [f"{a!r},{b!r},{c!r}" for a, b, c in zip(y.tolist(), *x.T.tolist())]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_csv_file_is_a_regression_problem(csv_path):
    spec = load_spec(str(csv_path))
    assert (spec.name, spec.equation, list(spec.tasks)) == ("linear", "tabular", ["regression"])
    assert spec.source == str(csv_path.resolve())
    params = spec.task_parameters("regression")
    assert params["target"].default == "x2" and params["target"].choices == ("y", "x1", "x2")
    assert params["test_fraction"].default == 0.2
    problem = load_problem(str(csv_path), overrides={"target": "y"}, seed=0)
    assert problem.task == "regression" and "tabular" in problem.provides
    assert problem.inputs == ("x1", "x2") and problem.outputs == ("y",)
    assert problem.params == {"target": "y", "test_fraction": 0.2}
    assert len(problem.table().test_inputs) == 40
    assert set(problem.domain) == {"x1", "x2"}


def test_the_split_follows_the_seed(csv_path):
    rows = [load_problem(str(csv_path), seed=s).table().test_rows for s in (0, 0, 1)]
    np.testing.assert_array_equal(rows[0], rows[1])
    assert not np.array_equal(rows[0], rows[2])


def test_parameters_are_checked_like_any_problem_parameter(csv_path):
    with pytest.raises(
        SciMLError, match=r"invalid value 'z' for target: expected one of y, x1, x2"
    ):
        load_problem(str(csv_path), overrides={"target": "z"})
    with pytest.raises(SciMLError, match=r"invalid value 'half' for test_fraction"):
        load_problem(str(csv_path), overrides={"test_fraction": "half"})
    for bad in ("0", "1", "1.5"):
        with pytest.raises(SciMLError, match=r"for test_fraction: expected a number in \(0, 1\)"):
            load_problem(str(csv_path), overrides={"test_fraction": bad})


def test_plan_matches_methods_by_task(csv_path, ols):
    run = plan(str(csv_path), "test-ols", {"target": "y", "ridge": "0.5"})
    assert run.task == "regression"
    assert run.problem_values == {"target": "y"} and run.method_values == {"ridge": "0.5"}
    with pytest.raises(SciMLError, match="method pinn solves field tasks; problem linear has "):
        plan(str(csv_path), "pinn")


def test_solve_load_and_eval_end_to_end(csv_path, ols, tmp_path):
    out = tmp_path / "run"
    surrogate, metrics = sciml.solve(
        str(csv_path), "test-ols", overrides={"target": "y"}, out=out, progress=False, device="cpu"
    )
    assert metrics["task"] == "regression" and metrics["r2"] > 0.99 and metrics["rmse"] < 0.05
    assert metrics["parameters"] == {"target": "y", "test_fraction": 0.2}
    assert {p.name for p in out.iterdir()} >= {"model.h5", "metrics.json", "solution.png"}
    assert json.loads((out / "metrics.json").read_text())["r2"] == metrics["r2"]
    assert (out / "solution.png").stat().st_size > 5_000
    assert surrogate.metadata == {"formula": "y = +2.00 x1 -3.00 x2 +1.00"}

    loaded = sciml.load(out / "model.h5")
    assert loaded.inputs == ("x1", "x2") and loaded.outputs == ("y",)
    assert loaded.metadata == surrogate.metadata
    points = np.random.default_rng(1).uniform(-1, 1, size=(50, 2))
    np.testing.assert_array_equal(loaded.predict(points), surrogate.predict(points))
    assert loaded.predict(points).shape == (50, 1)
    with pytest.raises(SciMLError, match=r"shape \(N, 2\) with columns x1, x2"):
        loaded.predict(np.zeros((3, 3)))

    evaluated = sciml.evaluate_file(out / "model.h5")
    assert evaluated["r2"] == metrics["r2"] and evaluated["metadata"] == surrogate.metadata


def test_eval_without_the_csv_names_the_missing_file(csv_path, ols, tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    sciml.solve(str(csv_path), "test-ols", out=out, progress=False, device="cpu")
    csv_path.rename(tmp_path / "moved.csv")
    with pytest.raises(SciMLError, match=r"the CSV file of problem 'linear', '.*linear.csv', does"):
        sciml.evaluate_file(out / "model.h5")
    code, _, lines = run_main(monkeypatch, capsys, "eval", str(out / "model.h5"))
    assert code == 2 and len(lines) == 1, lines  # in this process, where test-ols is known
    assert "linear.csv" in lines[0] and "does not exist" in lines[0], lines


def test_the_test_method_is_gone_after_its_tests():
    assert "test-ols" not in METHODS and "TestLinear" not in NETWORKS


def sciml_cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-c", "from sciml.cli import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        timeout=300,
    )


def test_cli_list_shows_one_problem(csv_path, tmp_path):
    result = sciml_cli("list", str(csv_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["linear", "tasks:", "regression"]
    assert "[regression] target = x2  (one of y, x1, x2)" in result.stdout
    assert "[regression] test_fraction = 0.2" in result.stdout
    assert "Methods:" not in result.stdout and len(lines) == 3
    burgers = sciml_cli("list", "burgers", cwd=tmp_path)
    assert burgers.stdout.startswith("  burgers") and "Tasks:" not in burgers.stdout


def run_main(monkeypatch, capsys, *args):
    """``sciml ARGS`` in this process: (exit status, stdout, the non-blank lines of stderr)."""
    monkeypatch.setattr(sys, "argv", ["sciml", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    captured = capsys.readouterr()
    return exit_.value.code, captured.out, [x for x in captured.err.splitlines() if x.strip()]


@pytest.mark.parametrize(
    "command, text, expected",
    [
        ("list", "a,y\n1,2\n3,x\n", "column 'y', row 2 (line 3) holds 'x', which is not a number"),
        ("solve", "a,y\n1,inf\n3,4\n", "column 'y', row 1 (line 2) is 'inf'"),
        ("solve", "", "is empty"),
        ("list", "a,y\n", "has a header but no rows"),
        ("solve", "a,y\n1,2\n", "has one row of data"),
    ],
)
def test_cli_bad_csv_is_one_line(tmp_path, monkeypatch, capsys, command, text, expected):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.csv").write_text(text)
    args = [command, "bad.csv"] + (["--method", "pinn"] if command == "solve" else [])
    code, _, lines = run_main(monkeypatch, capsys, *args)
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith("error: bad.csv") and expected in lines[0], lines[0]


@pytest.mark.parametrize(
    "args, expected",
    [
        (["list", "absent.csv"], "CSV file 'absent.csv' does not exist"),
        (["solve", "absent.csv", "--method", "pinn"], "CSV file 'absent.csv' does not exist"),
        (
            ["solve", "data.csv", "--method", "pinn"],
            "method pinn solves field tasks; problem data has regression",
        ),
        (
            ["solve", "data.csv", "--method", "test-ols", "--set", "target=z"],
            "invalid value 'z' for target: expected one of a, y",
        ),
    ],
)
def test_cli_missing_file_wrong_method_and_target(
    tmp_path, monkeypatch, capsys, ols, args, expected
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.csv").write_text("a,y\n1,2\n3,4\n5,7\n")
    code, _, lines = run_main(monkeypatch, capsys, *args)
    assert code == 2 and len(lines) == 1 and expected in lines[0], lines


def test_cli_solve_a_csv(csv_path, tmp_path, monkeypatch, capsys, ols):
    out = tmp_path / "run"
    args = ["solve", str(csv_path), "--method", "test-ols", "--set", "target=y", "--out", str(out)]
    code, stdout, lines = run_main(monkeypatch, capsys, *args, "--quiet", "--device", "cpu")
    assert code == 0 and lines == [] and "linear / test-ols: r2 " in stdout, stdout
    assert (out / "model.h5").is_file()


def test_constant_target_is_refused_before_training(tmp_path, ols):
    path = tmp_path / "constant.csv"
    path.write_text("a,y\n1,2\n3,2\n5,2\n")
    with pytest.raises(SciMLError, match=r"target column 'y' is constant \(2 in every row\)"):
        sciml.solve(str(path), "test-ols", progress=False, device="cpu")
