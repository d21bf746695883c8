"""The one progress bar (rich, on stderr): training steps with loss, headline metric and ETA, and
data generation. Silent when disabled, so tests and logs stay clean."""

from __future__ import annotations

import sys
from typing import Any


class ProgressBar:
    """``with ProgressBar("label", total) as bar: bar.advance(n, status)``; no-op when disabled.

    ``enabled=None`` shows the bar only when stderr is a terminal (data generation inside a run).
    """

    def __init__(
        self, description: str, total: float, done: float = 0, enabled: bool | None = True
    ) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.bar: Any = None
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self.task = self.bar.add_task(description, total=total, completed=done, status="")

    def __enter__(self) -> ProgressBar:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def advance(self, steps: float, status: str | None = None) -> None:
        if self.bar is not None:
            fields = {} if status is None else {"status": status}
            self.bar.update(self.task, advance=steps, **fields)

    def update(self, completed: float, status: str | None = None) -> None:
        if self.bar is not None:
            fields = {} if status is None else {"status": status}
            self.bar.update(self.task, completed=completed, **fields)
