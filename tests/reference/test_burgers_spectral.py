import numpy as np
import pytest
import torch

from sciml.reference.burgers_spectral import burgers_dirichlet_sine, solve_burgers_periodic
from sciml.reference.cole_hopf import burgers_cole_hopf_sine

NU = 0.01 / np.pi


def test_matches_cole_hopf():
    x = np.linspace(-1.0, 1.0, 256)
    t = np.array([0.25, 0.5, 0.75, 1.0])
    spectral = burgers_dirichlet_sine(x, t, NU)
    exact = burgers_cole_hopf_sine(x, t, NU)
    assert spectral.shape == (4, 256)
    rel = np.linalg.norm(spectral - exact, axis=1) / np.linalg.norm(exact, axis=1)
    assert np.all(rel <= 1e-5), rel
    assert np.abs(spectral[:, [0, -1]]).max() < 1e-12  # u(+-1, t) = 0


def _smooth_batch(n: int) -> np.ndarray:
    x = np.arange(n) / n
    return np.stack(
        [np.sin(2 * np.pi * x) + 0.5, 0.3 * np.cos(4 * np.pi * x), np.sin(6 * np.pi * x) ** 2]
    )


def test_batch_equals_individual():
    u0 = _smooth_batch(128)
    t = np.array([0.0, 0.05, 0.2])
    batch = solve_burgers_periodic(u0, 1.0, 0.1, t, dt=1e-3)
    assert batch.shape == (3, 3, 128)
    for b in range(3):
        single = solve_burgers_periodic(u0[b], 1.0, 0.1, t, dt=1e-3)
        np.testing.assert_allclose(batch[b], single, rtol=0, atol=1e-13)
    np.testing.assert_allclose(batch[:, 0], u0, atol=1e-14)


def test_default_dt_converged_and_mean_conserved():
    u0 = _smooth_batch(128)
    t = np.array([0.1, 0.3])  # t_eval[0] > 0 is allowed
    coarse = solve_burgers_periodic(u0, 1.0, 0.1, t)
    fine = solve_burgers_periodic(u0, 1.0, 0.1, t, dt=1e-4)
    np.testing.assert_allclose(coarse, fine, atol=1e-10)
    np.testing.assert_allclose(coarse.mean(-1), u0.mean(-1)[:, None] * np.ones(2), atol=1e-13)


def test_rejects_decreasing_times():
    with pytest.raises(ValueError):
        solve_burgers_periodic(np.zeros(16), 1.0, 0.1, np.array([0.2, 0.1]))


def test_torch_input_gives_the_numpy_result_as_a_tensor():
    u0 = np.sin(2 * np.pi * np.arange(64) / 64)[None] * np.array([[1.0], [0.5]])
    t = np.array([0.1, 0.3])
    expected = solve_burgers_periodic(u0, 1.0, 0.05, t)
    result = solve_burgers_periodic(torch.as_tensor(u0), 1.0, 0.05, t)
    assert isinstance(result, torch.Tensor) and result.dtype == torch.float64
    np.testing.assert_allclose(result.numpy(), expected, rtol=0, atol=1e-14)
