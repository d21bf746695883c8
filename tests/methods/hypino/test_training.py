"""The training loop: the learning-rate schedule, the loss terms, a few steps that learn."""

import math

import pytest
import torch

from sciml.methods.hypino import mms, training
from tests.methods.hypino.test_model import tiny_hypernet

pytestmark = pytest.mark.usefixtures("one_thread")


def test_warmup_then_cosine():
    f = training.warmup_cosine
    assert f(0, 1000) == pytest.approx(1e-3)
    assert f(10, 1000) == pytest.approx(1.0)
    assert f(505, 1000) == pytest.approx(1e-3 + (1 - 1e-3) * 0.5, rel=1e-6)
    assert f(1000, 1000) == pytest.approx(1e-3)


def test_loss_weights_are_the_papers():
    assert training.WEIGHTS == {
        "u": 1.0,
        "derivatives": 0.25,
        "residual": 0.25,
        "dirichlet": 10.0,
        "neumann": 1.0,
    }


def test_a_few_steps_fit_a_fixed_batch():
    generator = torch.Generator().manual_seed(0)
    batch = mms.training_batch(4, 32, 32, 64, generator)
    net = tiny_hypernet()
    optimizer = torch.optim.AdamW(net.parameters(), lr=3e-3)
    first = training.train_step(net, optimizer, batch, 64, torch.Generator().manual_seed(1))
    for _ in range(40):
        last = training.train_step(net, optimizer, batch, 64, torch.Generator().manual_seed(1))
    assert math.isfinite(last["loss"]) and last["loss"] < 0.5 * first["loss"]
