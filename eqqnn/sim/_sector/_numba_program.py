r"""Whole sweeps in one numba call: every pass of a small sector's forward or adjoint sweep.

A small state's passes run in the calling thread (a parallel region costs more than the
work, and on a loaded machine it waits for a descheduled thread), and each pass of the
per-pass path is still a call from Python: an n = 12 training step makes about 60.  Here
the whole sweep, all passes in order, is one compiled call that ping-pongs between two
buffers.  The arithmetic of a pass is that of the per-pass kernels: their serial row
kernels :func:`~eqqnn.sim._sector._numba_kernels.gate_rows`, ``perm_rows``,
``adjoint_rows`` and ``adjoint1_rows``, called on all rows, so values and gradients are
bitwise those of the per-pass path.

A :class:`SweepTape` is the flat form of a sweep: its passes (``kinds``, ``ops``,
``slots``: a pure permutation, or a gate / adjoint step reading row ``slot`` of the
coefficient arrays) and the CSR arrays of every distinct operator concatenated (``ptr``,
``idx``, ``bas`` with per-operator offsets).  Operator ``q`` stores the entry
:math:`V_{\pi k}` at ``bas[bas_off[q] + π·nnz[q] + k]``, and a step applies

.. math:: Y_t = \sum_{k \in \mathrm{row}(t)} \Big(\sum_\pi c_\pi V_{\pi k}\Big)
          X_{\mathrm{col}(k)}

(:math:`c` the step's coefficients; a permutation has the single real pattern).  The
adjoint step also accumulates, per batch column,
:math:`g_{a r} = \sum_t \bar\mu_{t r} (X_a \psi)_{t r}` in double precision.

Tapes serve the states whose passes would run serially anyway (the numba path's
``_NUMBA_SERIAL_ENTRIES``: the singlet sector at n = 12 up to batch 248, at n = 16 up to
batch 22).  A parallel variant that split the batch columns among threads, one sweep per
thread, was built and measured (``benchmarks/RESULTS.md``): it halves the vector width
of each thread's rows, so it lost to the row-parallel passes at n = 20, and next to a
busy process it stalled for a scheduler slice (n = 12, batch 64: 5.2 ms against 1.4 ms).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from eqqnn.sim._sector._numba_kernels import (
    _core,
    adjoint1_rows,
    adjoint_rows,
    gate_rows,
    perm_rows,
)

__all__ = [
    "SweepTape",
    "adjoint_sweep",
    "forward_sweep",
    "sweep_tape",
    "tape_arrays",
]


class _CsrOp(Protocol):
    """What a tape reads of an operator (``eqqnn.sim._sector._kernels._CsrOp``, which
    imports this module to clear the tapes)."""

    indptr: np.ndarray
    indices: np.ndarray
    basis: np.ndarray


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


_TAPES_LOCK = threading.Lock()


def sweep_tape(
    store: weakref.WeakKeyDictionary,
    owner: Any,
    key: Any,
    build: Callable[[], Iterable[tuple[_CsrOp, int]]],
) -> SweepTape:
    """The tape of ``build()``'s passes, cached in ``store`` (a sector kernel's, so the
    tapes go with the kernel and its operators) per ``owner`` (a compiled program, held
    weakly: its tapes go with it too) and ``key``."""
    with _TAPES_LOCK:
        tape = store.get(owner, {}).get(key)
    if tape is None:
        tape = _tape(list(build()))
        with _TAPES_LOCK:
            tape = store.setdefault(owner, {}).setdefault(key, tape)
    return tape


def tape_arrays(tape: SweepTape) -> tuple[np.ndarray, ...]:
    """The arrays of a tape, in the order the sweep kernels take them."""
    return (
        tape.kinds,
        tape.ops,
        tape.slots,
        tape.ptr_off,
        tape.idx_off,
        tape.bas_off,
        tape.nbs,
        tape.nnzs,
        tape.ptr,
        tape.idx,
        tape.bas,
    )


@_core
def _operator(q, d, ptr_off, idx_off, bas_off, nbs, nnzs, ptr, idx, bas):  # pragma: no cover
    """``(indptr, indices, basis)`` of operator ``q`` of a tape (views, no copy)."""
    nnz = nnzs[q]
    indptr = ptr[ptr_off[q] : ptr_off[q] + d + 1]
    indices = idx[idx_off[q] : idx_off[q] + nnz]
    return indptr, indices, bas[bas_off[q] : bas_off[q] + nbs[q] * nnz].reshape((nbs[q], nnz))


@_core
def forward_sweep(
    kinds, ops, slots, ptr_off, idx_off, bas_off, nbs, nnzs, ptr, idx, bas, coef, x, y
):  # pragma: no cover - compiled
    r"""Every pass, in order, on the planar ``(d, 2R)`` state ``x``, ping-ponging with
    ``y`` (the result is in ``x`` after an even number of passes, else in ``y``);
    ``coef[slot]`` holds a gate's complex coefficients."""
    d = x.shape[0]
    for s in range(kinds.shape[0]):
        src, dst = (x, y) if s % 2 == 0 else (y, x)
        indptr, indices, basis = _operator(
            ops[s], d, ptr_off, idx_off, bas_off, nbs, nnzs, ptr, idx, bas
        )
        if kinds[s] == GATE:
            gate_rows(indptr, indices, basis, coef[slots[s]], src, dst, 0, d)
        else:
            perm_rows(indptr, indices, basis[0], src, dst, 0, d)


@_core
def adjoint_sweep(
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
    r"""The backward sweep on the planar ``W = [ψ_re | ψ_im | μ_re | μ_im]`` ``(d, 4R)``,
    ping-ponging with ``out``: a gate pass is the adjoint step ``W ← Σ_π d_π D(π) W``
    (``dcoef[slot]``) and writes ``acc[slot, a, r]``
    :math:`= \sum_t \bar\mu_{tr} (X_a\psi)_{tr}` for its ``ms[slot]`` generators
    (``xcoef[slot, a]``); a permutation pass moves all of ``W``."""
    d = w.shape[0]
    for s in range(kinds.shape[0]):
        src, dst = (w, out) if s % 2 == 0 else (out, w)
        indptr, indices, basis = _operator(
            ops[s], d, ptr_off, idx_off, bas_off, nbs, nnzs, ptr, idx, bas
        )
        if kinds[s] != GATE:
            perm_rows(indptr, indices, basis[0], src, dst, 0, d)
            continue
        cs = slots[s]
        m = ms[cs]
        if m == 1:
            adjoint1_rows(indptr, indices, basis, dcoef[cs], xcoef[cs, :1], src, dst, acc[cs], 0, d)
        else:
            adjoint_rows(indptr, indices, basis, dcoef[cs], xcoef[cs, :m], src, dst, acc[cs], 0, d)
