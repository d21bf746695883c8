"""Item 2: a formula cannot hang the process or flood the terminal, wherever it comes from (--set,
a problem file, a model.h5's stored parameters); property-based fuzzing of the parser."""

import json
import signal
import time
from contextlib import contextmanager

import h5py
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sciml
from sciml.core.errors import SciMLError
from sciml.core.expressions import Expression
from tests.hostile.conftest import one_line


@contextmanager
def time_limit(seconds: float):
    """Fail (instead of hanging) when the block runs longer than ``seconds``."""

    def expire(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(
    "text",
    [
        "9**9**9**9",
        "9**999999",
        "x**x",
        "2**(1/0)",
        "10**1000",
        "(9**9)**(9**9)",
        "x**1e10",
        "-" * 100_000 + "x",
        "+".join(["x"] * 50_000),
        "(" * 5000 + "x" + ")" * 5000,
        "sin(" * 500 + "x" + ")" * 500,
        "1" * 10_000,
        "1e999",
        "__import__('os').system('true')",
        "().__class__.__base__.__subclasses__()",
        "lambda: x",
        "[x for x in range(10**9)]",
    ],
)
def test_a_bad_formula_is_refused_in_one_short_line_and_quickly(text):
    with time_limit(2.0), pytest.raises(SciMLError) as error:
        Expression(text, ("x",))
    assert len(one_line(error)) < 300


def test_a_hanging_formula_through_set_is_refused():
    with time_limit(10.0), pytest.raises(SciMLError) as error:
        sciml.solve("convection-diffusion", "pinn", budget="smoke", overrides={"u0": "9**9**9**9"})
    assert "exponent" in one_line(error)


def test_a_hanging_formula_stored_in_a_model_file_is_refused(run_copy):
    path = run_copy / "model.h5"
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["config"])
        config["problem"]["parameters"]["u0"] = "9**9**9**9"
        f.attrs["config"] = json.dumps(config)
    with time_limit(10.0), pytest.raises(SciMLError) as error:
        sciml.evaluate_file(path)
    assert "exponent" in one_line(error)


def test_a_hanging_formula_as_a_problem_file_default_is_refused(tmp_path):
    problem = tmp_path / "p.toml"
    problem.write_text(
        'extends = "convection-diffusion"\n[parameters.u0]\ntype = "formula"\n'
        'variables = ["x"]\ndefault = "9**9**9**9"\n'
    )
    with time_limit(10.0), pytest.raises(SciMLError) as error:
        sciml.solve(str(problem), "pinn", budget="smoke")
    one_line(error)


def test_numbers_are_floats_and_overflow_is_an_error_or_inf():
    assert Expression("7/2", ()).__call__() == 3.5  # no integer division, no unbounded integers
    with pytest.raises(SciMLError):
        Expression("1e300**64", ())()
    value = Expression("exp(exp(x))", ("x",))(x=np.array([10.0]))
    assert np.isinf(value).all()


# -- property-based fuzzing ------------------------------------------------------------------
ATOMS = st.sampled_from(["x", "t", "pi", "e", "0", "1", "2.5", "1e308", "-3", "0.0", "y", "__"])
FUNCTIONS = st.sampled_from(["sin", "cos", "exp", "log", "sqrt", "tanh", "abs", "open", "eval"])
OPERATORS = st.sampled_from(["+", "-", "*", "/", "**", "//", "%", "@", " if x else ", ","])


def formulas():
    """Random expressions of the formula grammar and around it (what a user might type)."""
    return st.recursive(
        ATOMS,
        lambda inner: st.one_of(
            st.tuples(inner, OPERATORS, inner).map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
            st.tuples(FUNCTIONS, inner).map(lambda t: f"{t[0]}({t[1]})"),
            inner.map(lambda s: f"({s})"),
            inner.map(lambda s: f"-{s}"),
        ),
        max_leaves=40,
    )


def _check(text: str) -> None:
    """Parse and evaluate ``text`` under a time limit: a value or a one-line SciMLError."""
    with time_limit(2.0):
        try:
            formula = Expression(text, ("x", "t"))
        except SciMLError as error:
            one_line(error, limit=400)
            return
        x = np.linspace(-2.0, 2.0, 5)
        with np.errstate(all="ignore"):
            for values in ({"x": x, "t": x}, {"x": torch.tensor(x), "t": torch.tensor(x)}):
                try:
                    result = formula(**values)
                except SciMLError as error:
                    one_line(error, limit=400)
                    continue
                assert np.shape(result) in ((), (5,)), (text, np.shape(result))


@settings(
    max_examples=300,
    deadline=2000,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(formulas())
def test_fuzz_structured_formulas_give_a_value_or_one_line(text):
    _check(text)


@settings(
    max_examples=300, deadline=2000, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.text(max_size=300))
def test_fuzz_arbitrary_text_gives_a_value_or_one_line(text):
    _check(text)


@settings(
    max_examples=50, deadline=5000, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.integers(min_value=1, max_value=20_000), st.sampled_from(["(", "sin(", "-", "+", "2**"]))
def test_fuzz_deep_nesting_is_refused_quickly(depth, opener):
    closer = ")" if opener.endswith("(") else ""
    start = time.perf_counter()
    _check(opener * depth + "x" + closer * depth)
    assert time.perf_counter() - start < 2.0
