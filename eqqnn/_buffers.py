r"""Scratch arrays reused from one call to the next: the numba sector path's state
buffers (:data:`SCRATCH`) and the Schur transform's slice reads (their own pool in
:mod:`eqqnn.symmetry._coupling_kernels`).

A training step at n = 16 (batch 64) allocates about 10 MB of state buffers, a few
arrays of 1.5–3 MB each.  Allocations that size are fresh pages from the operating
system: every first touch of every 4 kB page is a fault.  A :class:`BufferPool` keeps the
buffers that a call hands back, by shape and dtype, and the next call of the same shape
takes them, already mapped and often still in cache.  Measured in alternating fresh
processes, the sector step went from 19.2 ms to 17.8 ms (median of four each); telling
the C allocator to keep all freed memory gave 16.8 ms (``benchmarks/RESULTS.md``).  The
transform's two 6.6 MB slice outputs (n = 16, batch 64) cost 1.9 ms of faults per call.

Only buffers of at most :data:`MAX_BUFFER_BYTES` are kept (above that, one pass over the
buffer costs far more than mapping it), and at most :data:`MAX_POOL_BYTES` in all, so
the pool never holds a large state alive: an n = 28 state is 340 MB and is never kept.
A buffer is handed back only by the code that took it and holds no other reference to
it. Handing back a buffer that is still in use would be a silent wrong answer, so
handing back is explicit, never automatic.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np

__all__ = ["MAX_BUFFER_BYTES", "MAX_POOL_BYTES", "SCRATCH", "BufferPool"]

#: Largest buffer the pool keeps.
MAX_BUFFER_BYTES = 32 << 20

#: Most bytes the pool holds in all.
MAX_POOL_BYTES = 256 << 20


class BufferPool:
    """Free arrays by ``(shape, dtype)``: :meth:`take` one (or a new one), :meth:`give`
    back those no longer used, :meth:`clear` to release them all.  Thread-safe."""

    def __init__(
        self, max_buffer_bytes: int = MAX_BUFFER_BYTES, max_bytes: int = MAX_POOL_BYTES
    ) -> None:
        self.max_buffer_bytes = max_buffer_bytes
        self.max_bytes = max_bytes
        self._free: dict[tuple[tuple[int, ...], np.dtype], list[np.ndarray]] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        """Bytes held now."""
        return self._bytes

    def take(self, shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
        """An uninitialized C-contiguous array of this shape and dtype."""
        key = (tuple(int(s) for s in shape), np.dtype(dtype))
        with self._lock:
            free = self._free.get(key)
            if free:
                array = free.pop()
                self._bytes -= array.nbytes
                return array
        return np.empty(key[0], dtype=key[1])

    def take_like(self, array: np.ndarray) -> np.ndarray:
        """:meth:`take` with the shape and dtype of ``array``."""
        return self.take(array.shape, array.dtype)

    def give(self, arrays: Iterable[np.ndarray]) -> None:
        """Keep these arrays for later :meth:`take` calls (the caller must not use them
        again); arrays that are views, too large, or over the budget are dropped."""
        with self._lock:
            for array in arrays:
                size = array.nbytes
                if (
                    array.base is not None
                    or not array.flags.c_contiguous
                    or size > self.max_buffer_bytes
                    or self._bytes + size > self.max_bytes
                ):
                    continue
                free = self._free.setdefault((array.shape, array.dtype), [])
                if any(kept is array for kept in free):
                    continue  # given twice: keep it once
                free.append(array)
                self._bytes += size

    def clear(self) -> None:
        """Release every kept array."""
        with self._lock:
            self._free.clear()
            self._bytes = 0


#: The pool of the numba sector path (released by ``clear_sector_caches()``).
SCRATCH = BufferPool()
