"""The problem's mirror symmetry built into a PINN (``symmetric``), and the jet path end to end."""

import numpy as np
import pytest

import sciml
from sciml.core.errors import SciMLError

pytestmark = pytest.mark.usefixtures("one_thread")
TINY = {"adam_steps": "30", "lbfgs_steps": "10", "n_collocation": "256"}


def test_a_symmetric_burgers_pinn_is_odd_in_x():
    surrogate, metrics = sciml.solve(
        "burgers",
        "causal-pinn",
        budget="smoke",
        device="cpu",
        progress=False,
        overrides={**TINY, "symmetric": "true", "derivatives": "jet"},
    )
    rng = np.random.default_rng(0)
    points = np.column_stack([rng.uniform(-1, 1, 64), rng.uniform(0, 1, 64)])
    mirrored = points * np.array([-1.0, 1.0])
    np.testing.assert_allclose(surrogate.predict(mirrored), -surrogate.predict(points), atol=1e-6)
    assert np.isfinite(metrics["rel_l2"])


def test_symmetric_on_a_problem_without_one_is_one_line():
    with pytest.raises(SciMLError, match="problem allen-cahn declares none"):
        sciml.solve(
            "allen-cahn",
            "pinn",
            budget="smoke",
            device="cpu",
            progress=False,
            overrides={**TINY, "symmetric": "true", "u0": "x**2*cos(pi*x) + 0.1*x"},
        )


def test_jet_and_autograd_train_the_same_model_in_float64():
    """Derivatives by Taylor mode or nested reverse mode: the same training up to rounding."""
    runs = {}
    for mode in ("jet", "autograd"):
        surrogate, metrics = sciml.solve(
            "burgers",
            "causal-pinn",
            budget="smoke",
            device="cpu",
            progress=False,
            overrides={**TINY, "derivatives": mode, "dtype": "float64"},
        )
        runs[mode] = (surrogate.predict(np.array([[0.3, 0.5], [-0.7, 0.9]])), metrics["rel_l2"])
    np.testing.assert_allclose(runs["jet"][0], runs["autograd"][0], rtol=1e-7, atol=1e-9)
    assert runs["jet"][1] == pytest.approx(runs["autograd"][1], rel=1e-6)


@pytest.mark.parametrize("u0, parity", [("x**2*cos(pi*x)", 1), ("sin(pi*x)", -1), ("x + 1", None)])
def test_allen_cahn_declares_the_parity_of_its_initial_condition(u0, parity):
    from sciml.api import load_problem

    symmetry = load_problem("allen-cahn", "field", {"u0": u0}, 0).symmetry()
    assert symmetry == (None if parity is None else ("x", parity))
