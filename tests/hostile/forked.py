"""Run a function in a forked child under a time limit: what a crash, a hang or an unexpected
exception would do to a user's process cannot take the test process with it."""

from __future__ import annotations

import os
import signal
import time
import traceback
from collections.abc import Callable

from sciml.core.errors import SciMLError


def run_forked(target: Callable[[], object], timeout: float = 20.0) -> tuple[str, str]:
    """``target()`` in a forked child. Returns (outcome, detail): ``ok``, ``sciml-error`` (a
    :class:`SciMLError`, detail its message), ``exception:TYPE`` (detail the traceback),
    ``crash:SIGNAL``, or ``hang`` (killed after ``timeout`` seconds)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report in at most 60 KB (fits the pipe), never return
        os.close(read_end)
        try:
            target()
            report = "ok\n"
        except SciMLError as error:
            report = f"sciml-error\n{error}"
        except BaseException as error:  # noqa: BLE001 - exactly what the test wants to see
            report = f"exception:{type(error).__name__}\n{traceback.format_exc()}"
        os.write(write_end, report.encode(errors="replace")[:60000])
        os._exit(0)
    os.close(write_end)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read_end)
            return "hang", f"no answer in {timeout} s"
        time.sleep(0.005)
    with os.fdopen(read_end, "rb") as pipe:
        report = pipe.read().decode(errors="replace")
    if os.WIFSIGNALED(status):
        return f"crash:{signal.Signals(os.WTERMSIG(status)).name}", report
    outcome, _, detail = report.partition("\n")
    return (outcome or "crash:no report"), detail
