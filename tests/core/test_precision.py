"""Reduced precision (core/precision.py): a CUDA option, refused on CPU in one line."""

import pytest
import torch

from sciml.core.errors import SciMLError
from sciml.core.precision import autocast_for, check_precision, tf32_for


@pytest.mark.parametrize("precision", ["tf32", "bf16"])
def test_reduced_precision_is_refused_on_cpu(precision):
    with pytest.raises(SciMLError, match=f"precision={precision} is a CUDA option"):
        check_precision(precision, torch.device("cpu"))
    check_precision("float32", torch.device("cpu"))


def test_unknown_precision_names_the_choices():
    with pytest.raises(SciMLError, match="choices: float32, tf32, bf16"):
        check_precision("fp8", torch.device("cuda"))


def test_tf32_flags_are_restored_and_float32_changes_nothing():
    before = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    with tf32_for("tf32"):
        assert torch.backends.cuda.matmul.allow_tf32 and torch.backends.cudnn.allow_tf32
    assert (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32) == before
    with tf32_for("float32"), autocast_for("float32", torch.device("cpu")):
        x = torch.ones(2, 2)
        assert (x @ x).dtype == torch.float32


def test_an_operator_run_with_bf16_on_cpu_is_one_line(tmp_path):
    import sciml

    with pytest.raises(SciMLError, match="precision=bf16 is a CUDA option") as error:
        sciml.solve(
            "burgers",
            "fno",
            budget="smoke",
            device="cpu",
            progress=False,
            overrides={"precision": "bf16", "epochs": "1"},
        )
    assert "\n" not in str(error.value)
