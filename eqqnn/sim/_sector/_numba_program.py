r"""Whole sweeps in one numba call: every pass of a forward or adjoint sweep of one sector.

The per-pass kernels (:mod:`eqqnn.sim._sector._numba_kernels`) split the *rows* of the
state among threads, so every pass ends at a barrier and starts with a call from Python:
an n = 16 training step makes 91 of them, and with sleeping threads each barrier wakes
the pool again.  A gate mixes rows and never columns, so the batch columns can be split
instead: here each thread runs the *whole* sweep (all passes, in order) on its own block
of columns of the planar state, ping-ponging between two shared buffers in which it
writes only its own columns.  One call and one barrier per sweep, and a thread's columns
stay in its own cache.

The arithmetic of a pass is that of the per-pass kernels (their serial row kernels
:func:`~eqqnn.sim._sector._numba_kernels.gate_rows`, ``perm_rows``, ``adjoint_rows``,
``adjoint1_rows``, called on a whole block).  A :class:`SweepTape` is the flat form of a
sweep: its passes (``kinds``, ``ops``, ``slots``: a pure permutation, or a gate /
adjoint step reading row ``slot`` of the coefficient arrays) and the CSR arrays of every
distinct operator concatenated (``ptr``, ``idx``, ``bas`` with per-operator offsets).
Operator ``q`` stores the entry
:math:`V_{\pi k}` at ``bas[bas_off[q] + π·nnz[q] + k]``, and a step applies

.. math:: Y_t = \sum_{k \in \mathrm{row}(t)} \Big(\sum_\pi c_\pi V_{\pi k}\Big) X_{\mathrm{col}(k)}

to the columns of its block (:math:`c` the step's coefficients; a permutation has the
single real pattern).  The adjoint step also accumulates, per batch column,
:math:`g_{a r} = \sum_t \bar\mu_{t r} (X_a \psi)_{t r}` in double precision, rows summed
in order, so the result does not depend on the number of blocks or threads.

Tapes are used while a sector state has at most :data:`TAPE_MAX_ENTRIES` complex
entries (rows times batch columns), where the call and the barrier of a pass weigh: on
the 2-core machine a step at n = 12 (batch 64) took 1.0 ms taped against 1.4 ms pass by
pass, at n = 16 batch 16 4.0 against 4.35 ms; at n = 16 batch 64 taped was 7 % slower
and at n = 20 batch 16 about 20 % slower (``benchmarks/RESULTS.md``).  The concatenated
operators are a second copy of the cached ones, small at these sizes.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from eqqnn.sim._sector._numba_kernels import (
    _core,
    _jit,
    _prange,
    adjoint1_rows,
    adjoint_rows,
    gate_rows,
    perm_rows,
)

if TYPE_CHECKING:  # the kernels module clears the tapes: no import back at run time
    from eqqnn.sim._sector._kernels import _CsrOp

__all__ = [
    "TAPE_MAX_ENTRIES",
    "SweepTape",
    "adjoint_sweep",
    "clear_tapes",
    "forward_sweep",
    "sweep_tape",
]

#: Most complex entries (rows x batch columns) of a sector state run as one tape: the
#: singlet sector at n = 16 (1430 rows) up to batch 45, at n = 20 (16,796) up to batch 3.
TAPE_MAX_ENTRIES = 1 << 16

#: Pass kinds of a tape.
PERMUTATION, GATE = 0, 1


@dataclass(frozen=True, eq=False)
class SweepTape:
    """The passes of one sweep of one sector, and their operators, as flat arrays."""

    kinds: np.ndarray  # (S,) int32: PERMUTATION or GATE (an adjoint step in a backward tape)
    ops: np.ndarray  # (S,) int32: operator of each pass
    slots: np.ndarray  # (S,) int32: coefficient row of a gate pass (-1 for a permutation)
    ptr_off: np.ndarray  # (O,) int64 offsets into ptr
    idx_off: np.ndarray  # (O,) int64 offsets into idx
    bas_off: np.ndarray  # (O,) int64 offsets into bas
    nbs: np.ndarray  # (O,) int64 basis permutations of an operator
    nnzs: np.ndarray  # (O,) int64 stored entries of an operator
    ptr: np.ndarray  # concatenated indptr arrays (int32)
    idx: np.ndarray  # concatenated indices (int32)
    bas: np.ndarray  # concatenated, flattened basis values (the real dtype of the state)
    passes: tuple[tuple[_CsrOp, bool], ...]  # (operator, is a gate) per pass (statistics)


def _tape(entries: list[tuple[_CsrOp, int]]) -> SweepTape:
    """Flatten ``(operator, slot)`` passes (slot ``-1``: a permutation)."""
    index: dict[int, int] = {}
    distinct: list[_CsrOp] = []
    for op, _ in entries:
        if id(op) not in index:
            index[id(op)] = len(distinct)
            distinct.append(op)
    sizes = [(op.indptr.shape[0], op.indices.shape[0], op.basis.size) for op in distinct]
    offsets = np.zeros((3, len(distinct) + 1), dtype=np.int64)
    offsets[:, 1:] = np.cumsum(np.array(sizes, dtype=np.int64).reshape(-1, 3), axis=0).T
    return SweepTape(
        kinds=np.array([PERMUTATION if s < 0 else GATE for _, s in entries], dtype=np.int32),
        ops=np.array([index[id(op)] for op, _ in entries], dtype=np.int32),
        slots=np.array([s for _, s in entries], dtype=np.int32),
        ptr_off=np.ascontiguousarray(offsets[0, :-1]),
        idx_off=np.ascontiguousarray(offsets[1, :-1]),
        bas_off=np.ascontiguousarray(offsets[2, :-1]),
        nbs=np.array([op.basis.shape[0] for op in distinct], dtype=np.int64),
        nnzs=np.array([op.indices.shape[0] for op in distinct], dtype=np.int64),
        ptr=np.concatenate([op.indptr.astype(np.int32, copy=False) for op in distinct]),
        idx=np.concatenate([op.indices.astype(np.int32, copy=False) for op in distinct]),
        bas=np.concatenate([op.basis.ravel() for op in distinct]),
        passes=tuple((op, s >= 0) for op, s in entries),
    )


_TAPES: weakref.WeakKeyDictionary[Any, dict[Any, SweepTape]] = weakref.WeakKeyDictionary()
_TAPES_LOCK = threading.Lock()


def sweep_tape(
    owner: Any, key: Any, build: Callable[[], Iterable[tuple[_CsrOp, int]]]
) -> SweepTape:
    """The tape of ``build()``'s passes, cached per ``owner`` (a compiled program, held
    weakly: its tapes go with it) and ``key``."""
    with _TAPES_LOCK:
        tapes = _TAPES.setdefault(owner, {})
        tape = tapes.get(key)
    if tape is None:
        tape = _tape(list(build()))
        with _TAPES_LOCK:
            tape = _TAPES[owner].setdefault(key, tape)
    return tape


def clear_tapes() -> None:
    """Drop every cached tape."""
    with _TAPES_LOCK:
        _TAPES.clear()


@_core
def forward_block(
    kinds, ops, slots, ptr_off, idx_off, bas_off, nbs, nnzs, ptr, idx, bas, coef, x, y
):  # pragma: no cover - compiled
    r"""Every pass, in order, on one block: the planar ``(d, 2w)`` arrays ``x``, ``y``
    (ping-pong; the result is in ``x`` after an even number of passes, else in ``y``)."""
    d = x.shape[0]
    for s in range(kinds.shape[0]):
        src, dst = (x, y) if s % 2 == 0 else (y, x)
        q = ops[s]
        nnz = nnzs[q]
        indptr = ptr[ptr_off[q] : ptr_off[q] + d + 1]
        indices = idx[idx_off[q] : idx_off[q] + nnz]
        basis = bas[bas_off[q] : bas_off[q] + nbs[q] * nnz].reshape((nbs[q], nnz))
        if kinds[s] == GATE:
            gate_rows(indptr, indices, basis, coef[slots[s]], src, dst, 0, d)
        else:
            perm_rows(indptr, indices, basis[0], src, dst, 0, d)


@_jit
def _forward_blocks(
    kinds, ops, slots, ptr_off, idx_off, bas_off, nbs, nnzs, ptr, idx, bas, coef, x, y
):  # pragma: no cover - compiled
    for c in _prange(x.shape[0]):
        forward_block(
            kinds,
            ops,
            slots,
            ptr_off,
            idx_off,
            bas_off,
            nbs,
            nnzs,
            ptr,
            idx,
            bas,
            coef,
            x[c],
            y[c],
        )


def forward_sweep(*args: Any) -> None:
    r"""Apply the passes in order to the blocked planar state ``x`` ``(blocks, d, 2w)``
    (block ``c`` holds ``[re | im]`` of its ``w`` batch columns), ping-ponging with ``y``:
    the result is in ``x`` after an even number of passes, else in ``y``.  Arguments: the
    tape's arrays (in :class:`SweepTape` field order), ``coef`` (row ``slot``: a gate's complex
    coefficients), ``x``, ``y``.  One block runs in this thread, without the thread pool
    (a parallel region waits for every thread, and on a loaded machine a descheduled one
    stalls it); several run in parallel, one per thread."""
    *head, x, y = args
    if x.shape[0] == 1:
        forward_block(*head, x[0], y[0])
    else:
        _forward_blocks(*head, x, y)


@_core
def adjoint_block(
    kinds,
    ops,
    slots,
    ptr_off,
    idx_off,
    bas_off,
    nbs,
    nnzs,
    ptr,
    idx,
    bas,
    dcoef,
    xcoef,
    ms,
    w,
    out,
    acc,
    col0,
):  # pragma: no cover - compiled
    r"""The backward sweep of one block ``W`` ``(d, 4w)`` (``[ψ_re | ψ_im | μ_re | μ_im]``
    of its ``w`` columns), ping-ponging with ``out``: a gate pass is the adjoint step
    ``W ← Σ_π d_π D(π) W`` (``dcoef[slot]``) and writes ``acc[slot, a, col0 + r]``
    :math:`= \sum_t \bar\mu_{tr} (X_a\psi)_{tr}` for its ``ms[slot]`` generators
    (``xcoef[slot, a]``); a permutation pass moves all of ``W``."""
    d, w4 = w.shape
    wb = w4 // 4
    part = np.zeros((max(1, xcoef.shape[1]), wb), dtype=np.complex128)
    for s in range(kinds.shape[0]):
        src, dst = (w, out) if s % 2 == 0 else (out, w)
        q = ops[s]
        nnz = nnzs[q]
        indptr = ptr[ptr_off[q] : ptr_off[q] + d + 1]
        indices = idx[idx_off[q] : idx_off[q] + nnz]
        basis = bas[bas_off[q] : bas_off[q] + nbs[q] * nnz].reshape((nbs[q], nnz))
        if kinds[s] != GATE:
            perm_rows(indptr, indices, basis[0], src, dst, 0, d)
            continue
        cs = slots[s]
        m = ms[cs]
        x = xcoef[cs, :m]
        if m == 1:
            adjoint1_rows(indptr, indices, basis, dcoef[cs], x, src, dst, part, 0, d)
        else:
            adjoint_rows(indptr, indices, basis, dcoef[cs], x, src, dst, part, 0, d)
        for g in range(m):
            for r in range(wb):
                acc[cs, g, col0 + r] = part[g, r]


@_jit
def _adjoint_blocks(
    kinds,
    ops,
    slots,
    ptr_off,
    idx_off,
    bas_off,
    nbs,
    nnzs,
    ptr,
    idx,
    bas,
    dcoef,
    xcoef,
    ms,
    w,
    out,
    acc,
):  # pragma: no cover - compiled
    wb = w.shape[2] // 4
    for c in _prange(w.shape[0]):
        adjoint_block(
            kinds,
            ops,
            slots,
            ptr_off,
            idx_off,
            bas_off,
            nbs,
            nnzs,
            ptr,
            idx,
            bas,
            dcoef,
            xcoef,
            ms,
            w[c],
            out[c],
            acc,
            c * wb,
        )


def adjoint_sweep(*args: Any) -> None:
    r"""The backward sweep on the blocked planar ``W`` ``(blocks, d, 4w)`` (block ``c``:
    columns ``[c·w, (c+1)·w)``), ping-ponging with ``out``; arguments: the tape's arrays,
    ``dcoef``, ``xcoef``, ``ms``, ``w``, ``out``, ``acc`` (see :func:`adjoint_block`).
    One block runs in this thread, several in parallel (see :func:`forward_sweep`)."""
    *head, w, out, acc = args
    if w.shape[0] == 1:
        adjoint_block(*head, w[0], out[0], acc, 0)
    else:
        _adjoint_blocks(*head, w, out, acc)
