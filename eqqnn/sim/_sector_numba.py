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
    "adjoint_rows",
    "chunks_for",
    "gate_pass",
    "gate_rows",
    "perm_pass",
    "perm_rows",
    "set_threads",
]


def _jit(fn: Any) -> Any:
    if not AVAILABLE:
        return fn
    return njit(parallel=True, fastmath=False, cache=True, nogil=True)(fn)


def _jit_serial(fn: Any) -> Any:
    if not AVAILABLE:
        return fn
    return njit(parallel=False, fastmath=False, cache=True, nogil=True)(fn)


def _range(n: int) -> Any:  # pragma: no cover - only used when numba is missing
    return range(n)


_prange = prange if AVAILABLE else _range


@_jit_serial
def perm_rows(indptr, indices, values, x, y, lo, hi):  # pragma: no cover - compiled
    r"""Rows ``lo:hi`` of ``y = M x`` for a real CSR matrix ``M`` and real ``(d, C)`` arrays."""
    width = x.shape[1]
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


@_jit_serial
def gate_rows(indptr, indices, basis, coef, x, y, lo, hi):  # pragma: no cover - compiled
    r"""Rows ``lo:hi`` of ``y_t = Σ_k (Σ_π coef_π basis_{πk}) x_{col(k)}`` (complex)."""
    width = x.shape[1]
    nb = basis.shape[0]
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


@_jit_serial
def adjoint_rows(indptr, indices, basis, coef, xcoef, w, out, acc, lo, hi):  # pragma: no cover
    r"""Rows ``lo:hi`` of the adjoint step on ``W = [ψ | μ]`` ``(d, 2R)``: ``out = M W``
    with ``M_{tk} = Σ_π coef_π basis_{πk}``, and ``acc[a, r]`` (complex128) set to
    :math:`\sum_t \bar\mu_{tr} (X_a \psi)_{tr}` over these rows, with
    :math:`X_a = \sum_\pi \mathrm{xcoef}_{a\pi} D(\pi)`.

    Every sum over the batch index ``r`` is elementwise (rows of partial sums), so the loops
    vectorize without reassociation; the :math:`\psi` half of each gathered row is loaded
    once for ``out`` and for :math:`X_a\psi`.
    """
    width = w.shape[1]
    half = width // 2
    nb = basis.shape[0]
    m = xcoef.shape[0]
    part = np.zeros((m, half), dtype=np.complex128)
    row = np.empty((m, half), dtype=w.dtype)
    xs = np.empty(m, dtype=w.dtype)
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
            for g in range(m):
                x = xcoef[g, 0] * basis[0, k]
                for p in range(1, nb):
                    x += xcoef[g, p] * basis[p, k]
                xs[g] = x
            col = indices[k]
            if m == 1:
                x = xs[0]
                for r in range(half):
                    v = w[col, r]
                    out[t, r] += u * v
                    row[0, r] += x * v
            else:
                for r in range(half):
                    out[t, r] += u * w[col, r]
                for g in range(m):
                    x = xs[g]
                    for r in range(half):
                        row[g, r] += x * w[col, r]
            for r in range(half, width):
                out[t, r] += u * w[col, r]
        for g in range(m):
            for r in range(half):
                part[g, r] += np.conj(w[t, half + r]) * row[g, r]
    for g in range(m):
        for r in range(half):
            acc[g, r] = part[g, r]


@_jit
def perm_pass(indptr, indices, values, x, y, chunks):  # pragma: no cover - compiled
    r"""``y = M x`` for a real CSR matrix ``M`` and real ``(d, C)`` arrays (``y`` is not ``x``),
    rows in ``chunks`` parallel blocks."""
    d = x.shape[0]
    size = (d + chunks - 1) // chunks
    for c in _prange(chunks):
        perm_rows(indptr, indices, values, x, y, c * size, min(d, (c + 1) * size))


@_jit
def gate_pass(indptr, indices, basis, coef, x, y, chunks):  # pragma: no cover - compiled
    r"""``y_t = Σ_k (Σ_π coef_π basis_{πk}) x_{col(k)}`` for complex ``(d, R)`` arrays."""
    d = x.shape[0]
    size = (d + chunks - 1) // chunks
    for c in _prange(chunks):
        gate_rows(indptr, indices, basis, coef, x, y, c * size, min(d, (c + 1) * size))


@_jit
def adjoint_pass(indptr, indices, basis, coef, xcoef, w, out, acc, chunks):  # pragma: no cover
    r""":func:`adjoint_rows` in ``chunks`` parallel row blocks; ``acc[c]`` is block ``c``'s
    ``(m, R)`` part."""
    d = w.shape[0]
    size = (d + chunks - 1) // chunks
    for c in _prange(chunks):
        lo = c * size
        adjoint_rows(indptr, indices, basis, coef, xcoef, w, out, acc[c], lo, min(d, lo + size))


def set_threads(threads: int) -> None:
    """Use ``threads`` (clipped to numba's pool) for the following kernel calls."""
    if AVAILABLE:
        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))


def chunks_for(rows: int) -> int:
    """Row blocks of one call (a function of the size only, not of the thread count)."""
    return int(max(1, min(rows, CHUNKS)))
