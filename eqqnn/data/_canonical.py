r"""Canonical ground states: which state of a (nearly) degenerate ground level an exact
solver returns, and its global phase.

The solvers of :mod:`eqqnn.data._ground_state` hand over the lowest computed eigenpairs;
the rules here pick one state among them, so that the result does not depend on the basis
the eigensolver happened to return.

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

**Phase.**  The returned vector is real; its global sign is fixed so that the first
amplitude (lowest basis index) whose magnitude is within a relative ``1e-6`` of the
largest is positive.  The same rule applied to the ``2^n`` vector of every method makes
:meth:`~eqqnn.data.GroundState.vector` agree between methods entrywise, not only up to a
phase.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from eqqnn.data._chain import HeisenbergChain, _fixed_popcount_states, sz_sector_basis

_SYM_CLUSTER_TOL = 1e-6
_CLUSTER_TOL = 1e-9
_PHASE_RTOL = 1e-6
_GOLDEN = 0.6180339887498949


# --------------------------------------------------------------------------------------
# sign and phase


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


def _cluster_tol(model: HeisenbergChain) -> float:
    """Relative width of the ground cluster of ``model`` (module docstring)."""
    return _SYM_CLUSTER_TOL if model.is_su2_symmetric else _CLUSTER_TOL
