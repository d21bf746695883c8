import numpy as np
import scipy.fft
import torch

from sciml.reference.darcy import HIGH, LOW, neumann_grf, solve_darcy, threshold_medium


def _manufactured(n: int) -> float:
    """Max error for u = sin(pi x) sin(pi y), a = 1 + x + y^2, f = -div(a grad u)."""
    x = np.linspace(0.0, 1.0, n)
    X, Y = np.meshgrid(x, x, indexing="ij")
    a = 1 + X + Y**2
    u = np.sin(np.pi * X) * np.sin(np.pi * Y)
    u_x = np.pi * np.cos(np.pi * X) * np.sin(np.pi * Y)
    u_y = np.pi * np.sin(np.pi * X) * np.cos(np.pi * Y)
    f = -(u_x + 2 * Y * u_y - 2 * np.pi**2 * a * u)
    return float(np.abs(solve_darcy(a, f) - u).max())


def test_second_order_on_a_manufactured_smooth_coefficient():
    errors = np.array([_manufactured(n) for n in (17, 33, 65)])
    orders = np.log2(errors[:-1] / errors[1:])
    # measured: 3.06e-3, 7.68e-4, 1.92e-4 -> orders 1.996, 1.999
    assert errors[-1] < 2.5e-4
    np.testing.assert_allclose(orders, 2.0, atol=0.05)


def test_constant_coefficient_scales_the_solution_and_harmonic_faces_conserve_flux():
    n = 33
    u1 = solve_darcy(np.ones((n, n)))
    np.testing.assert_allclose(solve_darcy(np.full((n, n), 4.0)), u1 / 4, rtol=1e-12)
    # the known maximum of -lap u = 1 on the unit square, u(1/2, 1/2) = 0.0736713...
    assert abs(u1[n // 2, n // 2] - 0.07367135) < 2e-4
    # discrete conservation: the flux through the boundary faces (harmonic means) equals the
    # source over the interior nodes' cells, in a two-phase medium too
    a = threshold_medium(neumann_grf(1, n, torch.Generator().manual_seed(0)))[0]
    u = solve_darcy(a)
    h = 1.0 / (n - 1)
    flux = sum(
        (2 * edge_a * next_a / (edge_a + next_a) * next_u / h)[1:-1].sum() * h
        for edge_a, next_a, next_u in (
            (a[0], a[1], u[1]),
            (a[-1], a[-2], u[-2]),
            (a[:, 0], a[:, 1], u[:, 1]),
            (a[:, -1], a[:, -2], u[:, -2]),
        )
    )
    interior = (n - 2) ** 2 * h**2
    np.testing.assert_allclose(flux, interior, rtol=1e-10)


def test_thresholded_field_two_values_neumann_modes_and_seed():
    g = torch.Generator().manual_seed(1)
    mu = neumann_grf(64, 33, g)
    a = threshold_medium(mu)
    assert set(np.unique(a)) == {LOW, HIGH}
    assert 0.35 < (a == HIGH).mean() < 0.65  # a mean-zero field: about half of each phase
    # a cosine series: its DCT-II coefficients decay like (pi^2 |k|^2 + 9)^-1
    power = (scipy.fft.dctn(mu, type=2, axes=(1, 2), norm="ortho") ** 2).mean(0)
    assert power[0, 0] < 1e-20 and power[1, 0] > 10 * power[8, 0] > 10 * power[16, 16]
    again = neumann_grf(64, 33, torch.Generator().manual_seed(1))
    np.testing.assert_array_equal(mu, again)
