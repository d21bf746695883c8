"""The neural operators end to end at the smoke budget: outputs, HDF5 round trip, resolutions."""

import json

import numpy as np
import pytest

import sciml
from sciml.core.errors import SciMLError
from sciml.problems.base import load_problem
from sciml.problems.spec import load_spec

OPERATORS = ["deeponet", "fno", "mgno", "dymixop"]
BURGERS = {"n_train": "24", "n_test": "6", "epochs": "3"}
NS = {"n_train": "6", "n_test": "2", "epochs": "2", "resolution": "16"}


pytestmark = pytest.mark.usefixtures("one_thread")


def _test_inputs(problem, overrides):
    sizes = {k: v for k, v in overrides.items() if k in ("n_train", "n_test", "resolution")}
    params = {**load_spec(problem).budget_parameters("operator", "smoke"), **sizes}
    return load_problem(problem, "operator", params).operator_dataset().test_inputs


@pytest.mark.parametrize("method", OPERATORS)
def test_burgers_smoke_end_to_end_and_round_trip(method, tmp_path):
    surrogate, metrics = sciml.solve(
        "burgers",
        method,
        budget="smoke",
        out=tmp_path,
        overrides=BURGERS,
        progress=False,
        device="cpu",
    )
    assert metrics["task"] == "operator" and np.isfinite(metrics["rel_l2"])
    assert metrics["rel_l2"] < 2.0 and metrics["epochs"] == 3 and metrics["seconds_per_epoch"] > 0
    assert metrics["n_params"] == surrogate.n_params > 0
    if method == "fno":  # complex spectral weights count as two real numbers
        assert surrogate.n_params > sum(p.numel() for p in surrogate.network.parameters())
    assert json.loads((tmp_path / "metrics.json").read_text())["rel_l2"] == metrics["rel_l2"]
    assert (tmp_path / "solution.png").stat().st_size > 10_000
    loaded = sciml.load(tmp_path / "model.h5")
    inputs = _test_inputs("burgers", BURGERS)
    assert inputs.shape == (6, 64)
    np.testing.assert_array_equal(loaded.predict(inputs), surrogate.predict(inputs))
    assert sciml.evaluate_file(tmp_path / "model.h5")["rel_l2"] == pytest.approx(
        metrics["rel_l2"], rel=1e-6
    )


def test_pod_deeponet_round_trip_and_fixed_grid(tmp_path):
    overrides = {**BURGERS, "pod": "true"}
    surrogate, metrics = sciml.solve(
        "burgers",
        "deeponet",
        budget="smoke",
        out=tmp_path,
        overrides=overrides,
        progress=False,
        device="cpu",
    )
    assert surrogate.config["network"]["type"] == "PODDeepONet"
    loaded = sciml.load(tmp_path / "model.h5")
    inputs = _test_inputs("burgers", BURGERS)
    np.testing.assert_array_equal(loaded.predict(inputs), surrogate.predict(inputs))
    with pytest.raises(SciMLError, match="expected 64 points, got 128"):
        loaded.predict(np.zeros((2, 128)))


def test_resolution_handling(tmp_path):
    runs = {}
    for method in OPERATORS:
        runs[method], _ = sciml.solve(
            "burgers",
            method,
            budget="smoke",
            overrides={**BURGERS, "epochs": "1"},
            progress=False,
            device="cpu",
        )
    x = np.arange(128) / 128
    fine = np.sin(2 * np.pi * x)[None].repeat(2, axis=0)
    for method in ("fno", "dymixop", "deeponet"):  # resolution independent
        out = runs[method].predict(fine)
        assert out.shape == (2, 128) and np.isfinite(out).all()
    with pytest.raises(SciMLError, match="mgno predicts on its training grid only: expected 64"):
        runs["mgno"].predict(fine)
    for method in OPERATORS:
        with pytest.raises(SciMLError, match=r"expects input functions of shape \(B, 64\)"):
            runs[method].predict(np.zeros(64))


@pytest.mark.parametrize("method", OPERATORS)
def test_navier_stokes_smoke_rolls_out(method, tmp_path):
    surrogate, metrics = sciml.solve(
        "navier-stokes",
        method,
        budget="smoke",
        out=tmp_path,
        overrides=NS,
        progress=False,
        device="cpu",
    )
    assert np.isfinite(metrics["rel_l2"]) and "rel_l2_last_step" in metrics
    inputs = _test_inputs("navier-stokes", NS)
    assert inputs.shape == (2, 16, 16, 4)
    prediction = surrogate.predict(inputs)
    assert prediction.shape == (2, 16, 16, 2)
    loaded = sciml.load(tmp_path / "model.h5")
    np.testing.assert_array_equal(loaded.predict(inputs), prediction)
    with pytest.raises(SciMLError, match="expects input functions"):
        surrogate.predict(inputs[..., :3])


def test_compare_writes_the_operator_table(tmp_path):
    rows = sciml.compare(
        "burgers",
        ["fno", "deeponet"],
        budget="smoke",
        out=tmp_path,
        overrides={**BURGERS, "epochs": "1"},
        progress=False,
        device="cpu",
    )
    assert [r["method"] for r in rows] == ["fno", "deeponet"]
    table = (tmp_path / "comparison.md").read_text()
    assert "seconds per epoch" in table and "| fno |" in table and "| deeponet |" in table
    assert (tmp_path / "comparison.png").stat().st_size > 20_000


def test_interrupted_operator_training_resumes_to_the_same_result(tmp_path, monkeypatch):
    from sciml.core.training import Trainer

    options = {**BURGERS, "batch_size": "4", "checkpoint_every": "5"}  # 6 batches per epoch

    def solve(out, resume=False):
        return sciml.solve(
            "burgers",
            "deeponet",
            budget="smoke",
            out=out,
            overrides=options,
            progress=False,
            device="cpu",
            resume=resume,
        )

    _, straight = solve(tmp_path / "a")
    step = Trainer._step

    def interrupted_step(self, phase, optimizer, call):
        if call == 13:  # mid-epoch: the batch permutation must be restored too
            raise KeyboardInterrupt
        return step(self, phase, optimizer, call)

    monkeypatch.setattr(Trainer, "_step", interrupted_step)
    with pytest.raises(KeyboardInterrupt):
        solve(tmp_path / "b")
    monkeypatch.setattr(Trainer, "_step", step)
    _, resumed = solve(tmp_path / "b", resume=True)
    assert resumed["epochs"] == straight["epochs"] == 3
    assert resumed["rel_l2"] == pytest.approx(straight["rel_l2"], rel=1e-6)
