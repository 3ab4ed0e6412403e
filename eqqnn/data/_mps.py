r"""Matrix-product-state ground states as data, and the classical inputs read off them exactly.

The dense path (:mod:`eqqnn.data._shadows`) samples shadows from ``2^n`` amplitudes and
stops near ``n = 16``.  An :class:`MPSGroundState` holds the ground state of the open
bond-alternating chain of :class:`~eqqnn.data.BondAlternatingHeisenberg` as a
matrix-product state (MPS), computed with two-site DMRG by
:func:`~eqqnn.data.mps_ground_state` (:mod:`eqqnn.data._dmrg`).  This module reads
classical inputs off it exactly: randomized Pauli snapshots and the correlators
:math:`\langle\vec\sigma_i\cdot\vec\sigma_j\rangle`, in the format of
:func:`~eqqnn.data.shadow_snapshot_tensor`, :func:`~eqqnn.data.shadow_correlator_tensor`
and :func:`~eqqnn.data.exact_correlators`.  ``energy`` is the total
:math:`\langle\psi|H|\psi\rangle`, the normalization of
``BondAlternatingHeisenberg(...).ground_state().energy``; site ``i`` is qubit ``i``
(qubit 0 the most significant bit) and the physical index 0 is spin up.

**Exact sampling.**  With the MPS right-canonical, :math:`\sum_p B_i^{p} B_i^{p\dagger} = 1`,
the probability of outcomes on sites ``0..q`` is the squared norm of the row vector
:math:`\ell_q = \ell_{q-1}\,\tilde B_q^{(a_q, s_q)}` with
:math:`\tilde B^{(a, s)} = \sum_p \langle a, s|p\rangle^* B^p`.  Every shot carries its own
:math:`\ell` (``T × χ``); a site costs one ``(T_a × χ) @ (χ × 2χ)`` product per basis
``a``, and the outcome of each shot is drawn from
:math:`p(s_q|s_{<q}) = \|\ell_{q-1}\tilde B_q^{(a_q,s_q)}\|^2/\|\ell_{q-1}\|^2`.
The random numbers are consumed exactly as in the dense sampler (all bases first,
``rng.integers(0, 3, (T, n), int8)``, then one ``rng.random(T)`` per site compared with
:math:`p(+1)`), so for the same seed the two samplers return the same snapshots, up to
floating-point ties, on the same state.  Timings of both, next to those of DMRG: the
cost table of :mod:`eqqnn.data._dmrg`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import numpy as np
import torch

from eqqnn._validation import check_int, check_real
from eqqnn.data._canonical import _fix_phase
from eqqnn.data._shadows import (
    _EIG_CONJ,
    ShadowData,
    _check_groups,
    _check_real_dtype,
    _rng_from,
    _spawn,
    estimate_correlators,
)
from eqqnn.errors import DimensionError, InvalidParameterError, ProblemTooLargeError

__all__ = [
    "MPS_VECTOR_MAX_QUBITS",
    "DMRGSettings",
    "MPSGroundState",
    "mps_exact_correlator_tensor",
    "mps_shadow_correlator_tensor",
    "mps_shadow_snapshot_tensor",
]

#: Largest chain for which :meth:`MPSGroundState.to_vector` builds the ``2^n`` array.
MPS_VECTOR_MAX_QUBITS = 24


# --------------------------------------------------------------------------------------
# configuration and result types


@dataclass(frozen=True)
class DMRGSettings:
    """Convergence settings of the two-site DMRG in :func:`~eqqnn.data.mps_ground_state`.

    Examples
    --------
    >>> DMRGSettings().max_bond
    512
    """

    max_bond: int = 512
    """Largest bond dimension χ the truncation may keep."""
    cutoff: float = 1e-12
    """Largest discarded weight :math:`\\sum_{\\rm discarded} s_k^2` per truncation."""
    tol: float = 1e-11
    """Convergence: absolute energy change per sweep below ``tol`` (and entropy change
    below 1e-5)."""
    max_sweeps: int = 60
    """Sweeps after which DMRG stops unconverged (``converged=False``)."""
    penalty: float = 1.0
    """Weight λ of the :math:`\\vec S_{\\rm tot}^2` penalty (:math:`\\Delta = 1` only: for
    ``r > 1``, or after a plain run with the wrong total spin); 0 switches it off."""
    seed: int = 0
    """Seed of the random initial product state in the target :math:`S^z` sector."""

    def __post_init__(self) -> None:
        check_int("max_bond", self.max_bond, minimum=2)
        check_real("cutoff", self.cutoff, minimum=0.0, maximum=1.0, allow_equal=True)
        check_real("tol", self.tol, minimum=0.0, allow_equal=False)
        check_int("max_sweeps", self.max_sweeps, minimum=2)
        check_real("penalty", self.penalty, minimum=0.0)
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True, eq=False)
class MPSGroundState:
    r"""A DMRG ground state of the open bond-alternating chain, as an MPS.

    .. math::

        |\psi\rangle = \sum_{p_0\dots p_{n-1}} B_0^{p_0} B_1^{p_1}\cdots B_{n-1}^{p_{n-1}}
        |p_0 p_1\dots p_{n-1}\rangle, \qquad \sum_p B_i^p B_i^{p\dagger} = 1,

    with ``p = 0`` spin up (qubit 0 = site 0 = most significant bit of
    :meth:`to_vector`).

    Attributes
    ----------
    n_qubits, ratio, j1, anisotropy, field
        The model (see :class:`~eqqnn.data.BondAlternatingHeisenberg`, open boundary).
    energy : float
        :math:`\langle\psi|H|\psi\rangle` (total energy, without the penalty).
    bond_dim : int
        Largest bond dimension reached.
    truncation_error : float
        Largest discarded weight of a truncation in the last sweep.
    spin_squared : float
        :math:`\langle\vec S_{\rm tot}^{\,2}\rangle` (``S(S+1)``; ``≈ 0`` for the singlet).
    magnetization : int
        The total :math:`S^z` sector ``M`` of the state.
    sweeps : int
        DMRG sweeps performed (all sectors together).
    converged : bool
        Whether the last DMRG met ``settings.tol`` before ``settings.max_sweeps``.
    settings : DMRGSettings
        The DMRG settings used.
    mps : tenpy.networks.mps.MPS
        The TeNPy MPS (right-canonical, ``Sz`` conserved).
    tensors : tuple of numpy.ndarray
        ``B_i`` as read-only arrays of shape ``(χ_i, 2, χ_{i+1})``, physical index
        0 = up, right-canonical.
    """

    n_qubits: int
    ratio: float
    j1: float
    anisotropy: float
    field: float
    energy: float
    bond_dim: int
    truncation_error: float
    spin_squared: float
    magnetization: int
    sweeps: int
    converged: bool
    settings: DMRGSettings
    mps: Any = dataclass_field(repr=False)
    tensors: tuple[np.ndarray, ...] = dataclass_field(repr=False)

    # ---------------------------------------------------------------- sampling
    def shadows(self, n_shots: int, seed: int | np.random.Generator) -> ShadowData:
        r"""Randomized Pauli measurements sampled exactly from the MPS.

        Bases :math:`a_i` uniform in ``{x, y, z}``, outcomes from the Born rule

        .. math::

            p(s\mid a) = \Big|\Big(\textstyle\bigotimes_i\langle a_i, s_i|\Big)
            |\psi\rangle\Big|^2
            = \prod_q p(s_q \mid a_{\le q}, s_{<q}),

        drawn site by site (module docstring); same random-number use as
        :func:`~eqqnn.data.sample_shadows`.

        Parameters
        ----------
        n_shots : int
            Number of shots ``T >= 1``.
        seed : int or numpy.random.Generator
            Seed or generator.

        Returns
        -------
        ShadowData
        """
        t = check_int("n_shots", n_shots, minimum=1)
        rng = _rng_from(seed)
        bases = rng.integers(0, 3, size=(t, self.n_qubits), dtype=np.int8)
        idx = _sample_outcomes_mps(self.tensors, bases.astype(np.intp), rng)
        return ShadowData(bases=bases, outcomes=(1 - 2 * idx).astype(np.int8))

    def snapshots(self, n_shots: int, seed: int | np.random.Generator) -> np.ndarray:
        r"""Snapshot vectors :math:`v_{t,i} = 3 s_{t,i} e_{a_{t,i}}`, shape ``(T, n, 3)``.

        .. math:: \mathbb E_t[v_{t,i}] = \langle\vec\sigma_i\rangle, \qquad
            \mathbb E_t[v_{t,i}\cdot v_{t,j}] = \langle\vec\sigma_i\cdot\vec\sigma_j\rangle
            \ (i\ne j)

        float64; see :meth:`shadows` and :meth:`eqqnn.data.ShadowData.snapshot_vectors`.
        """
        return self.shadows(n_shots, seed).snapshot_vectors()

    # ---------------------------------------------------------------- exact values
    def correlators(self) -> np.ndarray:
        r"""Exact correlators :math:`\langle\vec\sigma_i\cdot\vec\sigma_j\rangle`, ``(n, n)``.

        .. math::

            \langle\vec\sigma_i\cdot\vec\sigma_j\rangle
            = 4\big(\langle S^z_iS^z_j\rangle + \mathrm{Re}\,\langle S^+_iS^-_j\rangle\big)
            \quad (i\ne j), \qquad 3 \text{ on the diagonal},

        from transfer matrices of the right-canonical MPS, with
        :math:`\rho_{\rm left}(i) = \mathrm{diag}(s_i^2)` (Schmidt values) at the start:
        :math:`O(n^2\chi^3)`.  Same format as :func:`~eqqnn.data.exact_correlators`.
        """
        return _correlators(self.tensors, self._schmidt_squares())

    def _schmidt_squares(self) -> list[np.ndarray]:
        out = []
        for i in range(self.n_qubits):
            s = np.asarray(self.mps.get_SL(i), dtype=np.float64)
            out.append(s * s)
        return out

    def to_vector(self) -> np.ndarray:
        r"""The state as a complex128 array of length :math:`2^n` (qubit 0 most significant).

        .. math:: \psi_{p_0\dots p_{n-1}} = B_0^{p_0}\cdots B_{n-1}^{p_{n-1}}

        The global phase follows :meth:`eqqnn.data.GroundState.vector`: the first entry
        whose magnitude is within ``1e-6`` (relative) of the largest is real positive, so
        the vector agrees entrywise with the exact solvers.

        Raises
        ------
        ProblemTooLargeError
            For ``n_qubits > MPS_VECTOR_MAX_QUBITS`` (24).
        """
        n = self.n_qubits
        if n > MPS_VECTOR_MAX_QUBITS:
            raise ProblemTooLargeError(
                f"MPSGroundState.to_vector() is limited to n_qubits <= {MPS_VECTOR_MAX_QUBITS} "
                f"(2^{MPS_VECTOR_MAX_QUBITS} amplitudes), got n_qubits={n}; use "
                "snapshots() or correlators() instead"
            )
        psi = np.ones((1, 1), dtype=np.complex128)
        for b in self.tensors:
            chi_l, _, chi_r = b.shape
            psi = (psi @ b.reshape(chi_l, 2 * chi_r)).reshape(-1, chi_r)
        return _fix_phase(psi.reshape(-1))

    def overlap(self, vector: np.ndarray | torch.Tensor) -> complex:
        r"""Overlap :math:`\langle\psi_{\rm MPS}|\phi\rangle` with a dense vector.

        Uses :meth:`to_vector` (same phase convention), so ``|overlap|^2`` is the fidelity
        for a normalized ``vector``.

        Raises
        ------
        DimensionError
            If ``vector`` is not 1-D of length ``2^n``.
        ProblemTooLargeError
            For ``n_qubits > MPS_VECTOR_MAX_QUBITS``.
        """
        if isinstance(vector, torch.Tensor):
            vector = vector.detach().cpu().resolve_conj().numpy()
        phi = np.asarray(vector)
        if phi.shape != (2**self.n_qubits,):
            raise DimensionError(
                f"vector must have shape ({2**self.n_qubits},) for n_qubits={self.n_qubits}, "
                f"got {phi.shape}"
            )
        return complex(np.vdot(self.to_vector(), phi.astype(np.complex128, copy=False)))


# --------------------------------------------------------------------------------------
# sampling and correlators on plain arrays


def _sample_outcomes_mps(
    tensors: Sequence[np.ndarray], bases: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Born sampling of outcome indices (0 for +1, 1 for -1) site by site, all shots at once."""
    n_shots, n = bases.shape
    outcome_idx = np.empty((n_shots, n), dtype=np.int8)
    left = np.ones((n_shots, 1), dtype=np.complex128)
    for q in range(n):
        b = tensors[q]
        chi_l, _, chi_r = b.shape
        # rot[a, o] = sum_p conj(<p|a, o>) B^p: the tensor projected on outcome o of basis a.
        rot = np.einsum("aop,lpr->alor", _EIG_CONJ, b).reshape(3, chi_l, 2 * chi_r)
        cand = np.empty((n_shots, 2, chi_r), dtype=np.complex128)
        for a in range(3):
            rows = np.flatnonzero(bases[:, q] == a)
            if rows.size:
                cand[rows] = (left[rows] @ rot[a]).reshape(-1, 2, chi_r)
        weight = np.einsum("tor,tor->to", cand.real, cand.real) + np.einsum(
            "tor,tor->to", cand.imag, cand.imag
        )
        p_plus = weight[:, 0] / weight.sum(axis=1)
        o = (rng.random(n_shots) >= p_plus).astype(np.intp)
        outcome_idx[:, q] = o
        chosen = cand[np.arange(n_shots), o]
        left = chosen / np.sqrt(weight[np.arange(n_shots), o])[:, None]
    return outcome_idx


_SZ = np.diag([0.5, -0.5])
_SP = np.array([[0.0, 1.0], [0.0, 0.0]])  # S^+ = |up><down|
_SM = _SP.T


def _correlators(tensors: Sequence[np.ndarray], schmidt_sq: Sequence[np.ndarray]) -> np.ndarray:
    r"""``4(<S^z_i S^z_j> + Re <S^+_i S^-_j>)`` off the diagonal, 3 on it.

    ``env[c]`` is the left environment (bra index first) with ``S^z`` (``c = 0``) or
    ``S^+`` (``c = 1``) inserted at site ``i``; closing at ``j`` with ``S^z`` or ``S^-``
    needs no right environment because the tensors are right-canonical.
    """
    n = len(tensors)
    out = np.full((n, n), 3.0)
    close = np.stack([_SZ, _SM])  # operator applied at site j, per channel
    for i in range(n - 1):
        b = tensors[i]
        ket = b * np.sqrt(schmidt_sq[i])[:, None, None]
        env = np.stack([np.einsum("lpr,pq,lqs->rs", ket.conj(), op, ket) for op in (_SZ, _SP)])
        for j in range(i + 1, n):
            bj = tensors[j]
            chi_l, _, chi_r = bj.shape
            # tmp[c, l, q, t] = sum_s env[c, l, s] B_j[s, q, t]
            tmp = (env @ bj.reshape(chi_l, 2 * chi_r)).reshape(2, chi_l, 2, chi_r)
            bra = bj.conj()
            closed = np.einsum("cpq,clqt->clpt", close, tmp)
            values = np.einsum("lpt,clpt->c", bra, closed)
            out[i, j] = out[j, i] = 4.0 * float(np.real(values.sum()))
            if j < n - 1:
                # env[c, r, t] = sum_{l, q} conj(B_j)[l, q, r] tmp[c, l, q, t]
                env = bra.reshape(chi_l * 2, chi_r).T @ tmp.reshape(2, chi_l * 2, chi_r)
    return out


# --------------------------------------------------------------------------------------
# batch API mirroring the dense functions


def _check_ground_states(ground_states: object) -> list[MPSGroundState]:
    if isinstance(ground_states, MPSGroundState) or not isinstance(ground_states, Sequence):
        raise InvalidParameterError(
            "ground_states must be a sequence of MPSGroundState, got "
            f"{type(ground_states).__name__}"
        )
    states = list(ground_states)
    if not states:
        raise InvalidParameterError("ground_states must hold at least one state, got none")
    for k, gs in enumerate(states):
        if not isinstance(gs, MPSGroundState):
            raise InvalidParameterError(
                f"ground_states[{k}] must be an MPSGroundState, got {type(gs).__name__}"
            )
    sizes = {gs.n_qubits for gs in states}
    if len(sizes) > 1:
        raise DimensionError(
            f"ground_states must all have the same n_qubits to stack, got {sorted(sizes)}"
        )
    return states


def mps_shadow_snapshot_tensor(
    ground_states: Sequence[MPSGroundState],
    n_shots: int,
    *,
    seed: int | np.random.Generator,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    r"""Snapshot vectors of every MPS ground state, shape ``(N, T, n, 3)``.

    Drop-in for :func:`~eqqnn.data.shadow_snapshot_tensor`: entry ``[k, t, i]`` is
    :math:`v_{t,i} = 3 s_{t,i} e_{a_{t,i}}` of state ``k``; the generator of state ``k`` is
    child ``k`` of ``numpy.random.SeedSequence(seed)`` (or of ``seed.spawn``), so
    results do not depend on batching and equal the dense sampler's on ``to_vector()``.

    Examples
    --------
    >>> from eqqnn.data import mps_ground_state
    >>> gs = mps_ground_state(4, 0.5)
    >>> mps_shadow_snapshot_tensor([gs, gs], 6, seed=0).shape
    torch.Size([2, 6, 4, 3])
    """
    _check_real_dtype(dtype)
    states = _check_ground_states(ground_states)
    t = check_int("n_shots", n_shots, minimum=1)
    rngs = _spawn(seed, len(states))
    arr = np.stack([gs.snapshots(t, rng) for gs, rng in zip(states, rngs, strict=True)])
    return torch.as_tensor(arr).to(device=device, dtype=dtype)


def mps_shadow_correlator_tensor(
    ground_states: Sequence[MPSGroundState],
    n_shots: int,
    *,
    seed: int | np.random.Generator,
    n_groups: int = 1,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    r"""Shadow estimates of the correlator matrices, shape ``(N, n, n)``.

    Drop-in for :func:`~eqqnn.data.shadow_correlator_tensor`: entry ``[k, i, j]`` is
    :func:`~eqqnn.data.estimate_correlators` of the shots of state ``k``,

    .. math:: \hat C_{ij} = \frac1T\sum_t v_{t,i}\cdot v_{t,j}\ (i\ne j),\qquad
        \hat C_{ii} = 3,

    (median of ``n_groups`` group means when ``n_groups > 1``); seeding as in
    :func:`mps_shadow_snapshot_tensor`.

    Examples
    --------
    >>> from eqqnn.data import mps_ground_state
    >>> gs = mps_ground_state(4, 0.5)
    >>> mps_shadow_correlator_tensor([gs], 50, seed=0).shape
    torch.Size([1, 4, 4])
    """
    _check_real_dtype(dtype)
    states = _check_ground_states(ground_states)
    t = check_int("n_shots", n_shots, minimum=1)
    k = _check_groups(n_groups, t)
    rngs = _spawn(seed, len(states))
    arr = np.stack(
        [
            estimate_correlators(gs.shadows(t, rng), n_groups=k).values
            for gs, rng in zip(states, rngs, strict=True)
        ]
    )
    return torch.as_tensor(arr).to(device=device, dtype=dtype)


def mps_exact_correlator_tensor(
    ground_states: Sequence[MPSGroundState],
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    r"""Exact correlators :math:`\langle\vec\sigma_i\cdot\vec\sigma_j\rangle` of every state.

    Shape ``(N, n, n)``; entry ``[k]`` is :meth:`MPSGroundState.correlators` of state
    ``k`` (the MPS analogue of stacking :func:`~eqqnn.data.exact_correlators`).

    Examples
    --------
    >>> from eqqnn.data import mps_ground_state
    >>> gs = mps_ground_state(4, 0.0)   # two singlets on the bonds (0,1) and (2,3)
    >>> mps_exact_correlator_tensor([gs]).round(decimals=10)[0, 0]
    tensor([ 3., -3.,  0.,  0.], dtype=torch.float64)
    """
    _check_real_dtype(dtype)
    states = _check_ground_states(ground_states)
    arr = np.stack([gs.correlators() for gs in states])
    return torch.as_tensor(arr).to(device=device, dtype=dtype)
