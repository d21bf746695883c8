"""Shared by the network tests: they run on one torch thread."""

import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    # tiny tensors: one thread is faster and does not fight other processes for the cores
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
