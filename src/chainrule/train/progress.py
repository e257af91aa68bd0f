"""A progress bar for long runs (steps done, cost, speed), shown only on a terminal.

``rich.progress`` draws on standard error, so standard output stays clean for ``--format json``;
it is off when asked (``--quiet``) or when standard output or error is not a terminal (pipes, CI,
notebooks). Updates are throttled: the training loop pays almost nothing for it.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType

__all__ = ["TrainingProgress", "is_terminal"]

_REFRESH_SECONDS = 0.1


def is_terminal() -> bool:
    """Whether both standard output and standard error are terminals."""
    return all(getattr(s, "isatty", lambda: False)() for s in (sys.stdout, sys.stderr))


class TrainingProgress:
    """``with TrainingProgress(total, enabled) as bar: bar.update(done, cost)`` (done: updates)."""

    def __init__(self, total: int, enabled: bool | None = None) -> None:
        self.total = total
        self.enabled = is_terminal() if enabled is None else enabled
        self._bar = None
        self._task = None
        self._next = 0.0
        self._first: tuple[float, int] | None = None

    def __enter__(self) -> TrainingProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("training"),
                BarColumn(bar_width=20),
                MofNCompleteColumn(),
                TextColumn("cost {task.fields[cost]}"),
                TextColumn("{task.fields[speed]}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("train", total=self.total, cost="…", speed="")
        return self

    def update(self, done: int, cost: float) -> None:
        """Report ``done`` steps and the latest cost (redrawn at most every 0.1 s)."""
        if self._bar is None:
            return
        now = time.perf_counter()
        if now < self._next and done < self.total:
            return
        self._next = now + _REFRESH_SECONDS
        if self._first is None:  # speed from the first update on (the code compiles before it)
            self._first = (now, done)
        seconds, steps = now - self._first[0], done - self._first[1]
        speed = f"{steps / seconds:,.0f} it/s" if seconds > 0 else ""
        self._bar.update(self._task, completed=done, cost=f"{cost:.6f}", speed=speed)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.__exit__(exc_type, exc, tb)
            self._bar = None
