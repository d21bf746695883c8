"""Item 7: the memory of a request is estimated before anything is allocated, and what cannot fit
is refused in one line stating the estimate: reference grids (from --set values or a model.h5's
stored parameters, which are checked again by the problem's ranges), operator datasets, networks
and the arrays of a model file."""

import json

import h5py
import pytest

import sciml
from sciml.core.errors import SciMLError
from sciml.problems.base import load_problem
from tests.hostile.conftest import RUN, TINY, one_line


def _store(path, **parameters):
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["config"])
        config["problem"]["parameters"].update(parameters)
        f.attrs["config"] = json.dumps(config)


@pytest.mark.parametrize(
    "stored, named",
    [
        ({"nx": 10**9, "nt": 10**9}, "nx"),
        ({"nt": -3}, "nt"),
        ({"beta": float("nan")}, "beta"),
        ({"beta": "fast"}, "beta"),
        ({"t_end": 1e308}, "t_end"),
    ],
)
def test_eval_of_a_model_with_absurd_stored_parameters_is_refused(run_copy, stored, named):
    path = run_copy / "model.h5"
    _store(path, **stored)
    with pytest.raises(SciMLError) as error:
        sciml.evaluate_file(path)
    assert named in one_line(error)


def test_a_model_whose_stored_parameters_lack_one_is_refused(run_copy):
    path = run_copy / "model.h5"
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["config"])
        del config["problem"]["parameters"]["nx"]
        f.attrs["config"] = json.dumps(config)
    with pytest.raises(SciMLError) as error:
        sciml.evaluate_file(path)
    assert "nx" in one_line(error)


def test_a_reference_grid_beyond_the_memory_limit_is_refused_with_the_estimate(monkeypatch):
    monkeypatch.setenv("SCIML_MEMORY_LIMIT", "1M")
    problem = load_problem("burgers", overrides={"nx": 4096, "nt": 2001})
    monkeypatch.setattr(type(problem), "compute_reference", lambda self: pytest.fail("solved"))
    with pytest.raises(SciMLError) as error:
        problem.reference()
    message = one_line(error)
    assert "4096 x 2001 points" in message and "MiB" in message and "SCIML_MEMORY_LIMIT" in message


def test_a_reference_grid_beyond_the_machine_is_refused(monkeypatch):
    problem = load_problem("navier-stokes", overrides={"resolution": 1024, "nt": 1001})
    monkeypatch.setattr(type(problem), "compute_reference", lambda self: pytest.fail("solved"))
    with pytest.raises(SciMLError) as error:
        problem.reference()  # about 133 GiB
    assert "GiB of memory" in one_line(error)


def test_an_operator_dataset_beyond_the_machine_is_refused_before_generating(monkeypatch):
    from sciml.data import operator_generation

    monkeypatch.setattr(
        operator_generation, "navier_stokes_trajectories", lambda *a, **k: pytest.fail("generated")
    )
    sizes = {"n_train": 100_000, "generation_resolution": 1024, "resolution": 1024}
    problem = load_problem("navier-stokes", "operator", sizes)
    with pytest.raises(SciMLError) as error:
        problem.operator_dataset()
    assert "TiB of memory" in one_line(error)


def test_a_network_beyond_the_limit_is_refused_before_it_is_built(tmp_path, monkeypatch):
    monkeypatch.setenv("SCIML_MEMORY_LIMIT", "64M")  # if refusing failed: 0.5 GB, no more
    big = {**TINY, "width": 1024, "depth": 16}
    with pytest.raises(SciMLError) as error:
        sciml.solve("convection-diffusion", "pinn", overrides=big, out=tmp_path, **RUN)
    assert "15,748,097 parameters" in one_line(error) and "MiB of memory" in str(error.value)
    with pytest.raises(SciMLError) as error:  # activations of a million points per step
        sciml.solve(
            "convection-diffusion",
            "pinn",
            overrides={**TINY, "n_collocation": 10**6},
            out=tmp_path,
            **RUN,
        )
    assert "points per step" in one_line(error)


def test_a_model_file_declaring_huge_arrays_is_refused_before_reading_them(run_copy):
    path = run_copy / "model.h5"
    with h5py.File(path, "r+") as f:  # 8 TB declared, a few KB on disk
        f["arrays"].create_dataset("big", shape=(10**6, 10**6), dtype="f8", chunks=(1, 1000))
    with pytest.raises(SciMLError) as error:
        sciml.load(path)
    assert "TiB of memory" in one_line(error)


def test_a_model_whose_config_describes_a_huge_network_is_refused_without_building_it(run_copy):
    path = run_copy / "model.h5"
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["config"])
        config["network"]["kwargs"]["window"]["width"] = 10**7
        f.attrs["config"] = json.dumps(config)
    with pytest.raises(sciml.SurrogateFormatError) as error:
        sciml.load(path)
    assert "do not fit" in one_line(error) and "10000000" in str(error.value)
