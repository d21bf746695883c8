"""Generalized teacher forcing: alpha = 1 reproduces the data, alpha = 0 is a free run, the alpha
estimate of a linear model is known, and the annealing rule of the paper."""

import math

import pytest
import torch

from sciml.methods.dynamics.gtf import (
    TeacherForcingObjective,
    WindowSampler,
    alpha_estimate,
    forced_loss,
    forced_rollout,
)
from sciml.nets.alrnn import ALRNN
from sciml.nets.plrnn import ClippedShallowPLRNN


@pytest.fixture
def model():
    torch.manual_seed(0)
    return ALRNN(dim=3, latent=6, piecewise=2)


def test_alpha_one_forces_the_observed_units_onto_the_data(model):
    x = torch.randn(4, 12, 3)
    predictions, states = forced_rollout(model, x, alpha=1.0)
    assert torch.equal(states[..., :3], x[:, 1:])  # exactly the data
    # each prediction is one model step from the previous forced state (x_0's state first)
    previous = torch.cat([model.initial_state(x[:, :1]), states[:, :-1]], dim=1)
    torch.testing.assert_close(predictions, model.step(previous)[..., :3])


def test_alpha_zero_is_a_free_run(model):
    x = torch.randn(4, 12, 3)
    predictions, states = forced_rollout(model, x, alpha=0.0)
    free = model.run(model.initial_state(x[:, 0]), 12)
    torch.testing.assert_close(predictions, free[:, 1:, :3])
    torch.testing.assert_close(states, free[:, 1:])


def test_sparse_forcing_resets_every_interval(model):
    x = torch.randn(2, 10, 3)
    _, states = forced_rollout(model, x, alpha=0.3, interval=4)
    assert torch.equal(states[:, 3, :3], x[:, 4]) and torch.equal(states[:, 7, :3], x[:, 8])
    assert not torch.equal(states[:, 4, :3], x[:, 5])


def test_the_alpha_estimate_of_a_linear_model():
    # W1 = 0: F(z) = A z + h1, J = diag(A) everywhere, G = max |A|, alpha* = 1 - 1/G
    net = ClippedShallowPLRNN(3, 3, 4)
    with torch.no_grad():
        net.W1.zero_()
        net.A.copy_(torch.tensor([0.5, -2.0, 1.0]))
    assert alpha_estimate(net, torch.randn(5, 7, 3)) == pytest.approx(0.5)
    with torch.no_grad():
        net.A.copy_(torch.tensor([0.5, 0.9, -0.2]))
    assert alpha_estimate(net, torch.randn(5, 7, 3)) == 0.0  # contracting: no forcing needed


def adaptive_objective(model, forcing, alpha, alpha_every, interval):
    return TeacherForcingObjective(
        model,
        torch.randn(500, 3),
        batch=4,
        length=20,
        forcing=forcing,
        alpha=alpha,
        adaptive=True,
        alpha_every=alpha_every,
        gamma=0.9,
        interval=interval,
        time_limit=0.0,
        seed=0,
    )


def test_the_annealing_rule(model):
    objective = adaptive_objective(model, "gtf", alpha=0.3, alpha_every=2, interval=16)
    estimates = iter([0.8, 0.5])
    import sciml.methods.dynamics.gtf as gtf

    original = gtf.alpha_estimate
    gtf.alpha_estimate = lambda *_: next(estimates)
    try:
        for _ in range(4):
            objective.loss(None)
            objective.after_step(None, {})
    finally:
        gtf.alpha_estimate = original
    # batch 2: 0.8 > 0.3 -> 0.8; batch 4: 0.5 < 0.8 -> 0.9 * 0.8 + 0.1 * 0.5 = 0.77
    assert objective.alpha == pytest.approx(0.77)
    assert math.isfinite(objective.seconds) and objective.batches == 4


def test_sparse_forcing_does_not_adapt_alpha(model):
    # the AL-RNN reference's forcing: full pulls (alpha = 1) every tau steps, no estimate
    objective = adaptive_objective(model, "sparse", alpha=1.0, alpha_every=1, interval=4)
    for _ in range(3):
        objective.loss(None)
        objective.after_step(None, {})
    assert objective.alpha == 1.0 and objective.alpha_seconds == 0.0


@pytest.mark.parametrize("interval", [0, 4])
@pytest.mark.parametrize("kind", ["plrnn", "alrnn"])
def test_the_fast_loss_has_autograds_value_and_gradients(kind, interval):
    torch.manual_seed(3)
    net = ClippedShallowPLRNN(3, 5, 12) if kind == "plrnn" else ALRNN(3, 7, 2)
    net = net.double()
    x = torch.randn(5, 17, 3, dtype=torch.float64)
    predictions, _ = forced_rollout(net, x, 0.4, interval)
    reference = torch.mean((predictions - x[:, 1:]) ** 2)
    expected = torch.autograd.grad(reference, list(net.parameters()))
    loss, states = forced_loss(net, x, 0.4, interval)
    got = torch.autograd.grad(loss, list(net.parameters()))
    assert float(loss.detach()) == pytest.approx(float(reference.detach()), rel=1e-12)
    for g, e in zip(got, expected):
        torch.testing.assert_close(g, e, rtol=1e-9, atol=1e-12)
    assert states.shape == (5, 16, net.latent)


def test_batch_noise_is_fresh_gaussian_noise_on_the_windows():
    """``batch_noise`` (the reference's gaussian_noise_level): each batch is the data window plus
    new N(0, s^2) noise; s = 0 gives the data exactly; the same seed gives the same batches."""
    data = torch.zeros(5000, 3)  # every window of it is zero: a batch is its noise
    clean = WindowSampler(data, batch=64, length=50, seed=3).sample()
    assert clean.shape == (64, 50, 3) and not clean.any()
    noisy = WindowSampler(data, batch=64, length=50, seed=3, noise=0.05)
    first, second = noisy.sample(), noisy.sample()
    torch.testing.assert_close(first, WindowSampler(data, 64, 50, 3, noise=0.05).sample())
    assert not torch.equal(first, second)  # fresh on every batch
    for batch in (first, second):  # 9,600 draws: the std within 5%, the mean within 3 sigma
        assert abs(float(batch.std()) / 0.05 - 1) < 0.05
        assert abs(float(batch.mean())) < 3 * 0.05 / batch.numel() ** 0.5
