"""The registered method: stages in metrics.json, a surrogate file that loads, init=random."""

import numpy as np
import pytest

import sciml
from sciml.methods.hypino import weights
from tests.methods.hypino.test_model import tiny_hypernet

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def tiny_weights(tmp_path, monkeypatch):
    path = tmp_path / "tiny.h5"
    weights.save(tiny_hypernet(), path, {"steps": 0})
    monkeypatch.setattr(weights, "SHIPPED", path)
    return path


def test_stages_and_surrogate_file(tiny_weights, tmp_path):
    overrides = {"grid": 32, "refine": 2, "finetune_steps": 4, "eval_every": 2}
    surrogate, metrics = sciml.solve(
        "poisson-l",
        "hypino",
        budget="smoke",
        overrides=overrides,
        out=tmp_path / "run",
        progress=False,
    )
    stages = metrics["stages"]
    assert list(stages) == ["zero_shot", "refine_1", "refine_2", "finetune_2", "finetune_4"]
    for entry in stages.values():
        assert np.isfinite(entry["rel_l2"]) and entry["seconds"] >= 0
    assert metrics["rel_l2"] == pytest.approx(stages["finetune_4"]["rel_l2"], rel=1e-5)
    assert stages["zero_shot"]["generate_seconds"] < 5
    loaded = sciml.load(tmp_path / "run" / "model.h5")
    points = np.array([[0.1, 0.2], [-0.5, -0.9]])
    assert np.allclose(loaded.predict(points), surrogate.predict(points), atol=1e-6)
    assert loaded.network.weights.shape[0] == 3


def test_random_initialisation_skips_the_hypernetwork(tiny_weights):
    overrides = {"grid": 32, "init": "random", "finetune_steps": 2, "eval_every": 1}
    _, metrics = sciml.solve(
        "poisson-l", "hypino", budget="smoke", overrides=overrides, progress=False
    )
    assert list(metrics["stages"]) == ["random_init", "finetune_1", "finetune_2"]
