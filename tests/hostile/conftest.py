"""Shared by the hostile tests: a tiny trained run to break things with, one torch thread, and
checks that an error is what the user would see on one line."""

import shutil
import tempfile

import pytest
import torch
from hypothesis.configuration import set_hypothesis_home_dir

import sciml

# hypothesis keeps caches on disk: in a temporary folder, not in the working tree
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="sciml-hypothesis-"))

# a run that trains in about a second: any test that needs a model starts from it
TINY = {
    "adam_steps": 5,
    "lbfgs_steps": 0,
    "nx": 16,
    "nt": 2,
    "width": 8,
    "depth": 2,
    "n_collocation": 64,
    "n_initial": 16,
    "n_boundary": 16,
}
RUN = {"budget": "smoke", "progress": False, "device": "cpu"}


@pytest.fixture(autouse=True)
def _one_thread_everywhere(one_thread):
    """Every test here on one torch thread (tests/conftest.py)."""


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """A finished tiny convection-diffusion PINN run: its directory (model.h5, metrics.json,
    checkpoint). Tests copy it before changing anything."""
    out = tmp_path_factory.mktemp("trained") / "run"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        sciml.solve("convection-diffusion", "pinn", overrides=TINY, out=out, **RUN)
    finally:
        torch.set_num_threads(threads)
    return out


@pytest.fixture
def run_copy(trained, tmp_path):
    """A private copy of the trained run's directory."""
    target = tmp_path / "run"
    shutil.copytree(trained, target)
    return target


def one_line(error: BaseException, limit: int = 300) -> str:
    """The error's message, checked to be one complete line of at most ``limit`` characters."""
    text = str(error.value if hasattr(error, "value") else error)
    assert "\n" not in text, text
    assert 0 < len(text) <= limit, text
    return text
