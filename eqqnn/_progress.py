"""Progress of long work on stderr: one helper for the trainer, the datasets, the sweeps and
the studies.

On a terminal it is a ``rich`` bar (removed when done).  Anywhere else (a log file, a pipe,
``nohup``) a bar cannot redraw, so :class:`ProgressReport` writes one plain line at most
every ``interval`` seconds, and a last line when it stops if it wrote any before::

    states n=30: 3/9 (33 %), 6m02s elapsed, about 12m04s left

so a job of an hour shows that it is alive, and a job of seconds writes nothing.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

__all__ = ["ProgressReport", "progress_report"]

#: Seconds between two plain progress lines where stderr is not a terminal.
LINE_INTERVAL = 30.0


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s"


class ProgressReport:
    """``total`` steps of work named ``description``: :meth:`advance` after each,
    :meth:`describe` to rename the current step, :meth:`stop` at the end (or use it as a
    context manager)."""

    def __init__(
        self,
        total: int,
        description: str,
        *,
        terminal: bool | None = None,
        interval: float = LINE_INTERVAL,
        stream: TextIO | None = None,
    ) -> None:
        self.total = int(total)
        self.description = description
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self._start = self._last = time.monotonic()
        self._lines = 0
        self._bar: Any = None
        if terminal is None:
            terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        if terminal:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(file=self.stream),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(description, total=self.total)

    def advance(self, steps: int = 1) -> None:
        """``steps`` more steps are done."""
        self.done += steps
        if self._bar is not None:
            self._bar.advance(self._task, steps)
            return
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self._line(now)

    def describe(self, description: str) -> None:
        """Name the work now in progress (shown by the bar and by the next line)."""
        self.description = description
        if self._bar is not None:
            self._bar.update(self._task, description=description)

    def stop(self) -> None:
        """End the report (the bar is removed; a last line if lines were written)."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        elif self._lines:
            self._line(time.monotonic())
            self._lines = 0

    def _line(self, now: float) -> None:
        elapsed = now - self._start
        text = f"{self.description}: {self.done}/{self.total}"
        if self.total > 0:
            text += f" ({100 * self.done // self.total} %), {_duration(elapsed)} elapsed"
            if 0 < self.done < self.total:
                left = elapsed * (self.total - self.done) / self.done
                text += f", about {_duration(left)} left"
        print(text, file=self.stream, flush=True)
        self._lines += 1

    def __enter__(self) -> ProgressReport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def progress_report(enabled: bool | None, total: int, description: str) -> ProgressReport | None:
    """A started :class:`ProgressReport`, or ``None`` when ``enabled`` is ``False`` or
    there is nothing to do.  ``None`` (the default of every caller): a bar on a terminal,
    plain lines elsewhere; ``True``: the same."""
    if enabled is False or total <= 0:
        return None
    return ProgressReport(total, description)
