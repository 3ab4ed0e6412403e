r"""Exact ground states of :class:`~eqqnn.data.BondAlternatingHeisenberg`.

Four solvers share one result type, :class:`GroundState`:

``"dense"``
    LAPACK ``eigh`` (lowest eigenpairs only) of the full ``2^n`` matrix, ``n <= 14``.
``"sparse"``
    ARPACK ``eigsh`` (Lanczos, smallest algebraic) of the full sparse matrix, any model,
    ``n <= 24``; the start vector is a fixed seeded Gaussian, so runs are reproducible.
``"sz"``
    ``eigsh`` inside the sector of total :math:`S^z = 0` (``1/2`` for odd ``n``), built with
    :meth:`~eqqnn.data.BondAlternatingHeisenberg.sz_sector_matrix`; any anisotropy and any
    z fields.  The result is the lowest state *of that sector*.
``"sector"``
    The SU(2) singlet sector :math:`M_0` of Schur–Weyl duality via
    :mod:`eqqnn.symmetry._spin_sector` (``exchange_sector_matrix`` solved with ``eigsh``
    for open chains, ``sector_ground_states`` for periodic ones): a matrix of dimension
    :math:`\binom{n}{n/2} - \binom{n}{n/2-1}` (132 at ``n = 12``, 208 012 at ``n = 24``).
    Needs an SU(2)-symmetric model and even ``n``.
``"auto"``
    ``"sector"`` for symmetric models with even ``n``, ``"sparse"`` otherwise.

**Degenerate and nearly degenerate levels.**  In the Haldane phase (``ratio > 1``) the
open chain carries two free edge spins: the singlet ground state and the lowest triplet
are split by an amount that vanishes exponentially in ``n`` and soon drops below what an
eigensolver resolves, so an eigenvector of the full matrix would be an arbitrary mixture
of the singlet and the triplet.  Every solver therefore treats the computed levels within
a tolerance of the lowest one as one *cluster* (:math:`10^{-6}\max(1, |E_0|)` for the
SU(2)-symmetric model, :math:`10^{-9}\max(1, |E_0|)` otherwise; the solver enlarges the
number of computed levels until the cluster is strictly inside them) and picks one state
of the cluster by quantum numbers, in this order:

1. total :math:`S^z = M`: the smallest :math:`|M|`, ties to :math:`M > 0` (so ``M = 0`` for
   even ``n``, ``M = 1/2`` for odd ``n``);
2. total spin :math:`S^2 = S(S+1)`, the smallest ``S``, when :math:`S^2` commutes with H
   (:math:`\Delta = 1`, no staggered or random field);
3. the spin flip :math:`X^{\otimes n}` (when there is no field and ``M = 0``): the parity
   :math:`(-1)^{n/2}` of a total singlet;
4. the lowest energy in what remains; if that is still degenerate (within
   :math:`10^{-9}`), the normalized projection of the fixed reference vector
   :math:`r_k = \mathrm{frac}(0.618\ldots k) - 1/2` onto it (independent of the basis
   the solver happened to return).

For the symmetric chain this returns the singlet (``S = 0``) ground state, the state that
the ``"sector"`` method computes directly: by the Lieb–Mattis theorem it is the unique
ground state of the even open (or periodic) chain with :math:`J_1 > 0, r \ge 0`.

**Gap.**  ``gap`` is :math:`E_1 - E_0` with :math:`E_0 \le E_1 \le \dots` the levels of the
full spectrum counted with multiplicity (so a degenerate ground level gives ``0``); in
the Haldane phase of the open chain it is the exponentially small singlet–triplet
splitting.  ``"dense"``/``"sparse"`` read it off the full spectrum; ``"sz"`` uses the
sectors :math:`M, M \pm 1` (``M = 0`` alone for the symmetric even chain, whose ``M = 0``
sector holds a member of every level); when a field pushes the true ground state out of
the ``"sz"`` sector, ``gap`` still describes the lowest levels of those sectors, and
``energy`` lies above their minimum; ``"sector"`` uses the second singlet and the lowest triplet
(:math:`M_1` sector, skipped with ``compute_gap=False``).  For the symmetric chains here
(bipartite, antiferromagnetic) the Lieb–Mattis theorem orders the lowest level of each
total spin as :math:`E(0) < E(1) < E(2) < \dots`, so the first excited level is a singlet
or a triplet and the three definitions agree.

**Phase.**  The returned vector is real; its global sign is fixed so that the first
amplitude (lowest basis index) whose magnitude is within a relative ``1e-6`` of the
largest is positive.  The same rule applied to the ``2^n`` vector of every method makes
:meth:`GroundState.vector` agree between methods entrywise, not only up to a phase.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from eqqnn._validation import check_choice, check_int
from eqqnn.data._chain import HeisenbergChain, _fixed_popcount_states, sz_sector_basis
from eqqnn.errors import InvalidParameterError, NotEquivariantError, ProblemTooLargeError

__all__ = ["GROUND_STATE_METHODS", "VECTOR_MAX_QUBITS", "GroundState", "ground_state"]

#: Accepted values of ``method``.
GROUND_STATE_METHODS = ("auto", "dense", "sparse", "sz", "sector")
#: Largest ``n`` for which :meth:`GroundState.vector` builds the ``2^n`` array.
VECTOR_MAX_QUBITS = 26

_SYM_CLUSTER_TOL = 1e-6
_CLUSTER_TOL = 1e-9
_DENSE_FALLBACK_DIM = 64  # below this, "sparse"/"sz"/"sector" solve the tiny matrix densely
_V0_SEED = 20240611
_EIGSH_TOL = 0.0  # machine precision
_SECTOR_TOL = 1e-12
_PHASE_RTOL = 1e-6
_GOLDEN = 0.6180339887498949


# --------------------------------------------------------------------------------------
# result type


def _fix_sign(vector: np.ndarray) -> np.ndarray:
    """Real vector with the first (near-)largest-magnitude entry made positive."""
    mags = np.abs(vector)
    peak = mags.max() if mags.size else 0.0
    if peak == 0.0:
        return vector
    first = int(np.argmax(mags >= (1.0 - _PHASE_RTOL) * peak))
    return -vector if vector[first] < 0 else vector


def _fix_phase(vector: np.ndarray) -> np.ndarray:
    """Complex version of :func:`_fix_sign`: that entry becomes real and positive."""
    mags = np.abs(vector)
    peak = mags.max() if mags.size else 0.0
    if peak == 0.0:
        return vector
    first = int(np.argmax(mags >= (1.0 - _PHASE_RTOL) * peak))
    return vector * (abs(vector[first]) / vector[first])


@dataclass(frozen=True, eq=False)
class GroundState:
    r"""An exact ground state and its spectral data.

    .. math:: H|\psi_0\rangle = E_0|\psi_0\rangle, \qquad \mathrm{gap} = E_1 - E_0

    Attributes
    ----------
    energy : float
        :math:`E_0 = \langle\psi_0|H|\psi_0\rangle`.
    gap : float or None
        :math:`E_1 - E_0` in the full spectrum (module docstring); ``None`` when not
        computed (``compute_gap=False``).
    method : str
        The solver actually used (``"auto"`` resolved).
    n_qubits : int
        Number of spins.
    low_energies : tuple of float
        The lowest computed levels, ascending, in the space the method diagonalized
        (full space for ``"dense"``/``"sparse"``, the :math:`S^z` sector for ``"sz"``,
        the singlet sector for ``"sector"``); ``n_excited + 1`` of them when available.
    sz : float or None
        Total :math:`S^z` of the state.
    total_spin : float or None
        Total spin ``S`` when :math:`S^2` is a good quantum number, else ``None``.
    sector_vector : numpy.ndarray or None
        Coordinates in :math:`M_0` (Young's orthogonal basis) for ``method="sector"``
        (sign: largest coordinate positive), else ``None``.  Read-only.
    basis, coefficients : numpy.ndarray or None
        For ``"dense"``, ``"sparse"`` and ``"sz"``: the state is supported on one
        :math:`S^z` sector; ``basis`` holds its sorted basis indices (int64) and
        ``coefficients`` the real amplitudes there (``vector()[basis] == coefficients``).
        ``None`` for ``"sector"``.  Read-only.

    Examples
    --------
    >>> from eqqnn.data import BondAlternatingHeisenberg
    >>> gs = BondAlternatingHeisenberg(2, 1.0).ground_state("sz")
    >>> gs.energy, gs.gap, gs.sz
    (-0.75, 1.0, 0.0)
    >>> (gs.vector() * np.sqrt(2)).real.round(12).tolist()
    [0.0, 1.0, -1.0, 0.0]
    """

    energy: float
    gap: float | None
    method: str
    n_qubits: int
    low_energies: tuple[float, ...]
    sz: float | None
    total_spin: float | None
    sector_vector: np.ndarray | None = dataclass_field(default=None, repr=False)
    basis: np.ndarray | None = dataclass_field(default=None, repr=False)
    coefficients: np.ndarray | None = dataclass_field(default=None, repr=False)

    def vector(self) -> np.ndarray:
        r"""The state as a complex128 array of length :math:`2^n` (qubit 0 most significant).

        .. math:: \psi_k = \langle k|\psi_0\rangle

        A fresh array on every call.  For ``method="sector"`` it is built from
        :attr:`sector_vector` with :func:`eqqnn.symmetry._young.sector_to_qubit`.

        Raises
        ------
        ProblemTooLargeError
            For ``n_qubits > VECTOR_MAX_QUBITS`` (26).
        """
        n = self.n_qubits
        if n > VECTOR_MAX_QUBITS:
            raise ProblemTooLargeError(
                f"GroundState.vector() is limited to n_qubits <= {VECTOR_MAX_QUBITS} "
                f"(2^{VECTOR_MAX_QUBITS} amplitudes), got n_qubits={n}; use sector_vector"
            )
        if self.sector_vector is not None:
            from eqqnn.symmetry._young import sector_to_qubit

            psi = np.asarray(sector_to_qubit(self.sector_vector, n, 0), dtype=np.complex128)
            return _fix_phase(psi)
        out = np.zeros(2**n, dtype=np.complex128)
        out[self.basis] = self.coefficients
        return out


# --------------------------------------------------------------------------------------
# eigen-solvers


def _v0(dim: int) -> np.ndarray:
    return np.random.default_rng(_V0_SEED).standard_normal(dim)


def _lowest_pairs(
    matrix: sp.spmatrix | np.ndarray, k: int, tol: float = _EIGSH_TOL
) -> tuple[np.ndarray, np.ndarray]:
    """Lowest ``k`` eigenpairs (ascending) of a real symmetric matrix."""
    dim = matrix.shape[0]
    k = min(k, dim)
    if isinstance(matrix, np.ndarray) or dim <= _DENSE_FALLBACK_DIM or k >= dim - 1:
        dense = matrix if isinstance(matrix, np.ndarray) else matrix.toarray()
        if dim <= _DENSE_FALLBACK_DIM or k >= dim // 4:
            vals, vecs = np.linalg.eigh(dense)
            return vals[:k], vecs[:, :k]
        return sla.eigh(dense, subset_by_index=[0, k - 1])
    vals, vecs = spla.eigsh(matrix, k=k, which="SA", v0=_v0(dim), tol=tol)
    order = np.argsort(vals)
    return vals[order], vecs[:, order]


def _lowest_with_cluster(
    matrix: sp.spmatrix | np.ndarray, k: int, rel_tol: float
) -> tuple[np.ndarray, np.ndarray, int]:
    """Lowest eigenpairs, enough of them that the ground cluster is strictly inside.

    Returns the values, vectors and the size of the cluster (levels within
    ``rel_tol * max(1, |E_0|)`` of the lowest).
    """
    dim = matrix.shape[0]
    k = min(max(k, 2), dim)
    while True:
        vals, vecs = _lowest_pairs(matrix, k)
        tol = rel_tol * max(1.0, abs(vals[0]))
        size = int(np.count_nonzero(vals - vals[0] <= tol))
        if size < k or k >= dim:
            return vals, vecs, size
        k = min(2 * k, dim)


# --------------------------------------------------------------------------------------
# quantum numbers inside a cluster


def _popcounts(n_qubits: int) -> np.ndarray:
    states = np.arange(2**n_qubits, dtype=np.int64)
    counts = np.zeros(states.shape[0], dtype=np.int64)
    for i in range(n_qubits):
        counts += (states >> i) & 1
    return counts


def _raise_in_sector(vectors: np.ndarray, states: np.ndarray, n_qubits: int) -> np.ndarray:
    r""":math:`S^+ V` for columns ``V`` in the sector with basis ``states``.

    :math:`S^+ = \sum_i \sigma^+_i` turns one down spin (bit 1) into an up spin (bit 0), so
    the image lives in the sector with one set bit fewer.
    """
    n_down = int(bin(int(states[0])).count("1")) if states.size else 0
    if n_down == 0:
        return np.zeros((1, vectors.shape[1]))
    target = _fixed_popcount_states(n_qubits, n_down - 1)
    out = np.zeros((target.shape[0], vectors.shape[1]), dtype=vectors.dtype)
    for i in range(n_qubits):
        mask = np.int64(1) << np.int64(n_qubits - 1 - i)
        sel = np.flatnonzero(states & mask)
        out[np.searchsorted(target, states[sel] ^ mask)] += vectors[sel]
    return out


def _s2_gram(vectors: np.ndarray, states: np.ndarray, n_qubits: int, m: float) -> np.ndarray:
    r""":math:`V^T S^2 V` in a sector of fixed M: :math:`S^2 = S^-S^+ + S^z(S^z+1)`."""
    raised = _raise_in_sector(vectors, states, n_qubits)
    gram = raised.T @ raised + m * (m + 1.0) * (vectors.T @ vectors)
    return 0.5 * (gram + gram.T)


def _spin_from_s2(value: float) -> float:
    spin = 0.5 * (math.sqrt(1.0 + 4.0 * max(value, 0.0)) - 1.0)
    return round(2.0 * spin) / 2.0


def _reference(states: np.ndarray) -> np.ndarray:
    """Fixed, basis-index-defined reference vector ``frac(golden * k) - 1/2``."""
    return np.modf(states.astype(np.float64) * _GOLDEN)[0] - 0.5


def _orthonormalize(vectors: np.ndarray) -> np.ndarray:
    """Löwdin orthonormalization (the closest orthonormal set)."""
    u, _, vt = np.linalg.svd(vectors, full_matrices=False)
    return u @ vt


def _select_subspace(
    gram: np.ndarray, choose: Callable[[np.ndarray], float], spacing: float
) -> tuple[np.ndarray, float]:
    """Diagonalize ``gram``; keep the eigenspace of the value picked by ``choose``."""
    vals, vecs = np.linalg.eigh(0.5 * (gram + gram.T))
    target = choose(vals)
    keep = np.abs(vals - target) < 0.5 * spacing
    return vecs[:, keep], float(target)


def _no_field(model: HeisenbergChain) -> bool:
    return model.field == 0.0 and model.staggered_field == 0.0 and model.random_field == 0.0


def _canonical_state(
    model: HeisenbergChain,
    vectors: np.ndarray,
    energies: np.ndarray,
    states: np.ndarray | None,
    magnetization: float | None,
) -> tuple[np.ndarray, np.ndarray, float, float, float | None]:
    """Pick one state of the ground cluster by quantum numbers (module docstring).

    ``vectors`` (d, g) are orthonormal eigenvectors with eigenvalues ``energies`` in the
    full space (``states is None``) or in the sector ``states`` of magnetization
    ``magnetization``.  Returns (sector basis, coefficients, energy, M, S or None).
    """
    n = model.n_qubits
    h_gram = np.diag(energies)
    if states is None:
        counts = _popcounts(n)
        sz_diag = 0.5 * n - counts
        z_gram = vectors.T @ (sz_diag[:, None] * vectors)

        def choose_m(vals: np.ndarray) -> float:
            ms = np.round(2.0 * vals) / 2.0
            return float(min(ms, key=lambda m: (abs(m), -m))) + 0.0  # no -0.0

        keep, magnetization = _select_subspace(z_gram, choose_m, 1.0)
        states = sz_sector_basis(n, magnetization)
        vectors = _orthonormalize((vectors @ keep)[states])
        h_gram = keep.T @ h_gram @ keep
    if magnetization is None:  # pragma: no cover - internal invariant
        raise RuntimeError("sector states given without their magnetization")

    use_s2 = model.anisotropy == 1.0 and model.staggered_field == 0.0 and model.random_field == 0.0
    if use_s2 and vectors.shape[1] > 1:
        keep, _ = _select_subspace(
            _s2_gram(vectors, states, n, magnetization), lambda v: v.min(), 1.0
        )
        vectors, h_gram = vectors @ keep, keep.T @ h_gram @ keep
    if _no_field(model) and magnetization == 0.0 and vectors.shape[1] > 1:
        # the spin flip maps the sorted M = 0 basis onto itself in reverse order
        singlet_parity = (-1.0) ** (n // 2)

        def choose_p(vals: np.ndarray) -> float:
            signs = np.sign(np.round(vals))
            return singlet_parity if np.any(signs == singlet_parity) else -singlet_parity

        keep, _ = _select_subspace(vectors.T @ vectors[::-1], choose_p, 2.0)
        vectors, h_gram = vectors @ keep, keep.T @ h_gram @ keep

    vals, vecs = np.linalg.eigh(0.5 * (h_gram + h_gram.T))
    lowest = vals - vals[0] <= _CLUSTER_TOL * max(1.0, abs(vals[0]))
    sub = vectors @ vecs[:, lowest]
    if sub.shape[1] == 1:
        coeffs = sub[:, 0]
    else:
        coeffs = sub @ (sub.T @ _reference(states))
        if np.linalg.norm(coeffs) < 1e-8:  # reference orthogonal to the space (unlikely)
            coeffs = sub[:, 0]
    coeffs = _fix_sign(coeffs / np.linalg.norm(coeffs))
    coeffs.setflags(write=False)
    states.setflags(write=False)
    # energy of the chosen combination inside the cluster
    weights = vecs[:, lowest].T @ (vectors.T @ coeffs) if sub.shape[1] > 1 else None
    energy = float(vals[0]) if weights is None else float(weights**2 @ vals[lowest])
    spin = None
    if use_s2:
        spin = _spin_from_s2(float(_s2_gram(coeffs[:, None], states, n, magnetization)[0, 0]))
    return states, coeffs, energy, float(magnetization), spin


# --------------------------------------------------------------------------------------
# the methods


def _cluster_tol(model: HeisenbergChain) -> float:
    return _SYM_CLUSTER_TOL if model.is_su2_symmetric else _CLUSTER_TOL


def _full_space(
    model: HeisenbergChain, method: str, n_excited: int, compute_gap: bool
) -> GroundState:
    matrix = model.dense_matrix() if method == "dense" else model.sparse_matrix()
    vals, vecs, size = _lowest_with_cluster(matrix, max(n_excited + 1, 6), _cluster_tol(model))
    states, coeffs, energy, m, spin = _canonical_state(
        model, vecs[:, :size], vals[:size], None, None
    )
    gap = float(vals[1] - vals[0]) if compute_gap else None
    return GroundState(
        energy=energy,
        gap=gap,
        method=method,
        n_qubits=model.n_qubits,
        low_energies=tuple(float(v) for v in vals[: n_excited + 1]),
        sz=m,
        total_spin=spin,
        basis=states,
        coefficients=coeffs,
    )


def _sz_method(model: HeisenbergChain, n_excited: int, compute_gap: bool) -> GroundState:
    n = model.n_qubits
    m0 = 0.0 if n % 2 == 0 else 0.5
    matrix = model.sz_sector_matrix(m0)
    vals, vecs, size = _lowest_with_cluster(matrix, max(n_excited + 1, 3), _cluster_tol(model))
    states, coeffs, energy, m, spin = _canonical_state(
        model, vecs[:, :size], vals[:size], model.sz_sector_basis(m0), m0
    )
    gap = None
    if compute_gap:
        levels = list(vals)
        others = [m0 - 1.0, m0 + 1.0]
        if model.is_su2_symmetric and n % 2 == 0:
            # every multiplet with S >= 1 has a member in M = 0: that sector has all levels
            others = []
        elif _no_field(model) and n % 2 == 0:
            others = [m0 + 1.0]  # the spin flip maps M = -1 onto M = +1
        for other in others:
            if abs(other) <= n / 2:
                levels.append(float(_lowest_pairs(model.sz_sector_matrix(other), 1)[0][0]))
        levels.sort()
        gap = float(levels[1] - levels[0]) if len(levels) > 1 else math.inf
    return GroundState(
        energy=energy,
        gap=gap,
        method="sz",
        n_qubits=n,
        low_energies=tuple(float(v) for v in vals[: n_excited + 1]),
        sz=m,
        total_spin=spin,
        basis=states,
        coefficients=coeffs,
    )


def _irrep_dim(n_qubits: int, spin: int) -> int:
    b = n_qubits // 2 - spin
    return math.comb(n_qubits, b) - (math.comb(n_qubits, b - 1) if b >= 1 else 0)


def _check_sector_model(model: HeisenbergChain) -> None:
    broken = model.symmetry_breaking_terms
    if broken:
        raise NotEquivariantError(
            "method='sector' needs an SU(2)-symmetric Hamiltonian; broken by "
            + ", ".join(broken)
            + "; use method='sz' or 'sparse'"
        )
    if model.n_qubits % 2 != 0:
        raise InvalidParameterError(
            f"method='sector' (the total-singlet sector) needs an even n_qubits, "
            f"got n_qubits={model.n_qubits}"
        )


def _sector_solve(model: HeisenbergChain, spin: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Lowest ``k`` eigenpairs of H restricted to the Schur–Weyl sector M_spin.

    Open chains (adjacent bonds only): the sparse sector matrix of
    ``exchange_sector_matrix`` solved like the ``"sz"`` sector (dense below 64, else
    ``eigsh`` with a seeded start vector and relative tolerance 1e-12; a singlet sector
    has no near-degeneracy to resolve), which avoids O(d^3) dense solves of medium
    sectors.  Periodic chains: ``sector_ground_states``, which relabels
    the sites so that the closing bond does not fill the matrix in.
    """
    try:
        from eqqnn.symmetry._spin_sector import exchange_sector_matrix, sector_ground_states
    except ImportError as exc:  # pragma: no cover - depends on the symmetry package
        raise ImportError(
            "method='sector' needs eqqnn.symmetry._spin_sector, which could not be imported "
            f"({exc}); use method='sz' or 'sparse'"
        ) from exc
    n = model.n_qubits
    bonds = [(min(i, j), max(i, j), float(w)) for i, j, w in model.bonds if w != 0.0]
    dim = _irrep_dim(n, spin)
    k = min(k, dim)
    if model.boundary == "periodic":
        vals, vecs = sector_ground_states(n, spin, bonds, k=k, tol=_SECTOR_TOL)
        vals = np.asarray(vals, dtype=np.float64)
        vecs = np.asarray(vecs, dtype=np.float64).reshape(dim, -1)
        order = np.argsort(vals)
        return vals[order], vecs[:, order]
    return _lowest_pairs(exchange_sector_matrix(n, spin, bonds), k, tol=_SECTOR_TOL)


#: Peak bytes per singlet-sector amplitude of the sector solver (1.5 GB at n = 28, whose
#: sector has 2 674 440 amplitudes: cached bond operators and Lanczos vectors).
SECTOR_SOLVER_BYTES_PER_AMPLITUDE = 600


def _guard_memory(model: HeisenbergChain, method: str) -> None:
    """Refuse, before any work, a solve that would not fit in memory."""
    from eqqnn._resources import require_memory
    from eqqnn.symmetry._young import irrep_dimension

    n = model.n_qubits
    if method == "sector":
        d = irrep_dimension(n, 0) if n % 2 == 0 else irrep_dimension(n, 0.5)
        need = SECTOR_SOLVER_BYTES_PER_AMPLITUDE * 1.5 * d  # the triplet sector is ~1.5x
        size = f"{d:,} singlet-sector amplitudes"
    elif method == "dense":
        return  # the dense matrix has its own hard limit (n <= 14, 4 GiB)
    else:
        need, size = 16.0 * 2**n * (n + 30), f"2^{n} amplitudes"
    require_memory(
        need,
        f"the {method} ground state at n = {n} ({size})",
        "for the SU(2)-symmetric chain use method='sector' (n <= 28 on a 24 GiB machine), "
        "or eqqnn.data.mps_ground_state (DMRG matrix-product states, n = 64 in seconds)",
    )


def _sector_method(model: HeisenbergChain, n_excited: int, compute_gap: bool) -> GroundState:
    _check_sector_model(model)
    n = model.n_qubits
    vals, vecs = _sector_solve(model, 0, n_excited + 1 + (1 if compute_gap else 0))
    gap = None
    if compute_gap:
        candidates = [float(vals[1])] if vals.shape[0] > 1 else []
        triplet, _ = _sector_solve(model, 1, 1)
        candidates.append(float(triplet[0]))
        gap = min(candidates) - float(vals[0])
    coeffs = _fix_sign(vecs[:, 0] / np.linalg.norm(vecs[:, 0]))
    coeffs.setflags(write=False)
    return GroundState(
        energy=float(vals[0]),
        gap=gap,
        method="sector",
        n_qubits=n,
        low_energies=tuple(float(v) for v in vals[: n_excited + 1]),
        sz=0.0,
        total_spin=0.0,
        sector_vector=coeffs,
    )


def ground_state(
    model: HeisenbergChain,
    method: str = "auto",
    *,
    n_excited: int = 1,
    compute_gap: bool = True,
) -> GroundState:
    r"""Exact ground state of a bond-alternating Heisenberg chain.

    .. math:: |\psi_0\rangle = \arg\min_{\|\psi\| = 1} \langle\psi|H|\psi\rangle

    chosen inside a (nearly) degenerate ground level by the quantum-number rules of the
    module docstring: for the SU(2)-symmetric chain, always the total singlet.

    Parameters
    ----------
    model : BondAlternatingHeisenberg
        The Hamiltonian (any :class:`~eqqnn.data._chain.HeisenbergChain`: only its
        matrices and terms are used).
    method : {"auto", "dense", "sparse", "sz", "sector"}
        Solver (module docstring).
    n_excited : int
        Number of levels above the lowest to compute and report in ``low_energies``.
    compute_gap : bool
        Compute ``gap`` (for ``"sz"`` and ``"sector"`` this costs extra sector solves;
        the triplet solve of ``"sector"`` dominates at large ``n``).

    Returns
    -------
    GroundState

    Raises
    ------
    InvalidParameterError
        Unknown method, negative ``n_excited``, odd ``n`` with ``"sector"``.
    NotEquivariantError
        ``"sector"`` on a model with anisotropy or fields (the message names them).
    ProblemTooLargeError
        ``"dense"`` above 14 qubits, ``"sparse"`` above 24, ``"sz"`` above 26.

    Examples
    --------
    >>> from eqqnn.data import BondAlternatingHeisenberg
    >>> gs = ground_state(BondAlternatingHeisenberg(4, 0.0), "sparse")
    >>> round(gs.energy, 12), round(gs.gap, 12), gs.total_spin
    (-1.5, 1.0, 0.0)
    """
    if not isinstance(model, HeisenbergChain):
        raise InvalidParameterError(
            f"model must be a BondAlternatingHeisenberg, got {type(model).__name__}"
        )
    method = check_choice("method", method, GROUND_STATE_METHODS)
    n_excited = check_int("n_excited", n_excited, minimum=0)
    if not isinstance(compute_gap, bool):
        raise InvalidParameterError(f"compute_gap must be a bool, got {compute_gap!r}")
    if method == "auto":
        method = "sector" if model.is_su2_symmetric and model.n_qubits % 2 == 0 else "sparse"
    _guard_memory(model, method)
    if method in ("dense", "sparse"):
        return _full_space(model, method, n_excited, compute_gap)
    if method == "sz":
        return _sz_method(model, n_excited, compute_gap)
    return _sector_method(model, n_excited, compute_gap)
