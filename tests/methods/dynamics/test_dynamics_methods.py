"""plrnn, alrnn and node end to end at the smoke budget: metrics, the HDF5 round trip (identical
free runs), physical units, the symbolic code, and one line for every bad input."""

import json

import numpy as np
import pytest

import sciml
from sciml.core.errors import SciMLError


@pytest.fixture(scope="module", params=["plrnn", "alrnn", "node"])
def trained(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    surrogate, metrics = sciml.solve(
        "lorenz", request.param, budget="smoke", out=out, progress=False, device="cpu"
    )
    return surrogate, metrics, out


def test_metrics_json_has_the_dynamics_keys(trained):
    surrogate, metrics, out = trained
    written = json.loads((out / "metrics.json").read_text())
    for key in ("d_stsp", "d_h", "pe", "dt", "train_seconds", "n_params"):
        assert key in written
    assert written["dt"] == 0.01 and 0.0 <= written["d_h"] <= 1.0
    assert (out / "solution.png").stat().st_size > 10_000
    if surrogate.method == "alrnn":
        assert 1 <= written["n_subregions"] <= 4  # P = 2
        rows = np.asarray(written["transition_matrix"])
        np.testing.assert_allclose(rows.sum(1), 1.0, atol=1e-5)
        assert surrogate.metadata["symbolic_code"]["n_subregions"] >= 1
    if surrogate.method != "node":
        assert 0.0 <= written["alpha"] <= 1.0
        # the smoke budget scores free runs every 20 of its 40 batches and keeps the best
        assert written["selected_batch"] in (20, 40) and written["selection_d_stsp"] >= 0.0


def test_round_trip_gives_identical_free_runs(trained):
    surrogate, _, out = trained
    loaded = sciml.load(out / "model.h5")
    x0 = np.array([1.0, 2.0, 20.0])
    run = loaded.generate(x0, 50)
    np.testing.assert_array_equal(run, surrogate.generate(x0, 50))
    assert run.shape == (50, 3)
    np.testing.assert_allclose(run[0], x0, rtol=1e-5)  # physical units, row 0 is x0
    batch = loaded.generate(np.stack([x0, 2 * x0]), 7)
    assert batch.shape == (2, 7, 3)
    np.testing.assert_allclose(batch[0], run[:7], rtol=1e-5, atol=1e-5)
    # predict is the one-step map
    np.testing.assert_allclose(loaded.predict(x0), run[1], rtol=1e-5, atol=1e-5)
    if surrogate.method == "alrnn":
        assert loaded.metadata == surrogate.metadata


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.generate([1.0, 2.0], 5), r"states must have shape \(3,\) or \(B, 3\)"),
        (lambda s: s.generate([1.0, float("nan"), 2.0], 5), "NaN or infinite"),
        (lambda s: s.generate([1.0, 2.0, 3.0], 0), "n_steps must be a positive integer"),
        (lambda s: s.generate([1.0, 2.0, 3.0], -3), "n_steps must be a positive integer"),
        (lambda s: s.generate([1.0, 2.0, 3.0], 2.5), "n_steps must be a positive integer"),
        (lambda s: s.generate([1.0, 2.0, 3.0], 10**15), r"needs about .* of memory"),
        (lambda s: s.predict(np.linspace(0, 1, 5)[:, None]), r"states must have shape"),
        (lambda s: s.predict([[0.1, 0.2]]), r"states must have shape"),
    ],
    ids=[
        "x0-dim",
        "x0-nan",
        "zero-steps",
        "negative-steps",
        "float-steps",
        "huge-steps",
        "field-points",
        "wrong-width",
    ],
)
def test_bad_input_is_one_line(trained, call, message):
    surrogate, _, _ = trained
    with pytest.raises(SciMLError, match=message) as error:
        call(surrogate)
    assert "\n" not in str(error.value)


def test_rossler_alrnn_with_one_piecewise_unit(tmp_path):
    surrogate, metrics = sciml.solve(
        "rossler", "alrnn", budget="smoke", out=tmp_path, progress=False, device="cpu"
    )
    assert metrics["options"]["piecewise"] == 1 and metrics["dt"] == 0.05
    assert 1 <= metrics["n_subregions"] <= 2


def test_latent_below_the_state_dimension_is_one_line():
    with pytest.raises(SciMLError, match="latent=2 is below the observed dimension 3"):
        sciml.solve("lorenz", "plrnn", budget="smoke", overrides={"latent": 2}, progress=False)


def test_cli_data_and_eval(trained, tmp_path):
    import subprocess
    import sys

    def sciml_cli(*args):
        return subprocess.run(
            [sys.executable, "-c", "from sciml.cli import main; main()", *args],
            capture_output=True,
            text=True,
            timeout=300,
        )

    surrogate, metrics, out = trained
    if surrogate.method != "alrnn":
        pytest.skip("one method is enough for the command line")
    result = sciml_cli("eval", str(out / "model.h5"))
    assert result.returncode == 0, result.stderr
    assert "d_stsp" in result.stdout and "n_subregions" in result.stdout
    rescored = sciml.evaluate_file(out / "model.h5")
    assert rescored["d_stsp"] == pytest.approx(metrics["d_stsp"], rel=1e-9)
    assert rescored["transition_matrix"] == metrics["transition_matrix"]
    path = tmp_path / "lorenz.h5"
    sets = ["--set", "n_train=300", "--set", "n_test=200", "--set", "n_transient=10"]
    result = sciml_cli("data", "lorenz", "--task", "dynamics", "--out", str(path), *sets)
    assert result.returncode == 0, result.stderr
    assert path.stat().st_size > 0
