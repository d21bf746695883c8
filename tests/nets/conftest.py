"""Shared by the network tests: they run on one torch thread."""

import pytest


@pytest.fixture(autouse=True)
def _one_thread_everywhere(one_thread):
    """Every test here on one torch thread (tests/conftest.py)."""
