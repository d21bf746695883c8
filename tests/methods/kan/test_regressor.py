"""sciml.KANRegressor: scikit-learn's own estimator checks, the HDF5 round trip through
sciml.load, the formula, and bad hyperparameters."""

import numpy as np
import pytest
from sklearn.utils.estimator_checks import check_estimator

import sciml

# checks that cannot apply here; every other check of scikit-learn must pass
SKIPPED = {"check_array_api_input": "needs SCIPY_ARRAY_API=1 and array-api-compat (numpy only)"}


def test_scikit_learns_estimator_checks_pass():
    fast = sciml.KANRegressor(width=3, steps=3, symbolic=False)
    results = check_estimator(fast, on_fail=None)
    failed = {
        r["check_name"]: str(r["exception"])[:200]
        for r in results
        if r["status"] != "passed" and r["check_name"] not in SKIPPED
    }
    assert not failed, failed
    assert len(results) > 40


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 2))
    return x, np.sin(np.pi * x[:, 0]) + x[:, 1] ** 2


def test_fit_score_formula_and_hdf5_round_trip(tmp_path):
    x, y = _data()
    model = sciml.KANRegressor(width=3, steps=10, seed=1).fit(x, y)
    assert model.score(x, y) > 0.999  # measured 0.99998
    assert model.get_params()["width"] == 3 and model.get_params()["seed"] == 1
    formula = model.symbolic_formula()
    assert formula.startswith("y = ") and "x0" in formula and "x1" in formula
    path = model.save(tmp_path / "model.h5")
    loaded = sciml.load(path)
    assert loaded.method == "kan" and loaded.inputs == ("x0", "x1")
    np.testing.assert_array_equal(loaded.predict(x)[:, 0], model.predict(x))
    assert loaded.metadata["formula"] == [formula]


def test_set_params_and_refit_change_the_model():
    x, y = _data(100)
    model = sciml.KANRegressor(width=2, steps=3, symbolic=False).fit(x, y)
    model.set_params(grid=7, grid_extensions=(12,))
    model.fit(x, y)
    assert model.network_.grid_size == 12


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"grid": 0}, "invalid value 0 for grid"),
        ({"library": ("x", "cosh")}, "unknown symbolic function(s) 'cosh'"),
        ({"grid": 5, "grid_extensions": (4,)}, "invalid grid_extensions [4.0]"),
        ({"dtype": "float16"}, "invalid value 'float16' for dtype"),
    ],
)
def test_bad_hyperparameters_are_one_line_value_errors(params, expected):
    x, y = _data(20)
    with pytest.raises(ValueError) as error:
        sciml.KANRegressor(**params).fit(x, y)
    assert expected in str(error.value) and "\n" not in str(error.value)
