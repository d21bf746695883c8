import math

import torch

from sciml.methods.pinn.causal import EpsilonSchedule, causal_weights


def test_causal_weights_by_hand():
    losses = torch.tensor([0.5, 1.0, 2.0, 0.25], requires_grad=True)
    w = causal_weights(losses, eps=2.0, initial_loss=0.1)
    # w_i = exp(-eps (L_ic + sum_{k<i} L_k))
    expected = [math.exp(-2 * 0.1), math.exp(-2 * 0.6), math.exp(-2 * 1.6), math.exp(-2 * 3.6)]
    torch.testing.assert_close(w, torch.tensor(expected))
    assert not w.requires_grad  # the stop-gradient


def test_epsilon_schedule_moves_on_once_weights_exceed_delta():
    schedule = EpsilonSchedule([0.1, 1.0, 10.0], delta=0.99)
    assert not schedule.update(0.5) and schedule.eps == 0.1
    assert not schedule.update(0.995) and schedule.eps == 1.0
    assert not schedule.update(0.999) and schedule.eps == 10.0
    assert schedule.update(0.999)  # converged at the last eps
