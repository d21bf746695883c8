import json

import h5py
import numpy as np
import pytest

import sciml
from sciml.api import _surrogate
from sciml.core.errors import SciMLError
from sciml.core.surrogate import FORMAT_VERSION
from sciml.methods import METHODS
from sciml.problems import load_problem
from sciml.tasks import TASKS


@pytest.fixture
def surrogate():
    problem = load_problem("burgers")
    method = METHODS.get("causal-pinn")(
        problem, budget="smoke", options={"windows": 2}, device="cpu", seed=0
    )
    surrogate = _surrogate(method, problem, TASKS.get("field"))
    surrogate.metrics = {"rel_l2": 0.5}
    return surrogate


def test_round_trip_gives_identical_predictions(surrogate, tmp_path):
    path = surrogate.save(tmp_path / "model.h5")
    loaded = sciml.load(path)
    points = np.random.default_rng(0).uniform([-1, 0], [1, 1], size=(500, 2))
    np.testing.assert_array_equal(loaded.predict(points), surrogate.predict(points))
    assert loaded.inputs == ("x", "t") and loaded.outputs == ("u",)
    assert loaded.problem == "burgers" and loaded.method == "causal-pinn"
    assert loaded.metrics == {"rel_l2": 0.5}


def test_file_is_plain_hdf5_with_json_metadata(surrogate, tmp_path):
    path = surrogate.save(tmp_path / "model.h5")
    with h5py.File(path) as f:
        assert f.attrs["format"] == "sciml-surrogate"
        assert f.attrs["format_version"] == FORMAT_VERSION
        config = json.loads(f.attrs["config"])
        assert config["network"]["type"] == "WindowedFieldNet"
        assert "windows.0.head.weight" in f["weights"]


def test_predict_rejects_wrong_shapes(surrogate):
    with pytest.raises(SciMLError, match=r"shape \(N, 2\)"):
        surrogate.predict(np.zeros((4, 3)))


def test_missing_truncated_foreign_and_future_files(surrogate, tmp_path):
    with pytest.raises(sciml.SurrogateFormatError, match="no surrogate file"):
        sciml.load(tmp_path / "absent.h5")
    good = surrogate.save(tmp_path / "model.h5")
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(good.read_bytes()[:2000])
    with pytest.raises(sciml.SurrogateFormatError, match="not a readable HDF5"):
        sciml.load(truncated)
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["data"] = np.zeros(3)
    with pytest.raises(sciml.SurrogateFormatError, match="not a sciml surrogate"):
        sciml.load(foreign)
    with h5py.File(good, "a") as f:
        f.attrs["format_version"] = FORMAT_VERSION + 1
    with pytest.raises(sciml.SurrogateFormatError, match="format version"):
        sciml.load(good)


def test_wrong_weights_are_reported(surrogate, tmp_path):
    path = surrogate.save(tmp_path / "model.h5")
    with h5py.File(path, "a") as f:
        del f["weights/windows.0.head.weight"]
    with pytest.raises(sciml.SurrogateFormatError, match="malformed"):
        sciml.load(path)


def test_interrupted_save_keeps_the_previous_file(surrogate, tmp_path, monkeypatch):
    path = surrogate.save(tmp_path / "model.h5")
    before = path.read_bytes()

    def explode(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(h5py.Group, "create_dataset", explode)
    with pytest.raises(KeyboardInterrupt):
        surrogate.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.h5"]  # no temporary left behind
