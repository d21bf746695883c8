"""Shared fixtures: every test caches reference solutions in one temporary directory, and
subprocesses (``python -c "from sciml.cli import main; ..."``) import this checkout's ``sciml``,
whatever else is installed."""

import os
from pathlib import Path

import pytest
import torch

ROOT = str(Path(__file__).resolve().parents[1])


@pytest.fixture(autouse=True, scope="session")
def _data_dir(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("SCIML_DATA_DIR", str(tmp_path_factory.mktemp("datasets")))
    path = os.environ.get("PYTHONPATH")
    mp.setenv("PYTHONPATH", ROOT + (os.pathsep + path if path else ""))
    yield
    mp.undo()


@pytest.fixture
def one_thread():
    """One torch thread for the test: small tensors run faster on one, and a test then does not
    fight other processes for the cores. Use with ``pytestmark = pytest.mark.usefixtures(...)``."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
