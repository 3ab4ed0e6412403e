"""The scratch buffer pool shared by the sector engine and the Schur transform."""

from __future__ import annotations

import numpy as np

from eqqnn._buffers import BufferPool


def test_pool_hands_back_what_it_was_given_and_drops_what_it_must_not_keep() -> None:
    pool = BufferPool(max_buffer_bytes=1024, max_bytes=2048)
    a = pool.take((4, 8), np.float64)  # 256 bytes, new
    assert a.shape == (4, 8) and a.dtype == np.float64 and pool.nbytes == 0
    pool.give([a, a])  # given twice: kept once
    assert pool.nbytes == 256
    assert pool.take((4, 8), np.float64) is a
    assert pool.take((4, 8), np.float64) is not a  # the pool is empty again
    assert pool.take((4, 8), np.float32) is not a  # dtype is part of the key
    big = np.empty(200)  # 1600 bytes > max_buffer_bytes
    view = np.empty((4, 16))[:, :8]
    pool.give([big, view])
    assert pool.nbytes == 0
    full = [np.empty(128) for _ in range(3)]  # 1024 bytes each, budget 2048
    pool.give(full)
    assert pool.nbytes == 2048
    pool.clear()
    assert pool.nbytes == 0
