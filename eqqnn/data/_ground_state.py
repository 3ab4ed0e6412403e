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

**Degenerate levels and phase.**  Inside a (nearly) degenerate ground level every solver
returns the state that the quantum-number rules of :mod:`eqqnn.data._canonical` pick, with
the global sign fixed there too: for the SU(2)-symmetric chain the total singlet, and
:meth:`GroundState.vector` agrees between methods entrywise, not only up to a phase.

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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field as dataclass_field

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from eqqnn._validation import check_choice, check_int
from eqqnn.data._canonical import _canonical_state, _cluster_tol, _fix_phase, _fix_sign, _no_field
from eqqnn.data._chain import HeisenbergChain
from eqqnn.errors import InvalidParameterError, NotEquivariantError, ProblemTooLargeError

__all__ = ["GROUND_STATE_METHODS", "VECTOR_MAX_QUBITS", "GroundState", "ground_state"]

#: Accepted values of ``method``.
GROUND_STATE_METHODS = ("auto", "dense", "sparse", "sz", "sector")
#: Largest ``n`` for which :meth:`GroundState.vector` builds the ``2^n`` array.
VECTOR_MAX_QUBITS = 26

_DENSE_FALLBACK_DIM = 64  # below this, "sparse"/"sz"/"sector" solve the tiny matrix densely
_V0_SEED = 20240611
_EIGSH_TOL = 0.0  # machine precision
_SECTOR_TOL = 1e-12


# --------------------------------------------------------------------------------------
# result type


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
        :attr:`sector_vector` with :func:`eqqnn.symmetry._spin_coupling.sector_to_qubit`.

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
            from eqqnn.symmetry._spin_coupling import sector_to_qubit

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
# the methods


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
    from eqqnn.symmetry._tableaux import irrep_dimension

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

    chosen inside a (nearly) degenerate ground level by the quantum-number rules of
    :mod:`eqqnn.data._canonical`: for the SU(2)-symmetric chain, always the total singlet.

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
