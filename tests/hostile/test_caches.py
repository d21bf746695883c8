"""Item 4: a dataset cache entry that is wrong inside -- another problem's file under this name,
values edited in place, a wrong-shaped field, a bad JSON attribute, random bytes -- is regenerated
with one warning, never used and never a traceback; a finished training is never lost to a cache
error."""

import json
import shutil
import warnings

import h5py
import numpy as np
import pytest

import sciml
from sciml.core.errors import SciMLError
from sciml.data.cache import cache_path
from sciml.data.field import cached_reference
from sciml.data.operator import cache_path as operator_cache_path
from sciml.problems.base import EQUATIONS, load_problem
from tests.hostile.conftest import RUN, TINY, one_line

FIELD = {"nx": 16, "nt": 3}
OTHER = {"nx": 16, "nt": 3, "beta": 7.0}
OPERATOR = {"n_train": 2, "n_test": 1, "resolution": 16, "t_in": 2, "t_out": 1}
OPERATOR["generation_resolution"] = 16


def _edit_values(path):
    with h5py.File(path, "r+") as f:
        f["fields/u"][0, 0] += 1.0


def _wrong_shape(path):
    with h5py.File(path, "r+") as f:
        del f["fields/u"]
        f["fields/u"] = np.zeros((3, 3))


def _bad_json(path):
    with h5py.File(path, "r+") as f:
        f.attrs["inputs"] = "[x, t"


def _nan_values(path):
    with h5py.File(path, "r+") as f:
        f["fields/u"][1, 1] = np.nan


def _random_bytes(path):
    path.write_bytes(np.random.default_rng(0).bytes(5000))


def _no_identity(path):  # an entry of an older sciml
    with h5py.File(path, "r+") as f:
        del f.attrs["identity"], f.attrs["checksum"]


def _another_problem(path):
    other = load_problem("convection-diffusion", overrides=OTHER)
    other.reference()
    shutil.copy(cache_path(other), path)


@pytest.mark.parametrize(
    "damage",
    [
        _edit_values,
        _wrong_shape,
        _bad_json,
        _nan_values,
        _random_bytes,
        _no_identity,
        _another_problem,
    ],
)
def test_a_damaged_field_cache_entry_is_regenerated_with_one_warning(damage, tmp_path, monkeypatch):
    monkeypatch.setenv("SCIML_DATA_DIR", str(tmp_path))
    problem = load_problem("convection-diffusion", overrides=FIELD)
    fresh = cached_reference(problem)
    damage(cache_path(problem))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = cached_reference(problem)
    np.testing.assert_array_equal(again.values, fresh.values)
    ours = [w for w in caught if "regenerating" in str(w.message)]
    assert len(ours) == 1 and ours[0].category.__name__ == "SciMLWarning"
    assert "\n" not in str(ours[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # healed: the next read is silent
        np.testing.assert_array_equal(cached_reference(problem).values, fresh.values)


def _operator_edit(path):
    with h5py.File(path, "r+") as f:
        f["train/inputs"][0, 0, 0, 0] += 1.0


def _operator_wrong_shape(path):
    with h5py.File(path, "r+") as f:
        del f["test/outputs"]
        f["test/outputs"] = np.zeros((1, 3), dtype=np.float32)


def _operator_bad_json(path):
    with h5py.File(path, "r+") as f:
        f.attrs["outputs"] = "{not json"


@pytest.mark.parametrize("damage", [_operator_edit, _operator_wrong_shape, _operator_bad_json])
def test_a_damaged_operator_cache_entry_is_regenerated(damage, tmp_path, monkeypatch):
    from sciml.data import operator

    monkeypatch.setenv("SCIML_DATA_DIR", str(tmp_path))
    problem = load_problem("navier-stokes", "operator", OPERATOR)
    fresh = problem.operator_dataset()
    operator._MEMORY.clear()  # a new process: read from the file
    damage(operator_cache_path(problem))
    with pytest.warns(UserWarning, match="regenerating"):
        again = load_problem("navier-stokes", "operator", OPERATOR).operator_dataset()
    for a, b in zip(again.arrays(), fresh.arrays()):
        np.testing.assert_array_equal(a, b)
    assert json.loads(again.attributes["outputs"]) == ["w"]


def test_a_finished_training_is_saved_when_scoring_it_fails(tmp_path, monkeypatch):
    """The reference breaks after training (its cache entry damaged, its solver failing): the
    run still ends in one line, and model.h5 holds the trained network."""
    monkeypatch.setenv("SCIML_DATA_DIR", str(tmp_path / "cache"))
    method = sciml.api.METHODS.get("pinn")
    fit = method.fit
    equation = EQUATIONS.get("convection-diffusion")

    def fit_then_break_the_reference(self, *args, **kwargs):
        result = fit(self, *args, **kwargs)
        cache_path(self.problem).write_bytes(b"garbage")

        def failing_solver(problem):
            raise SciMLError("the reference solver failed")

        monkeypatch.setattr(equation, "compute_reference", failing_solver)
        return result

    monkeypatch.setattr(method, "fit", fit_then_break_the_reference)
    out = tmp_path / "run"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*regenerating")
        with pytest.raises(SciMLError) as error:
            sciml.solve("convection-diffusion", "pinn", overrides=TINY, out=out, **RUN)
    assert "model.h5" in one_line(error, limit=400)
    monkeypatch.undo()
    loaded = sciml.load(out / "model.h5")
    assert loaded.method == "pinn" and loaded.metrics["steps"] == TINY["adam_steps"]
    assert np.isfinite(loaded.predict(np.array([[1.0, 0.5]]))).all()
