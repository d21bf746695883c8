"""The user-facing model: solve() on grids, the field surrogate, bad inputs, weights files."""

import numpy as np
import pytest
import torch

from sciml.core.errors import SciMLError
from sciml.methods.hypino import finetune, weights
from sciml.methods.hypino.hypernet import HyPINOHypernet
from sciml.methods.hypino.inputs import grids_to_tensors
from sciml.methods.hypino.model import as_grids, pretrained

pytestmark = pytest.mark.usefixtures("one_thread")

N = 20


def tiny_hypernet():
    torch.manual_seed(0)
    return HyPINOHypernet(resolution=32, channels=(8, 8, 8, 8, 8), head_width=16, conditioning=8)


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("hypino") / "tiny.h5"
    weights.save(tiny_hypernet(), path, {"steps": 0})
    return path


def poisson():
    x = np.linspace(-1, 1, N)
    xx, yy = np.meshgrid(x, x[::-1])
    outline = np.zeros((N, N), bool)
    outline[[0, -1]] = outline[:, [0, -1]] = True
    return {
        "coefficients": {"u_xx": -1.0, "u_yy": -1.0},
        "source": 2 * np.pi**2 * np.sin(np.pi * xx) * np.sin(np.pi * yy),
        "dirichlet_mask": outline,
        "dirichlet_values": np.zeros((N, N)),
    }


def test_weights_file_round_trip(weights_file):
    model = pretrained(weights_file)
    problem = grids_to_tensors(as_grids(**poisson()))
    expected = tiny_hypernet().eval()
    with torch.no_grad():
        assert torch.equal(model.generate(problem), model.generate(problem))
        original = expected(problem["coefficients"].float(), _channels(model, problem))[0]
    assert torch.equal(model.generate(problem), original)
    assert model.training == {"steps": 0}


def _channels(model, problem):
    from sciml.methods.hypino.inputs import channels

    keys = ("dirichlet_mask", "neumann_mask", "dirichlet_values", "neumann_values", "source")
    return channels(*(problem[k] for k in keys), problem["domain_mask"], 32)


def test_solve_returns_a_field_surrogate(weights_file):
    model = pretrained(weights_file)
    u = model.solve(**poisson(), refine=2)
    assert u.network.weights.shape[0] == 3
    assert set(u.metrics["stages"]) == {"zero_shot", "refine_1", "refine_2"}
    values = u.predict(np.array([[0.0, 0.0], [0.5, -0.5], [1.0, 1.0]]))
    assert values.shape == (3, 1) and np.all(np.isfinite(values))
    with pytest.raises(SciMLError, match=r"\(N, 2\)"):
        u.predict(np.zeros((4, 3)))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"source": np.zeros((N, N + 1))}, "share one"),
        ({"coefficients": {"u_xx": 0.0}}, "all coefficients are zero"),
        ({"dirichlet_mask": np.zeros((N, N), bool)}, "no boundary data"),
        ({"dirichlet_values": np.full((N, N), np.nan)}, "NaN"),
        ({"coefficients": {"u_xy": 1.0}}, "unknown coefficient"),
        ({"source": "abc"}, "numeric"),
    ],
)
def test_bad_input_is_one_line(weights_file, change, message):
    model = pretrained(weights_file)
    with pytest.raises(SciMLError, match=message) as error:
        model.solve(**{**poisson(), **change})
    assert "\n" not in str(error.value)


def test_unreadable_weights_are_one_line(tmp_path):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not hdf5")
    with pytest.raises(SciMLError, match="not a readable HDF5"):
        pretrained(bad)


def test_finetuning_lowers_the_loss():
    problem = grids_to_tensors(as_grids(**poisson()))
    start = finetune.random_initialisation(0)
    data = finetune._pixels(problem)
    c = problem["coefficients"][0].float()
    before = float(finetune.loss(start, c, data))
    tuned = finetune.finetune(start, problem, adam_steps=60, lbfgs_steps=10, lr=3e-3)
    after = float(finetune.loss(tuned, c, data))
    assert after < 0.1 * before, (before, after)
