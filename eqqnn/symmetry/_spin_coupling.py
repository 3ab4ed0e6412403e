r"""The spin-coupling basis of :math:`V_J \otimes M_J` inside the qubit register.

Schur–Weyl duality splits :math:`(\mathbb C^2)^{\otimes n} = \bigoplus_J V_J \otimes M_J`
(:mod:`eqqnn.symmetry._tableaux`).  This module builds the isometry
:math:`V_J : V_J \otimes M_J \to (\mathbb C^2)^{\otimes n}`, densely or one magnetization
at a time, and its adjoint.

**Spin-coupling basis.**  Couple qubits ``0, 1, 2, ...`` in sequence; the tableau word
records the intermediate spins :math:`s_\ell = (\#0 - \#1)/2` of the first
:math:`\ell` qubits (row 0: couple up, row 1: couple down), and

.. math::

    |T, m\rangle = \sum_{\mu = \pm 1/2}
        \langle s_{n-1}, m-\mu;\ \tfrac12, \mu \,|\, J, m\rangle\;
        |T', m-\mu\rangle \otimes |\mu\rangle ,

with :math:`T'` the tableau without ``n-1`` and Condon–Shortley Clebsch–Gordan
coefficients.  Qubit 0 is the most significant bit and :math:`|0\rangle` is spin up
(:math:`S^z = +1/2`).  Qubit permutations act on this basis through Young's orthogonal
form (:mod:`eqqnn.symmetry._young_form`):
:math:`P_\pi V_J = V_J (I_{2J+1} \otimes D(\pi))`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np

from eqqnn._validation import check_real
from eqqnn.errors import DimensionError, InvalidParameterError, ProblemTooLargeError
from eqqnn.symmetry._coupling_kernels import combine, run_coupling_plan
from eqqnn.symmetry._tableaux import (
    _ballot_counts,
    _check_n,
    _check_spin,
    _dim,
    _format_spin,
)

__all__ = [
    "coupling_isometry",
    "qubit_to_sector",
    "sector_to_qubit",
]

#: Largest number of entries of the dense isometry built by :func:`coupling_isometry`.
MAX_ISOMETRY_ENTRIES = 2**26

#: Largest register for :func:`sector_to_qubit` / :func:`qubit_to_sector` (2^n amplitudes).
MAX_STATE_QUBITS = 30


# --------------------------------------------------------------------------------------
# argument checks


def _check_m(two_j: int, m: object) -> int:
    """Return ``2 * m`` (default ``m = J``) after checking ``|m| <= J`` and ``J - m`` integer."""
    if m is None:
        return two_j
    if isinstance(m, Fraction):
        m = float(m)
    value = check_real("m", m)
    two_m = round(2 * value)
    if abs(2 * value - two_m) > 1e-9 or abs(two_m) > two_j or (two_j - two_m) % 2:
        allowed = ", ".join(
            _format_spin(t) if t >= 0 else "-" + _format_spin(-t)
            for t in range(two_j, -two_j - 1, -2)
        )
        raise InvalidParameterError(
            f"m must be one of {{{allowed}}} for spin {_format_spin(two_j)}, got {m!r}"
        )
    return two_m


# --------------------------------------------------------------------------------------
# spin-coupling basis


def _cg_half(two_jp: int, two_mp: int, two_mu: int, two_j: int) -> float:
    r"""Condon–Shortley :math:`\langle j', m'; \tfrac12, \mu | j, m'+\mu\rangle` (doubled args)."""
    two_m = two_mp + two_mu
    den = 2.0 * (two_jp + 1)
    if two_j == two_jp + 1:
        num = two_jp + two_m + 1 if two_mu > 0 else two_jp - two_m + 1
        return math.sqrt(max(num, 0) / den)
    if two_j == two_jp - 1:
        if two_mu > 0:
            return -math.sqrt(max(two_jp - two_m + 1, 0) / den)
        return math.sqrt(max(two_jp + two_m + 1, 0) / den)
    return 0.0


@lru_cache(maxsize=64)
def _isometry(n: int, two_j: int) -> np.ndarray:
    """Dense isometry by the recursion of the module docstring (read-only)."""
    if n == 0:
        out = np.ones((1, 1))
        out.setflags(write=False)
        return out
    counts = _ballot_counts(n)
    b = (n - two_j) // 2
    d = int(counts[n, b])
    d0 = int(counts[n - 1, b])  # tableaux with n-1 in row 0 (parent spin J - 1/2)
    out = np.zeros((2**n, (two_j + 1) * d))
    blocks = ((two_j - 1, 0, d0), (two_j + 1, d0, d))
    for a, two_m in enumerate(range(two_j, -two_j - 1, -2)):
        for two_jp, lo, hi in blocks:
            if hi <= lo or two_jp < 0:
                continue
            parent = _isometry(n - 1, two_jp)
            dp = hi - lo
            for bit, two_mu in ((0, 1), (1, -1)):
                two_mp = two_m - two_mu
                if abs(two_mp) > two_jp:
                    continue
                col = (two_jp - two_mp) // 2
                cg = _cg_half(two_jp, two_mp, two_mu, two_j)
                out[bit::2, a * d + lo : a * d + hi] += cg * parent[:, col * dp : (col + 1) * dp]
    out.setflags(write=False)
    return out


def coupling_isometry(n_qubits: int, spin: float) -> np.ndarray:
    r"""Dense isometry :math:`V_J : V_J \otimes M_J \to (\mathbb C^2)^{\otimes n}`.

    Column ``(J - m) * d + t`` is the coupled state :math:`|T_t, m\rangle` (``m = J, J-1,
    ..., -J`` outer, tableau ``t`` inner), defined recursively by

    .. math::

        |T, m\rangle = \sum_{\mu=\pm1/2}
        \langle s_{n-1}, m-\mu; \tfrac12, \mu | J, m\rangle\, |T', m-\mu\rangle\otimes|\mu\rangle.

    The entries are real; :math:`V_J^\dagger V_J = I`, the columns are eigenvectors of
    :math:`\vec S^2` (eigenvalue :math:`J(J+1)`) and :math:`S^z` (eigenvalue ``m``), and
    :math:`P_\pi V_J = V_J (I \otimes D(\pi))`.

    Parameters
    ----------
    n_qubits, spin
        ``n`` and ``J``.

    Returns
    -------
    numpy.ndarray
        ``(2^n, (2J+1) d)`` float64, read-only (cached).

    Raises
    ------
    ProblemTooLargeError
        If it would have more than :data:`MAX_ISOMETRY_ENTRIES` entries; use
        :func:`sector_to_qubit` instead.

    Examples
    --------
    >>> v = coupling_isometry(2, 0)
    >>> (v.ravel() * np.sqrt(2)).round(12).tolist()
    [0.0, 1.0, -1.0, 0.0]
    """
    n = _check_n(n_qubits)
    two_j = _check_spin(n, spin)
    entries = 2**n * (two_j + 1) * _dim(n, two_j)
    if entries > MAX_ISOMETRY_ENTRIES:
        raise ProblemTooLargeError(
            f"coupling_isometry(n_qubits={n}, spin={_format_spin(two_j)}) would have {entries} "
            f"entries; the limit is {MAX_ISOMETRY_ENTRIES} (use sector_to_qubit)"
        )
    return _isometry(n, two_j)


@lru_cache(maxsize=256)
def _fixed_weight_strings(length: int, weight: int) -> np.ndarray:
    """Integers of ``length`` bits (MSB first) with ``weight`` ones, ascending (read-only)."""
    if weight < 0 or weight > length:
        out = np.zeros(0, dtype=np.int64)
    elif length == 0:
        out = np.zeros(1, dtype=np.int64)
    else:
        out = np.concatenate(
            [
                _fixed_weight_strings(length - 1, weight),
                (1 << (length - 1)) + _fixed_weight_strings(length - 1, weight - 1),
            ]
        )
    out.setflags(write=False)
    return out


def _suffix_weight(n: int, ell: int, two_m_total: int, two_m: int) -> int:
    """Number of down spins among the last ``n - ell`` qubits (or -1 if impossible)."""
    length = n - ell
    twice = length - (two_m_total - two_m)
    if twice % 2 or twice < 0 or twice > 2 * length:
        return -1
    return twice // 2


def _level_keys(n: int, two_j: int, two_m: int) -> list[list[tuple[int, int]]]:
    """Sector keys ``(2 s, 2 M)`` of the first ``ell`` qubits reachable from ``(J, m)``."""
    keys: list[list[tuple[int, int]]] = [[] for _ in range(n + 1)]
    keys[n] = [(two_j, two_m)]
    for ell in range(n, 0, -1):
        found = set()
        for tjs, tms in keys[ell]:
            for tjp in (tjs - 1, tjs + 1):
                if tjp < 0 or tjp > ell - 1:
                    continue
                for two_mu in (1, -1):
                    tmp = tms - two_mu
                    if abs(tmp) <= tjp and _suffix_weight(n, ell - 1, two_m, tmp) >= 0:
                        found.add((tjp, tmp))
        keys[ell - 1] = sorted(found)
    return keys


def _prepare(n_qubits: int, spin: float, m: float | None) -> tuple[int, int, int, int, np.ndarray]:
    n = _check_n(n_qubits)
    two_j = _check_spin(n, spin)
    two_m = _check_m(two_j, m)
    if n > MAX_STATE_QUBITS:
        raise ProblemTooLargeError(
            f"qubit state vectors of n_qubits={n} have 2**{n} amplitudes; the limit is "
            f"n_qubits <= {MAX_STATE_QUBITS}"
        )
    d = _dim(n, two_j)
    return n, two_j, two_m, d, _ballot_counts(n)


def sector_to_qubit(
    coefficients: np.ndarray, n_qubits: int, spin: float, m: float | None = None
) -> np.ndarray:
    r"""Map :math:`M_J` coordinates at fixed magnetization ``m`` to qubit state vectors.

    .. math:: \psi = \sum_t c_t\, |T_t, m\rangle = V_J[:, (J-m)d : (J-m+1)d]\; c

    computed without the dense isometry: the coupling recursion is run from the last qubit
    to the first, keeping at each level only the amplitudes with the right magnetization
    (at most :math:`\binom{n}{n/2-m}` numbers per vector and level).

    Parameters
    ----------
    coefficients
        ``(..., d)`` real or complex array.
    n_qubits, spin
        ``n`` and ``J``.
    m
        Magnetization, ``|m| <= J`` with ``J - m`` integer; default ``J``.

    Returns
    -------
    numpy.ndarray
        ``(..., 2^n)`` array (float64 for real input, complex for complex input).

    Examples
    --------
    >>> psi = sector_to_qubit(np.array([1.0]), 2, 0)
    >>> (psi * np.sqrt(2)).round(12).tolist()
    [0.0, 1.0, -1.0, 0.0]
    """
    n, two_j, two_m, d, counts = _prepare(n_qubits, spin, m)
    coeffs = np.asarray(coefficients)
    if coeffs.ndim == 0 or coeffs.shape[-1] != d:
        raise DimensionError(
            f"coefficients must have last axis of length {d} (dim of M_J for n_qubits={n}, "
            f"spin={_format_spin(two_j)}), got shape {coeffs.shape}"
        )
    dtype = np.result_type(coeffs.dtype, np.float64)
    batch = coeffs.shape[:-1]
    blocks: dict[tuple[int, int], np.ndarray] = {
        (two_j, two_m): coeffs.reshape(-1, d, 1).astype(dtype, copy=False)
    }
    nb = blocks[(two_j, two_m)].shape[0]
    for ell in range(n, 0, -1):
        parts: dict[tuple[int, int], list[np.ndarray | None]] = {}
        for (tjs, tms), block in blocks.items():
            b_ones = (ell - tjs) // 2
            d0 = int(counts[ell - 1, b_ones])
            for tjp, rows in ((tjs - 1, slice(0, d0)), (tjs + 1, slice(d0, None))):
                if tjp < 0 or tjp > ell - 1:
                    continue
                sub = block[:, rows, :]
                if sub.shape[1] == 0:
                    continue
                for bit, two_mu in ((0, 1), (1, -1)):
                    tmp = tms - two_mu
                    if abs(tmp) > tjp or _suffix_weight(n, ell - 1, two_m, tmp) < 0:
                        continue
                    cg = _cg_half(tjp, tmp, two_mu, tjs)
                    slot = parts.setdefault((tjp, tmp), [None, None])
                    term = cg * sub
                    slot[bit] = term if slot[bit] is None else slot[bit] + term
        blocks = {}
        length = n - ell  # suffix length of the parents
        for (tjp, tmp), (p0, p1) in parts.items():
            dp = int(counts[ell - 1, (ell - 1 - tjp) // 2])
            pieces = []
            for bit, piece in ((0, p0), (1, p1)):
                if piece is None:
                    w = _suffix_weight(n, ell, two_m, tmp + (1 if bit == 0 else -1))
                    size = math.comb(length, w) if w >= 0 else 0
                    piece = np.zeros((nb, dp, size), dtype=dtype)
                pieces.append(piece)
            blocks[(tjp, tmp)] = np.concatenate(pieces, axis=-1)
    amplitudes = blocks[(0, 0)][:, 0, :]
    index = _fixed_weight_strings(n, (n - two_m) // 2)
    out = np.zeros((nb, 2**n), dtype=dtype)
    out[:, index] = amplitudes
    return out.reshape(*batch, 2**n)


def qubit_to_sector(
    states: np.ndarray, n_qubits: int, spin: float, m: float | None = None
) -> np.ndarray:
    r"""Coordinates :math:`c_t = \langle T_t, m | \psi\rangle`: the adjoint of
    :func:`sector_to_qubit`.

    .. math:: c = V_J[:, (J-m)d : (J-m+1)d]^\dagger\, \psi

    For a state in :math:`V_J \otimes M_J` with magnetization ``m`` this inverts
    :func:`sector_to_qubit`; otherwise it is the projection onto those coordinates.

    Parameters
    ----------
    states
        ``(..., 2^n)`` real or complex array.
    n_qubits, spin, m
        As in :func:`sector_to_qubit`.

    Returns
    -------
    numpy.ndarray
        ``(..., d)`` array.

    Examples
    --------
    >>> psi = np.array([0.0, 1.0, -1.0, 0.0]) / np.sqrt(2)
    >>> qubit_to_sector(psi, 2, 0).round(12).tolist()
    [1.0]
    """
    n, two_j, two_m, d, _ = _prepare(n_qubits, spin, m)
    psi = np.asarray(states)
    if psi.ndim == 0 or psi.shape[-1] != 2**n:
        raise DimensionError(
            f"states must have last axis of length 2**n_qubits = {2**n}, got shape {psi.shape}"
        )
    dtype = np.result_type(psi.dtype, np.float64)
    batch = psi.shape[:-1]
    psi = psi.reshape(-1, 2**n)
    index = _fixed_weight_strings(n, (n - two_m) // 2)
    keys = _level_keys(n, two_j, two_m)
    blocks = couple_magnetization_slice(psi[:, index].astype(dtype, copy=False), n, two_m, keys)
    return blocks[(two_j, two_m)][:, :, 0].reshape(*batch, d)


def couple_magnetization_slice(
    amplitudes: np.ndarray, n: int, two_m: int, keys: list[list[tuple[int, int]]]
) -> dict[tuple[int, int], np.ndarray]:
    r"""Couple the qubits of one magnetization slice one at a time (Clebsch–Gordan).

    ``amplitudes`` ``(B, C(n, k))`` are the amplitudes of the basis strings with
    :math:`k = (n - 2m)/2` ones, in ascending order.  Level :math:`\ell` holds, for each
    key :math:`(2s, 2M)` of the first :math:`\ell` qubits, a block ``(B, d_paths,
    suffixes)``: the coordinates of the coupled prefix (spin ``s``, magnetization ``M``,
    one per standard path) times the remaining qubits' strings,

    .. math:: c_{s, M}^{(\ell)} = \sum_{\mu=\pm 1/2}
              \langle s', M-\mu; \tfrac12, \mu | s, M\rangle\, c_{s', M-\mu}^{(\ell-1)}
              \big|_{\text{qubit } \ell = \mu}, \qquad s' = s \mp \tfrac12 ,

    and the paths of :math:`s` list those from :math:`s - 1/2` first.  Each level touches
    every amplitude once, so the pass costs :math:`O(n \binom nk)` per state.  ``keys``
    (:func:`_level_keys`, or their union over several final spins) names the blocks kept
    per level; the returned dict holds the last level's, ``(B, d_J, 1)`` each (views of
    batch-last arrays: the levels run with the batch as the innermost axis).
    """
    return couple_slice_columns(np.ascontiguousarray(amplitudes.T), n, two_m, keys)


#: Bytes of one level of a batch chunk in the compiled coupling: a level of the chunk stays
#: in a core's cache while every level runs.  At least :data:`MIN_CHUNK` columns, so
#: that the inner loops stay long (at n = 16, 64 states: 4.1 ms for 8-16 columns a
#: chunk, 5.4 ms for 2, 10.8 ms for all 64 at once; 6.0 ms level by level in numpy).
CHUNK_LEVEL_BYTES = 1 << 20
MIN_CHUNK = 8


@dataclass(frozen=True)
class _CouplingPlan:
    r"""Every level of :func:`couple_magnetization_slice` as flat operations.

    Blocks of level :math:`\ell` live in one buffer, ``(paths, suffixes, chunk)`` each at
    an offset; ``ops[i]`` writes rows ``row0 .. row0 + nrows`` of a block from at most two
    parent slabs: ``(level, out_off, out_s, row0, nrows, parts, a_off, a_s, a_col0, b_off,
    b_s, b_col0)`` (integers) with ``coef[i] = (a, b)``.
    """

    ops: np.ndarray
    coef: np.ndarray
    level_size: int
    """Largest level, in entries per batch column."""
    finals: tuple[tuple[tuple[int, int], int, int], ...]
    """``(key, offset, paths)`` of each block of the last level."""


@lru_cache(maxsize=64)
def _coupling_plan(
    n: int, two_m: int, keys: tuple[tuple[tuple[int, int], ...], ...]
) -> _CouplingPlan:
    counts = _ballot_counts(n)
    k = (n - two_m) // 2
    layout = {(0, 0): (0, 1, math.comb(n, k))}  # key -> (offset, paths, suffixes)
    level_size = math.comb(n, k)
    ops, coef = [], []
    for ell in range(1, n + 1):
        length = n - ell
        new, offset = {}, 0
        for tjs, tms in keys[ell]:
            b_ones = (ell - tjs) // 2
            dc, d0 = int(counts[ell, b_ones]), int(counts[ell - 1, b_ones])
            size = math.comb(length, _suffix_weight(n, ell, two_m, tms))
            for tjp, row0, row1 in ((tjs - 1, 0, d0), (tjs + 1, d0, dc)):
                if row1 <= row0:
                    continue
                parts = []
                for bit, two_mu in ((0, 1), (1, -1)):
                    parent = layout.get((tjp, tms - two_mu))
                    if parent is None:
                        continue
                    p_off, _, p_s = parent
                    cg = _cg_half(tjp, tms - two_mu, two_mu, tjs)
                    parts.append((cg, p_off, p_s, 0 if bit == 0 else p_s - size))
                a = parts[0] if parts else (0.0, 0, 1, 0)
                b = parts[1] if len(parts) == 2 else (0.0, 0, 1, 0)
                ops.append((ell, offset, size, row0, row1 - row0, len(parts), *a[1:], *b[1:]))
                coef.append((a[0], b[0]))
            new[(tjs, tms)] = (offset, dc, size)
            offset += dc * size
        layout = new
        level_size = max(level_size, offset)
    finals = tuple((key, off, d) for key, (off, d, _) in layout.items())
    return _CouplingPlan(
        np.asarray(ops, dtype=np.int64).reshape(-1, 12),
        np.asarray(coef, dtype=np.float64).reshape(-1, 2),
        level_size,
        finals,
    )


def couple_slice_columns(
    columns: np.ndarray, n: int, two_m: int, keys: list[list[tuple[int, int]]]
) -> dict[tuple[int, int], np.ndarray]:
    """:func:`couple_magnetization_slice` of a slice given batch last, ``(C(n, k), B)``
    (C-contiguous), as :func:`~eqqnn.symmetry._coupling_kernels.gather_slice` returns it.

    With numba every level runs in one compiled call per chunk of batch columns small
    enough that a level stays in cache (:data:`CHUNK_LEVEL_BYTES`); otherwise level by
    level in numpy.
    """
    plan = _coupling_plan(n, two_m, tuple(tuple(level) for level in keys))
    chunk = max(MIN_CHUNK, CHUNK_LEVEL_BYTES // (plan.level_size * columns.itemsize))
    finals = run_coupling_plan(columns, plan.ops, plan.coef, plan.level_size, plan.finals, chunk)
    if finals is not None:
        return finals
    return _couple_levels(columns, n, two_m, keys)


def _couple_levels(
    columns: np.ndarray, n: int, two_m: int, keys: list[list[tuple[int, int]]]
) -> dict[tuple[int, int], np.ndarray]:
    """The levels one by one, each over the whole batch (numpy, or a numba update)."""
    counts = _ballot_counts(n)
    nb = columns.shape[1]
    dtype = columns.dtype
    # batch last: (paths, suffixes, B), so that a range of suffixes is one contiguous slab
    blocks: dict[tuple[int, int], np.ndarray] = {(0, 0): columns[None, :, :]}
    for ell in range(1, n + 1):
        length = n - ell  # suffix length of the children
        new: dict[tuple[int, int], np.ndarray] = {}
        for tjs, tms in keys[ell]:
            b_ones = (ell - tjs) // 2
            dc = int(counts[ell, b_ones])
            d0 = int(counts[ell - 1, b_ones])
            w = _suffix_weight(n, ell, two_m, tms)
            size = math.comb(length, w)
            out = np.empty((dc, size, nb), dtype=dtype)
            for tjp, rows in ((tjs - 1, slice(0, d0)), (tjs + 1, slice(d0, dc))):
                if rows.stop <= rows.start:
                    continue
                parts = []
                for bit, two_mu in ((0, 1), (1, -1)):
                    parent = blocks.get((tjp, tms - two_mu))
                    if parent is None:
                        continue
                    cg = _cg_half(tjp, tms - two_mu, two_mu, tjs)
                    # parent suffixes: [bit 0 + child suffixes | bit 1 + child suffixes]
                    part = parent[:, :size] if bit == 0 else parent[:, parent.shape[1] - size :]
                    parts.append((cg, part))
                combine(out[rows], parts)
            new[(tjs, tms)] = out
        blocks = new
    return {key: block.transpose(2, 0, 1) for key, block in blocks.items()}
