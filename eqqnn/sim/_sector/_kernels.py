r""":class:`_SectorKernel` holds, for one ``(n, J)``, device and dtype, the Young-orthogonal
tables of the adjacent transpositions :math:`D_J(s_k)` and applies them (torch
``index_select`` and in-place arithmetic, or SciPy's CSR kernel over a thread pool), and
builds the :class:`_CsrOp` passes of the numba path: relabelling transpositions fused into
sparse products and gate plans (direct or conjugated from neighbouring wires), chosen by a
cost model of rows read per pass.  Kernels are cached per sector by :func:`_kernel` (at
most :data:`KERNEL_CACHE_SIZE`) and released by :func:`clear_sector_caches`."""

from __future__ import annotations

import itertools
import os
import threading
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch

from eqqnn._buffers import SCRATCH
from eqqnn.sim._backend import real_dtype_of
from eqqnn.sim._sector._algebra import _Algebra
from eqqnn.sim._sector._compile import _GateStep
from eqqnn.sim._sector._reduce import _axpby
from eqqnn.symmetry._coupling_kernels import SLICES
from eqqnn.symmetry._young_form import OFFDIAGONAL_SIGN, young_orthogonal_form

try:  # one-pass CSR kernel (stable C entry point of scipy.sparse for 15+ years)
    from scipy.sparse._sparsetools import csr_matvecs as _csr_matvecs
except ImportError:  # pragma: no cover - fall back to torch kernels
    _csr_matvecs = None

#: Sector kernels (index tables of the adjacent transpositions) kept in memory; about
#: 24 bytes per tableau and adjacent transposition (1.2 GB for J = 0 at n = 28).
KERNEL_CACHE_SIZE = 64

#: Bytes of per-transposition tables (``diag``, ``partner``, ``off``: 16–24 bytes per
#: tableau) that the torch kernels of one sector keep.  Beyond, a transposition's tables
#: are recomputed at each use from the packed tableau words (8 bytes per tableau, kept on
#: the device) by :func:`_tables_from_words`: at n = 32 the 31 tables of the singlet
#: sector would take 17.6 GB in complex64, at n = 34 68 GB.
TORCH_TABLES_MAX_BYTES = 4 << 30

#: Rows per block when tables are recomputed from words (bounds the temporaries).
_TABLE_CHUNK_ROWS = 1 << 22

#: Entries below which the CPU kernel runs single-threaded.
_PARALLEL_MIN_ENTRIES = 1 << 18

#: States up to this size (bytes) are small enough for cache: a gate ``ce + ct s_k`` is
#: then a real-valued transposition plus an in-cache combination (less arithmetic), and
#: a large one a single complex pass (less memory traffic).  The numba path reads it
#: here too (:func:`eqqnn.sim._sector._numba_path._is_large`): one knob for both.
_SMALL_STATE_BYTES = 1 << 22

#: Cost model of one numba pass, in rows read per output row: ``nnz/d + overhead``, the
#: overhead (writing the output row, the call) measured larger when the state does not
#: fit in cache.  Fusing adjacent transpositions into one sparse product, or applying a
#: distant gate directly instead of conjugating it, is chosen when this cost is lower.
_PASS_OVERHEAD_SMALL = 0.5
_PASS_OVERHEAD_LARGE = 4.0

#: A distant gate is applied directly (one CSR matrix) only while every permutation of
#: its basis has at most this many stored entries per row; beyond, it is conjugated.
_MAX_DIRECT_FILL = 32.0

#: Fused runs of transpositions stop at this many stored entries per row (memory: the
#: operators are cached per sector, 8 bytes and more per entry).
_MAX_FUSED_FILL = 6.0
_MAX_FUSED_FILL_LARGE = 4.0


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _thread_pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1))
        return _POOL


@dataclass(frozen=True, eq=False)
class _CsrOp:
    r"""A sparse operator :math:`\sum_\pi c_\pi V_\pi` on one CSR pattern (numba kernels).

    ``basis[π]`` holds the entries of :math:`D_J(\pi)` on the union pattern of the
    permutations of one gate (one row for a pure permutation).
    """

    indptr: np.ndarray  # (d + 1,) int32 / int64
    indices: np.ndarray  # (nnz,)
    basis: np.ndarray  # (nb, nnz), the real dtype of the state

    @property
    def fill(self) -> float:
        """Stored entries per row."""
        return self.indices.shape[0] / max(1, self.indptr.shape[0] - 1)


@dataclass(frozen=True)
class _FreeOp:
    r"""An adjacent transposition :math:`s_k` recomputed per row (matrix-free numba path,
    :mod:`eqqnn.sim._sector._free_kernels`): a pure transposition (slots ``-1``) or the
    two-wire gate :math:`c_{\mathrm{slot\_e}} I + c_{\mathrm{slot\_t}} D(s_k)`."""

    k: int
    slot_e: int = -1
    slot_t: int = -1

    @property
    def fill(self) -> float:
        """Entries read per row (the row and its partner)."""
        return 2.0


def _fill(mat: sp.spmatrix) -> float:
    return mat.nnz / max(1, mat.shape[0])


def _canonical(m: sp.spmatrix) -> sp.csr_matrix:
    m = sp.csr_matrix(m)
    m.eliminate_zeros()
    m.sum_duplicates()
    m.sort_indices()
    return m


def _csr_op(mats: Sequence[sp.spmatrix], real: type) -> _CsrOp:
    """Union pattern of ``mats`` (square, one shape) and their entries on it."""
    d = mats[0].shape[0]
    clean = [_canonical(m) for m in mats]
    if len(clean) == 1:
        union = clean[0]
    else:  # sum of magnitudes: no cancellation, so the pattern is the union
        union = clean[0].copy()
        union.data = np.abs(union.data)
        for m in clean[1:]:
            union = union + abs(m)
        union = _canonical(union)
    nnz = union.nnz
    index = np.int32 if nnz < 2**31 - 1 else np.int64
    indptr = union.indptr.astype(index)
    indices = union.indices.astype(index)
    basis = np.zeros((len(mats), nnz), dtype=real)
    if len(clean) == 1:
        basis[0] = union.data
    else:
        rows = np.repeat(np.arange(d, dtype=np.int64), np.diff(union.indptr))
        keys = rows * d + union.indices  # sorted: canonical CSR is row-major ordered
        for i, m in enumerate(clean):
            mrows = np.repeat(np.arange(d, dtype=np.int64), np.diff(m.indptr))
            basis[i, np.searchsorted(keys, mrows * d + m.indices)] = m.data
    return _CsrOp(indptr, indices, basis)


def _gather_moves(positions: Sequence[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Adjacent transpositions (applied in order) bringing sorted ``positions`` next to the
    first one, order kept, and the positions they end at."""
    cur = list(positions)
    moves: list[int] = []
    for i in range(1, len(cur)):
        while cur[i] > cur[0] + i:
            moves.append(cur[i] - 1)
            cur[i] -= 1
    return tuple(moves), tuple(cur)


class _SectorKernel:
    r"""Gathers of :math:`D_J(s_k)` for one ``(n, J)``, device and dtype (cached per k)."""

    def __init__(self, n: int, two_j: int, device: torch.device, dtype: torch.dtype) -> None:
        self.n = n
        self.two_j = two_j
        self.device = device
        self.dtype = dtype
        self.real = real_dtype_of(dtype)
        self.form = young_orthogonal_form(n, two_j / 2)
        self.dim = self.form.dim
        self._torch: dict[int, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}
        self._numpy: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._indptr: np.ndarray | None = None
        self._local = threading.local()  # per-thread buffer of CSR values
        self._lock = threading.Lock()
        self._ops: dict[tuple, Any] = {}  # numba operators and plans
        self._ops_lock = threading.RLock()
        # packed words and partner deltas (numpy; torch copies on the device)
        self._free: dict[Any, np.ndarray | torch.Tensor] = {}
        self.tapes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # numba sweeps

    # ------------------------------------------------------------------ matrix-free
    def free_words(self) -> np.ndarray:
        """Packed tableau words of the sector (8 bytes per row; built once)."""
        from eqqnn.sim._sector._free_kernels import packed_words

        with self._ops_lock:
            words = self._free.get("words")
            if words is None:
                words = self._free["words"] = packed_words(self.n, self.two_j)
            return words

    def free_deltas(self, k: int) -> np.ndarray:
        """Partner offsets of :math:`s_k` by count of ones before ``k``."""
        from eqqnn.sim._sector._free_kernels import partner_deltas

        with self._ops_lock:
            delta = self._free.get(k)
            if delta is None:
                delta = self._free[k] = partner_deltas(self.n, k)
            return delta

    @staticmethod
    def free_word_ops(word: Sequence[int]) -> tuple[_FreeOp, ...]:
        """One matrix-free pass per transposition of ``word`` (nothing is fused: a fused
        run would be a stored sparse product)."""
        return tuple(_FreeOp(k) for k in word)

    def free_gate_plan(self, step: _GateStep, large: bool) -> tuple[tuple, Any, tuple]:
        """:meth:`gate_plan` without stored operators for two-wire gates: conjugate the
        wires next to each other with transpositions, one matrix-free pass for the gate;
        3- and 4-wire gates keep their sparse operators."""
        pos, alg = step.positions, step.algebra
        if alg.k != 2:
            return self.gate_plan(step, large)
        moves, target = _gather_moves(pos)
        op = _FreeOp(target[0], alg.slot[0], alg.slot[alg.children[0][0]])
        return self.free_word_ops(moves), op, self.free_word_ops(moves[::-1])

    # ------------------------------------------------------------------ numba operators
    def _real_np(self) -> type:
        return np.float32 if self.real == torch.float32 else np.float64

    def _s(self, k: int) -> sp.csr_matrix:
        return self.form.transposition_matrix(k, cache=False)

    def _transposition(self, p: int, q: int, cap: float | None) -> sp.csr_matrix | None:
        """:math:`D(\tau_{pq})` by conjugation, ``None`` once it exceeds ``cap`` per row."""
        mat = self._s(q - 1)
        for k in range(q - 2, p - 1, -1):
            s_k = self._s(k)
            mat = sp.csr_matrix(s_k @ mat @ s_k)
            mat.eliminate_zeros()
            if cap is not None and _fill(mat) > cap:
                return None
        return mat

    def _gate_op(self, alg: _Algebra, pos: Sequence[int], cap: float | None) -> _CsrOp | None:
        """One operator for every basis permutation of a gate on ``pos`` (``None`` if some
        permutation exceeds ``cap`` entries per row)."""
        mats: list[sp.csr_matrix | None] = [None] * alg.size
        taus: dict[int, sp.csr_matrix | None] = {}
        ident = sp.identity(self.dim, format="csr", dtype=np.float64)

        def rec(node: int, mat: sp.csr_matrix) -> bool:
            if alg.slot[node] >= 0:
                mats[alg.slot[node]] = mat
            for child in alg.children[node]:
                i = alg.generator[child]
                if i not in taus:
                    taus[i] = self._transposition(pos[i], pos[i + 1], cap)
                tau = taus[i]
                if tau is None:
                    return False
                prod = sp.csr_matrix(tau @ mat)
                prod.eliminate_zeros()
                if cap is not None and _fill(prod) > cap:
                    return False
                if not rec(child, prod):
                    return False
            return True

        if not rec(0, ident):
            return None
        return _csr_op(mats, self._real_np())  # type: ignore[arg-type]

    def word_ops(self, word: Sequence[int], large: bool) -> tuple[_CsrOp, ...]:
        r"""Passes applying :math:`s_{k_r}\cdots s_{k_1}` (``word`` in order of application):
        runs of adjacent transpositions fused into one sparse product while that costs less
        than their separate passes (:data:`_PASS_OVERHEAD_SMALL` / ``_LARGE``)."""
        word = tuple(word)
        key = ("word", word, large)
        with self._ops_lock:
            ops = self._ops.get(key)
            if ops is not None:
                return ops
            over = _PASS_OVERHEAD_LARGE if large else _PASS_OVERHEAD_SMALL
            cap = _MAX_FUSED_FILL_LARGE if large else _MAX_FUSED_FILL
            runs: list[tuple[sp.csr_matrix, int]] = []  # (product, k if a single s_k else -1)
            cur: sp.csr_matrix | None = None
            first = -1
            separate = 0.0
            for k in word:
                s_k = self._s(k)
                if cur is None:
                    cur, first, separate = s_k, k, _fill(s_k) + over
                    continue
                trial = sp.csr_matrix(s_k @ cur)
                trial.eliminate_zeros()
                both = separate + _fill(s_k) + over
                if _fill(trial) + over <= both and _fill(trial) <= cap:
                    cur, first, separate = trial, -1, both
                else:
                    runs.append((cur, first))
                    cur, first, separate = s_k, k, _fill(s_k) + over
                del trial
            if cur is not None:
                runs.append((cur, first))
            ops = tuple(self._single(m, k) for m, k in runs)
            self._ops[key] = ops
            return ops

    def _single(self, mat: sp.csr_matrix, k: int) -> _CsrOp:
        """The operator of a fused run; one transposition's (``k >= 0``) is shared."""
        if k < 0:
            return _csr_op([mat], self._real_np())
        op = self._ops.get(("s", k))
        if op is None:
            op = self._ops[("s", k)] = _csr_op([mat], self._real_np())
        return op

    def gate_plan(
        self, step: _GateStep, large: bool
    ) -> tuple[tuple[_CsrOp, ...], _CsrOp, tuple[_CsrOp, ...]]:
        r"""``(pre, gate, post)``: the gate is ``post · gate · pre`` (``pre``/``post``
        relabel its wires next to each other and back, empty for a direct operator)."""
        pos, alg = step.positions, step.algebra
        key = ("gate", pos, alg.k, large)
        with self._ops_lock:
            plan = self._ops.get(key)
            if plan is not None:
                return plan
            moves, target = _gather_moves(pos)
            if not moves:
                op = self._gate_op(alg, pos, None)
                assert op is not None
                plan = ((), op, ())
            else:
                over = _PASS_OVERHEAD_LARGE if large else _PASS_OVERHEAD_SMALL
                pre = self.word_ops(moves, large)
                post = self.word_ops(moves[::-1], large)
                inner = self._gate_op(alg, target, None)
                assert inner is not None
                chain = sum(o.fill + over for o in (*pre, inner, *post))
                # build the direct operator only while it can still be the cheaper one
                cap = min(_MAX_DIRECT_FILL, chain - over)
                direct = self._gate_op(alg, pos, cap) if cap > 0 else None
                if direct is not None and direct.fill + over <= chain:
                    plan = ((), direct, ())
                else:
                    plan = (pre, inner, post)
            self._ops[key] = plan
            return plan

    # ------------------------------------------------------------------ tables
    def torch_tables(self, k: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``diag`` (d, 1) real, ``partner`` (d,) int64, ``off`` (d, 1) real on the device
        (kept up to :data:`TORCH_TABLES_MAX_BYTES` per sector, else recomputed)."""
        with self._lock:
            tab = self._torch.get(k)
            if tab is not None:
                return tab
            size = self.dim * (2 * torch.empty((), dtype=self.real).element_size() + 8)
            if (len(self._torch) + 1) * size <= TORCH_TABLES_MAX_BYTES:
                diag, partner, off = self.form.adjacent_transposition(k, cache=False)
                tab = (
                    torch.from_numpy(np.array(diag)).to(self.device, self.real)[:, None],
                    torch.from_numpy(np.array(partner)).to(self.device),
                    torch.from_numpy(np.array(off)).to(self.device, self.real)[:, None],
                )
                self._torch[k] = tab
                return tab
            words = self._device_words()
            delta = self._free.get(("device_delta", k))
            if delta is None:
                delta = torch.as_tensor(np.array(self.free_deltas(k)), device=self.device)
                self._free[("device_delta", k)] = delta
        return _tables_from_words(words, delta, k, self.real)

    def _device_words(self) -> torch.Tensor:
        """:meth:`free_words` on the device (kept; call with ``self._lock`` held)."""
        words = self._free.get("device_words")
        if words is None:
            words = self._free["device_words"] = torch.from_numpy(np.array(self.free_words())).to(
                self.device
            )
        return words

    def numpy_tables(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Real CSR values ``[diag_t, off_t]`` interleaved ``(2d,)`` (the state's precision)
        and CSR column indices ``[t, partner_t]`` interleaved ``(2d,)``."""
        with self._lock:
            tab = self._numpy.get(k)
            if tab is None:
                diag, partner, off = self.form.adjacent_transposition(k, cache=False)
                real = np.float32 if self.real == torch.float32 else np.float64
                index = np.int32 if 2 * self.dim < 2**31 else np.int64
                cols = np.empty((self.dim, 2), dtype=index)
                cols[:, 0] = np.arange(self.dim, dtype=index)
                cols[:, 1] = partner
                values = np.empty((self.dim, 2), dtype=real)
                values[:, 0] = diag
                values[:, 1] = off
                tab = (values.reshape(-1), cols.reshape(-1))
                self._numpy[k] = tab
                if self._indptr is None:
                    self._indptr = np.arange(0, 2 * self.dim + 1, 2, dtype=index)
            return tab

    # ------------------------------------------------------------------ in place (no autograd)
    def apply(
        self,
        k: int,
        ce: complex,
        ct: complex,
        src: torch.Tensor,
        dst: torch.Tensor,
        use_scipy: bool,
    ) -> None:
        r"""``dst = (ce + ct D(s_k)) src`` for ``(d, R)`` tensors (``dst`` is not ``src``)."""
        if use_scipy:
            self._apply_scipy(k, ce, ct, src, dst)
            return
        diag, partner, off = self.torch_tables(k)
        torch.index_select(src, 0, partner, out=dst)
        dst.mul_(off * ct)
        dst.addcmul_(diag * ct + ce, src)

    def _apply_scipy(self, k: int, ce: complex, ct: complex, src: Any, dst: Any) -> None:
        r"""CSR kernels (two entries per row).  A pure transposition runs on the real view
        ``(d, 2R)`` with precomputed real values (half the arithmetic of complex rows);
        a gate ``ce + ct s_k`` on a small state does the same and combines in cache; a
        large state takes one complex pass with per-row values ``ce + ct diag``, ``ct off``.
        """
        values, cols = self.numpy_tables(k)
        x = src.numpy()
        y = dst.numpy()
        d, r = x.shape
        pure = ce == 0 and ct == 1
        if pure or x.nbytes <= _SMALL_STATE_BYTES:
            real = values.dtype
            xr = x.view(real).reshape(-1)
            yr = y.view(real).reshape(d, 2 * r)
            self._parallel(d, r, lambda lo, hi: self._real_rows(lo, hi, values, cols, xr, yr))
            if not pure:
                _axpby(y, ct, x, ce)
            return
        cdtype = x.dtype
        data = getattr(self._local, "data", None)
        if data is None or data.dtype != cdtype:
            data = self._local.data = np.empty((d, 2), dtype=cdtype)
        ce_s, ct_s = cdtype.type(ce), cdtype.type(ct)
        xflat = x.reshape(-1)
        diag, off = values[0::2], values[1::2]

        def work(lo: int, hi: int) -> None:
            block = data[lo:hi]
            np.multiply(diag[lo:hi], ct_s, out=block[:, 0])
            block[:, 0] += ce_s
            np.multiply(off[lo:hi], ct_s, out=block[:, 1])
            out = y[lo:hi]
            out.fill(0)
            _csr_matvecs(
                hi - lo,
                d,
                r,
                self._indptr[: hi - lo + 1],
                cols[2 * lo : 2 * hi],
                block.reshape(-1),
                xflat,
                out.reshape(-1),
            )

        self._parallel(d, r, work)

    def _real_rows(
        self,
        lo: int,
        hi: int,
        values: np.ndarray,
        cols: np.ndarray,
        xr: np.ndarray,
        yr: np.ndarray,
    ) -> None:
        out = yr[lo:hi]
        out.fill(0)
        _csr_matvecs(
            hi - lo,
            self.dim,
            yr.shape[1],
            self._indptr[: hi - lo + 1],
            cols[2 * lo : 2 * hi],
            values[2 * lo : 2 * hi],
            xr,
            out.reshape(-1),
        )

    @staticmethod
    def _parallel(d: int, r: int, work: Callable[[int, int], None]) -> None:
        threads = torch.get_num_threads()
        if threads <= 1 or d * r < _PARALLEL_MIN_ENTRIES:
            work(0, d)
            return
        bounds = np.linspace(0, d, threads + 1).astype(int)
        futures = [
            _thread_pool().submit(work, int(lo), int(hi))
            for lo, hi in itertools.pairwise(bounds)
            if hi > lo
        ]
        for f in futures:
            f.result()

    # ------------------------------------------------------------------ functional (autograd)
    def apply_functional(
        self, k: int, ce: torch.Tensor | complex, ct: torch.Tensor | complex, v: torch.Tensor
    ) -> torch.Tensor:
        """Out-of-place, differentiable ``(ce + ct D(s_k)) v``."""
        diag, partner, off = self.torch_tables(k)
        return (diag * ct + ce) * v + (off * ct) * v.index_select(0, partner)


def _popcount(x: torch.Tensor) -> torch.Tensor:
    """Ones in each non-negative int64 (SWAR bit counting, no overflow)."""
    x = x - ((x >> 1) & 0x5555555555555555)
    x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333)
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0F
    x = x + (x >> 8)
    x = x + (x >> 16)
    x = x + (x >> 32)
    return x & 0x7F


def _tables_from_words(
    words: torch.Tensor, delta: torch.Tensor, k: int, real: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    r""":meth:`_SectorKernel.torch_tables` of :math:`s_k` computed from the packed tableau
    words, on their device: with :math:`a, b` the rows of :math:`k, k+1`, :math:`o` the
    ones below :math:`k` and :math:`h = k - 2o`, the axial distance is
    :math:`\rho = (a - b)(h + 1)` (1 where :math:`a = b`), ``diag`` :math:`= 1/\rho`,
    ``off`` :math:`= \sqrt{1 - \rho^{-2}}` and the partner row
    :math:`t + (b - a)\,\Delta_k(o)` (``t`` itself where ``off`` is 0; ``delta`` holds
    :math:`\Delta_k`, :func:`~eqqnn.sim._sector._free_kernels.partner_deltas`), as in
    :mod:`eqqnn.sim._sector._free_kernels`."""
    d = words.shape[0]
    device = words.device
    diag = torch.empty((d, 1), dtype=real, device=device)
    off = torch.empty((d, 1), dtype=real, device=device)
    partner = torch.empty(d, dtype=torch.int64, device=device)
    for lo in range(0, d, _TABLE_CHUNK_ROWS):  # bounded temporaries (about 80 B per row)
        w = words[lo : lo + _TABLE_CHUNK_ROWS]
        a = (w >> k) & 1
        b = (w >> (k + 1)) & 1
        o = _popcount(w & ((1 << k) - 1))
        h = k - 2 * o
        rho = torch.where(a == b, torch.ones_like(h), (a - b) * (h + 1)).to(torch.float64)
        inv = 1.0 / rho
        diag[lo : lo + w.shape[0], 0] = inv
        root = torch.sqrt(torch.clamp(1.0 - inv * inv, min=0.0))
        off[lo : lo + w.shape[0], 0] = OFFDIAGONAL_SIGN * root
        rows = torch.arange(lo, lo + w.shape[0], device=device)
        moves = (a != b) & (h != 0)
        partner[lo : lo + w.shape[0]] = torch.where(moves, rows + (b - a) * delta[o], rows)
    return diag, partner, off


_KERNELS: dict[tuple, _SectorKernel] = {}
_KERNELS_LOCK = threading.Lock()


def _kernel(n: int, two_j: int, device: torch.device, dtype: torch.dtype) -> _SectorKernel:
    key = (n, two_j, str(device), dtype)
    with _KERNELS_LOCK:
        kern = _KERNELS.pop(key, None)
        if kern is None:
            kern = _SectorKernel(n, two_j, device, dtype)
        _KERNELS[key] = kern  # most recently used last
        while len(_KERNELS) > KERNEL_CACHE_SIZE:
            _KERNELS.pop(next(iter(_KERNELS)))
        return kern


def clear_sector_caches() -> None:
    """Release the cached index tables of every sector (~1 GB at n = 28; sweep tapes with
    them) and the pooled scratch buffers of the numba path and the Schur transform.

    Examples
    --------
    >>> clear_sector_caches()
    """
    with _KERNELS_LOCK:
        _KERNELS.clear()
    young_orthogonal_form.cache_clear()  # type: ignore[attr-defined]
    SCRATCH.clear()
    SLICES.clear()
