"""Poisson: every manufactured solution solves its equation, its boundary data and its operator."""

import numpy as np
import pytest
import torch

from sciml.core.derivatives import Fields
from sciml.core.errors import SciMLError
from sciml.core.expressions import Expression
from sciml.problems import load_problem
from sciml.problems.poisson import SOLUTIONS, Poisson
from sciml.problems.spec import load_spec


def smooth_exact(problem):
    """The table's exact solution through torch ops, so that autograd differentiates it."""
    u = Expression(problem.solution.u, problem.inputs)
    return lambda points: u(**{v: points[:, k] for k, v in enumerate(problem.inputs)})[:, None]


def interior_points(problem, n=200):
    return problem.sample_domain(n, torch.Generator().manual_seed(0))


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_exact_solution_has_zero_residual(name):
    problem = load_problem("poisson", overrides={"solution": name})
    points = interior_points(problem)
    residual = problem.pde_residual(
        Fields(smooth_exact(problem), points, problem.inputs, problem.outputs)
    )
    source = problem.linear_operator().source(points.numpy())
    assert residual.shape == (len(points), 1)
    assert residual.abs().max() <= 1e-9 * max(1.0, np.abs(source).max())


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_linear_operator_of_the_exact_solution_is_the_source(name):
    problem = load_problem("poisson", overrides={"solution": name})
    operator = problem.linear_operator()
    assert set(operator.coefficients) == {f"u_{v}{v}" for v in problem.inputs}
    points = interior_points(problem)
    fields = Fields(smooth_exact(problem), points, problem.inputs, problem.outputs)
    applied = sum(
        c * fields.d("u", *term.split("_")[1]) for term, c in operator.coefficients.items()
    )
    source = operator.source(points.numpy())
    assert source.shape == (len(points), 1)
    np.testing.assert_allclose(
        applied.detach().numpy(), source[:, 0], rtol=0, atol=1e-9 * max(1.0, np.abs(source).max())
    )


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_boundary_data_lies_on_the_boundary_and_matches_the_exact_solution(name):
    problem = load_problem("poisson", overrides={"solution": name})
    n = 64
    points, values = problem.boundary_data(n, torch.Generator().manual_seed(1))
    d = len(problem.inputs)
    assert points.shape == (n, d) and values.shape == (n, 1)
    on_face = (points == 0.0) | (points == 1.0)
    assert on_face.any(dim=1).all()
    assert ((points >= 0.0) & (points <= 1.0)).all()
    faces = [(points[:, k] == side).sum().item() for k in range(d) for side in (0.0, 1.0)]
    assert min(faces) >= n // (2 * d)  # every face gets its share
    np.testing.assert_allclose(values.numpy(), problem.exact_solution(points.numpy()))


def test_the_solution_sets_the_dimension_and_the_reference_grid():
    one = load_problem("poisson")
    assert one.params["solution"] == "sinpi" and one.inputs == ("x",)
    assert one.time_input is None and one.steady and one.hard_constraint() is None
    assert {"residual", "steady", "linear_operator", "exact_solution"} <= one.provides
    reference = one.reference()
    assert reference.values.shape == (201, 1)
    np.testing.assert_allclose(reference.values[:, 0], np.sin(np.pi * reference.axes["x"]))

    two = load_problem("poisson", overrides={"solution": "sinpi2d", "nx": "33"})
    assert two.inputs == ("x", "y") and list(two.domain) == ["x", "y"]
    reference = two.reference()
    assert reference.values.shape == (33, 33, 1)
    x, y = np.meshgrid(reference.axes["x"], reference.axes["y"], indexing="ij")
    np.testing.assert_allclose(reference.values[..., 0], np.sin(np.pi * x) * np.sin(np.pi * y))
    assert load_problem("poisson", overrides={"solution": "sinpi2d"}).reference().values.shape == (
        101,
        101,
        1,
    )


def test_the_problem_file_offers_exactly_the_solutions_in_the_table():
    spec = load_spec("poisson")
    assert set(spec.parameters["solution"].choices) == set(SOLUTIONS)


def test_unknown_solution_is_one_line_naming_the_choices():
    with pytest.raises(SciMLError) as error:
        load_problem("poisson", overrides={"solution": "sin999"})
    message = str(error.value)
    assert "\n" not in message and "sin999" in message and "sinpi, sinpi2d" in message
    # the equation checks too: a user's file that extends poisson with a name the table lacks
    spec = load_spec("poisson")
    with pytest.raises(SciMLError, match="unknown solution 'sin999' for problem poisson; choices"):
        Poisson(spec, "field", {"solution": "sin999", "nx": 0})
