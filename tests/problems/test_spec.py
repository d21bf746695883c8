import pytest

from sciml.core.errors import SciMLError
from sciml.problems import load_problem
from sciml.problems.spec import builtin_problem_names, load_spec


def test_builtin_problems_are_registered():
    assert {"burgers", "convection-diffusion", "lorenz", "navier-stokes"} <= set(
        builtin_problem_names()
    )


def test_defaults_and_overrides_are_parsed_and_checked():
    problem = load_problem("convection-diffusion", overrides={"beta": "50", "u0": "cos(x)"})
    assert problem.params["beta"] == 50.0 and problem.params["u0"] == "cos(x)"
    assert problem.params["nu"] == 0.0


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"beta": "1000"}, "invalid value '1000' for beta: expected a number in [0, 200]"),
        ({"beta": "fast"}, "invalid value 'fast' for beta"),
        ({"nx": "3.5"}, "invalid value '3.5' for nx: expected an integer"),
        ({"betta": "3"}, "unknown parameter 'betta'"),
        ({"u0": "import os"}, "invalid formula"),
    ],
)
def test_bad_parameters_name_the_value_and_the_range(overrides, message):
    with pytest.raises(SciMLError, match=None) as error:
        load_problem("convection-diffusion", overrides=overrides)
    assert message in str(error.value)


def test_unknown_problem_lists_the_choices():
    with pytest.raises(SciMLError, match="unknown problem 'burger'; choices: .*burgers"):
        load_spec("burger")


def test_user_problem_file_extends_a_builtin(tmp_path):
    path = tmp_path / "slow_wave.toml"
    path.write_text(
        'extends = "convection-diffusion"\nname = "slow-wave"\n'
        "[parameters.beta]\ndefault = 5.0\nmin = 0.0\nmax = 10.0\n"
    )
    problem = load_problem(str(path))
    assert problem.name == "slow-wave" and problem.params["beta"] == 5.0
    assert problem.params["u0"] == "sin(x)"


def test_broken_problem_files_fail_in_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [unclosed")
    with pytest.raises(SciMLError, match="not valid TOML"):
        load_spec(str(bad))
    with pytest.raises(SciMLError, match="does not exist"):
        load_spec(str(tmp_path / "missing.toml"))


def test_a_directory_named_like_a_problem_does_not_shadow_it(tmp_path, monkeypatch):
    (tmp_path / "burgers").mkdir()  # e.g. `sciml solve burgers --out burgers`, then run again
    monkeypatch.chdir(tmp_path)
    assert load_problem("burgers").name == "burgers"
