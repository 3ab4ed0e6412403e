"""Timing loop shared by the benchmark scripts: one warm-up call, then ``repeats`` timed
calls of ``fn`` (wall clock, ``time.perf_counter``)."""

from __future__ import annotations

import time
from collections.abc import Callable


def call_times(fn: Callable[[], object], repeats: int, *, warm: bool = True) -> list[float]:
    """Seconds of each of ``repeats`` calls of ``fn``, after one untimed call if ``warm``
    (compilation, caches)."""
    if warm:
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times
