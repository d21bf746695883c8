import torch
from torch import nn

from sciml.core.training import Phase, Trainer


class Quadratic:
    """loss = |w - target|^2, with an optional blow-up at a given step."""

    def __init__(self, model, explode_at=None):
        self.model, self.explode_at, self.calls = model, explode_at, 0

    def loss(self, phase):
        self.calls += 1
        loss = (self.model.weight - 3.0).square().sum()
        if self.explode_at is not None and self.calls >= self.explode_at:
            loss = loss * float("nan")
        return loss, {}

    def after_step(self, phase, info):
        return False

    def state_dict(self):
        return {"calls": self.calls}

    def load_state_dict(self, state):
        self.calls = state["calls"]


def test_adam_then_lbfgs_minimise():
    model = nn.Linear(2, 1, bias=False)
    result = Trainer(
        model, Quadratic(model), [Phase("adam", 50, lr=0.1), Phase("lbfgs", 20)], progress=False
    ).run()
    torch.testing.assert_close(model.weight, torch.full((1, 2), 3.0))
    assert result.diverged is None


def test_divergence_stops_and_keeps_the_last_finite_state():
    model = nn.Linear(2, 1, bias=False)
    objective = Quadratic(model, explode_at=11)
    result = Trainer(model, objective, [Phase("adam", 100, lr=0.1)], progress=False).run()
    assert result.diverged is not None and "step 11" in result.diverged
    assert torch.isfinite(model.weight).all()
    assert result.steps == 11


def test_divergence_keeps_the_last_state_whose_loss_was_finite():
    """A state with finite weights whose loss is not finite (e.g. hyperparameters that make a
    kernel matrix indefinite) is not kept: the state kept is the one the last finite loss was
    evaluated at."""
    model = nn.Linear(2, 1, bias=False)
    seen = []

    class Recording(Quadratic):
        def loss(self, phase):
            seen.append(self.model.weight.detach().clone())
            return super().loss(phase)

    result = Trainer(
        model, Recording(model, explode_at=11), [Phase("adam", 100, lr=0.1)], progress=False
    ).run()
    assert result.diverged is not None
    torch.testing.assert_close(model.weight, seen[9], rtol=0, atol=0)  # step 10's, loss finite
    assert not torch.equal(model.weight, seen[10])  # step 11's: its loss was NaN


def test_resume_continues_to_the_same_result(tmp_path):
    phases = [Phase("adam", 40, lr=0.05), Phase("lbfgs", 20)]
    torch.manual_seed(0)
    straight = nn.Linear(3, 1)
    Trainer(straight, Quadratic(straight), phases, progress=False).run()

    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    checkpoint = tmp_path / "checkpoint.pt"
    interrupted = [Phase("adam", 40, lr=0.05)]
    Trainer(
        model,
        Quadratic(model),
        interrupted[:1],
        checkpoint_path=checkpoint,
        checkpoint_every=20,
        progress=False,
    ).run()
    # a fresh process: new model, resumed from the checkpoint written at step 40 of phase 0
    torch.manual_seed(123)
    resumed = nn.Linear(3, 1)
    state = torch.load(checkpoint, weights_only=True)
    assert state["phase_index"] == 1 and state["call"] == 0  # phase 0 finished
    Trainer(resumed, Quadratic(resumed), phases, checkpoint_path=checkpoint, progress=False).run(
        resume=True
    )
    torch.testing.assert_close(resumed.weight, straight.weight)
    torch.testing.assert_close(resumed.bias, straight.bias)


def test_a_stuck_lbfgs_round_ends_early_and_the_next_one_runs():
    """An L-BFGS call that leaves every parameter unchanged (here: already at the minimum, so
    the gradient is zero) ends its round; later phases still run."""
    model = nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(3.0)
    phases = [Phase("lbfgs", 200, name="round1"), Phase("lbfgs", 200, name="round2")]
    result = Trainer(model, Quadratic(model), phases, progress=False).run()
    assert result.steps == 20  # one call of 10 iterations per round, not 2 x 200
    torch.testing.assert_close(model.weight, torch.full((1, 2), 3.0))
