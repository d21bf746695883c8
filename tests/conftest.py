"""Shared fixtures: every test caches reference solutions in one temporary directory."""

import pytest


@pytest.fixture(autouse=True, scope="session")
def _data_dir(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("SCIML_DATA_DIR", str(tmp_path_factory.mktemp("datasets")))
    yield
    mp.undo()
