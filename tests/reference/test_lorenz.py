import numpy as np
import torch

from sciml.reference.lorenz import (
    lorenz_rhs,
    lorenz_trajectory,
    lorenz_trajectory_scipy,
    noisy_observations,
)


def test_rhs_batched():
    state = torch.randn(4, 5, 3, dtype=torch.float64)
    out = lorenz_rhs(state)
    assert out.shape == (4, 5, 3)
    torch.testing.assert_close(out[2, 3], lorenz_rhs(state[2, 3]))
    torch.testing.assert_close(
        lorenz_rhs(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)),
        torch.tensor([10.0, 1 * (28 - 3) - 2, 2 - 8.0], dtype=torch.float64),
    )


def test_torchdiffeq_matches_dop853():
    t = np.linspace(0.0, 5.0, 251)
    ours = lorenz_trajectory(np.array([1.0, 1.0, 1.0]), t)
    check = lorenz_trajectory_scipy(np.array([1.0, 1.0, 1.0]), t)
    assert ours.shape == (251, 3)
    assert np.abs(ours - check).max() < 1e-6


def test_batched_trajectory():
    t = np.linspace(0.0, 2.0, 101)
    x0 = np.array([[1.0, 1.0, 1.0], [-5.0, 2.0, 20.0]])
    batch = lorenz_trajectory(x0, t)
    assert batch.shape == (2, 101, 3)
    for b in range(2):
        single = lorenz_trajectory_scipy(x0[b], t)
        assert np.abs(batch[b] - single).max() < 1e-7 * np.abs(single).max()


def test_noise_statistics_and_seed():
    traj = np.random.default_rng(1).standard_normal((20000, 3)) * np.array([1.0, 5.0, 20.0])
    noisy = noisy_observations(traj, 0.1, seed=7)
    rel = (noisy - traj).std(axis=0) / (0.1 * traj.std(axis=0))
    np.testing.assert_allclose(rel, 1.0, atol=0.03)
    np.testing.assert_array_equal(noisy, noisy_observations(traj, 0.1, seed=7))
    assert not np.allclose(noisy, noisy_observations(traj, 0.1, seed=8))
