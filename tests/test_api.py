"""End to end through the Python API at the smoke budget (the CLI runs the same code)."""

import json

import numpy as np
import pytest

import sciml

REQUIRED = {
    "problem",
    "method",
    "task",
    "rel_l2",
    "train_seconds",
    "n_params",
    "device",
    "seed",
    "budget",
    "sciml_version",
}


@pytest.mark.parametrize("method", ["pinn", "causal-pinn"])
@pytest.mark.parametrize(
    "problem, overrides",
    [("burgers", {}), ("convection-diffusion", {"beta": "10"}), ("lorenz", {"t_end": "0.3"})],
)
def test_smoke_solve_writes_the_outputs(problem, overrides, method, tmp_path):
    surrogate, metrics = sciml.solve(
        problem,
        method,
        budget="smoke",
        out=tmp_path,
        overrides=overrides,
        progress=False,
        device="cpu",
    )
    assert REQUIRED <= set(metrics)
    assert np.isfinite(metrics["rel_l2"]) and metrics["rel_l2"] < 5.0
    if method == "causal-pinn":
        assert 0.0 <= metrics["min_causal_weight"] <= 1.0
    if problem == "lorenz" and method == "causal-pinn":  # time marching in windows of 0.1
        windows = metrics["rel_l2_windows"]
        np.testing.assert_allclose(metrics["window_edges"], [0.0, 0.1, 0.2, 0.3], atol=1e-12)
        assert len(windows) == 3 and all(np.isfinite(windows))
        assert 0.99 * min(windows) <= metrics["rel_l2"] <= 1.01 * max(windows)
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["rel_l2"] == metrics["rel_l2"]
    assert (tmp_path / "solution.png").stat().st_size > 10_000
    loaded = sciml.load(tmp_path / "model.h5")
    points = np.zeros((3, len(loaded.inputs)))
    np.testing.assert_array_equal(loaded.predict(points), surrogate.predict(points))


def test_same_seed_same_numbers():
    options = {"adam_steps": "60", "lbfgs_steps": "20"}
    _, first = sciml.solve(
        "burgers",
        "causal-pinn",
        budget="smoke",
        seed=3,
        overrides=options,
        progress=False,
        device="cpu",
    )
    _, second = sciml.solve(
        "burgers",
        "causal-pinn",
        budget="smoke",
        seed=3,
        overrides=options,
        progress=False,
        device="cpu",
    )
    _, other = sciml.solve(
        "burgers",
        "causal-pinn",
        budget="smoke",
        seed=4,
        overrides=options,
        progress=False,
        device="cpu",
    )
    assert first["rel_l2"] == second["rel_l2"]
    assert first["min_causal_weight"] == second["min_causal_weight"]
    assert first["rel_l2"] != other["rel_l2"]


def test_compare_writes_figure_table_and_metrics(tmp_path):
    rows = sciml.compare(
        "burgers",
        ["pinn", "causal-pinn"],
        budget="smoke",
        out=tmp_path,
        progress=False,
        device="cpu",
    )
    assert [r["method"] for r in rows] == ["pinn", "causal-pinn"]
    table = (tmp_path / "comparison.md").read_text()
    assert "| pinn |" in table and "| causal-pinn |" in table
    assert [r["method"] for r in json.loads((tmp_path / "metrics.json").read_text())] == [
        "pinn",
        "causal-pinn",
    ]
    assert (tmp_path / "comparison.png").stat().st_size > 20_000


def test_resume_after_interruption_matches_an_uninterrupted_run(tmp_path, monkeypatch):
    from sciml.core.training import Trainer

    options = {"adam_steps": "40", "lbfgs_steps": "20", "checkpoint_every": "10"}
    _, straight = sciml.solve(
        "convection-diffusion",
        "pinn",
        budget="smoke",
        out=tmp_path / "a",
        overrides=options,
        progress=False,
        device="cpu",
    )
    step = Trainer._step

    def interrupted_step(self, phase, optimizer, call):
        if call == 25:
            raise KeyboardInterrupt
        return step(self, phase, optimizer, call)

    monkeypatch.setattr(Trainer, "_step", interrupted_step)
    with pytest.raises(KeyboardInterrupt):
        sciml.solve(
            "convection-diffusion",
            "pinn",
            budget="smoke",
            out=tmp_path / "b",
            overrides=options,
            progress=False,
            device="cpu",
        )
    monkeypatch.setattr(Trainer, "_step", step)
    _, resumed = sciml.solve(
        "convection-diffusion",
        "pinn",
        budget="smoke",
        out=tmp_path / "b",
        overrides=options,
        progress=False,
        device="cpu",
        resume=True,
    )
    assert resumed["rel_l2"] == pytest.approx(straight["rel_l2"], rel=1e-6)


@pytest.mark.parametrize(
    "threads, environment, expected",
    [(None, None, 1), (2, None, 2), (None, "2", 2)],
    ids=["pinn-default", "asked", "omp-env"],
)
def test_thread_count_the_method_default_unless_chosen(threads, environment, expected, monkeypatch):
    """The PINN family trains on one thread unless --threads or OMP_NUM_THREADS says otherwise;
    torch's own count is restored afterwards."""
    import torch

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    if environment:
        monkeypatch.setenv("OMP_NUM_THREADS", environment)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        options = {"adam_steps": "5", "lbfgs_steps": "0", "n_collocation": "64"}
        _, metrics = sciml.solve(
            "burgers",
            "pinn",
            budget="smoke",
            overrides=options,
            progress=False,
            device="cpu",
            threads=threads,
        )
        assert metrics["threads"] == expected
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
