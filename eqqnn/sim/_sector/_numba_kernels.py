r"""Numba CPU kernels of the spin-sector simulator: one pass per sparse operator.

Every step of a compiled circuit acts on a sector state :math:`X` of shape ``(d, R)``
(rows = standard tableaux, a contiguous batch in each row) through a sparse matrix in
CSR form.  Its entries are combinations of a few fixed real patterns,

.. math:: M_{tk} = \sum_{\pi} c_\pi\, V_{\pi k}, \qquad
          Y_t = \sum_{k \in \mathrm{row}(t)} M_{tk}\, X_{\mathrm{col}(k)} ,

where :math:`V_{\pi\,\cdot}` holds the entries of :math:`D_J(\pi)` on the union pattern of
the basis permutations of a gate and :math:`c` the gate's coefficients (so the whole gate
:math:`\sum_\pi c_\pi D_J(\pi)` is one pass, whatever the distance of its wires).  The
adjoint pass acts on :math:`W = [\psi\,|\,\mu]` and, in the same sweep,
accumulates the gradient overlaps

.. math:: g_a = \langle\mu| X_a |\psi\rangle, \qquad
          X_a = \sum_\pi x_{a\pi} D_J(\pi)

(:math:`\partial E/\partial\theta_a = 2\,\mathrm{Re}\,g_a`) while it writes
:math:`W \leftarrow \sum_\pi d_\pi D_J(\pi) W` into the other buffer.

States are stored *planar*: a complex ``(d, R)`` state is a real ``(d, 2R)`` array whose
row ``t`` holds ``[Re x_t | Im x_t]`` (:func:`to_planar`, :func:`from_planar`), and
:math:`W` is ``[Re ψ | Im ψ | Re μ | Im μ]`` ``(d, 4R)``.  Every inner loop then runs over
contiguous real columns with real arithmetic (a complex product is four real ones), which
vectorizes; with interleaved complex numbers it did not (the adjoint pass is 1.6x faster
planar at n = 16, batch 64).  Pure permutations (relabellings) act on the rows of the
real array with real entries, whatever the layout.
Rows are split in ``chunks`` blocks run in parallel (``prange``); the overlaps are summed
per block and batch column in complex128, and the number of blocks depends on the size of
the state only, so results do not depend on the thread count.  Each pass is a serial row
kernel (:func:`perm_rows`, :func:`gate_rows`, :func:`adjoint_rows`, :func:`adjoint1_rows`)
called on every block; one block runs in the calling thread, without a parallel region.

The kernels are compiled on first use (``cache=True`` keeps the machine code on disk
for later processes).  :data:`AVAILABLE` is ``False`` when numba cannot be imported.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

#: Idle OpenMP threads of numba's parallel layer sleep instead of spinning (unless the
#: user set ``OMP_WAIT_POLICY``).  Every kernel call ends at a barrier; with spinning
#: threads, a sector step next to other CPU-bound work collapsed (n = 16, batch 64, load
#: about 5 on 2 cores: 517 ms spinning, 157 ms passive, 116 ms on one thread;
#: ``benchmarks/bench_sector_concurrency.py``).  Set before numba's OpenMP runtime loads
#: (at the first parallel call); torch's own OpenMP runtime is separate and unaffected.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

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
    "from_planar",
    "gate_pass",
    "perm_pass",
    "set_threads",
    "to_planar",
]


def _jit(fn: Any) -> Any:
    if not AVAILABLE:
        return fn
    # "contract" only: fused multiply-adds, no reassociation (results do not depend on the
    # thread count or the vector width).
    return njit(parallel=True, fastmath={"contract"}, cache=True, nogil=True)(fn)


def _range(n: int) -> Any:  # pragma: no cover - only used when numba is missing
    return range(n)


_prange = prange if AVAILABLE else _range


def _core(fn: Any) -> Any:
    """A serial row-range kernel, called by the parallel ones (here and in
    :mod:`eqqnn.sim._sector._numba_program`)."""
    if not AVAILABLE:
        return fn
    return njit(fastmath={"contract"}, cache=True, nogil=True)(fn)


@_core
def perm_rows(indptr, indices, values, x, y, lo, hi):  # pragma: no cover - compiled
    r"""Rows ``[lo, hi)`` of ``y = M x`` for a real CSR matrix ``M`` and real ``(d, C)``
    arrays (``y`` is not ``x``)."""
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


@_core
def gate_rows(indptr, indices, basis, coef, x, y, lo, hi):  # pragma: no cover - compiled
    r"""Rows ``[lo, hi)`` of ``y_t = Σ_k (Σ_π coef_π basis_{πk}) x_{col(k)}`` for planar
    ``(d, 2R)`` states (``[re | im]`` of ``R`` complex columns in each row)."""
    w2 = x.shape[1]
    h = w2 // 2
    nb = basis.shape[0]
    o = np.empty(w2, dtype=x.dtype)
    for t in range(lo, hi):
        a = indptr[t]
        b = indptr[t + 1]
        for r in range(w2):
            o[r] = 0.0
        for k in range(a, b):
            u = coef[0] * basis[0, k]
            for p in range(1, nb):
                u += coef[p] * basis[p, k]
            ur = u.real
            ui = u.imag
            col = indices[k]
            for r in range(h):
                vr = x[col, r]
                vi = x[col, h + r]
                o[r] += ur * vr - ui * vi
                o[h + r] += ur * vi + ui * vr
        for r in range(w2):
            y[t, r] = o[r]


@_core
def adjoint_rows(indptr, indices, basis, coef, xcoef, w, out, acc, lo, hi):  # pragma: no cover
    r"""Rows ``[lo, hi)`` of the adjoint step on the planar
    ``W = [ψ_re | ψ_im | μ_re | μ_im]`` ``(d, 4R)``: ``out = M W`` with
    ``M_{tk} = Σ_π coef_π basis_{πk}``, and ``acc[a, r]`` the part of
    :math:`\sum_t \bar\mu_{tr} (X_a \psi)_{tr}` of these rows, with
    :math:`X_a = \sum_\pi \mathrm{xcoef}_{a\pi} D(\pi)` (summed in double precision).

    Every sum over the batch index ``r`` is elementwise (rows of partial sums), so the
    loops vectorize without reassociation.
    """
    w4 = w.shape[1]
    h = w4 // 4
    nb = basis.shape[0]
    m = xcoef.shape[0]
    pr = np.zeros((m, h), dtype=np.float64)
    pi = np.zeros((m, h), dtype=np.float64)
    o = np.empty(w4, dtype=w.dtype)
    rr = np.empty((m, h), dtype=w.dtype)
    ri = np.empty((m, h), dtype=w.dtype)
    for t in range(lo, hi):
        a = indptr[t]
        b = indptr[t + 1]
        for r in range(w4):
            o[r] = 0.0
        for g in range(m):
            for r in range(h):
                rr[g, r] = 0.0
                ri[g, r] = 0.0
        for k in range(a, b):
            u = coef[0] * basis[0, k]
            for p in range(1, nb):
                u += coef[p] * basis[p, k]
            ur = u.real
            ui = u.imag
            col = indices[k]
            for r in range(h):
                vr = w[col, r]
                vi = w[col, h + r]
                o[r] += ur * vr - ui * vi
                o[h + r] += ur * vi + ui * vr
            for r in range(h):
                vr = w[col, 2 * h + r]
                vi = w[col, 3 * h + r]
                o[2 * h + r] += ur * vr - ui * vi
                o[3 * h + r] += ur * vi + ui * vr
            for g in range(m):
                x = xcoef[g, 0] * basis[0, k]
                for p in range(1, nb):
                    x += xcoef[g, p] * basis[p, k]
                xr = x.real
                xi = x.imag
                for r in range(h):
                    vr = w[col, r]
                    vi = w[col, h + r]
                    rr[g, r] += xr * vr - xi * vi
                    ri[g, r] += xr * vi + xi * vr
        for g in range(m):
            for r in range(h):
                mr = w[t, 2 * h + r]
                mi = w[t, 3 * h + r]
                pr[g, r] += mr * rr[g, r] + mi * ri[g, r]
                pi[g, r] += mr * ri[g, r] - mi * rr[g, r]
        for r in range(w4):
            out[t, r] = o[r]
    for g in range(m):
        for r in range(h):
            acc[g, r] = pr[g, r] + 1j * pi[g, r]


@_core
def adjoint1_rows(indptr, indices, basis, coef, xcoef, w, out, acc, lo, hi):  # pragma: no cover
    r""":func:`adjoint_rows` for one generator (``xcoef`` of shape ``(1, nb)``): the
    :math:`\psi` half of every gathered row is loaded once for ``out`` and for
    :math:`X\psi`."""
    w4 = w.shape[1]
    h = w4 // 4
    nb = basis.shape[0]
    pr = np.zeros(h, dtype=np.float64)
    pi = np.zeros(h, dtype=np.float64)
    o = np.empty(w4, dtype=w.dtype)
    rr = np.empty(h, dtype=w.dtype)
    ri = np.empty(h, dtype=w.dtype)
    for t in range(lo, hi):
        a = indptr[t]
        b = indptr[t + 1]
        for r in range(w4):
            o[r] = 0.0
        for r in range(h):
            rr[r] = 0.0
            ri[r] = 0.0
        for k in range(a, b):
            u = coef[0] * basis[0, k]
            x = xcoef[0, 0] * basis[0, k]
            for p in range(1, nb):
                u += coef[p] * basis[p, k]
                x += xcoef[0, p] * basis[p, k]
            ur = u.real
            ui = u.imag
            xr = x.real
            xi = x.imag
            col = indices[k]
            for r in range(h):
                vr = w[col, r]
                vi = w[col, h + r]
                o[r] += ur * vr - ui * vi
                o[h + r] += ur * vi + ui * vr
                rr[r] += xr * vr - xi * vi
                ri[r] += xr * vi + xi * vr
            for r in range(h):
                vr = w[col, 2 * h + r]
                vi = w[col, 3 * h + r]
                o[2 * h + r] += ur * vr - ui * vi
                o[3 * h + r] += ur * vi + ui * vr
        for r in range(h):
            mr = w[t, 2 * h + r]
            mi = w[t, 3 * h + r]
            pr[r] += mr * rr[r] + mi * ri[r]
            pi[r] += mr * ri[r] - mi * rr[r]
        for r in range(w4):
            out[t, r] = o[r]
    for r in range(h):
        acc[0, r] = pr[r] + 1j * pi[r]


@_jit
def _perm_blocks(indptr, indices, values, x, y, chunks):  # pragma: no cover - compiled
    d = x.shape[0]
    size = (d + chunks - 1) // chunks
    for c in _prange(chunks):
        perm_rows(indptr, indices, values, x, y, c * size, min(d, c * size + size))


@_jit
def _gate_blocks(indptr, indices, basis, coef, x, y, chunks):  # pragma: no cover - compiled
    d = x.shape[0]
    size = (d + chunks - 1) // chunks
    for c in _prange(chunks):
        gate_rows(indptr, indices, basis, coef, x, y, c * size, min(d, c * size + size))


@_jit
def _adjoint_blocks(indptr, indices, basis, coef, xcoef, w, out, acc, chunks):  # pragma: no cover
    d = w.shape[0]
    size = (d + chunks - 1) // chunks
    for c in _prange(chunks):
        lo = c * size
        adjoint_rows(indptr, indices, basis, coef, xcoef, w, out, acc[c], lo, min(d, lo + size))


@_jit
def _adjoint1_blocks(indptr, indices, basis, coef, xcoef, w, out, acc, chunks):  # pragma: no cover
    d = w.shape[0]
    size = (d + chunks - 1) // chunks
    for c in _prange(chunks):
        lo = c * size
        adjoint1_rows(indptr, indices, basis, coef, xcoef, w, out, acc[c], lo, min(d, lo + size))


# One row block runs in the calling thread, without the thread pool: a parallel region
# waits for every thread, and on a loaded machine a descheduled one stalls it.


def perm_pass(indptr, indices, values, x, y, chunks):
    r"""``y = M x`` for a real CSR matrix ``M`` and real ``(d, C)`` arrays (``y`` is not
    ``x``), in ``chunks`` row blocks (:func:`perm_rows`)."""
    if chunks == 1:
        perm_rows(indptr, indices, values, x, y, 0, x.shape[0])
    else:
        _perm_blocks(indptr, indices, values, x, y, chunks)


def gate_pass(indptr, indices, basis, coef, x, y, chunks):
    r""":func:`gate_rows` on every row, in ``chunks`` row blocks."""
    if chunks == 1:
        gate_rows(indptr, indices, basis, coef, x, y, 0, x.shape[0])
    else:
        _gate_blocks(indptr, indices, basis, coef, x, y, chunks)


def adjoint_pass(indptr, indices, basis, coef, xcoef, w, out, acc, chunks):
    r""":func:`adjoint_rows` on every row in ``chunks`` row blocks; ``acc[c]`` receives
    block ``c``'s overlaps."""
    if chunks == 1:
        adjoint_rows(indptr, indices, basis, coef, xcoef, w, out, acc[0], 0, w.shape[0])
    else:
        _adjoint_blocks(indptr, indices, basis, coef, xcoef, w, out, acc, chunks)


def adjoint_pass1(indptr, indices, basis, coef, xcoef, w, out, acc, chunks):
    r""":func:`adjoint1_rows` (one generator) on every row in ``chunks`` row blocks."""
    if chunks == 1:
        adjoint1_rows(indptr, indices, basis, coef, xcoef, w, out, acc[0], 0, w.shape[0])
    else:
        _adjoint1_blocks(indptr, indices, basis, coef, xcoef, w, out, acc, chunks)


def to_planar(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``(d, 2R)`` real ``[Re z | Im z]`` of a complex ``(d, R)`` array (a new array or ``out``)."""
    d, width = z.shape
    if out is None:
        out = np.empty((d, 2 * width), dtype=z.real.dtype)
    out[:, :width] = z.real
    out[:, width:] = z.imag
    return out


def from_planar(p: np.ndarray) -> np.ndarray:
    """The complex ``(d, R)`` array of a planar ``(d, 2R)`` one (a new array)."""
    d, w2 = p.shape
    h = w2 // 2
    z = np.empty((d, h), dtype=np.result_type(p.dtype, np.complex64))
    z.real = p[:, :h]
    z.imag = p[:, h:]
    return z


def set_threads(threads: int) -> None:
    """Use ``threads`` (clipped to numba's pool) for the following kernel calls."""
    if AVAILABLE:
        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))


def chunks_for(rows: int) -> int:
    """Row blocks of one call (a function of the size only, not of the thread count)."""
    return int(max(1, min(rows, CHUNKS)))
