"""Model selection by D_stsp of free runs on the training data: a model that reproduces the data
scores near 0, one that collapses onto a fixed point scores high, and the best state is the one
restored (also after a resume)."""

import math

import torch

from sciml.methods.dynamics.selection import BestByDivergence
from sciml.nets.alrnn import ALRNN


def rotation() -> ALRNN:
    """z_t = R z_{t-1} on the two observed units: a circle (0.1 rad a step), nothing piecewise."""
    net = ALRNN(dim=2, latent=4, piecewise=1)
    with torch.no_grad():
        for p in (net.A, net.W, net.h, net.readin):
            p.zero_()
        c, s = math.cos(0.1), math.sin(0.1)
        net.W[:2, :2] = torch.tensor([[c, -s], [s, c]])
    return net


def circle(steps: int = 4000) -> torch.Tensor:
    net = rotation()
    return net.run(net.initial_state(torch.tensor([[1.0, 0.0]])), steps)[0, :, :2]


def damp(net: ALRNN, factor: float = 0.9) -> None:
    with torch.no_grad():
        net.W.mul_(factor)  # a spiral into the origin: a fixed point


def test_the_data_model_scores_near_zero_and_a_collapsing_one_high():
    net, data = rotation(), circle()
    selector = BestByDivergence(net, data, every=1, steps=2000, runs=4)
    assert selector.score() < 0.05
    damp(net)
    assert selector.score() > 5.0


def test_the_best_state_is_restored_and_survives_a_resume():
    net, data = rotation(), circle()
    good = net.W.detach().clone()
    selector = BestByDivergence(net, data, every=1000, steps=2000, runs=4)
    selector.check(999)  # not a multiple of every: not scored
    assert selector.best_state is None and selector.metrics() == {}
    selector.check(1000)
    damp(net)
    selector.check(2000)
    assert selector.metrics()["selected_batch"] == 1000
    assert selector.metrics()["selection_d_stsp"] < 0.05
    history = selector.metrics()["selection_history"]
    assert [b for b, _ in history] == [1000, 2000] and history[1][1] > 5.0
    resumed = BestByDivergence(net, data, every=1000, steps=2000, runs=4)
    resumed.load_state_dict(selector.state_dict())
    resumed.restore()
    assert torch.equal(net.W, good) and resumed.history == history


def test_every_zero_keeps_the_last_state():
    net, data = rotation(), circle()
    selector = BestByDivergence(net, data, every=0, steps=2000, runs=4)
    selector.check(1000)
    damp(net)
    selector.restore()
    assert selector.best_state is None and net.W[0, 0] < 0.9 * math.cos(0.1) + 1e-6


def test_no_finite_score_keeps_the_last_state_and_says_so():
    net, data = rotation(), circle()
    with torch.no_grad():
        net.W.mul_(1.5)  # a growing spiral: the runs leave the data's box and overflow
    selector = BestByDivergence(net, data, every=1000, steps=2000, runs=4)
    selector.check(1000)
    assert selector.best_state is None
    assert selector.metrics()["selected_batch"] is None
    assert selector.metrics()["selection_history"] == [[1000, math.inf]]
