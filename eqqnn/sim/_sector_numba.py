r"""Numba CPU kernels of the spin-sector simulator: one pass per sparse operator.

Every step of a compiled circuit acts on a sector state :math:`X` of shape ``(d, R)``
(rows = standard tableaux, a contiguous batch in each row) through a sparse matrix in
CSR form.  Its entries are combinations of a few fixed real patterns,

.. math:: M_{tk} = \sum_{\pi} c_\pi\, V_{\pi k}, \qquad
          Y_t = \sum_{k \in \mathrm{row}(t)} M_{tk}\, X_{\mathrm{col}(k)} ,

where :math:`V_{\pi\,\cdot}` holds the entries of :math:`D_J(\pi)` on the union pattern of
the basis permutations of a gate and :math:`c` the gate's coefficients (so the whole gate
:math:`\sum_\pi c_\pi D_J(\pi)` is one pass, whatever the distance of its wires).  The
adjoint pass acts on :math:`W = [\psi\,|\,\mu]` (``(d, 2R)``) and, in the same sweep,
accumulates the gradient overlaps

.. math:: g_a = \langle\mu| X_a |\psi\rangle, \qquad
          X_a = \sum_\pi x_{a\pi} D_J(\pi)

(:math:`\partial E/\partial\theta_a = 2\,\mathrm{Re}\,g_a`) while it writes
:math:`W \leftarrow \sum_\pi d_\pi D_J(\pi) W` into the other buffer.

Pure permutations (relabellings) run on the real view ``(d, 2R)`` with real entries.
Rows are split in ``chunks`` blocks run in parallel (``prange``); the overlaps are summed
per block and batch column in complex128, and the number of blocks depends on the size of
the state only, so results do not depend on the thread count.

The kernels are compiled on first use (``cache=True`` keeps the machine code on disk
for later processes).  :data:`AVAILABLE` is ``False`` when numba cannot be imported.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    import numba
    from numba import njit, prange
except ImportError:  # pragma: no cover - exercised by monkeypatching AVAILABLE in tests
    numba = None
    AVAILABLE = False
    IMPORT_ERROR: str | None = "numba is not installed"
else:
    AVAILABLE = True
    IMPORT_ERROR = None

#: Row blocks of one kernel call (load balance over threads; fixed so that the block sums,
#: hence the results, do not depend on the number of threads).
CHUNKS = 32

__all__ = [
    "AVAILABLE",
    "CHUNKS",
    "IMPORT_ERROR",
    "adjoint_pass",
    "adjoint_pass1",
    "chunks_for",
    "gate_pass",
    "perm_pass",
    "set_threads",
]


def _jit(fn: Any) -> Any:
    if not AVAILABLE:
        return fn
    return njit(parallel=True, fastmath=False, cache=True, nogil=True)(fn)


def _range(n: int) -> Any:  # pragma: no cover - only used when numba is missing
    return range(n)


_prange = prange if AVAILABLE else _range


@_jit
def perm_pass(indptr, indices, values, x, y, chunks):  # pragma: no cover - compiled
    r"""``y = M x`` for a real CSR matrix ``M`` and real ``(d, C)`` arrays (``y`` is not ``x``)."""
    d, width = x.shape
    size = (d + chunks - 1) // chunks
    for c in _prange(chunks):
        lo = c * size
        hi = min(d, lo + size)
        for t in range(lo, hi):
            a = indptr[t]
            b = indptr[t + 1]
            if a == b:
                for r in range(width):
                    y[t, r] = 0.0
                continue
            v = values[a]
            col = indices[a]
            for r in range(width):
                y[t, r] = v * x[col, r]
            for k in range(a + 1, b):
                v = values[k]
                col = indices[k]
                for r in range(width):
                    y[t, r] += v * x[col, r]


@_jit
def gate_pass(indptr, indices, basis, coef, x, y, chunks):  # pragma: no cover - compiled
    r"""``y_t = Σ_k (Σ_π coef_π basis_{πk}) x_{col(k)}`` for complex ``(d, R)`` arrays."""
    d, width = x.shape
    nb = basis.shape[0]
    size = (d + chunks - 1) // chunks
    for c in _prange(chunks):
        lo = c * size
        hi = min(d, lo + size)
        for t in range(lo, hi):
            a = indptr[t]
            b = indptr[t + 1]
            for r in range(width):
                y[t, r] = 0.0
            for k in range(a, b):
                u = coef[0] * basis[0, k]
                for p in range(1, nb):
                    u += coef[p] * basis[p, k]
                col = indices[k]
                for r in range(width):
                    y[t, r] += u * x[col, r]


@_jit
def adjoint_pass(indptr, indices, basis, coef, xcoef, w, out, acc, chunks):  # pragma: no cover
    r"""Adjoint step on ``W = [ψ | μ]`` ``(d, 2R)``: ``out = M W`` with
    ``M_{tk} = Σ_π coef_π basis_{πk}``, and ``acc[c, a, r]`` the part of
    :math:`\sum_t \bar\mu_{tr} (X_a \psi)_{tr}` of row block ``c``, with
    :math:`X_a = \sum_\pi \mathrm{xcoef}_{a\pi} D(\pi)` (complex128).

    Every sum over the batch index ``r`` is elementwise (per-block rows of partial sums), so
    the loops vectorize without reassociation.
    """
    d, width = w.shape
    half = width // 2
    nb = basis.shape[0]
    m = xcoef.shape[0]
    size = (d + chunks - 1) // chunks
    for c in _prange(chunks):
        lo = c * size
        hi = min(d, lo + size)
        part = np.zeros((m, half), dtype=np.complex128)
        row = np.empty((m, half), dtype=w.dtype)
        for t in range(lo, hi):
            a = indptr[t]
            b = indptr[t + 1]
            for r in range(width):
                out[t, r] = 0.0
            for g in range(m):
                for r in range(half):
                    row[g, r] = 0.0
            for k in range(a, b):
                u = coef[0] * basis[0, k]
                for p in range(1, nb):
                    u += coef[p] * basis[p, k]
                col = indices[k]
                for r in range(width):
                    out[t, r] += u * w[col, r]
                for g in range(m):
                    x = xcoef[g, 0] * basis[0, k]
                    for p in range(1, nb):
                        x += xcoef[g, p] * basis[p, k]
                    for r in range(half):
                        row[g, r] += x * w[col, r]
            for g in range(m):
                for r in range(half):
                    part[g, r] += np.conj(w[t, half + r]) * row[g, r]
        for g in range(m):
            for r in range(half):
                acc[c, g, r] = part[g, r]


@_jit
def adjoint_pass1(indptr, indices, basis, coef, xcoef, w, out, acc, chunks):  # pragma: no cover
    r""":func:`adjoint_pass` for one generator (``xcoef`` of shape ``(1, nb)``): the
    :math:`\psi` half of every gathered row is loaded once for ``out`` and for
    :math:`X\psi`."""
    d, width = w.shape
    half = width // 2
    nb = basis.shape[0]
    size = (d + chunks - 1) // chunks
    for c in _prange(chunks):
        lo = c * size
        hi = min(d, lo + size)
        part = np.zeros(half, dtype=np.complex128)
        row = np.empty(half, dtype=w.dtype)
        for t in range(lo, hi):
            a = indptr[t]
            b = indptr[t + 1]
            for r in range(width):
                out[t, r] = 0.0
            for r in range(half):
                row[r] = 0.0
            for k in range(a, b):
                u = coef[0] * basis[0, k]
                x = xcoef[0, 0] * basis[0, k]
                for p in range(1, nb):
                    u += coef[p] * basis[p, k]
                    x += xcoef[0, p] * basis[p, k]
                col = indices[k]
                for r in range(half):
                    v = w[col, r]
                    out[t, r] += u * v
                    row[r] += x * v
                for r in range(half, width):
                    out[t, r] += u * w[col, r]
            for r in range(half):
                part[r] += np.conj(w[t, half + r]) * row[r]
        for r in range(half):
            acc[c, 0, r] = part[r]


def set_threads(threads: int) -> None:
    """Use ``threads`` (clipped to numba's pool) for the following kernel calls."""
    if AVAILABLE:
        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))


def chunks_for(rows: int) -> int:
    """Row blocks of one call (a function of the size only, not of the thread count)."""
    return int(max(1, min(rows, CHUNKS)))
