"""Item 5: a comparison never mixes tasks, and a surrogate records its task's real calling
convention (an operator surrogate takes input functions, not (x, t) points)."""

import json

import h5py
import numpy as np
import pytest

import sciml
from sciml.core.errors import SciMLError
from tests.hostile.conftest import RUN, one_line

OPERATOR = {"n_train": 2, "n_test": 1, "resolution": 16, "generation_resolution": 64}
TINY_FNO = {**OPERATOR, "epochs": 1, "width": 4, "n_modes": 2}


def test_compare_refuses_methods_of_different_tasks_before_training(tmp_path):
    out = tmp_path / "compare"
    with pytest.raises(SciMLError) as error:
        sciml.compare("burgers", ["pinn", "fno"], out=out, **RUN)
    assert "different tasks" in one_line(error) and "fno (operator)" in str(error.value)
    assert not out.exists()  # refused before anything ran or was written


def test_an_operator_surrogate_records_its_functions_and_refuses_field_points(tmp_path):
    surrogate, _ = sciml.solve("burgers", "fno", overrides=TINY_FNO, out=tmp_path, **RUN)
    assert surrogate.inputs == ("u0",) and surrogate.outputs == ("u",)
    with h5py.File(tmp_path / "model.h5") as f:
        assert json.loads(f.attrs["inputs"]) == ["u0"]
    loaded = sciml.load(tmp_path / "model.h5")
    with pytest.raises(SciMLError) as error:
        loaded.predict(np.array([[0.5, 0.25], [-0.5, 0.75]]))  # (x, t) points, as a field takes
    one_line(error)
    functions = np.zeros((3, OPERATOR["resolution"]))
    assert loaded.predict(functions).shape == (3, OPERATOR["resolution"])
