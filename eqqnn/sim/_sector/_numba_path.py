r"""Simulate and differentiate on the numba kernels (the default CPU adjoint path).

:class:`_NumbaRun` moves one sector's *planar* state between ping-pong buffers through
the :class:`~eqqnn.sim._sector._kernels._CsrOp` passes that its sector kernel plans
(:mod:`eqqnn.sim._sector._numba_kernels`: one pass per gate, per fused relabelling run,
and per conjugating run where a distant gate is not applied directly);
:func:`_numba_forward` runs a program, and :class:`_NumbaExpectation` is the autograd
function whose backward makes one adjoint pass per gate (the undo and the gradient
overlaps in the same sweep).  :data:`NUMBA_STATS`, when set to a list, counts the passes,
the bytes they move and their floating-point operations (benchmarks).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from eqqnn._buffers import SCRATCH
from eqqnn.errors import BackendError
from eqqnn.sim._sector import _free_kernels as _free
from eqqnn.sim._sector import _kernels
from eqqnn.sim._sector import _numba_kernels as _nb
from eqqnn.sim._sector import _numba_program as _tape
from eqqnn.sim._sector._compile import _GateStep, _Program, _Relabel
from eqqnn.sim._sector._kernels import _CsrOp, _FreeOp, _SectorKernel
from eqqnn.sim._sector._reduce import _planar_row_values
from eqqnn.sim._sector._states import _Sector

#: Entries of a state below which a numba call runs as one block (one thread).
_NUMBA_SERIAL_ENTRIES = 1 << 15

#: Most complex entries of a state whose sweeps run as one tape call: those whose passes
#: run in the calling thread anyway.
TAPE_MAX_ENTRIES = _NUMBA_SERIAL_ENTRIES - 1

#: Whether small sectors run each sweep as one tape call
#: (:mod:`eqqnn.sim._sector._numba_program`); ``False`` makes one call per pass.
TAPED = True

#: ``[passes, bytes read + written, flops]`` of the numba kernels when set to a list
#: (benchmarks; a list of two counts only passes and bytes).  Flops per stored entry and
#: column: a relabelling 2 (real entry times real column; 1 for a row's first entry), a
#: gate 8 (complex entry times complex column, accumulated), an adjoint step with ``m``
#: generators 16 + 8m (ψ and μ, and :math:`X_a ψ`), plus 8m per row and column for the
#: overlaps; matrix-free passes per row and column: 14, an adjoint step 28 + 22m
#: (:func:`_pass_flops`).  A sweep run as one tape is counted pass by pass alike.
NUMBA_STATS: list[int] | None = None


class _NumbaRun:
    """Ping-pong buffers and the kernel calls of one sector on the numba path.

    ``cur`` is a *planar* real array (:func:`eqqnn.sim._sector._numba_kernels.to_planar`):
    ``(d, 2R)`` for a state of ``R`` complex columns, ``(d, 4R)`` for ``W = [ψ | μ]``.
    """

    def __init__(
        self,
        kern: _SectorKernel,
        data: np.ndarray,
        large: bool,
        free: bool = False,
    ) -> None:
        self.kern = kern
        self.large = large
        self.free = free  # matrix-free passes (no stored operators) for two-wire gates
        self.cur = data  # planar; the input is never written
        self.spare: list[np.ndarray] = []
        d, width = data.shape
        complex_entries = d * width // 2
        self.chunks = 1 if complex_entries < _NUMBA_SERIAL_ENTRIES else _nb.chunks_for(d)

    def _next(self) -> np.ndarray:
        return self.spare.pop() if self.spare else SCRATCH.take_like(self.cur)

    def _advance(self, out: np.ndarray, owned: bool) -> None:
        if owned:
            self.spare.append(self.cur)
        self.cur = out

    def release(self, current: bool = True) -> None:
        """Hand this run's spare buffers (and ``cur`` if ``current``) back to
        :data:`~eqqnn._buffers.SCRATCH`; the run is not used again.  Only for
        runs whose every buffer this module allocated (``cur`` is never the caller's
        array: :func:`_numba_forward` starts from a copy)."""
        SCRATCH.give([*self.spare, self.cur] if current else self.spare)
        self.spare = []

    def plan(self, step: _GateStep) -> tuple[tuple, Any, tuple]:
        """``(pre, gate, post)`` of a gate step in this run's mode."""
        if self.free:
            return self.kern.free_gate_plan(step, self.large)
        return self.kern.gate_plan(step, self.large)

    def word(self, ks: Iterable[int]) -> tuple:
        """The passes of a word of adjacent transpositions in this run's mode."""
        ks = tuple(ks)
        return self.kern.free_word_ops(ks) if self.free else self.kern.word_ops(ks, self.large)

    def _free_args(self, op: _FreeOp) -> tuple[np.ndarray, int, np.ndarray]:
        return self.kern.free_words(), op.k, self.kern.free_deltas(op.k)

    def perms(self, ops: Iterable[Any], owned: bool = True) -> bool:
        """Apply pure permutations in order (rows of the real array).  Returns whether
        ``cur`` is owned."""
        for op in ops:
            out = self._next()
            if isinstance(op, _FreeOp):
                one = np.array([0.0, 1.0], dtype=np.result_type(self.cur.dtype, np.complex64))
                _free.free_gate_pass(*self._free_args(op), one, self.cur, out, self.chunks)
            else:
                _nb.perm_pass(op.indptr, op.indices, op.basis[0], self.cur, out, self.chunks)
            _count(op, self.cur, _PERMUTATION)
            self._advance(out, owned)
            owned = True
        return owned

    # -- whole sweeps in one call (small sectors with stored operators)
    @property
    def taped(self) -> bool:
        """Whether this run's sweeps are one :mod:`~eqqnn.sim._sector._numba_program`
        call each: stored operators, and a state small enough that its passes run in this
        thread anyway (at most :data:`TAPE_MAX_ENTRIES` complex entries: ``W = [ψ | μ]``
        counts twice)."""
        return TAPED and not self.free and self.cur.size // 2 <= TAPE_MAX_ENTRIES

    def _entries(self, prog: _Program, backward: bool) -> list[tuple[_CsrOp, int]]:
        """``(operator, slot)`` passes of the forward or backward sweep (slot: the gate
        step's row of the coefficient arrays, ``-1`` for a permutation)."""
        slots = _gate_slots(prog)
        order = range(len(prog.steps) - 1, -1, -1) if backward else range(len(prog.steps))
        entries: list[tuple[_CsrOp, int]] = []
        for i in order:
            step = prog.steps[i]
            if isinstance(step, _Relabel):
                entries += [(op, -1) for op in self.word(step.ks[::-1] if backward else step.ks)]
                continue
            pre, op, post = self.plan(step)
            entries += [(o, -1) for o in pre] + [(op, slots[i])] + [(o, -1) for o in post]
        return entries

    def _tape(self, prog: _Program, backward: bool) -> _tape.SweepTape:
        key = ("backward" if backward else "forward", self.large)
        return _tape.sweep_tape(self.kern.tapes, prog, key, lambda: self._entries(prog, backward))

    def _finish_tape(self, tape: _tape.SweepTape, other: np.ndarray) -> None:
        """After a sweep that started in ``cur`` (owned) and ping-ponged with ``other``."""
        if tape.kinds.shape[0] % 2:  # an odd number of passes ends in ``other``
            self.cur, other = other, self.cur
        self.spare.append(other)

    def forward_tape(self, prog: _Program, coefs: _SlotCoefficients, owned: bool) -> bool:
        """All forward passes in one call; returns whether ``cur`` is owned (it is)."""
        tape = self._tape(prog, backward=False)
        if not tape.kinds.shape[0]:
            return owned
        if not owned:  # the sweep writes both buffers
            self.cur = self.cur.copy()
        other = self._next()
        _tape.forward_sweep(*_tape.tape_arrays(tape), coefs.forward, self.cur, other)
        self._finish_tape(tape, other)
        _count_tape(tape, self.cur)
        return True

    def adjoint_tape(self, prog: _Program, coefs: _SlotCoefficients) -> dict[int, np.ndarray]:
        """The backward sweep of ``W = [ψ | μ]`` (``cur``, owned) in one call:
        ``{step: (m,) <μ|X_a|ψ>}``."""
        tape = self._tape(prog, backward=True)
        ms, xc = coefs.ms, coefs.generators
        acc = np.zeros((len(ms), xc.shape[1], self.cur.shape[1] // 4), dtype=np.complex128)
        if tape.kinds.shape[0]:
            other = self._next()
            _tape.adjoint_sweep(
                *_tape.tape_arrays(tape), coefs.inverse, xc, ms, self.cur, other, acc
            )
            self._finish_tape(tape, other)
            _count_tape(tape, self.cur, ms)
        sums = acc.sum(axis=2)
        return {i: sums[slot, : ms[slot]] for i, slot in coefs.slots.items()}

    def _complex(self, coef: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(coef, dtype=np.result_type(self.cur.dtype, np.complex64))

    def gate(self, op: Any, coef: np.ndarray, owned: bool) -> np.ndarray:
        out = self._next()
        if isinstance(op, _FreeOp):
            pair = self._complex(np.asarray(coef)[[op.slot_e, op.slot_t]])
            _free.free_gate_pass(*self._free_args(op), pair, self.cur, out, self.chunks)
        else:
            _nb.gate_pass(
                op.indptr, op.indices, op.basis, self._complex(coef), self.cur, out, self.chunks
            )
        _count(op, self.cur, _GATE)
        self._advance(out, owned)
        return out

    def adjoint(self, op: Any, dcoef: np.ndarray, xcoef: np.ndarray) -> np.ndarray:
        """``W <- Σ d_π D(π) W``; returns ``(m,)`` complex128 :math:`<μ|X_a|ψ>`."""
        out = self._next()
        quarter = self.cur.shape[1] // 4
        m = xcoef.shape[0]
        acc = np.zeros((self.chunks, m, quarter), dtype=np.complex128)
        if isinstance(op, _FreeOp):
            slots = [op.slot_e, op.slot_t]
            _free.free_adjoint_pass(
                *self._free_args(op),
                self._complex(np.asarray(dcoef)[slots]),
                self._complex(np.ascontiguousarray(np.asarray(xcoef)[:, slots])),
                self.cur,
                out,
                acc,
                self.chunks,
            )
            _count(op, self.cur, _ADJOINT, m)
            self._advance(out, True)
            return acc.sum(axis=(0, 2))
        kernel = _nb.adjoint_pass1 if m == 1 else _nb.adjoint_pass
        kernel(
            op.indptr,
            op.indices,
            op.basis,
            self._complex(dcoef),
            self._complex(xcoef),
            self.cur,
            out,
            acc,
            self.chunks,
        )
        _count(op, self.cur, _ADJOINT, m)
        self._advance(out, True)
        return acc.sum(axis=(0, 2))


def _gate_slots(prog: _Program) -> dict[int, int]:
    """Row of every gate step (by index in ``prog.steps``) in the coefficient arrays."""
    gates = [i for i, step in enumerate(prog.steps) if not isinstance(step, _Relabel)]
    return {i: slot for slot, i in enumerate(gates)}


@dataclass(frozen=True)
class _SlotCoefficients:
    r"""The gate steps' coefficients as the tape kernels read them, one row per slot,
    zero-padded: ``forward`` / ``inverse`` ``(G, nb)`` (of ``U`` and ``U^\dagger``),
    ``generators`` ``(G, m_max, nb)`` and ``ms`` ``(G,)`` their counts.  Built once per
    call and shared by every taped sector."""

    slots: dict[int, int]
    forward: np.ndarray
    inverse: np.ndarray
    generators: np.ndarray
    ms: np.ndarray

    @classmethod
    def build(cls, prog: _Program, coefs: dict[int, tuple], real: np.dtype) -> _SlotCoefficients:
        slots = _gate_slots(prog)
        g = max(1, len(slots))
        width = max((prog.steps[i].algebra.size for i in slots), default=1)
        ms = np.zeros(g, dtype=np.int32)
        for i, slot in slots.items():
            ms[slot] = len(coefs[i][2])
        dtype = np.result_type(real, np.complex64)
        forward = np.zeros((g, width), dtype=dtype)
        inverse = np.zeros((g, width), dtype=dtype)
        generators = np.zeros((g, int(ms.max()), width), dtype=dtype)
        for i, slot in slots.items():
            c, d, x = coefs[i]
            forward[slot, : np.size(c)] = np.ravel(c)
            inverse[slot, : np.size(d)] = np.ravel(d)
            if ms[slot]:
                x = np.asarray(x).reshape(ms[slot], -1)
                generators[slot, :, : x.shape[1]] = x
        return cls(slots, forward, inverse, generators, ms)


def _count_tape(tape: _tape.SweepTape, x: np.ndarray, ms: np.ndarray | None = None) -> None:
    """Count a tape's passes in :data:`NUMBA_STATS` as the per-pass kernels would
    (``ms`` given: a backward tape on ``W``)."""
    if NUMBA_STATS is None:
        return
    for (op, gate), slot in zip(tape.passes, tape.slots, strict=True):
        if not gate:
            _count(op, x, _PERMUTATION)
        elif ms is None:
            _count(op, x, _GATE)
        else:
            _count(op, x, _ADJOINT, int(ms[slot]))


_PERMUTATION, _GATE, _ADJOINT = range(3)


def _pass_flops(op: _CsrOp | _FreeOp, x: np.ndarray, kind: int, m: int = 0) -> int:
    """Floating-point operations of one pass of ``kind`` over ``x`` (see
    :data:`NUMBA_STATS`): per stored entry and real column a permutation does a
    multiply-add (a multiply for the first entry of a row), per entry and complex column a
    gate 8, an adjoint step 16 + 8m plus 8m per row for the overlaps; a matrix-free pass
    does 14 per row and complex column (gate or permutation), an adjoint step 28 + 22m."""
    rows, width = x.shape
    if isinstance(op, _FreeOp):
        if kind == _ADJOINT:
            return rows * (width // 4) * (28 + 22 * m)
        return rows * (width // 2) * 14
    nnz = round(op.fill * rows)
    if kind == _PERMUTATION:
        return (2 * nnz - rows) * width
    if kind == _GATE:
        return 8 * nnz * (width // 2)
    quarter = width // 4
    return ((16 + 8 * m) * nnz + 8 * m * rows) * quarter


def _count(op: _CsrOp | _FreeOp, x: np.ndarray, kind: int, m: int = 0) -> None:
    """Count one pass of ``kind`` over ``x`` in :data:`NUMBA_STATS`."""
    if NUMBA_STATS is not None:
        NUMBA_STATS[0] += 1
        NUMBA_STATS[1] += int(x.nbytes * (op.fill + 1))
        if len(NUMBA_STATS) > 2:
            NUMBA_STATS[2] += _pass_flops(op, x, kind, m)


def _planar_copy(data: torch.Tensor) -> np.ndarray:
    """The planar copy of a ``(d, R)`` complex sector state, in a pooled buffer."""
    z = data.numpy()
    return _nb.to_planar(z, out=SCRATCH.take((z.shape[0], 2 * z.shape[1]), z.real.dtype))


def _is_large(data: torch.Tensor) -> bool:
    return data.numel() * data.element_size() > _kernels._SMALL_STATE_BYTES


def _numba_forward(
    prog: _Program,
    sectors: list[_Sector],
    params: torch.Tensor,
    coefs: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
    free: bool = False,
    slot_rows: list[_SlotCoefficients] | None = None,
) -> tuple[list[_NumbaRun], list[bool]]:
    """Run the gates on every sector; ``owned[j]``: ``runs[j].cur`` is a buffer of this call.

    ``coefs`` (if given) receives :meth:`_GateStep.coefficients` of every gate step, by
    index in ``prog.steps``, and ``slot_rows`` (if given) the :class:`_SlotCoefficients`
    built for taped sectors, for the backward sweep."""
    _nb.set_threads(torch.get_num_threads())
    theta = params.detach().to("cpu", torch.float64)
    runs = [_NumbaRun(s.kernel, _planar_copy(s.data), _is_large(s.data), free) for s in sectors]
    owned = [True] * len(sectors)  # the planar copies
    coefs = {} if coefs is None else coefs
    for i, step in enumerate(prog.steps):
        if not isinstance(step, _Relabel):
            coefs[i] = step.coefficients(theta)
    rows: _SlotCoefficients | None = None
    for j, run in enumerate(runs):
        if run.taped:
            if rows is None:  # once for every taped sector, and for the backward sweep
                rows = _SlotCoefficients.build(prog, coefs, run.cur.dtype)
                if slot_rows is not None:
                    slot_rows.append(rows)
            owned[j] = run.forward_tape(prog, rows, owned[j])
            continue
        for i, step in enumerate(prog.steps):
            if isinstance(step, _Relabel):
                ops = run.word(step.ks)
                owned[j] = run.perms(ops, owned[j]) if ops else owned[j]
                continue
            pre, op, post = run.plan(step)
            owned[j] = run.perms(pre, owned[j]) if pre else owned[j]
            run.gate(op, coefs[i][0], owned[j])
            owned[j] = run.perms(post)
    return runs, owned


def _adjoint_run(
    sec: _Sector, psi: np.ndarray, lam: np.ndarray, g: np.ndarray, batch: int, free: bool
) -> _NumbaRun:
    """The backward run of one sector on ``W = [ψ | μ]``, :math:`μ = g ⊙ λ` (planar)."""
    d, r2 = psi.shape  # planar: [re | im] of r2 / 2 columns
    w = SCRATCH.take((d, 2 * r2), psi.dtype)
    w[:, :r2] = psi
    np.multiply(
        lam.reshape(d, 2, batch, -1),
        g.astype(psi.dtype).reshape(1, 1, batch, 1),
        out=w[:, r2:].reshape(d, 2, batch, -1),
    )
    large = _is_large(sec.data) or w.nbytes > _kernels._SMALL_STATE_BYTES
    return _NumbaRun(sec.kernel, w, large, free)


class _NumbaExpectation(torch.autograd.Function):
    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        params: torch.Tensor,
        prog: _Program,
        sectors: list[_Sector],
        batch: int,
        free: bool = False,
        grad_enabled: bool = True,
    ) -> torch.Tensor:
        coefs: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        with torch.no_grad():
            slot_rows: list[_SlotCoefficients] = []
            runs, _ = _numba_forward(prog, sectors, params, coefs, free, slot_rows)
            c = prog.readout.constant
            assert c is not None
            value = None
            lams = []
            for run in runs:
                pre, op, post = run.plan(prog.readout)
                psi = run.cur
                ro = _NumbaRun(run.kern, psi, run.large, free)  # λ = O ψ in a fresh buffer
                ro.gate(op, c, ro.perms(pre, False) if pre else False)
                ro.perms(post)
                lam = ro.cur
                lams.append(lam)
                part = _planar_row_values(psi, lam, batch)
                value = part if value is None else value + part
                ro.release(current=False)
                run.release(current=False)
        assert value is not None
        if not (grad_enabled and ctx.needs_input_grad[0]):  # no backward: ψ, λ are free
            SCRATCH.give([run.cur for run in runs] + lams)
            runs, lams = [], []
        ctx.prog, ctx.sectors, ctx.batch, ctx.free = prog, sectors, batch, free
        ctx.states = [run.cur for run in runs]
        ctx.lams = lams
        ctx.params_meta = (params.dtype, params.device)
        ctx.theta = params.detach().to("cpu", torch.float64)
        ctx.coefs = coefs
        ctx.slot_rows = slot_rows
        return value.to(params.dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> Any:  # type: ignore[override]
        prog: _Program = ctx.prog
        if ctx.states is None:
            raise BackendError(
                "the spin-sector adjoint gradient runs once per forward pass (its buffers "
                "are reused); run the forward again instead of backward(retain_graph=True)"
            )
        theta = ctx.theta
        batch = ctx.batch
        _nb.set_threads(torch.get_num_threads())
        grad = np.zeros(theta.shape[0], dtype=np.float64)
        g = grad_out.detach().to("cpu", torch.float64).numpy()
        runs = [
            _adjoint_run(sec, psi, lam, g, batch, ctx.free)
            for sec, psi, lam in zip(ctx.sectors, ctx.states, ctx.lams, strict=True)
        ]
        # copied into W; nothing else refers to them, so a state too large for the pool
        # is freed here, before the sweep (two state copies less at the peak)
        SCRATCH.give(ctx.states + ctx.lams)
        ctx.states = ctx.lams = None
        coefs = ctx.coefs
        # taped runs sweep first; their overlaps join the others' in run order, so the
        # sums (and gradients) are bitwise those of one call per pass
        rows = ctx.slot_rows[0] if ctx.slot_rows else None
        if rows is None and any(run.taped for run in runs):  # taped here only (W is wider)
            rows = _SlotCoefficients.build(prog, coefs, runs[0].cur.dtype)
        taped = {j: run.adjoint_tape(prog, rows) for j, run in enumerate(runs) if run.taped}
        for i in range(len(prog.steps) - 1, -1, -1):
            step = prog.steps[i]
            if isinstance(step, _Relabel):
                word = step.ks[::-1]
                for j, run in enumerate(runs):
                    if j not in taped:
                        run.perms(run.word(word))
                continue
            _, dcoef, xcoef = coefs[i]
            m = len(xcoef)
            total = np.zeros(m, dtype=np.complex128)
            xc = np.asarray(xcoef).reshape(m, step.algebra.size)
            for j, run in enumerate(runs):
                if j in taped:
                    total = total + taped[j][i]
                    continue
                pre, op, post = run.plan(step)
                run.perms(pre)
                total = total + run.adjoint(op, dcoef, xc)
                run.perms(post)
            if m:
                np.add.at(grad, list(step.params), 2.0 * total.real)
        for run in runs:
            run.release()
        dtype, device = ctx.params_meta
        return torch.as_tensor(grad, dtype=dtype, device=device), None, None, None, None, None
