"""Items of a dataset kept on disk as they are computed, so that a killed build resumes.

Solving the 101 test states of the n = 30 chain takes hours; the dataset cache writes its
file only when all of them exist.  :class:`PartialItems` keeps each finished item (a state,
its energy, its diagnostics) as ``<cache>/<namespace>/<key>.partial/item_<k>.npz``, written
atomically (a temporary name, then :func:`os.replace`), so an interrupted build loses at
most the item in progress.  The folder is named by the same key as the final file (the
generating parameters and the package version), so a partial build is only ever resumed
by the same request; it is removed once the final file is written.  An unreadable item
is computed again.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

__all__ = ["PartialItems"]


class PartialItems:
    """Finished items of one build, by index, in ``directory``."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def _path(self, k: int) -> Path:
        return self.directory / f"item_{int(k)}.npz"

    def load(self, k: int) -> dict[str, np.ndarray] | None:
        """The arrays of item ``k``, or ``None`` if it is not there (or unreadable)."""
        path = self._path(k)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as npz:
                return {name: npz[name] for name in npz.files}
        except Exception:  # a damaged item (any reader error) is computed again
            return None

    def save(self, k: int, arrays: Mapping[str, np.ndarray]) -> None:
        """Keep item ``k``; a failure to write only costs the resume (never raises)."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".item_{k}.", suffix=".npz", dir=self.directory)
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **{name: np.asarray(a) for name, a in arrays.items()})
            os.replace(tmp, self._path(k))
        except OSError:
            return

    def done(self) -> list[int]:
        """Indices of the items kept."""
        if not self.directory.is_dir():
            return []
        return sorted(int(p.stem.split("_")[1]) for p in self.directory.glob("item_*.npz"))

    def clear(self) -> None:
        """Remove every kept item (after the final file is written)."""
        shutil.rmtree(self.directory, ignore_errors=True)
