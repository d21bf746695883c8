"""Item 6: every method option has a type and a range or choices, bad values are refused in the
same one line as problem parameters (before anything is trained or allocated); property-based
fuzzing of the option parser."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sciml
from sciml.core.errors import SciMLError
from sciml.core.options import Option
from sciml.methods import METHODS
from tests.hostile.conftest import one_line

ALL_OPTIONS = [
    (name, key, option)
    for name in METHODS.names()
    for key, option in METHODS.get(name).option_specs().items()
]


@pytest.mark.parametrize(
    "method, key, option", ALL_OPTIONS, ids=[f"{m}.{k}" for m, k, _ in ALL_OPTIONS]
)
def test_every_option_has_a_type_and_a_finite_range_or_choices(method, key, option):
    if option.type in ("int", "float", "list"):
        assert option.min is not None and option.max is not None, f"{method}.{key} is unbounded"
        assert math.isfinite(option.min) and math.isfinite(option.max)
        assert option.min <= option.max
        if option.type == "list":
            assert all(option.min <= v <= option.max for v in option.default)
        else:
            assert option.min <= option.default <= option.max
    elif option.type == "choice":
        assert option.choices and option.default in option.choices
    else:
        assert option.type in ("bool", "formula")
    assert option.parse(option.default) == option.default


@pytest.mark.parametrize(
    "method, overrides",
    [
        ("pinn", {"n_collocation": 1e12}),
        ("pinn", {"lr": float("nan")}),
        ("pinn", {"lr": "nan"}),
        ("pinn", {"eval_every": 0}),
        ("pinn", {"width": 0}),
        ("pinn", {"activation": "__import__"}),
        ("pinn", {"dtype": "float16"}),
        ("pinn", {"adam_steps": -5}),
        ("pinn", {"lbfgs_steps": -1}),
        ("pinn", {"adam_steps": 2.7}),
        ("pinn", {"adam_steps": True}),
        ("pinn", {"beta": True}),
        ("pinn", {"ic_weight": 1e300}),
        ("pinn", {"checkpoint_every": 10**30}),
        ("pinn", {"embedding": None}),
        ("pinn", {"resample": "maybe"}),
        ("causal-pinn", {"window_length": 1e-300}),
        ("causal-pinn", {"eps_schedule": "1,nan"}),
        ("causal-pinn", {"eps_schedule": []}),
        ("lpinn", {"x_weight": float("inf")}),
        ("fno", {"epochs": -1}),
        ("fno", {"step_epochs": 0}),
        ("fno", {"batch_size": "many"}),
        ("deeponet", {"branch_layers": "0,0"}),
        ("deeponet", {"branch_layers": [1e9]}),
        ("mgno", {"smoothing": "[1, 2"}),
    ],
)
def test_a_bad_option_is_refused_in_one_line_before_training(method, overrides, tmp_path):
    problem = "burgers" if method in ("fno", "deeponet", "mgno") else "convection-diffusion"
    with pytest.raises(SciMLError) as error:
        sciml.solve(problem, method, budget="smoke", overrides=overrides, out=tmp_path / "run")
    message = one_line(error)
    assert next(iter(overrides)) in message
    assert not (tmp_path / "run" / "model.h5").exists()


# -- property-based fuzzing of Option.parse ---------------------------------------------------
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["1e400", "-0", "0x10", "1_000", " 3 ", "nan", "inf", "true", "[1,2]", "1,2"]),
    st.lists(st.one_of(st.integers(-100, 100), st.floats(), st.text(max_size=5)), max_size=5),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.complex_numbers(),
    st.binary(max_size=8),
)


@st.composite
def options(draw):
    kind = draw(st.sampled_from(["float", "int", "bool", "choice", "list-int", "list-float"]))
    low = draw(st.one_of(st.none(), st.integers(-1000, 1000)))
    high = None if low is None else low + draw(st.integers(0, 1000))
    if kind == "float":
        return Option(0.5 if low is None else float(low), min=low, max=high, name="opt")
    if kind == "int":
        return Option(0 if low is None else low, min=low, max=high, name="opt")
    if kind == "bool":
        return Option(False, name="opt")
    if kind == "choice":
        return Option("a", choices=("a", "b", "c"), name="opt")
    first = 0 if low is None else low
    default = [first] if kind == "list-int" else [float(first)]
    return Option(default, min=low, max=high, name="opt")


@settings(
    max_examples=500, deadline=1000, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(options(), VALUES)
def test_fuzz_option_parse_returns_a_checked_value_or_one_line(option, value):
    try:
        parsed = option.parse(value)
    except SciMLError as error:
        one_line(error)
        return
    if option.type in ("int", "float"):
        assert type(parsed) is (int if option.type == "int" else float) or (
            option.type == "float" and type(parsed) is int
        )
        assert math.isfinite(parsed)
        assert option.min is None or parsed >= option.min
        assert option.max is None or parsed <= option.max
    elif option.type == "bool":
        assert isinstance(parsed, bool)
    elif option.type == "choice":
        assert parsed in option.choices
    else:
        assert isinstance(parsed, list)
        for item in parsed:
            assert math.isfinite(item) and not isinstance(item, bool)
            assert option.min is None or item >= option.min
            assert option.max is None or item <= option.max
