import numpy as np
import pytest
import torch

from sciml.core.errors import SciMLError
from sciml.core.expressions import Expression


def test_formula_evaluates_on_numpy_and_torch_alike():
    f = Expression("-sin(pi*x) + 0.5*x**2 - exp(-x)", ("x",))
    x = np.linspace(-1, 1, 7)
    expected = -np.sin(np.pi * x) + 0.5 * x**2 - np.exp(-x)
    np.testing.assert_allclose(f(x=x), expected, rtol=1e-14)
    np.testing.assert_allclose(f(x=torch.tensor(x)).numpy(), expected, rtol=1e-14)


@pytest.mark.parametrize(
    "text", ["__import__('os').system('true')", "x.real", "open('f')", "y + 1", "x[0]", "sin(x, 2)"]
)
def test_formula_rejects_anything_but_arithmetic(text):
    with pytest.raises(SciMLError):
        Expression(text, ("x",))
