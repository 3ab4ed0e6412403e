r"""Run independent calls in parallel: in this process, in spawned local processes, or on
a Ray cluster — the one machinery behind ``eqqnn compare`` and the evolutionary search.

:func:`run_parallel` calls ``fn(*args)`` for every ``args`` of an iterable and yields
``(index, result)`` as each call finishes. Arguments are drawn from the iterable only
when a slot frees up (at most ``window`` calls in flight), so a sweep that builds each
call's data on demand holds only a few calls' data at a time. The pool is the standard
library's :class:`concurrent.futures.ProcessPoolExecutor` with the ``spawn`` start method
(no forked torch or OpenMP state); Ray is optional (``pip install 'eqqnn[ray]'``).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from eqqnn.errors import BackendError, InvalidParameterError

__all__ = ["ray_session", "run_parallel"]


def run_parallel(
    fn: Callable[..., Any],
    calls: Iterable[tuple[Any, ...]],
    *,
    workers: int = 1,
    ray_address: str | None = None,
    window: int | None = None,
) -> Iterator[tuple[int, Any]]:
    """Call ``fn(*args)`` for each ``args`` in ``calls``; yield ``(index, result)`` as each
    finishes (in order when ``workers == 1`` and no Ray address is given).

    Parameters
    ----------
    fn
        A module-level function (it is pickled to the workers).
    calls
        Argument tuples, drawn lazily.
    workers
        Local processes; 1 runs every call here, one after the other.
    ray_address
        A Ray cluster (``"local"`` starts one in this machine); overrides ``workers``.
    window
        Calls in flight at most (default ``2 * workers`` locally, unbounded on Ray).

    Raises
    ------
    InvalidParameterError
        If ``workers`` or ``window`` is below 1, or Ray is asked for but not installed.
    BackendError
        If the Ray cluster cannot be reached.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidParameterError(f"workers must be an integer >= 1, got {workers!r}")
    if window is not None and (not isinstance(window, int) or window < 1):
        raise InvalidParameterError(f"window must be an integer >= 1 or None, got {window!r}")
    if ray_address is not None:
        yield from _on_ray(fn, calls, ray_address, window)
    elif workers == 1:
        for i, args in enumerate(calls):
            yield i, fn(*args)
    else:
        yield from _on_pool(fn, calls, workers, window or 2 * workers)


def _on_pool(
    fn: Callable[..., Any], calls: Iterable[tuple[Any, ...]], workers: int, window: int
) -> Iterator[tuple[int, Any]]:
    pending = enumerate(calls)
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        running: dict[concurrent.futures.Future, int] = {}

        def fill() -> None:
            while len(running) < window:
                nxt = next(pending, None)
                if nxt is None:
                    return
                running[pool.submit(fn, *nxt[1])] = nxt[0]

        fill()
        while running:
            done, _ = concurrent.futures.wait(
                running, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for fut in done:
                yield running.pop(fut), fut.result()
            fill()


@contextmanager
def ray_session(address: str | None) -> Iterator[Any]:
    """Connect to a Ray cluster (``"local"`` starts one here) for the ``with`` block and
    leave it afterwards, unless a connection already existed; yields the ``ray`` module
    (``None`` when ``address`` is None). Wrap several :func:`run_parallel` calls in one
    session to connect once (the evolutionary search does)."""
    if address is None:
        yield None
        return
    try:
        import ray
    except ImportError as err:
        raise InvalidParameterError(
            "a Ray address needs the 'ray' extra: pip install 'eqqnn[ray]'"
        ) from err
    started = not ray.is_initialized()
    if started:
        try:
            ray.init(
                address=None if address == "local" else address,
                ignore_reinit_error=True,
                log_to_driver=False,
            )
        except (ConnectionError, RuntimeError, ValueError) as err:
            raise BackendError(
                f"cannot reach a Ray cluster at {address!r} ({err}); start one with "
                "`ray start --head`, pass its address, or use 'local'"
            ) from None
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()


def _on_ray(
    fn: Callable[..., Any], calls: Iterable[tuple[Any, ...]], address: str, window: int | None
) -> Iterator[tuple[int, Any]]:
    with ray_session(address) as ray:
        remote = ray.remote(fn)
        pending = enumerate(calls)
        running: dict[Any, int] = {}

        def fill() -> None:
            while window is None or len(running) < window:
                nxt = next(pending, None)
                if nxt is None:
                    return
                running[remote.remote(*nxt[1])] = nxt[0]

        fill()
        while running:
            ready, _ = ray.wait(list(running), num_returns=1)
            yield running.pop(ready[0]), ray.get(ready[0])
            fill()
