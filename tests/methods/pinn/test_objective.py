"""The PINN loss: one deterministic objective per L-BFGS round, fresh samples per Adam step."""

import pytest
import torch

from sciml.api import load_problem
from sciml.core.training import Phase
from sciml.methods.base import METHODS
from sciml.methods.pinn.objective import PINNObjective

pytestmark = pytest.mark.usefixtures("one_thread")


def _objective(method: str = "pinn") -> PINNObjective:
    problem = load_problem("burgers", "field", {}, 0)
    runner = METHODS.get(method)(problem, budget="smoke", options={}, seed=0)
    generator = torch.Generator().manual_seed(0)
    initial = problem.initial_data(int(runner.options["n_initial"]), generator)
    schedule = runner.schedule() if hasattr(runner, "schedule") else None
    return PINNObjective(
        problem,
        runner.network.windows[0],
        runner.options,
        problem.time_range,
        initial,
        generator,
        causal=schedule,
    )


def test_an_lbfgs_round_evaluates_one_objective_boundary_terms_included():
    """The strong-Wolfe line search compares losses at several points: every evaluation of a
    round must see the same collocation and boundary points (a fresh boundary draw per call made
    the line search fail and, with the stuck-round rule, ended vanilla pinn's L-BFGS after 20
    iterations at 0.40 rel. L2 on Burgers)."""
    objective = _objective()
    phase = Phase("lbfgs", 10, lr=1.0, name="round1")
    first, logs = objective.loss(phase)
    second, _ = objective.loss(phase)
    assert "loss_bc" in logs
    assert torch.equal(first, second)
    # a new round draws anew
    other, _ = objective.loss(Phase("lbfgs", 10, lr=1.0, name="round2"))
    assert not torch.equal(first, other)


def test_adam_steps_resample_the_boundary_times():
    objective = _objective()
    phase = Phase("adam", 10, lr=1e-3)
    assert not torch.equal(objective.boundary_times_for(phase), objective.boundary_times_for(phase))


def test_the_fixed_boundary_times_survive_a_checkpoint():
    objective = _objective()
    phase = Phase("lbfgs", 10, lr=1.0, name="round1")
    times = objective.boundary_times_for(phase)
    restored = _objective()
    restored.load_state_dict(objective.state_dict())
    assert torch.equal(restored.boundary_times_for(phase), times)
