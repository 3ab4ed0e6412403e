r"""Fused kernels of the one-pass Schur–Weyl transform: the Clebsch–Gordan level update
and the first read of the input.

One level of :func:`eqqnn.symmetry._spin_coupling.couple_magnetization_slice` writes, for every
block, :math:`c = a\,p_0 + b\,p_1` from two parent slabs.  numpy needs three passes and a
temporary for that (``multiply``, ``multiply``, ``add``); the numba kernel below reads each
parent once and writes the result once, which halves the memory traffic of the transform
(it is memory-bound).  :func:`gather_slice` reads the ``(B, 2^n)`` input once: it sums
the squared norm of every magnetization slice and copies one slice out, batch last, ready
for the coupling (numpy needs a weight pass, a gather and a transpose).  Without numba
the numpy forms are used.  numba is imported on the first call, so importing
:mod:`eqqnn.symmetry` stays light.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from eqqnn._buffers import BufferPool

__all__ = ["SLICES", "combine", "gather_slice", "release_slice", "run_coupling_plan"]

_KERNELS: dict[str, Any] = {}

#: Groups of states that :func:`gather_slice` reads in parallel (fixed, so the weights
#: are summed in the same order whatever the thread count).
GATHER_PARTS = 4


def _compile() -> Any:
    try:
        from numba import njit, prange
    except ImportError:  # pragma: no cover - numba is a dependency
        return None

    @njit(cache=True, nogil=True)
    def fused(out, a, p0, b, p1, two):  # type: ignore[no-untyped-def]
        d, s, m = out.shape
        for i in range(d):
            for j in range(s):
                for k in range(m):
                    if two:
                        out[i, j, k] = a * p0[i, j, k] + b * p1[i, j, k]
                    else:
                        out[i, j, k] = a * p0[i, j, k]

    # Blocks of amplitudes outer, states inner: each state's block is one contiguous read
    # (summed into per-amplitude norms), the block's members of the slice are copied while
    # it is in cache, and the per-slice weights are added once per amplitude, not once per
    # amplitude and state.  The states are split into ``parts`` run in parallel (each with
    # its own weights row): a memory-bound read that one core cannot saturate.
    @njit(cache=True, nogil=True, parallel=True)
    def gather_blocks(flat, complex_, ones, members, weights, re_out, im_out):  # type: ignore[no-untyped-def]
        nb = flat.shape[0]
        size = flat.shape[1] // 2 if complex_ else flat.shape[1]
        parts = weights.shape[0]
        per = (nb + parts - 1) // parts
        n_members = members.shape[0]
        for part in prange(parts):
            b0, b1 = part * per, min(nb, (part + 1) * per)
            norms = np.zeros(512)
            r0 = 0
            for start in range(0, size, 512):
                stop = min(size, start + 512)
                r1 = r0
                while r1 < n_members and members[r1] < stop:
                    r1 += 1
                for b in range(b0, b1):
                    if complex_:
                        row = flat[b, 2 * start : 2 * stop]
                        for t in range(stop - start):
                            norms[t] += row[2 * t] * row[2 * t] + row[2 * t + 1] * row[2 * t + 1]
                        for r in range(r0, r1):
                            j = 2 * (members[r] - start)
                            re_out[r, b] = row[j]
                            im_out[r, b] = row[j + 1]
                    else:
                        row = flat[b, start:stop]
                        for t in range(stop - start):
                            norms[t] += row[t] * row[t]
                        for r in range(r0, r1):
                            re_out[r, b] = row[members[r] - start]
                for t in range(stop - start):
                    weights[part, ones[start + t]] += norms[t]
                    norms[t] = 0.0
                r0 = r1

    @njit(cache=True, nogil=True, parallel=True)
    def coupling(columns, ops, coef, level_size, n_levels, starts, paths, offsets, chunk, out):  # type: ignore[no-untyped-def]
        size0, nb = columns.shape
        n_ops = ops.shape[0]
        for c in prange((nb + chunk - 1) // chunk):  # chunks of columns are independent
            c0 = c * chunk
            buf0 = np.empty(level_size * chunk, dtype=columns.dtype)
            buf1 = np.empty(level_size * chunk, dtype=columns.dtype)
            w = min(chunk, nb - c0)
            for j in range(size0):
                for t in range(w):
                    buf0[j * w + t] = columns[j, c0 + t]
            src, dst = buf0, buf1
            i = 0
            for level in range(1, n_levels + 1):
                while i < n_ops and ops[i, 0] == level:
                    out_off, size, row0, nrows, parts = (
                        ops[i, 1],
                        ops[i, 2],
                        ops[i, 3],
                        ops[i, 4],
                        ops[i, 5],
                    )
                    a, b = coef[i, 0], coef[i, 1]
                    span = size * w
                    for r in range(nrows):
                        o = (out_off + (row0 + r) * size) * w
                        # views, indexed from 0 by the loop: no wrap-around checks, SIMD
                        d = dst[o : o + span]
                        if parts == 0:
                            d[:] = 0.0
                            continue
                        pa = (ops[i, 6] + r * ops[i, 7] + ops[i, 8]) * w
                        x = src[pa : pa + span]
                        if parts == 1:
                            for t in range(span):
                                d[t] = a * x[t]
                            continue
                        pb = (ops[i, 9] + r * ops[i, 10] + ops[i, 11]) * w
                        y = src[pb : pb + span]
                        for t in range(span):
                            d[t] = a * x[t] + b * y[t]
                    i += 1
                src, dst = dst, src
            for f in range(starts.shape[0]):
                for row in range(paths[f]):
                    base = (offsets[f] + row) * w
                    for t in range(w):
                        out[c0 + t, starts[f] + row] = src[base + t]

    return {
        "fused": fused,
        "gather_blocks": gather_blocks,
        "coupling": coupling,
    }


def _kernel(name: str) -> Any:
    if "compiled" not in _KERNELS:
        _KERNELS["compiled"] = _compile()
    compiled = _KERNELS["compiled"]
    return None if compiled is None else compiled[name]


def gather_slice(
    psi: np.ndarray, n: int, ones: np.ndarray, members: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    r"""One read of ``(B, 2^n)`` states: the squared norm of each slice and one slice.

    .. math:: w_j = \sum_b \sum_{|x| = j} |\psi_{b, x}|^2, \qquad
              S[r, b] = \psi_{b, x_r} ,

    with :math:`|x|` the number of ones of the basis string ``x`` (``ones``, a table of
    ``2^n`` entries) and :math:`x_r` the slice's strings in ascending order (``members``).

    Returns
    -------
    (weights, slice) or None
        ``(n + 1,)`` weights and the ``(len(members), B)`` slice, real when every amplitude
        of the slice is real (a buffer of :data:`SLICES`: hand it back with
        :func:`release_slice` when done); ``None`` without numba or for inputs it does not
        take (not C-contiguous float64 / complex128).
    """
    kind = psi.dtype
    if kind not in (np.float64, np.complex128) or not psi.flags.c_contiguous:
        return None
    kernel = _kernel("gather_blocks")
    if kernel is None:
        return None
    nb, size = psi.shape[0], len(members)
    complex_ = kind == np.complex128
    parts = max(1, min(nb, GATHER_PARTS))
    weights = np.zeros((parts, n + 1), dtype=np.float64)
    re_out = SLICES.take((size, nb), np.float64)
    im_out = SLICES.take((size, nb), np.float64) if complex_ else np.empty((0, 0))
    kernel(psi.view(np.float64), complex_, ones, members, weights, re_out, im_out)
    total = weights.sum(axis=0)  # the same parts for any thread count: reproducible sums
    if not complex_ or not im_out.any():
        SLICES.give([im_out])
        return total, re_out
    SLICES.give([re_out, im_out])  # copied into the complex slice
    return total, re_out + 1j * im_out


#: Output buffers of :func:`gather_slice`, handed back by its caller (``release_slice``):
#: a fresh 6.6 MB output (n = 16, batch 64) cost 1.9 ms of page faults per call, 40 % of
#: the read.
SLICES = BufferPool(max_bytes=128 << 20)


def release_slice(columns: np.ndarray) -> None:
    """Hand a slice from :func:`gather_slice` back once nothing refers to it any more."""
    SLICES.give([columns])


def run_coupling_plan(
    columns: np.ndarray,
    ops: np.ndarray,
    coef: np.ndarray,
    level_size: int,
    finals: tuple[tuple[tuple[int, int], int, int], ...],
    chunk: int,
) -> dict[tuple[int, int], np.ndarray] | None:
    r"""Every level of a coupling plan (:func:`eqqnn.symmetry._spin_coupling._coupling_plan`)
    in one compiled call, ``chunk`` batch columns at a time, so that a level's two
    buffers stay in cache; ``None`` without numba.

    Returns
    -------
    dict
        ``{key: (B, paths, 1)}`` for each block of the last level.
    """
    kernel = _kernel("coupling")
    if kernel is None or columns.dtype not in (np.float64, np.complex128):
        return None
    columns = np.ascontiguousarray(columns)
    nb = columns.shape[1]
    paths = np.array([d for _, _, d in finals], dtype=np.int64)
    offsets = np.array([off for _, off, _ in finals], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(paths)[:-1]]).astype(np.int64)
    out = np.empty((nb, int(paths.sum())), dtype=columns.dtype)
    n_levels = int(ops[:, 0].max()) if len(ops) else 0
    kernel(columns, ops, coef, level_size, n_levels, starts, paths, offsets, max(1, chunk), out)
    return {
        key: out[:, start : start + d, None]
        for (key, _, d), start in zip(finals, starts.tolist(), strict=True)
    }


def combine(out: np.ndarray, parts: list[tuple[float, np.ndarray]]) -> None:
    r"""``out[...] = sum_i c_i p_i`` for at most two ``(c_i, p_i)`` of ``out``'s shape
    (zero when ``parts`` is empty)."""
    if not parts:
        out[...] = 0
        return
    fused = _kernel("fused")
    if fused is None or out.size < 4096:
        np.multiply(parts[0][1], parts[0][0], out=out)
        if len(parts) == 2:
            out += parts[1][0] * parts[1][1]
        return
    (a, p0), (b, p1) = parts[0], parts[-1]
    fused(out, a, p0, b, p1, len(parts) == 2)
