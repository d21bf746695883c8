"""Surrogate file format versions: version 1 files still load, version 2 adds the ``metadata``
slot, later versions are refused in one line; ``generate`` belongs to dynamics surrogates."""

import json

import h5py
import numpy as np
import pytest

import sciml
from sciml.api import _surrogate
from sciml.core.errors import SciMLError, SurrogateFormatError
from sciml.core.surrogate import FORMAT_VERSION, READABLE_VERSIONS, Surrogate
from sciml.methods import METHODS
from sciml.problems import load_problem
from sciml.tasks import TASKS


@pytest.fixture
def surrogate():
    problem = load_problem("burgers")
    method = METHODS.get("pinn")(
        problem, budget="smoke", options={"width": 8, "depth": 2}, device="cpu", seed=0
    )
    return _surrogate(method, problem, TASKS.get("field"))


def points():
    return np.random.default_rng(0).uniform([-1, 0], [1, 1], size=(64, 2))


def write_version_1(surrogate, path):
    """A file as sciml wrote it before format version 2: no ``metadata`` attribute, and no
    ``source`` in the problem's config."""
    config = json.loads(json.dumps(surrogate.config))
    del config["problem"]["source"]
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "sciml-surrogate"
        f.attrs["format_version"] = 1
        f.attrs["sciml_version"] = "0.3.0"
        f.attrs["created"] = "2026-01-01T00:00:00+00:00"
        f.attrs["problem"] = surrogate.problem
        f.attrs["method"] = surrogate.method
        f.attrs["task"] = surrogate.task
        f.attrs["inputs"] = json.dumps(list(surrogate.inputs))
        f.attrs["outputs"] = json.dumps(list(surrogate.outputs))
        f.attrs["config"] = json.dumps(config)
        f.attrs["metrics"] = json.dumps({"rel_l2": 0.25})
        weights = f.create_group("weights")
        for name, tensor in surrogate.network.state_dict().items():
            weights.create_dataset(name, data=tensor.detach().cpu().numpy())
        f.create_group("arrays")
    return path


def test_versions_read_and_written():
    assert FORMAT_VERSION == 2 and READABLE_VERSIONS == (1, 2)


def test_version_1_file_still_loads_and_predicts(surrogate, tmp_path):
    path = write_version_1(surrogate, tmp_path / "v1.h5")
    loaded = sciml.load(path)
    assert loaded.metadata == {} and loaded.metrics == {"rel_l2": 0.25}
    assert (loaded.problem, loaded.method, loaded.task) == ("burgers", "pinn", "field")
    np.testing.assert_array_equal(loaded.predict(points()), surrogate.predict(points()))


def test_version_2_file_has_metadata(surrogate, tmp_path):
    surrogate.metadata = {"formula": "u = -sin(pi x)", "terms": [1, 2]}
    path = surrogate.save(tmp_path / "v2.h5")
    with h5py.File(path) as f:
        assert f.attrs["format_version"] == 2
        assert json.loads(f.attrs["metadata"]) == surrogate.metadata
        assert "source" in json.loads(f.attrs["config"])["problem"]
    loaded = sciml.load(path)
    assert loaded.metadata == surrogate.metadata
    np.testing.assert_array_equal(loaded.predict(points()), surrogate.predict(points()))


def test_version_2_metadata_is_empty_by_default(surrogate, tmp_path):
    path = surrogate.save(tmp_path / "v2.h5")
    with h5py.File(path) as f:
        assert json.loads(f.attrs["metadata"]) == {}
    assert sciml.load(path).metadata == {}


@pytest.mark.parametrize("version", [3, 0, "two"])
def test_other_versions_are_refused_in_one_line(surrogate, tmp_path, version):
    path = surrogate.save(tmp_path / "model.h5")
    with h5py.File(path, "a") as f:
        f.attrs["format_version"] = version
    with pytest.raises(SurrogateFormatError) as error:
        sciml.load(path)
    message = str(error.value)
    assert "this sciml reads versions 1, 2" in message
    if isinstance(version, int):
        assert f"has format version {version};" in message
    assert "\n" not in message


def test_generate_on_a_field_surrogate_is_one_line(surrogate, tmp_path):
    with pytest.raises(SciMLError) as error:
        surrogate.generate(np.zeros(2), 5)
    assert str(error.value) == "a field surrogate (pinn) does not generate"
    loaded = sciml.load(surrogate.save(tmp_path / "model.h5"))
    with pytest.raises(SciMLError, match=r"^a field surrogate \(pinn\) does not generate$"):
        loaded.generate(np.zeros(2), 5)


def test_an_unbound_surrogate_says_how_to_read_it(surrogate):
    bare = Surrogate(
        problem="burgers",
        method="pinn",
        task="field",
        inputs=("x", "t"),
        outputs=("u",),
        config=surrogate.config,
        network=surrogate.network,
    )
    with pytest.raises(SciMLError, match="not bound to its method; read it with sciml.load"):
        bare.predict(points())
    with pytest.raises(SciMLError, match="does not generate"):
        bare.generate(np.zeros(2), 5)
