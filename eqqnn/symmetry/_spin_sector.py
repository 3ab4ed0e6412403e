r"""Heisenberg exchange Hamiltonians restricted to one Schur–Weyl sector :math:`M_J`.

For spin-1/2 the exchange is a swap, :math:`\vec S_i\cdot\vec S_j = P_{ij}/2 - 1/4`, so an
SU(2)-symmetric exchange Hamiltonian acts on :math:`V_J \otimes M_J` as
:math:`I_{2J+1} \otimes H_J` with

.. math::

    H = \sum_{(i, j, w)} w\, \vec S_i\cdot\vec S_j, \qquad
    H_J = \sum_{(i, j, w)} w \left(\tfrac12 D_J\big((i\,j)\big) - \tfrac14\right),

:math:`D_J` Young's orthogonal form of :mod:`eqqnn.symmetry._young_form`.  Adjacent bonds
``(k, k+1)`` contribute at most one off-diagonal entry per row, so a chain Hamiltonian is
assembled directly from the gather data, row by row, without sorting or summing
duplicates.  Longer bonds are conjugated from adjacent transpositions.  In Young's basis
the number of entries per row of a transposition ``(i, j)`` grows exponentially with
``j - i`` (``(0, 17)`` at n = 18, J = 0: about 2000 per row, d = 4862), so
:func:`sector_ground_states` first relabels the sites with a bandwidth-reducing ordering
(reverse Cuthill–McKee): a periodic chain becomes a chain of bonds of length at most 2
(at most 3 entries per row and bond), and the ground vectors are mapped back with the
permutation's matrix, applied matrix-free.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.sparse.csgraph import reverse_cuthill_mckee

from eqqnn._validation import check_int, check_real
from eqqnn.errors import InvalidParameterError, ProblemTooLargeError
from eqqnn.symmetry._young_form import YoungOrthogonalForm, young_orthogonal_form

__all__ = ["exchange_sector_matrix", "sector_ground_states"]

#: Sectors up to this dimension are diagonalized densely in :func:`sector_ground_states`.
DENSE_SECTOR_LIMIT = 400

#: Largest sector dimension for which a dense fallback (``k >= d - 1``) is attempted.
MAX_DENSE_SECTOR = 20000

#: Seed of the deterministic Lanczos start vector of :func:`sector_ground_states`.
LANCZOS_SEED = 20240917

#: A bond ``(i, j)`` (weight 1) or ``(i, j, weight)`` between two different sites.
Bond = tuple[int, int] | tuple[int, int, float]


def _parse_bonds(n: int, bonds: Iterable[Sequence[object]]) -> dict[tuple[int, int], float]:
    """Bonds as ``{(i, j): total weight}`` with ``i < j`` (weights of repeated pairs add)."""
    if isinstance(bonds, np.ndarray):
        bonds = bonds.tolist()
    try:
        items = list(bonds)
    except TypeError:
        raise InvalidParameterError(
            f"bonds must be an iterable of (i, j) or (i, j, weight) tuples, got {bonds!r}"
        ) from None
    pairs: dict[tuple[int, int], float] = {}
    for bond in items:
        if isinstance(bond, (str, bytes)) or not isinstance(bond, Sequence | np.ndarray):
            raise InvalidParameterError(f"each bond must be (i, j) or (i, j, weight), got {bond!r}")
        if len(bond) not in (2, 3):
            raise InvalidParameterError(
                f"each bond must be (i, j) or (i, j, weight), got {bond!r} of length {len(bond)}"
            )
        i, j = bond[0], bond[1]
        if isinstance(i, np.integer):
            i = int(i)
        if isinstance(j, np.integer):
            j = int(j)
        if isinstance(i, float) and i.is_integer():
            i = int(i)
        if isinstance(j, float) and j.is_integer():
            j = int(j)
        i = check_int("bond site i", i, minimum=0, maximum=n - 1)
        j = check_int("bond site j", j, minimum=0, maximum=n - 1)
        if i == j:
            raise InvalidParameterError(f"a bond needs two different sites, got ({i}, {j})")
        weight = check_real("bond weight", bond[2]) if len(bond) == 3 else 1.0
        key = (min(i, j), max(i, j))
        pairs[key] = pairs.get(key, 0.0) + weight
    return pairs


class _SparseAccumulator:
    """Sum of sparse matrices as a binary counter of partial sums (balanced additions).

    Only ``O(log m)`` partial sums of growing size are alive at any time, so the transient
    memory stays near twice the size of the result.
    """

    def __init__(self) -> None:
        self._stack: list[tuple[int, sp.csr_matrix]] = []

    def add(self, mat: sp.csr_matrix) -> None:
        level = 0
        while self._stack and self._stack[-1][0] == level:
            _, top = self._stack.pop()
            mat = sp.csr_matrix(top + mat)
            level += 1
        self._stack.append((level, mat))

    def total(self) -> sp.csr_matrix:
        mat = self._stack.pop()[1]
        while self._stack:
            mat = sp.csr_matrix(self._stack.pop()[1] + mat)
        return mat


def _build(form: YoungOrthogonalForm, pairs: dict[tuple[int, int], float]) -> sp.csr_matrix:
    d = form.dim
    total = sum(pairs.values())
    adjacent = sorted((i, w) for (i, j), w in pairs.items() if j == i + 1 and w != 0.0)
    width = 1 + len(adjacent)
    cols = np.empty((d, width), dtype=np.int32)
    vals = np.empty((d, width), dtype=np.float64)
    diag = np.full(d, -0.25 * total)
    for c, (k, w) in enumerate(adjacent, start=1):
        dk, partner, off = form.adjacent_transposition(k, cache=False)
        diag += 0.5 * w * dk
        cols[:, c] = partner
        np.multiply(off, 0.5 * w, out=vals[:, c])
        del dk, partner, off
    cols[:, 0] = np.arange(d, dtype=np.int32)
    vals[:, 0] = diag
    del diag
    keep = vals != 0.0
    keep[:, 0] = True  # structural diagonal
    indptr = np.zeros(d + 1, dtype=np.int64)
    np.cumsum(keep.sum(axis=1), out=indptr[1:])
    indices = cols[keep]
    del cols
    data = vals[keep]
    del vals, keep
    index_dtype = np.int32 if indptr[-1] < np.iinfo(np.int32).max else np.int64
    mat = sp.csr_matrix(
        (data, indices.astype(index_dtype, copy=False), indptr.astype(index_dtype)),
        shape=(d, d),
    )
    long_range = [((i, j), w) for (i, j), w in sorted(pairs.items()) if j > i + 1 and w != 0.0]
    if long_range:
        acc = _SparseAccumulator()
        acc.add(mat)
        del mat
        for (i, j), w in long_range:
            term = form.transposition(i, j, cache=False)
            term.data *= 0.5 * w
            acc.add(term)
            del term
        mat = acc.total()
    mat.sort_indices()
    return mat


def exchange_sector_matrix(n_qubits: int, spin: float, bonds: Iterable[Bond]) -> sp.csr_matrix:
    r"""Restriction :math:`H_J` of a Heisenberg exchange Hamiltonian to the sector :math:`M_J`.

    .. math::

        H = \sum_{(i,j,w)} w\, \vec S_i\cdot\vec S_j
          = \sum_{(i,j,w)} w \left(\tfrac12 P_{ij} - \tfrac14\right), \qquad
        V_J^\dagger H V_J = I_{2J+1} \otimes H_J ,

    in the basis of :func:`~eqqnn.symmetry._tableaux.two_row_tableaux` (coupling isometry
    :math:`V_J` of :func:`~eqqnn.symmetry._spin_coupling.coupling_isometry`).

    Parameters
    ----------
    n_qubits
        Number of spins ``n``.
    spin
        Total spin ``J`` of the sector.
    bonds
        Iterable of ``(i, j)`` or ``(i, j, weight)`` with ``i != j`` (any distance, e.g. the
        periodic bond ``(0, n-1)``); weight 1 when omitted, repeated pairs add up.

    Returns
    -------
    scipy.sparse.csr_matrix
        Real symmetric ``(d, d)`` matrix with sorted indices.  Nearest-neighbour bonds give
        at most ``1 + #bonds`` entries per row (``n/2`` on average for a full chain); about
        12 bytes per entry (n = 28, J = 0, open chain: d = 2 674 440, 37.4 M entries,
        0.45 GB).  Long bonds fill in: ``(0, n-1)`` is nearly dense for large ``n``;
        :func:`sector_ground_states` relabels the sites first.

    Raises
    ------
    InvalidParameterError
        For a malformed bond, a site out of ``0..n-1``, ``i == j`` or a non-finite weight.
    ProblemTooLargeError
        If a long bond's matrix would exceed
        :data:`~eqqnn.symmetry._young_form.MAX_SPARSE_ENTRIES` stored entries.

    Examples
    --------
    >>> h = exchange_sector_matrix(4, 0, [(0, 1), (1, 2), (2, 3)])
    >>> np.linalg.eigvalsh(h.toarray()).round(6).tolist()
    [-1.616025, 0.116025]
    """
    form = young_orthogonal_form(n_qubits, spin)
    pairs = _parse_bonds(form.n_qubits, bonds)
    try:
        return _build(form, pairs)
    except ProblemTooLargeError as exc:
        raise ProblemTooLargeError(
            f"{exc}. For ground states use sector_ground_states, which relabels the sites "
            "so that every bond is short (a ring becomes bonds of length <= 2)"
        ) from None


def _bandwidth_relabeling(n: int, pairs: dict[tuple[int, int], float]) -> np.ndarray | None:
    """New label ``pi[i]`` of each site if reverse Cuthill–McKee shortens the bonds."""
    active = [(i, j) for (i, j), w in pairs.items() if w != 0.0]
    if not active or max(j - i for i, j in active) <= 1:
        return None
    rows = [i for i, _ in active]
    cols = [j for _, j in active]
    graph = sp.csr_matrix((np.ones(len(active)), (rows, cols)), shape=(n, n))
    order = reverse_cuthill_mckee(graph, symmetric_mode=False)
    pi = np.empty(n, dtype=np.int64)
    pi[order] = np.arange(n)

    def cost(labels: np.ndarray) -> tuple[int, int]:
        dist = [abs(int(labels[i]) - int(labels[j])) for i, j in active]
        return max(dist), sum(dist)

    return pi if cost(pi) < cost(np.arange(n)) else None


def _map_back(form: YoungOrthogonalForm, inverse: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Apply :math:`D(\\pi^{-1})` to the columns, with transient (uncached) gather data."""
    local: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    out = vectors
    for k in form.adjacent_word(inverse):
        if k not in local:
            local[k] = form.adjacent_transposition(k, cache=False)
        diag, partner, off = local[k]
        out = diag[:, None] * out + off[:, None] * out[partner]
    return out


def _fix_signs(vectors: np.ndarray) -> np.ndarray:
    pivot = np.argmax(np.abs(vectors), axis=0)
    signs = np.sign(vectors[pivot, np.arange(vectors.shape[1])])
    signs[signs == 0] = 1.0
    return vectors * signs


def sector_ground_states(
    n_qubits: int,
    spin: float,
    bonds: Iterable[Bond],
    k: int = 1,
    tol: float = 1e-10,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Lowest ``k`` eigenpairs of the sector Hamiltonian :math:`H_J`.

    .. math:: H_J\, v_a = E_a\, v_a, \qquad E_0 \le E_1 \le \dots \le E_{k-1}

    Each :math:`E_a` is a :math:`(2J+1)`-fold degenerate level of the full Hamiltonian with
    eigenvectors :math:`|v_a, m\rangle` = ``sector_to_qubit(v_a, n, J, m)``.

    Sectors of dimension ``d <= 400`` are diagonalized densely (``scipy.linalg.eigh``);
    larger ones with ``scipy.sparse.linalg.eigsh`` (``which="SA"``, start vector drawn from
    ``numpy.random.default_rng(LANCZOS_SEED)``, so results are deterministic).  Bonds
    longer than one site trigger a bandwidth-reducing relabelling of the sites (see the
    module docstring); the vectors are mapped back to the original labels.

    Sign convention: each eigenvector is normalized and multiplied by :math:`\pm 1` so that
    its entry of largest magnitude (the first one, on ties) is positive.  Within a
    degenerate eigenspace the basis returned is otherwise arbitrary.

    Parameters
    ----------
    n_qubits, spin, bonds
        As in :func:`exchange_sector_matrix`.
    k
        Number of eigenpairs, ``1 <= k <= d``.
    tol
        Relative accuracy requested from ``eigsh`` (ignored by the dense path).

    Returns
    -------
    tuple of numpy.ndarray
        Eigenvalues ``(k,)`` ascending and eigenvectors ``(d, k)`` (float64).

    Examples
    --------
    >>> ring = [(0, 1), (1, 2), (2, 3), (0, 3)]
    >>> energies, vectors = sector_ground_states(4, 0, ring, k=2)
    >>> energies.round(10).tolist(), vectors[:, 0].round(6).tolist()
    ([-2.0, 0.0], [0.866025, -0.5])
    """
    form = young_orthogonal_form(n_qubits, spin)
    n, d = form.n_qubits, form.dim
    pairs = _parse_bonds(n, bonds)
    k = check_int("k", k, minimum=1, maximum=d)
    tol = check_real("tol", tol, minimum=0.0)
    if d <= DENSE_SECTOR_LIMIT or k >= d - 1:
        if d > MAX_DENSE_SECTOR:
            raise ProblemTooLargeError(
                f"k={k} eigenpairs of a sector of dimension {d} need a dense "
                f"diagonalization; the limit is {MAX_DENSE_SECTOR} (ask for k < {d - 1})"
            )
        dense = _build(form, pairs).toarray()
        energies, vectors = scipy.linalg.eigh(dense, subset_by_index=(0, k - 1))
        return energies, _fix_signs(vectors)
    relabel = _bandwidth_relabeling(n, pairs)
    if relabel is not None:
        pairs = {
            (int(min(relabel[i], relabel[j])), int(max(relabel[i], relabel[j]))): w
            for (i, j), w in pairs.items()
        }
    mat = _build(form, pairs)
    v0 = np.random.default_rng(LANCZOS_SEED).standard_normal(d)
    energies, vectors = spla.eigsh(mat, k=k, which="SA", v0=v0, tol=tol)
    del mat
    order = np.argsort(energies)
    energies, vectors = energies[order], vectors[:, order]
    if relabel is not None:
        inverse = np.argsort(relabel)
        vectors = _map_back(form, inverse, vectors)
    vectors /= np.linalg.norm(vectors, axis=0)
    return energies, _fix_signs(vectors)
