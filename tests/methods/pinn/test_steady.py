"""The PINN on a steady problem (Poisson): one window, boundary data, predictions, refusals."""

import numpy as np
import pytest
import torch

import sciml
from sciml.core.errors import SciMLError
from sciml.core.training import Phase
from sciml.methods.pinn.objective import PINNObjective
from sciml.methods.pinn.pinn import PINN
from sciml.nets.field import WindowedFieldNet
from sciml.problems import load_problem

# Small networks and short runs: measured rel. L2 (seeds 0-3, 1 thread) at most 4e-3 in 1D and
# 7.4e-3 in 2D, in 1 s and 4 s of training; a zero predictor scores 1.
SMALL = {
    "sinpi": {"width": 16, "depth": 2, "n_collocation": 256},
    "sinpi2d": {
        "width": 16,
        "depth": 2,
        "n_collocation": 256,
        "adam_steps": 100,
        "lbfgs_steps": 300,
        "bc_weight": 10,
    },
}
POINTS = {"sinpi": [[0.5], [0.25], [0.0]], "sinpi2d": [[0.5, 0.5], [0.25, 0.5], [0.0, 0.3]]}


def exact(points):
    """sin(pi x) in 1D, sin(pi x) sin(pi y) in 2D."""
    points = np.asarray(points)
    return np.prod(np.sin(np.pi * points), axis=1, keepdims=True)


@pytest.mark.parametrize("name", ["sinpi", "sinpi2d"])
def test_pinn_solves_poisson_and_the_saved_file_predicts(name, tmp_path):
    surrogate, metrics = sciml.solve(
        "poisson",
        "pinn",
        budget="smoke",
        out=tmp_path,
        overrides={"solution": name, **SMALL[name]},
        progress=False,
    )
    assert metrics["rel_l2"] < 5e-2
    losses = metrics["history"][-1]
    assert "loss_bc" in losses and "loss_ic" not in losses
    loaded = sciml.load(tmp_path / "model.h5")
    assert loaded.inputs == (("x",) if name == "sinpi" else ("x", "y"))
    prediction = loaded.predict(np.array(POINTS[name]))
    assert prediction.shape == (3, 1)
    np.testing.assert_allclose(prediction, surrogate.predict(np.array(POINTS[name])))
    np.testing.assert_allclose(prediction, exact(POINTS[name]), atol=5e-2)
    assert (tmp_path / "solution.png").stat().st_size > 0


def test_steady_network_is_one_window_without_time():
    method = PINN(load_problem("poisson", overrides={"solution": "sinpi2d"}), budget="smoke")
    kwargs = method.network_config()["kwargs"]
    assert kwargs["edges"] is None and kwargs["time_index"] is None
    net = method.network
    assert isinstance(net, WindowedFieldNet) and len(net.windows) == 1 and net.edges is None
    assert "edges" not in net.state_dict()
    rebuilt = WindowedFieldNet(**kwargs)
    rebuilt.load_state_dict(net.state_dict())
    x = torch.rand(5, 2)
    torch.testing.assert_close(rebuilt(x), net(x))
    with pytest.raises(ValueError, match="no edges"):
        WindowedFieldNet([0.0, 1.0], None, kwargs["window"])


def test_boundary_points_are_drawn_like_the_collocation_points():
    problem = load_problem("poisson", overrides={"solution": "sinpi2d"})
    method = PINN(problem, budget="smoke", options={"n_boundary": 16})
    objective = PINNObjective(
        problem, method.network, method.options, None, None, torch.Generator().manual_seed(0)
    )
    adam, round1, round2 = Phase("adam", 1), Phase("lbfgs", 1, name="r1"), Phase("lbfgs", 1)
    first, second = objective.boundary_points_for(adam), objective.boundary_points_for(adam)
    assert first[0].shape == (16, 2) and not torch.equal(first[0], second[0])  # fresh in Adam
    fixed = objective.boundary_points_for(round1)
    assert objective.boundary_points_for(round1)[0] is fixed[0]  # fixed within an L-BFGS round
    assert not torch.equal(objective.boundary_points_for(round2)[0], fixed[0])  # new round
    collocation = objective.collocation()
    assert collocation.shape == (method.options["n_collocation"], 2)
    assert objective.initial_loss() is None
    loss, logs = objective.loss(adam)
    assert torch.isfinite(loss) and set(logs) == {"loss_residual", "loss_bc"}


def test_causal_pinn_and_time_windows_are_refused_on_a_steady_problem():
    with pytest.raises(SciMLError) as error:
        sciml.solve("poisson", "causal-pinn", budget="smoke", progress=False)
    message = str(error.value)
    assert "\n" not in message
    assert "causal-pinn" in message and "poisson" in message and "time_dependent" in message
    with pytest.raises(SciMLError, match="windows=2 marches in time; problem poisson is steady"):
        sciml.solve("poisson", "pinn", budget="smoke", overrides={"windows": 2}, progress=False)
