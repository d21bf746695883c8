"""burgers' problem file sets causal-pinn's default budget (issues 16 and 17): the options behind
docs/results.md's headline (median 6.5e-4 in about 82 s of training, 3 seeds, 1 thread)."""

import sciml.methods  # noqa: F401  (registers the methods)
from sciml.methods.base import METHODS
from sciml.problems import load_problem


def test_the_default_budget_is_the_measured_one():
    options = METHODS.get("causal-pinn").resolve_options(load_problem("burgers"), "default", {})
    assert options["width"] == 32 and options["hard_constraints"] is False
    assert options["adaptive_fraction"] == 0.0 and options["lbfgs_rounds"] == 1
    assert (options["adam_steps"], options["lbfgs_steps"]) == (400, 2400)
    assert options["symmetric"] is True  # the mirror symmetry that buys the accuracy
