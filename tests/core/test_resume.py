"""Resume after an interruption gives the uninterrupted result, in Adam and inside L-BFGS.

The objective draws noise from torch's global RNG at every evaluation and Adam carries moments,
so the result depends on every piece of restored state: the sensitivity tests show that leaving
out the optimizer or the RNG restore changes the result (the main tests can fail).
"""

import pytest
import torch
from torch import nn

from sciml.core.training import Phase, Trainer

PHASES = [Phase("adam", 30, lr=0.05), Phase("lbfgs", 40)]


class NoisyQuadratic:
    """sum_i s_i (w_i - 3 + 0.1 noise_i)^2 + (w_i - 3)^4, ill-conditioned (s_i from 1 to 1000)
    so that L-BFGS needs its history, with fresh noise per evaluation; can raise Ctrl-C once."""

    def __init__(self, model, interrupt_at=None):
        self.model, self.interrupt_at, self.calls = model, interrupt_at, 0

    def loss(self, phase):
        self.calls += 1
        if self.calls == self.interrupt_at:
            self.interrupt_at = None
            raise KeyboardInterrupt
        noise = 0.1 * torch.randn(self.model.weight.shape)
        scales = torch.logspace(0, 3, self.model.weight.shape[1])
        error = self.model.weight - 3.0
        return (scales * (error + noise).square() + error.pow(4)).sum(), {}

    def after_step(self, phase, info):
        return False

    def state_dict(self):
        return {"calls": self.calls}

    def load_state_dict(self, state):
        self.calls = state["calls"]


def _train(path=None, interrupt_at=None, resume=False):
    torch.manual_seed(0)
    model = nn.Linear(4, 1, bias=False)
    trainer = Trainer(
        model,
        NoisyQuadratic(model, interrupt_at),
        PHASES,
        checkpoint_path=path,
        checkpoint_every=7,
        progress=False,
    )
    trainer.run(resume=resume)
    return model.weight.detach().clone()


def _interrupted_then_resumed(tmp_path, interrupt_at):
    path = tmp_path / "checkpoint.pt"
    with pytest.raises(KeyboardInterrupt):
        _train(path, interrupt_at)
    return _train(path, resume=True)


@pytest.mark.parametrize(
    "interrupt_at",
    [17, 50],  # inside Adam (call 17); inside the second L-BFGS step (evaluation 20 of L-BFGS)
    ids=["adam", "lbfgs-mid-step"],
)
def test_resume_after_ctrl_c_equals_the_uninterrupted_run(tmp_path, interrupt_at):
    straight = _train()
    assert torch.equal(_interrupted_then_resumed(tmp_path, interrupt_at), straight)


@pytest.mark.parametrize("interrupt_at", [17, 50], ids=["adam", "lbfgs-mid-step"])
def test_without_the_optimizer_restore_the_result_differs(tmp_path, interrupt_at, monkeypatch):
    straight = _train()
    path = tmp_path / "checkpoint.pt"
    with pytest.raises(KeyboardInterrupt):
        _train(path, interrupt_at)
    monkeypatch.setattr(torch.optim.Optimizer, "load_state_dict", lambda self, state: None)
    assert not torch.equal(_train(path, resume=True), straight)


def test_without_the_rng_restore_the_result_differs(tmp_path, monkeypatch):
    straight = _train()
    path = tmp_path / "checkpoint.pt"
    with pytest.raises(KeyboardInterrupt):
        _train(path, 17)
    monkeypatch.setattr(torch, "set_rng_state", lambda state: None)
    torch.manual_seed(99)  # a fresh process would not continue the old random stream
    assert not torch.equal(_train(path, resume=True), straight)


def test_resume_refuses_a_checkpoint_of_another_run(tmp_path):
    import sciml
    from sciml.core.errors import SciMLError

    options = {"adam_steps": 20, "lbfgs_steps": 0}
    common = {"budget": "smoke", "out": tmp_path, "progress": False, "device": "cpu"}
    sciml.solve("convection-diffusion", "pinn", overrides={**options, "beta": 5}, **common)
    with pytest.raises(SciMLError, match=r"another run \(differs in parameters\.beta\)"):
        sciml.solve(
            "convection-diffusion",
            "pinn",
            overrides={**options, "beta": 50},
            resume=True,
            **common,
        )
    with pytest.raises(SciMLError, match="differs in .*problem"):
        sciml.solve("burgers", "pinn", overrides=options, resume=True, **common)
