r"""Two-row standard Young tableaux: their count, enumeration and ranking.

Schur–Weyl duality splits the qubit register into SU(2) × S_n irreducibles,

.. math::

    (\mathbb C^2)^{\otimes n} = \bigoplus_J V_J \otimes M_J, \qquad
    \dim M_J = \binom{n}{n/2-J} - \binom{n}{n/2-J-1},

where :math:`M_J` is the S_n irrep of the two-row Young diagram
:math:`(n/2+J,\ n/2-J)`.  This module lists the standard tableaux that index the basis of
:math:`M_J`, and checks the arguments ``n`` and ``J`` that name such a shape.  Young's
orthogonal form of :math:`M_J` is built in :mod:`eqqnn.symmetry._young_form`, the
spin-coupling basis in :mod:`eqqnn.symmetry._spin_coupling`.

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
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

import numpy as np

from eqqnn._validation import check_int, check_real
from eqqnn.errors import DimensionError, InvalidParameterError, ProblemTooLargeError

__all__ = [
    "irrep_dimension",
    "tableau_index",
    "two_row_tableaux",
]

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
