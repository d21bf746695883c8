"""Item 8: predict refuses complex, NaN, infinite and non-numeric input in one line, and warns
about points outside the domain (a warning that the standard filter turns into a refusal)."""

import warnings

import numpy as np
import pytest

import sciml
from sciml.core.errors import SciMLError
from tests.hostile.conftest import one_line


@pytest.fixture(scope="module")
def model(trained):
    return sciml.load(trained / "model.h5")


@pytest.mark.parametrize(
    "points",
    [
        np.array([[1.0, 0.5], [np.nan, 0.5]]),
        np.array([[1.0, np.inf]]),
        np.array([[1.0, -np.inf]]),
        np.array([[1.0 + 2j, 0.5]]),
        [[1.0, 0.5j]],
        [["a", "b"]],
        [[None, 0.5]],
        np.array([[1.0 + 1j, 0.5]], dtype=object),
        [[1.0, [0.5]]],
        np.zeros((4, 3)),
        np.zeros((2, 2, 2)),
        "1, 2",
    ],
)
def test_bad_points_are_refused_in_one_line(model, points):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        with pytest.raises(SciMLError) as error:
            model.predict(points)
    one_line(error)


def test_points_outside_the_domain_warn_and_the_filter_can_refuse_them(model):
    inside = np.array([[1.0, 0.5]])
    far = np.array([[1.0, 0.5], [100.0, 0.5], [1.0, -3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model.predict(inside).shape == (1, 1)  # no warning inside
    with pytest.warns(sciml.OutsideDomainWarning, match="2 of 3 points lie outside the domain"):
        assert model.predict(far).shape == (3, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", sciml.OutsideDomainWarning)
        with pytest.raises(sciml.OutsideDomainWarning):
            model.predict(far)


def test_an_empty_batch_and_a_list_are_fine(model):
    assert model.predict(np.zeros((0, 2))).shape == (0, 1)
    assert model.predict([[1.0, 0.5], [2.0, 0.25]]).shape == (2, 1)
