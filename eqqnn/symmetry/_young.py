r"""Two-row Young tableaux, Young's orthogonal form and the spin-coupling basis.

Schur–Weyl duality splits the qubit register into SU(2) × S_n irreducibles,

.. math::

    (\mathbb C^2)^{\otimes n} = \bigoplus_J V_J \otimes M_J, \qquad
    \dim M_J = \binom{n}{n/2-J} - \binom{n}{n/2-J-1},

where :math:`M_J` is the S_n irrep of the two-row Young diagram
:math:`(n/2+J,\ n/2-J)`.  This module builds :math:`M_J` explicitly.

**Tableaux.**  A standard Young tableau of two-row shape is stored as its *row word*
:math:`(r_0, \dots, r_{n-1})`, :math:`r_k \in \{0, 1\}` the row of the number ``k``
(numbers are 0-based).  The word is a ballot sequence: every prefix holds at least as many
0s as 1s, and it holds :math:`b = n/2 - J` ones in total.

**Order (colexicographic).**  Tableaux are ordered lexicographically on the *reversed* word:
the row of the last number ``n-1`` is the most significant letter.  Hence all tableaux
with ``n-1`` in row 0 come first, in the order of their ``(n-1)``-prefixes, followed by
those with ``n-1`` in row 1.  This is the order of the restriction chain
:math:`S_n \supset S_{n-1} \supset \dots`:

.. math::

    M_J\big|_{S_{n-1}} = M^{(n-1)}_{J-1/2} \oplus M^{(n-1)}_{J+1/2}
    \quad\text{as two contiguous blocks of coordinates,}

which makes the spin-coupling recursion (and "discard the last qubit") a matter of
slicing.  The rank of a word is a sum of path counts
:math:`\mathrm{rank}(r) = \sum_{\ell=1}^{n} r_{\ell-1}\, D(\ell-1, o_\ell)`, with
:math:`o_\ell` the number of ones among the first :math:`\ell` letters and
:math:`D(\ell, o)` the number of ballot words of length :math:`\ell` with ``o`` ones.

**Young's orthogonal (Yamanouchi) form.**  With the content
:math:`c(k) = \mathrm{column}(k) - \mathrm{row}(k)` and the axial distance
:math:`\rho = c(k+1) - c(k)`, the adjacent transposition :math:`s_k = (k, k+1)` acts as

.. math::

    s_k\, e_T = \frac{1}{\rho}\, e_T + \varepsilon\sqrt{1 - \frac{1}{\rho^2}}\; e_{s_k T},
    \qquad \varepsilon = +1,

(``+1`` when ``k, k+1`` share a row, ``-1`` when they share a column).  The sign
:math:`\varepsilon = +1` (all off-diagonal entries non-negative, the textbook choice) is
the one for which qubit SWAPs act on the sequential spin-coupling basis below (built with
Condon–Shortley Clebsch–Gordan coefficients) exactly as :math:`I_{2J+1} \otimes s_k`
(with :math:`\varepsilon = -1` the relation fails; the tests check both statements):

.. math:: \mathrm{SWAP}_{k,k+1}\, V_J = V_J\, (I_{2J+1} \otimes s_k).

**Spin-coupling basis.**  Couple qubits ``0, 1, 2, ...`` in sequence; the tableau word
records the intermediate spins :math:`s_\ell = (\#0 - \#1)/2` of the first
:math:`\ell` qubits (row 0: couple up, row 1: couple down), and

.. math::

    |T, m\rangle = \sum_{\mu = \pm 1/2}
        \langle s_{n-1}, m-\mu;\ \tfrac12, \mu \,|\, J, m\rangle\;
        |T', m-\mu\rangle \otimes |\mu\rangle ,

with :math:`T'` the tableau without ``n-1``.  Qubit 0 is the most significant bit and
:math:`|0\rangle` is spin up (:math:`S^z = +1/2`).

**Permutations.**  ``perm[i]`` is the image of qubit ``i``: the qubit operator is
:math:`P_\pi |x_0 \dots x_{n-1}\rangle = |x_{\pi^{-1}(0)} \dots x_{\pi^{-1}(n-1)}\rangle`
(the content of qubit ``i`` moves to qubit ``perm[i]``), so that
:math:`P_\pi P_\sigma = P_{\pi\circ\sigma}` and :math:`P_\pi V_J = V_J (I \otimes D(\pi))`
with :math:`D` the matrices returned by :meth:`YoungOrthogonalForm.permutation_matrix`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp

from eqqnn._validation import check_int, check_real
from eqqnn.errors import DimensionError, InvalidParameterError, ProblemTooLargeError
from eqqnn.symmetry._coupling_kernels import combine

__all__ = [
    "OFFDIAGONAL_SIGN",
    "YoungOrthogonalForm",
    "coupling_isometry",
    "irrep_dimension",
    "qubit_to_sector",
    "sector_to_qubit",
    "tableau_index",
    "two_row_tableaux",
    "young_orthogonal_form",
]

#: Sign :math:`\varepsilon` of the off-diagonal entries of Young's orthogonal form
#: (see the module docstring); fixed by the Condon–Shortley spin-coupling basis.
OFFDIAGONAL_SIGN = 1.0

#: Largest number of entries of the dense isometry built by :func:`coupling_isometry`.
MAX_ISOMETRY_ENTRIES = 2**26

#: Largest number of stored entries of a sparse permutation matrix built by composition
#: (:meth:`YoungOrthogonalForm.transposition`, :meth:`YoungOrthogonalForm.permutation_matrix`).
#: Long-range permutations of large sectors fill in: ``(0, n-1)`` has about ``d / 2.4``
#: entries per row for J = 0 at n = 18.
MAX_SPARSE_ENTRIES = 2**27

#: Largest register for :func:`sector_to_qubit` / :func:`qubit_to_sector` (2^n amplitudes).
MAX_STATE_QUBITS = 30

#: Largest ``d * n`` (bytes of the tableau array) that :func:`two_row_tableaux` builds.
MAX_TABLEAU_BYTES = 2**33


# --------------------------------------------------------------------------------------
# argument checks


def _check_n(n_qubits: object) -> int:
    return check_int("n_qubits", n_qubits, minimum=1)


def _format_spin(two_j: int) -> str:
    return str(two_j // 2) if two_j % 2 == 0 else f"{two_j}/2"


def _allowed_spins(n: int) -> str:
    spins = [_format_spin(t) for t in range(n % 2, n + 1, 2)]
    if len(spins) > 6:
        spins = [*spins[:3], "...", *spins[-2:]]
    return "{" + ", ".join(spins) + "}"


def _check_spin(n: int, spin: object) -> int:
    """Return ``2 * spin`` as an int after checking it is a valid total spin of ``n`` qubits."""
    if isinstance(spin, Fraction):
        spin = float(spin)
    value = check_real("spin", spin, minimum=0.0)
    two_j = round(2 * value)
    if abs(2 * value - two_j) > 1e-9:
        raise InvalidParameterError(
            f"spin must be a non-negative multiple of 1/2, got {spin!r}; "
            f"allowed for n_qubits={n}: {_allowed_spins(n)}"
        )
    if two_j > n:
        raise InvalidParameterError(
            f"spin must be <= n_qubits/2 = {n / 2:g}, got {spin!r}; "
            f"allowed for n_qubits={n}: {_allowed_spins(n)}"
        )
    if (n - two_j) % 2:
        raise InvalidParameterError(
            f"spin={spin!r} has the wrong parity for n_qubits={n} (n/2 - spin must be an "
            f"integer); allowed: {_allowed_spins(n)}"
        )
    return two_j


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
# counting


@lru_cache(maxsize=128)
def _ballot_counts(n: int) -> np.ndarray:
    """``D[l, o]``: number of ballot words of length ``l`` with ``o`` ones (int64, read-only).

    ``D[l, o] = C(l, o) - C(l, o - 1)`` for ``o <= l/2`` and 0 otherwise; the extra last
    column keeps ``D[l, o]`` addressable for ``o = n//2 + 1``.
    """
    table = np.zeros((n + 1, n // 2 + 2), dtype=np.int64)
    for ell in range(n + 1):
        for o in range(ell // 2 + 1):
            table[ell, o] = math.comb(ell, o) - (math.comb(ell, o - 1) if o else 0)
    table.setflags(write=False)
    return table


def _dim(n: int, two_j: int) -> int:
    """Dimension of M_J for already validated arguments (exact Python int)."""
    if two_j < 0 or two_j > n or (n - two_j) % 2:
        return 0
    b = (n - two_j) // 2
    return math.comb(n, b) - (math.comb(n, b - 1) if b else 0)


def irrep_dimension(n_qubits: int, spin: float) -> int:
    r"""Dimension of the S_n irrep :math:`M_J` (multiplicity of spin ``J`` in ``n`` qubits).

    .. math:: d_J = \binom{n}{n/2 - J} - \binom{n}{n/2 - J - 1}

    Parameters
    ----------
    n_qubits
        Number of qubits ``n >= 1``.
    spin
        Total spin ``J`` with ``0 <= J <= n/2`` and ``n/2 - J`` a non-negative integer.

    Returns
    -------
    int
        The exact dimension (a Python int, also for large ``n``).

    Examples
    --------
    >>> irrep_dimension(4, 0), irrep_dimension(4, 1), irrep_dimension(20, 0)
    (2, 3, 16796)
    >>> irrep_dimension(3, 0.5)
    2
    """
    n = _check_n(n_qubits)
    return _dim(n, _check_spin(n, spin))


# --------------------------------------------------------------------------------------
# tableaux


@lru_cache(maxsize=16)
def _words(n: int, two_j: int) -> np.ndarray:
    """Row words of all tableaux as a read-only ``(n, d)`` uint8 array (one row per number)."""
    d = _dim(n, two_j)
    if d * max(n, 1) > MAX_TABLEAU_BYTES:
        raise ProblemTooLargeError(
            f"{d} tableaux of {n} numbers would need {d * n} bytes; the limit is "
            f"{MAX_TABLEAU_BYTES} bytes"
        )
    counts = _ballot_counts(n)
    words = np.zeros((n, d), dtype=np.uint8)
    rank = np.arange(d, dtype=np.int64)
    ones = np.full(d, (n - two_j) // 2, dtype=np.int64)
    # Unrank from the most significant (last) letter down to the first one.
    for ell in range(n, 0, -1):
        n0 = counts[ell - 1][ones]  # words whose letter ell-1 is 0
        letter = rank >= n0
        words[ell - 1] = letter
        rank -= np.where(letter, n0, 0)
        ones -= letter
    words.setflags(write=False)
    return words


def two_row_tableaux(n_qubits: int, spin: float) -> np.ndarray:
    r"""All standard Young tableaux of shape :math:`(n/2+J,\ n/2-J)` as row words.

    Row ``t`` holds the row (0 or 1) of each number ``k = 0..n-1`` in tableau ``t``.  The
    words are the ballot sequences with :math:`n/2 - J` ones,

    .. math:: \#\{i \le k : r_i = 1\} \le \#\{i \le k : r_i = 0\} \quad \forall k,

    in colexicographic order (the module docstring explains why: the last number is the
    most significant letter).  The array is built by vectorized unranking, one pass per
    letter, and is cached; it is read-only (copy it to modify).

    Parameters
    ----------
    n_qubits
        Number of boxes ``n``.
    spin
        Total spin ``J``; the second row has :math:`n/2 - J` boxes.

    Returns
    -------
    numpy.ndarray
        ``(d, n)`` uint8 array, ``d = irrep_dimension(n, J)``.

    Examples
    --------
    >>> two_row_tableaux(4, 0).tolist()
    [[0, 1, 0, 1], [0, 0, 1, 1]]
    >>> two_row_tableaux(3, 0.5).tolist()
    [[0, 1, 0], [0, 0, 1]]
    """
    n = _check_n(n_qubits)
    return _words(n, _check_spin(n, spin)).T


def _rank_words(words: np.ndarray, n: int, two_j: int) -> np.ndarray:
    """Colex ranks of ``(..., n)`` row words; -1 for words that are not valid tableaux."""
    counts = _ballot_counts(n)
    b = (n - two_j) // 2
    flat = words.reshape(-1, n)
    cols = np.ascontiguousarray(flat.T)  # one contiguous row per letter position
    ones = np.zeros(flat.shape[0], dtype=np.int64)
    rank = np.zeros(flat.shape[0], dtype=np.int64)
    valid = np.ones(flat.shape[0], dtype=bool)
    top = counts.shape[1] - 1
    for ell in range(1, n + 1):
        letter = cols[ell - 1].astype(bool)
        ones += letter
        valid &= 2 * ones <= ell
        # letter ell-1 = 1 contributes D(ell-1, o_ell), o_ell = ones among the first ell
        rank += np.where(letter, counts[ell - 1][np.minimum(ones, top)], 0)
    valid &= ones == b
    return np.where(valid, rank, -1).reshape(words.shape[:-1])


def tableau_index(tableaux_rows: np.ndarray, n_qubits: int, spin: float) -> np.ndarray:
    r"""Position of row words in the order of :func:`two_row_tableaux` (vectorized ranking).

    .. math::

        \mathrm{rank}(r) = \sum_{\ell=1}^{n} r_{\ell-1}\, D(\ell-1, o_\ell), \qquad
        D(\ell, o) = \binom{\ell}{o} - \binom{\ell}{o-1},

    with :math:`o_\ell` the number of ones among the first :math:`\ell` letters.

    Parameters
    ----------
    tableaux_rows
        ``(..., n)`` array of 0/1 row words.
    n_qubits, spin
        The shape, as in :func:`two_row_tableaux`.

    Returns
    -------
    numpy.ndarray
        ``(...)`` int64 indices.

    Raises
    ------
    DimensionError
        If the last axis does not have length ``n``.
    InvalidParameterError
        If an entry is not 0/1 or a word is not a ballot sequence with :math:`n/2-J` ones.

    Examples
    --------
    >>> words = two_row_tableaux(6, 1)
    >>> bool((tableau_index(words, 6, 1) == range(len(words))).all())
    True
    >>> tableau_index([0, 0, 1, 1], 4, 0)
    array(1)
    """
    n = _check_n(n_qubits)
    two_j = _check_spin(n, spin)
    words = np.asarray(tableaux_rows)
    if words.ndim == 0 or words.shape[-1] != n:
        raise DimensionError(
            f"tableaux_rows must have a last axis of length n_qubits={n}, got shape {words.shape}"
        )
    if words.size and (words.dtype.kind not in "biu" or words.max() > 1 or words.min() < 0):
        raise InvalidParameterError("tableaux_rows must hold row indices 0 or 1 only")
    words = words.astype(np.int64)
    ranks = _rank_words(words, n, two_j)
    if np.any(ranks < 0):
        bad = words.reshape(-1, n)[np.flatnonzero(ranks.reshape(-1) < 0)[0]]
        raise InvalidParameterError(
            f"row word {bad.tolist()} is not a standard tableau of shape "
            f"({(n + two_j) // 2}, {(n - two_j) // 2}): it needs {(n - two_j) // 2} ones and "
            "no prefix with more ones than zeros"
        )
    return ranks


# --------------------------------------------------------------------------------------
# Young's orthogonal form


def _as_real_dtype(dtype: Any) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return np.finfo(dtype).dtype
    if dtype.kind == "f":
        return dtype
    return np.dtype(np.float64)


class YoungOrthogonalForm:
    r"""The S_n irrep :math:`M_J` of two-row shape in Young's orthogonal form.

    Adjacent transpositions are stored as a gather: for a vector ``v`` over the tableaux,

    .. math:: (s_k v)_t = \mathrm{diag}_t\, v_t + \mathrm{off}_t\, v_{\mathrm{partner}_t},

    with :math:`\mathrm{diag} = 1/\rho`, :math:`\mathrm{off} =
    \varepsilon\sqrt{1 - 1/\rho^2}` (:data:`OFFDIAGONAL_SIGN`), ``partner[t]`` the index of
    the tableau with ``k`` and ``k+1`` exchanged (``partner[t] = t`` and ``off = 0`` when
    ``k, k+1`` share a row or a column).  Every matrix is real orthogonal and symmetric for
    transpositions.  Instances are immutable; use :func:`young_orthogonal_form` for a
    cached instance.

    Parameters
    ----------
    n_qubits
        Number of qubits (boxes) ``n >= 1``.
    spin
        Total spin ``J``: the shape is :math:`(n/2+J,\ n/2-J)`.

    Examples
    --------
    >>> form = YoungOrthogonalForm(4, 0)
    >>> form.dim
    2
    >>> form.transposition_matrix(1).toarray().round(6).tolist()
    [[0.5, 0.866025], [0.866025, -0.5]]
    """

    __slots__ = ("_cache", "_dim", "_n", "_two_j")

    def __init__(self, n_qubits: int, spin: float) -> None:
        n = _check_n(n_qubits)
        two_j = _check_spin(n, spin)
        object.__setattr__(self, "_n", n)
        object.__setattr__(self, "_two_j", two_j)
        object.__setattr__(self, "_dim", _dim(n, two_j))
        object.__setattr__(self, "_cache", {})

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; cannot delete {name!r}")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(n_qubits={self._n}, spin={_format_spin(self._two_j)}, "
            f"dim={self._dim})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, YoungOrthogonalForm):
            return NotImplemented
        return (self._n, self._two_j) == (other._n, other._two_j)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._n, self._two_j))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._n, self._two_j / 2))

    # ---------------------------------------------------------------- basic data
    @property
    def n_qubits(self) -> int:
        """Number of qubits (boxes) ``n``."""
        return self._n

    @property
    def spin(self) -> float:
        """Total spin ``J`` (a float, possibly half-integer)."""
        return self._two_j / 2

    @property
    def dim(self) -> int:
        """Dimension ``d`` of :math:`M_J`."""
        return self._dim

    @property
    def tableaux(self) -> np.ndarray:
        """``(d, n)`` read-only uint8 row words, as :func:`two_row_tableaux`."""
        return _words(self._n, self._two_j).T

    def _prefix_ones(self) -> np.ndarray:
        """``(n + 1, d)`` uint8: number of ones among the first ``k`` letters (row ``k``)."""
        cached = self._cache.get("prefix")
        if cached is None:
            words = _words(self._n, self._two_j)
            cached = np.zeros((self._n + 1, self._dim), dtype=np.uint8)
            np.cumsum(words, axis=0, dtype=np.uint8, out=cached[1:])
            cached.setflags(write=False)
            self._cache["prefix"] = cached
        return cached

    def _check_k(self, k: object) -> int:
        if self._n < 2:
            raise InvalidParameterError(
                f"there is no adjacent transposition of n_qubits={self._n} (need n >= 2)"
            )
        return check_int("k", k, minimum=0, maximum=self._n - 2)

    def _compute_adjacent(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Uncached gather data of ``s_k`` (k already validated)."""
        n, d = self._n, self._dim
        words = _words(n, self._two_j)
        o0 = self._prefix_ones()[k]  # ones before number k
        a = words[k].view(np.int8)
        b = words[k + 1].view(np.int8)
        h = np.int16(k) - 2 * o0.astype(np.int16)  # zeros minus ones before k (>= 0)
        # axial distance: 1 for equal letters; -(h+1) for rows (0, 1); h+1 for rows (1, 0)
        rho = np.where(a == b, np.int16(1), (a - b).astype(np.int16) * (h + 1))
        offset = n + 2
        values = np.arange(-offset, offset + 1, dtype=np.float64)
        values[offset] = np.inf  # rho = 0 never occurs
        diag_table = 1.0 / values
        off_table = OFFDIAGONAL_SIGN * np.sqrt(np.maximum(1.0 - diag_table**2, 0.0))
        index = rho + np.int16(offset)
        diag = diag_table[index]
        offdiag = off_table[index]
        # rank(..10..) - rank(..01..) = D(k, o0 + 1) - D(k + 1, o0 + 1)
        counts = _ballot_counts(n)
        top = counts.shape[1] - 1
        o_range = np.minimum(np.arange(top + 1) + 1, top)
        delta_table = counts[k][o_range] - counts[k + 1][o_range]
        step = (b - a) * (h != 0)  # +1: 01 -> 10, -1: 10 -> 01, 0: no exchange
        partner = np.arange(d, dtype=np.int64)
        partner += step * delta_table[o0]
        return diag, partner, offdiag

    def adjacent_transposition(
        self, k: int, *, cache: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""Gather data ``(diag, partner, offdiag)`` of :math:`s_k = (k, k+1)` (cached per k).

        .. math:: (s_k v)_t = \mathrm{diag}_t v_t + \mathrm{offdiag}_t v_{\mathrm{partner}_t}

        Parameters
        ----------
        k
            ``0 <= k <= n - 2``.
        cache
            Keep the arrays in the instance (default).  ``False`` computes them afresh
            unless already cached (about 24 bytes per tableau and ``k``: large sectors
            may prefer not to pin them).

        Returns
        -------
        tuple of numpy.ndarray
            float64 ``(d,)``, int64 ``(d,)`` and float64 ``(d,)``, all read-only.

        Examples
        --------
        >>> diag, partner, off = YoungOrthogonalForm(4, 0).adjacent_transposition(0)
        >>> diag.tolist(), partner.tolist(), off.tolist()
        ([-1.0, 1.0], [0, 1], [0.0, 0.0])
        """
        k = self._check_k(k)
        key = ("adjacent", k)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._compute_adjacent(k)
            for arr in cached:
                arr.setflags(write=False)
            if cache:
                self._cache[key] = cached
        return cached

    def transposition_matrix(self, k: int, *, cache: bool = True) -> sp.csr_matrix:
        r"""Sparse matrix :math:`D(s_k)` of the adjacent transposition ``(k, k+1)``.

        Examples
        --------
        >>> YoungOrthogonalForm(3, 1.5).transposition_matrix(0).toarray().tolist()
        [[1.0]]
        """
        diag, partner, offdiag = self.adjacent_transposition(k, cache=cache)
        return self._gather_matrix(diag, partner, offdiag)

    def _gather_matrix(
        self, diag: np.ndarray, partner: np.ndarray, offdiag: np.ndarray
    ) -> sp.csr_matrix:
        d = self._dim
        exchange = offdiag != 0
        rows = np.concatenate([np.arange(d), np.flatnonzero(exchange)])
        cols = np.concatenate([np.arange(d), partner[exchange]])
        vals = np.concatenate([diag, offdiag[exchange]])
        mat = sp.csr_matrix((vals, (rows, cols)), shape=(d, d))
        mat.sort_indices()
        return mat

    # ---------------------------------------------------------------- permutations
    def _check_fill(self, mat: sp.spmatrix, what: str) -> None:
        """Refuse a composition step that could exceed :data:`MAX_SPARSE_ENTRIES`."""
        if 4 * mat.nnz > MAX_SPARSE_ENTRIES:
            raise ProblemTooLargeError(
                f"the sparse matrix of the {what} in M_J (n_qubits={self._n}, "
                f"spin={_format_spin(self._two_j)}, dim={self._dim}) would exceed "
                f"{MAX_SPARSE_ENTRIES} stored entries (already {mat.nnz}); apply it "
                "matrix-free with apply_permutation, or relabel the sites so that it is short"
            )

    def _check_perm(self, perm: Sequence[int]) -> np.ndarray:
        n = self._n
        arr = np.asarray(perm)
        if arr.ndim != 1 or arr.shape[0] != n or (arr.size and arr.dtype.kind not in "iu"):
            raise InvalidParameterError(
                f"perm must be a sequence of {n} integers (a permutation of 0..{n - 1}), "
                f"got {perm!r}"
            )
        if sorted(arr.tolist()) != list(range(n)):
            raise InvalidParameterError(
                f"perm must be a permutation of 0..{n - 1}, got {arr.tolist()}"
            )
        return arr.astype(np.int64)

    def adjacent_word(self, perm: Sequence[int]) -> list[int]:
        r"""Adjacent transpositions ``[k_1, ..., k_r]`` with
        :math:`\pi = s_{k_r} \circ \dots \circ s_{k_1}` (bubble sort; ``r`` = inversions).

        Hence :math:`D(\pi) = D(s_{k_r}) \cdots D(s_{k_1})`: apply :math:`s_{k_1}` first.

        Examples
        --------
        >>> YoungOrthogonalForm(3, 0.5).adjacent_word([1, 2, 0])
        [1, 0]
        """
        arr = self._check_perm(perm).tolist()
        word: list[int] = []
        n = self._n
        for end in range(n - 1, 0, -1):
            swapped = False
            for i in range(end):
                if arr[i] > arr[i + 1]:
                    arr[i], arr[i + 1] = arr[i + 1], arr[i]
                    word.append(i)
                    swapped = True
            if not swapped:
                break
        return word

    def permutation_matrix(self, perm: Sequence[int]) -> sp.csr_matrix:
        r"""Sparse matrix :math:`D(\pi)` of a permutation, ``perm[i]`` the image of qubit ``i``.

        It satisfies :math:`P_\pi V_J = V_J (I_{2J+1} \otimes D(\pi))` for the qubit
        permutation :math:`P_\pi |x_0 \dots x_{n-1}\rangle =
        |x_{\pi^{-1}(0)} \dots x_{\pi^{-1}(n-1)}\rangle` and :math:`D(\pi\circ\sigma) =
        D(\pi) D(\sigma)`.  It is the product of the adjacent transpositions of
        :meth:`adjacent_word` (can fill in for long-range permutations of large ``n``).

        Examples
        --------
        >>> form = YoungOrthogonalForm(4, 0)
        >>> cyc = form.permutation_matrix([1, 2, 3, 0]).toarray()
        >>> bool(np.allclose(np.linalg.matrix_power(cyc, 4), np.eye(2)))
        True
        """
        word = self.adjacent_word(perm)
        mat = sp.identity(self._dim, format="csr", dtype=np.float64)
        for k in word:
            self._check_fill(mat, f"permutation {list(perm)}")
            mat = self.transposition_matrix(k) @ mat
        mat = sp.csr_matrix(mat)
        mat.eliminate_zeros()
        mat.sort_indices()
        return mat

    def transposition(self, i: int, j: int, *, cache: bool = True) -> sp.csr_matrix:
        r"""Sparse matrix of the transposition ``(i, j)``, ``i < j``, by conjugation:

        .. math:: (i\,j) = s_i s_{i+1} \cdots s_{j-2}\, s_{j-1}\, s_{j-2} \cdots s_i .

        Examples
        --------
        >>> form = YoungOrthogonalForm(4, 1)
        >>> t = form.transposition(0, 3).toarray()
        >>> bool(np.allclose(t @ t, np.eye(3)) and np.allclose(t, t.T))
        True
        """
        i = check_int("i", i, minimum=0, maximum=self._n - 1)
        j = check_int("j", j, minimum=0, maximum=self._n - 1)
        if i >= j:
            raise InvalidParameterError(f"transposition needs i < j, got i={i}, j={j}")
        mat = self.transposition_matrix(j - 1, cache=cache)
        for k in range(j - 2, i - 1, -1):
            self._check_fill(mat, f"transposition ({i}, {j})")
            s = self.transposition_matrix(k, cache=cache)
            mat = s @ mat @ s
        mat = sp.csr_matrix(mat)
        mat.eliminate_zeros()
        mat.sort_indices()
        return mat

    # ---------------------------------------------------------------- matrix-free
    def _gather_data(self, k: int, like: Any, axis: int) -> tuple[Any, Any, Any]:
        """Diag / partner / offdiag shaped and typed to act on ``like`` along ``axis``."""
        diag, partner, offdiag = self.adjacent_transposition(k)
        shape = [1] * like.ndim
        shape[axis] = self._dim
        if _is_torch(like):
            import torch

            real = like.real.dtype if like.is_complex() else like.dtype
            if not real.is_floating_point:
                real = torch.float64
            key = ("torch", k, str(real), str(like.device))
            cached = self._cache.get(key)
            if cached is None:
                cached = (
                    torch.from_numpy(np.array(diag)).to(dtype=real, device=like.device),
                    torch.from_numpy(np.array(partner)).to(device=like.device),
                    torch.from_numpy(np.array(offdiag)).to(dtype=real, device=like.device),
                )
                self._cache[key] = cached
            t_diag, t_partner, t_off = cached
            return t_diag.reshape(shape), t_partner, t_off.reshape(shape)
        real = _as_real_dtype(like.dtype)
        return (
            diag.astype(real, copy=False).reshape(shape),
            partner,
            offdiag.astype(real, copy=False).reshape(shape),
        )

    def _normalize_axis(self, vectors: Any, axis: int) -> int:
        ndim = vectors.ndim
        axis = check_int("axis", axis, minimum=-max(ndim, 1), maximum=max(ndim - 1, 0))
        axis %= max(ndim, 1)
        if ndim == 0 or vectors.shape[axis] != self._dim:
            raise DimensionError(
                f"vectors must have length {self._dim} (dim of M_J) along axis {axis}, "
                f"got shape {tuple(vectors.shape)}"
            )
        return axis

    def apply_adjacent_transposition(self, k: int, vectors: Any, axis: int = -1) -> Any:
        r"""Apply :math:`D(s_k)` along ``axis`` without building a matrix.

        Works on numpy arrays and torch tensors (real or complex, any batch shape; torch
        autograd flows through).  The output keeps the input's precision.

        .. math:: (s_k v)_t = \mathrm{diag}_t v_t + \mathrm{offdiag}_t v_{\mathrm{partner}_t}

        Examples
        --------
        >>> form = YoungOrthogonalForm(4, 0)
        >>> v = np.eye(2)
        >>> np.allclose(form.apply_adjacent_transposition(1, v, axis=0),
        ...             form.transposition_matrix(1).toarray())
        True
        """
        k = self._check_k(k)
        if not _is_torch(vectors):
            vectors = np.asarray(vectors)
        axis = self._normalize_axis(vectors, axis)
        diag, partner, offdiag = self._gather_data(k, vectors, axis)
        if _is_torch(vectors):
            return diag * vectors + offdiag * vectors.index_select(axis, partner)
        return diag * vectors + offdiag * np.take(vectors, partner, axis=axis)

    def apply_permutation(self, perm: Sequence[int], vectors: Any, axis: int = -1) -> Any:
        r"""Apply :math:`D(\pi)` (see :meth:`permutation_matrix`) matrix-free along ``axis``.

        Examples
        --------
        >>> form = YoungOrthogonalForm(5, 0.5)
        >>> v = np.random.default_rng(0).normal(size=form.dim)
        >>> p = [2, 0, 4, 1, 3]
        >>> np.allclose(form.apply_permutation(p, v), form.permutation_matrix(p) @ v)
        True
        """
        word = self.adjacent_word(perm)
        if not _is_torch(vectors):
            vectors = np.asarray(vectors)
        self._normalize_axis(vectors, axis)
        out = vectors
        for k in word:
            out = self.apply_adjacent_transposition(k, out, axis=axis)
        if not word and not _is_torch(vectors):
            out = vectors.astype(np.result_type(vectors.dtype, np.float64), copy=True)
        elif not word:
            out = vectors.clone()
        return out


def _is_torch(x: Any) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "index_select")


@lru_cache(maxsize=32)
def _form(n: int, two_j: int) -> YoungOrthogonalForm:
    return YoungOrthogonalForm(n, two_j / 2)


def young_orthogonal_form(n_qubits: int, spin: float) -> YoungOrthogonalForm:
    r"""Cached :class:`YoungOrthogonalForm` (one instance per ``(n, J)``; its gather data
    are cached inside; ``young_orthogonal_form.cache_clear()`` releases them).

    Examples
    --------
    >>> young_orthogonal_form(6, 0) is young_orthogonal_form(6, 0.0)
    True
    """
    n = _check_n(n_qubits)
    return _form(n, _check_spin(n, spin))


young_orthogonal_form.cache_clear = _form.cache_clear  # type: ignore[attr-defined]


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
    counts = _ballot_counts(n)
    nb = amplitudes.shape[0]
    dtype = amplitudes.dtype
    # batch last: (paths, suffixes, B), so that a range of suffixes is one contiguous slab
    blocks: dict[tuple[int, int], np.ndarray] = {
        (0, 0): np.ascontiguousarray(amplitudes.T)[None, :, :]
    }
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
