r"""Young's orthogonal form: the matrices of S_n on the two-row irrep :math:`M_J`.

The basis of :math:`M_J` is indexed by the standard tableaux of shape
:math:`(n/2+J,\ n/2-J)`, as row words in the colexicographic order of
:mod:`eqqnn.symmetry._tableaux`.

**Young's orthogonal (Yamanouchi) form.**  With the content
:math:`c(k) = \mathrm{column}(k) - \mathrm{row}(k)` and the axial distance
:math:`\rho = c(k+1) - c(k)`, the adjacent transposition :math:`s_k = (k, k+1)` acts as

.. math::

    s_k\, e_T = \frac{1}{\rho}\, e_T + \varepsilon\sqrt{1 - \frac{1}{\rho^2}}\; e_{s_k T},
    \qquad \varepsilon = +1,

(``+1`` when ``k, k+1`` share a row, ``-1`` when they share a column).  The sign
:math:`\varepsilon = +1` (all off-diagonal entries non-negative, the textbook choice) is
the one for which qubit SWAPs act on the sequential spin-coupling basis of
:mod:`eqqnn.symmetry._spin_coupling` (built with Condon–Shortley Clebsch–Gordan
coefficients) exactly as :math:`I_{2J+1} \otimes s_k` (with :math:`\varepsilon = -1` the
relation fails; the tests check both statements):

.. math:: \mathrm{SWAP}_{k,k+1}\, V_J = V_J\, (I_{2J+1} \otimes s_k).

**Permutations.**  ``perm[i]`` is the image of qubit ``i``: the qubit operator is
:math:`P_\pi |x_0 \dots x_{n-1}\rangle = |x_{\pi^{-1}(0)} \dots x_{\pi^{-1}(n-1)}\rangle`
(the content of qubit ``i`` moves to qubit ``perm[i]``), so that
:math:`P_\pi P_\sigma = P_{\pi\circ\sigma}` and :math:`P_\pi V_J = V_J (I \otimes D(\pi))`
with :math:`D` the matrices returned by :meth:`YoungOrthogonalForm.permutation_matrix`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp

from eqqnn._validation import check_int
from eqqnn.errors import DimensionError, InvalidParameterError, ProblemTooLargeError
from eqqnn.symmetry._tableaux import (
    _ballot_counts,
    _check_n,
    _check_spin,
    _dim,
    _format_spin,
    _words,
)

__all__ = [
    "OFFDIAGONAL_SIGN",
    "YoungOrthogonalForm",
    "young_orthogonal_form",
]

#: Sign :math:`\varepsilon` of the off-diagonal entries of Young's orthogonal form
#: (see the module docstring); fixed by the Condon–Shortley spin-coupling basis.
OFFDIAGONAL_SIGN = 1.0

#: Largest number of stored entries of a sparse permutation matrix built by composition
#: (:meth:`YoungOrthogonalForm.transposition`, :meth:`YoungOrthogonalForm.permutation_matrix`).
#: Long-range permutations of large sectors fill in: ``(0, n-1)`` has about ``d / 2.4``
#: entries per row for J = 0 at n = 18.
MAX_SPARSE_ENTRIES = 2**27


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
