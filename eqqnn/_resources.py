"""The resource guard: refuse work that would not fit in memory, before any of it starts.

:func:`require_memory` compares an estimate of the bytes a computation needs with the
memory the machine has available now (``MemAvailable`` of ``/proc/meminfo`` on Linux,
physical pages elsewhere) and raises :class:`~eqqnn.errors.ProblemTooLargeError` naming
the size, the memory available and what would fit.  Estimates are deliberately simple
formulas of the problem size, evaluated in microseconds.
"""

from __future__ import annotations

import os
from pathlib import Path

from eqqnn.errors import InvalidParameterError, ProblemTooLargeError

__all__ = ["available_memory", "format_bytes", "make_output_folder", "require_memory"]

#: Share of the available memory a single computation may plan to use.
MEMORY_SHARE = 0.9


def available_memory() -> int | None:
    """Bytes of memory available to new allocations now, or None when unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def format_bytes(n: float) -> str:
    """``"1.5 GiB"``-style size."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n / 1024:.1f} KiB"


def require_memory(need: float, what: str, alternative: str) -> None:
    """Raise :class:`ProblemTooLargeError` when ``need`` bytes exceed the available memory.

    Parameters
    ----------
    need
        Estimated peak bytes of the computation.
    what
        What needs it (``"sector ground states at n = 40"``).
    alternative
        What would fit instead (named in the message).
    """
    free = available_memory()
    if free is None or need <= MEMORY_SHARE * free:
        return
    raise ProblemTooLargeError(
        f"{what} needs about {format_bytes(need)}, and this machine has "
        f"{format_bytes(free)} available; {alternative}"
    )


def make_output_folder(path: str | Path) -> Path:
    """Create ``path`` (and parents) as a writable folder, or raise
    :class:`~eqqnn.errors.InvalidParameterError` naming why it cannot be one."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InvalidParameterError(f"output folder {path} exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InvalidParameterError(
            f"cannot create output folder {path}: {err.strerror or err}"
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise InvalidParameterError(f"output folder {path} is not writable")
    return path
