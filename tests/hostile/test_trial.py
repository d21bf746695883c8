"""The hostile trial (``python -m tests.hostile.trial``) as a test: about 150 bad inputs and faults
through the ``sciml`` command, a few minutes on 2 cores, so it runs only when asked for:
``SCIML_HOSTILE_TRIAL=1 python -m pytest tests/hostile/test_trial.py``."""

import os

import pytest

from tests.hostile import trial


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("SCIML_HOSTILE_TRIAL") != "1", reason="set SCIML_HOSTILE_TRIAL=1 to run"
)
def test_the_hostile_trial_finds_no_traceback_hang_wrong_result_or_data_loss(capsys):
    assert trial.main([]) == 0, capsys.readouterr().out
