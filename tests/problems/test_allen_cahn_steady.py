"""Steady Allen–Cahn: every manufactured solution solves its equation (residual and operator)."""

import numpy as np
import pytest
import torch

from sciml.core.derivatives import Fields
from sciml.problems import load_problem
from sciml.problems.allen_cahn_steady import SOLUTIONS
from tests.problems.test_poisson import interior_points, smooth_exact


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_exact_solution_has_zero_residual(name):
    problem = load_problem("allen-cahn-steady", overrides={"solution": name})
    points = interior_points(problem)
    residual = problem.pde_residual(
        Fields(smooth_exact(problem), points, problem.inputs, problem.outputs)
    )
    source = problem.linear_operator().source(points.numpy())
    assert residual.shape == (len(points), 1)
    assert residual.abs().max() <= 1e-9 * max(1.0, np.abs(source).max())


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_operator_with_its_reaction_gives_the_source(name):
    problem = load_problem("allen-cahn-steady", overrides={"solution": name})
    operator = problem.linear_operator()
    assert operator.coefficients == {"u_xx": 1.0}
    x = torch.linspace(0.1, 0.9, 7, dtype=torch.float64, requires_grad=True)
    u = smooth_exact(problem)(x[:, None])[:, 0]
    (du,) = torch.autograd.grad(u.sum(), x, create_graph=True)
    (ddu,) = torch.autograd.grad(du.sum(), x)
    lhs = (ddu + operator.reaction(u)).detach().numpy()
    np.testing.assert_allclose(lhs, operator.source(x.detach().numpy()[:, None])[:, 0], rtol=1e-9)
