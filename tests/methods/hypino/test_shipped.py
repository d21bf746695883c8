"""The weights shipped inside the package: they load without network access, generate a PINN in
well under a second and beat the zero predictor on held-out manufactured solutions."""

import socket
import time

import numpy as np
import pytest

import sciml
from sciml.methods.hypino import evaluation, weights

pytestmark = pytest.mark.usefixtures("one_thread")


def test_shipped_weights_load_offline_and_generate_fast(monkeypatch):
    assert weights.SHIPPED.is_file() and weights.SHIPPED.stat().st_size < 16 * 2**20

    def no_network(*args, **kwargs):
        raise OSError("network access in a test")

    monkeypatch.setattr(socket, "socket", no_network)
    model = sciml.hypino.pretrained()
    assert model.training["steps"] > 0
    n = 64
    x = np.linspace(-1, 1, n)
    xx, yy = np.meshgrid(x, x[::-1])
    outline = np.zeros((n, n), bool)
    outline[[0, -1]] = outline[:, [0, -1]] = True
    problem = {
        "coefficients": {"u_xx": -1.0, "u_yy": -1.0},
        "source": 2 * np.pi**2 * np.sin(np.pi * xx) * np.sin(np.pi * yy),
        "dirichlet_mask": outline,
        "dirichlet_values": np.zeros((n, n)),
    }
    model.solve(**problem)  # warm up
    started = time.perf_counter()
    u = model.solve(**problem)
    assert time.perf_counter() - started < 1.0
    assert np.all(np.isfinite(u.predict(np.stack([xx.ravel(), yy.ravel()], 1))))


def test_shipped_weights_beat_the_zero_predictor_on_held_out_mms():
    model = sciml.hypino.pretrained()
    errors = evaluation.held_out_errors(model.hypernet, n=32)
    assert np.median(errors) < 0.9  # predicting u = 0 gives 1.0
