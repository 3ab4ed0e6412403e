r"""Classical shadows from randomized single-qubit Pauli measurements.

For each shot every qubit is measured in a uniformly random Pauli basis ``a_i`` in
``{x, y, z}`` (codes 0, 1, 2) with outcome ``s_i = ±1``.  The classical shadow of one
shot is the product operator

.. math::

    \hat\rho = \bigotimes_{i} \big(3\,U_i^\dagger |b_i\rangle\langle b_i| U_i - I\big)
             = \bigotimes_i \tfrac12\big(I + 3 s_i\,\sigma^{a_i}_i\big),

so the per-site information is the 3-vector ``v_i = 3 s_i e_{a_i}`` (the *snapshot
vector*) with :math:`\mathbb E[v_i] = \langle\vec\sigma_i\rangle` (the Bloch vector)
and, for ``i ≠ j``, :math:`\mathbb E[v_i\cdot v_j] = \langle\vec\sigma_i\cdot\vec\sigma_j\rangle`
(Huang, Kueng, Preskill; arXiv:2106.12627).

Sampling is exact (Born rule of the rotated state) and vectorized over shots by
measuring the qubits one after the other: after qubits ``0..q-1`` have been measured
the conditional state of the remaining qubits depends only on the bases and outcomes
so far, and shots that share them share one conditional vector.  The number of distinct
conditional vectors at depth ``q`` is at most ``min(T, 6^q)`` and their length is
``2^{n-q}``, so the cost is far below ``T · 2^n`` (1000 shots at ``n = 12`` take a few
milliseconds).

Conventions: qubit 0 is the most significant bit of the state index and ``|0⟩`` is
the ``+1`` eigenvector of ``σ^z`` (spin up).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch

from eqqnn._validation import check_int
from eqqnn.errors import DimensionError, InvalidParameterError

__all__ = [
    "PAULI_BASES",
    "CorrelatorEstimate",
    "ShadowData",
    "estimate_bloch_vectors",
    "estimate_correlators",
    "exact_bloch_vectors",
    "exact_correlators",
    "sample_shadows",
    "sample_shadows_batch",
    "shadow_correlator_tensor",
    "shadow_snapshot_tensor",
]

#: Names of the measurement bases, indexed by the codes stored in :attr:`ShadowData.bases`.
PAULI_BASES: tuple[str, str, str] = ("x", "y", "z")

_S = 1.0 / np.sqrt(2.0)
# _EIG[a, o, k]: component k of the eigenvector of sigma^a with eigenvalue +1 (o = 0)
# or -1 (o = 1).
_EIG = np.array(
    [
        [[_S, _S], [_S, -_S]],
        [[_S, 1j * _S], [_S, -1j * _S]],
        [[1.0, 0.0], [0.0, 1.0]],
    ],
    dtype=np.complex128,
)
_EIG_CONJ = np.ascontiguousarray(_EIG.conj())
_NORM_TOL = 1e-6


def _rng_from(seed: int | np.random.Generator, name: str = "seed") -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(check_int(name, seed, minimum=0))


def _as_state(state_vector: object, name: str = "state_vector") -> tuple[np.ndarray, int]:
    """Validate one state vector; return it as normalized complex128 and its qubit count."""
    if isinstance(state_vector, torch.Tensor):
        state_vector = state_vector.detach().cpu().resolve_conj().numpy()
    psi = np.asarray(state_vector)
    if psi.ndim != 1:
        raise DimensionError(f"{name} must be 1-D of length 2^n, got shape {psi.shape}")
    dim = psi.shape[0]
    if dim < 2 or dim & (dim - 1):
        raise DimensionError(f"{name} must have length 2^n with n >= 1, got length {dim}")
    if not np.issubdtype(psi.dtype, np.number) or np.issubdtype(psi.dtype, np.bool_):
        raise InvalidParameterError(f"{name} must be numeric, got dtype {psi.dtype}")
    psi = psi.astype(np.complex128, copy=False)
    if not np.all(np.isfinite(psi)):
        raise InvalidParameterError(f"{name} must be finite, got NaN or inf entries")
    norm = float(np.linalg.norm(psi))
    if abs(norm - 1.0) > _NORM_TOL:
        raise InvalidParameterError(f"{name} must be normalized (norm 1), got norm {norm:.6g}")
    return psi / norm, dim.bit_length() - 1


@dataclass(frozen=True, eq=False)
class ShadowData:
    """Randomized Pauli measurement record of one state.

    Attributes
    ----------
    bases : numpy.ndarray
        ``(T, n)`` int8, basis code per shot and qubit (0 = x, 1 = y, 2 = z).
    outcomes : numpy.ndarray
        ``(T, n)`` int8, measured eigenvalue ``+1`` or ``-1``.
    """

    bases: np.ndarray
    outcomes: np.ndarray

    def __post_init__(self) -> None:
        bases = np.asarray(self.bases)
        outcomes = np.asarray(self.outcomes)
        if bases.ndim != 2 or bases.shape != outcomes.shape:
            raise DimensionError(
                "bases and outcomes must both have shape (n_shots, n_qubits), got "
                f"{bases.shape} and {outcomes.shape}"
            )
        if bases.size and (bases.min() < 0 or bases.max() > 2):
            raise InvalidParameterError(
                f"bases must be codes in {{0, 1, 2}}, got values in [{bases.min()}, {bases.max()}]"
            )
        if outcomes.size and not np.all(np.abs(outcomes) == 1):
            raise InvalidParameterError("outcomes must be +1 or -1, got other values")
        bases = bases.astype(np.int8, copy=True)
        outcomes = outcomes.astype(np.int8, copy=True)
        bases.flags.writeable = False
        outcomes.flags.writeable = False
        object.__setattr__(self, "bases", bases)
        object.__setattr__(self, "outcomes", outcomes)

    @property
    def n_shots(self) -> int:
        """Number of shots ``T``."""
        return int(self.bases.shape[0])

    @property
    def n_qubits(self) -> int:
        """Number of qubits ``n``."""
        return int(self.bases.shape[1])

    def snapshot_vectors(self, dtype: np.dtype | type = np.float64) -> np.ndarray:
        r"""Per-site snapshot vectors ``3 s_i e_{a_i}``.

        .. math::

            v_{t,i} = 3\, s_{t,i}\, e_{a_{t,i}}, \qquad
            \mathbb E_t[v_{t,i}] = \langle \vec\sigma_i \rangle .

        Returns
        -------
        numpy.ndarray
            Shape ``(T, n, 3)``.

        Examples
        --------
        >>> ShadowData(np.array([[0, 2]]), np.array([[1, -1]])).snapshot_vectors()[0]
        array([[ 3.,  0.,  0.],
               [ 0.,  0., -3.]])
        """
        out = np.zeros((*self.bases.shape, 3), dtype=dtype)
        np.put_along_axis(
            out, self.bases[..., None].astype(np.intp), 3 * self.outcomes[..., None], axis=-1
        )
        return out


class CorrelatorEstimate(NamedTuple):
    """An estimate of a matrix of expectation values with its standard error."""

    values: np.ndarray
    stderr: np.ndarray


def _sample_outcomes(psi: np.ndarray, n: int, bases: np.ndarray, rng: np.random.Generator):
    """Exact Born sampling of ``outcomes`` (0 for +1, 1 for -1) qubit by qubit."""
    n_shots = bases.shape[0]
    outcome_idx = np.empty((n_shots, n), dtype=np.int8)
    nodes = psi.reshape(1, -1)  # distinct normalized conditional states
    node_of_shot = np.zeros(n_shots, dtype=np.intp)
    for q in range(n):
        half = nodes.shape[1] // 2
        key = node_of_shot * 3 + bases[:, q]
        groups, group_of_shot = np.unique(key, return_inverse=True)
        phi = nodes[groups // 3].reshape(-1, 2, half)
        # chi[g, o] = <v_{a, o}| phi_g> on qubit q: the unnormalized post-measurement states.
        chi = np.matmul(_EIG_CONJ[groups % 3], phi)
        weight = np.einsum("goh,goh->go", chi.real, chi.real) + np.einsum(
            "goh,goh->go", chi.imag, chi.imag
        )
        total = weight.sum(axis=1)
        p_plus = weight[:, 0] / total
        o = (rng.random(n_shots) >= p_plus[group_of_shot]).astype(np.intp)
        outcome_idx[:, q] = o
        branch, node_of_shot = np.unique(group_of_shot * 2 + o, return_inverse=True)
        g, ob = branch // 2, branch % 2
        nodes = chi[g, ob] / np.sqrt(weight[g, ob])[:, None]
    return outcome_idx


def sample_shadows(
    state_vector: np.ndarray | torch.Tensor,
    n_shots: int,
    *,
    seed: int | np.random.Generator,
) -> ShadowData:
    r"""Sample ``n_shots`` randomized Pauli measurements of a pure state.

    For each shot the bases ``a_i`` are drawn uniformly from ``{x, y, z}`` and the
    outcomes from the exact Born distribution

    .. math::

        p(s \mid a) = \big|\langle \psi | \textstyle\bigotimes_i |a_i, s_i\rangle\big|^2 .

    Parameters
    ----------
    state_vector : array_like or torch.Tensor
        Normalized state of length ``2^n`` (qubit 0 = most significant bit).
    n_shots : int
        Number of shots ``T >= 1``.
    seed : int or numpy.random.Generator
        Seed (or generator) for the bases and the outcomes.

    Returns
    -------
    ShadowData

    Examples
    --------
    >>> up = np.array([1.0, 0.0])
    >>> shadows = sample_shadows(up, 300, seed=1)
    >>> bool(np.all(shadows.outcomes[shadows.bases == 2] == 1))
    True
    >>> shadows.snapshot_vectors().mean(axis=0).round(1).shape
    (1, 3)
    """
    psi, n = _as_state(state_vector)
    t = check_int("n_shots", n_shots, minimum=1)
    rng = _rng_from(seed)
    bases = rng.integers(0, 3, size=(t, n), dtype=np.int8)
    idx = _sample_outcomes(psi, n, bases.astype(np.intp), rng)
    outcomes = (1 - 2 * idx).astype(np.int8)
    return ShadowData(bases=bases, outcomes=outcomes)


def _check_groups(n_groups: int, n_shots: int) -> int:
    k = check_int("n_groups", n_groups, minimum=1)
    if k > n_shots:
        raise InvalidParameterError(
            f"n_groups must be <= n_shots ({n_shots}) for median-of-means, got {k}"
        )
    return k


def _mean_or_mom(samples: np.ndarray, n_groups: int) -> np.ndarray:
    if n_groups == 1:
        return samples.mean(axis=0)
    means = np.stack([g.mean(axis=0) for g in np.array_split(samples, n_groups, axis=0)])
    return np.median(means, axis=0)


def _stderr(samples: np.ndarray) -> np.ndarray:
    t = samples.shape[0]
    if t < 2:
        return np.full(samples.shape[1:], np.inf)
    return samples.std(axis=0, ddof=1) / np.sqrt(t)


def estimate_bloch_vectors(shadows: ShadowData, *, n_groups: int = 1) -> CorrelatorEstimate:
    r"""Shadow estimate of the Bloch vectors :math:`\langle\vec\sigma_i\rangle`.

    .. math::

        \hat r_i = \frac1T \sum_t v_{t,i}, \qquad
        \mathrm{se}(\hat r_i) = \frac{\operatorname{std}_t(v_{t,i})}{\sqrt T}.

    With ``n_groups > 1`` the values are the median of the means of ``n_groups``
    contiguous groups of shots (median of means); the standard error stays the one of
    the plain mean.

    Returns
    -------
    CorrelatorEstimate
        ``values`` and ``stderr`` of shape ``(n, 3)``.

    Examples
    --------
    >>> est = estimate_bloch_vectors(sample_shadows(np.array([1.0, 0.0]), 2000, seed=0))
    >>> bool(abs(est.values[0, 2] - 1.0) < 5 * est.stderr[0, 2])
    True
    """
    snaps = shadows.snapshot_vectors()
    k = _check_groups(n_groups, shadows.n_shots)
    return CorrelatorEstimate(_mean_or_mom(snaps, k), _stderr(snaps))


def estimate_correlators(shadows: ShadowData, *, n_groups: int = 1) -> CorrelatorEstimate:
    r"""Shadow estimate of the spin correlators :math:`\langle\vec\sigma_i\cdot\vec\sigma_j\rangle`.

    For ``i ≠ j`` each shot contributes the product of the two snapshot vectors,

    .. math::

        X_{t,ij} = v_{t,i}\cdot v_{t,j} = 9\, s_{t,i} s_{t,j}\,\delta_{a_{t,i} a_{t,j}},
        \qquad \mathbb E[X_{t,ij}] = \sum_{a} \langle\sigma^a_i\sigma^a_j\rangle,

    and the estimate is the mean over shots (or the median of group means when
    ``n_groups > 1``) with standard error ``std_t(X_{t,ij}) / sqrt(T)``.  The diagonal
    is exact: :math:`\vec\sigma_i\cdot\vec\sigma_i = 3`, with standard error 0.

    Returns
    -------
    CorrelatorEstimate
        ``values`` and ``stderr`` of shape ``(n, n)``, symmetric.

    Examples
    --------
    >>> singlet = np.array([0.0, 1.0, -1.0, 0.0]) / np.sqrt(2)
    >>> est = estimate_correlators(sample_shadows(singlet, 4000, seed=3))
    >>> bool(abs(est.values[0, 1] + 3.0) < 4 * est.stderr[0, 1])
    True
    """
    snaps = shadows.snapshot_vectors()
    k = _check_groups(n_groups, shadows.n_shots)
    x = np.einsum("tia,tja->tij", snaps, snaps)
    values = _mean_or_mom(x, k)
    stderr = _stderr(x)
    diag = np.arange(shadows.n_qubits)
    values[diag, diag] = 3.0
    stderr[diag, diag] = 0.0
    return CorrelatorEstimate(values, stderr)


def exact_bloch_vectors(state_vector: np.ndarray | torch.Tensor) -> np.ndarray:
    r"""Exact Bloch vectors :math:`\vec r_i = \langle\vec\sigma_i\rangle` of every qubit.

    From the one-qubit reduced density matrix
    :math:`\rho_i = \tfrac12 (I + \vec r_i\cdot\vec\sigma)`:
    :math:`r^x = 2\,\mathrm{Re}\,\rho_{01}`, :math:`r^y = -2\,\mathrm{Im}\,\rho_{01}`,
    :math:`r^z = \rho_{00} - \rho_{11}`.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, 3)``, float64.

    Examples
    --------
    >>> exact_bloch_vectors(np.array([1.0, 1.0]) / np.sqrt(2)).round(12)
    array([[1., 0., 0.]])
    """
    psi, n = _as_state(state_vector)
    out = np.empty((n, 3), dtype=np.float64)
    for i in range(n):
        m = psi.reshape(2**i, 2, -1)
        rho = np.einsum("akb,alb->kl", m, m.conj())
        out[i] = (2 * rho[0, 1].real, -2 * rho[0, 1].imag, (rho[0, 0] - rho[1, 1]).real)
    return out + 0.0  # no negative zeros


def exact_correlators(state_vector: np.ndarray | torch.Tensor) -> np.ndarray:
    r"""Exact spin correlators :math:`\langle\vec\sigma_i\cdot\vec\sigma_j\rangle`.

    Uses :math:`\vec\sigma_i\cdot\vec\sigma_j = 2\,\mathrm{SWAP}_{ij} - I` for ``i ≠ j``
    and 3 on the diagonal.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, n)``, float64, symmetric.

    Examples
    --------
    >>> singlet = np.array([0.0, 1.0, -1.0, 0.0]) / np.sqrt(2)
    >>> exact_correlators(singlet).round(12)
    array([[ 3., -3.],
           [-3.,  3.]])
    """
    psi, n = _as_state(state_vector)
    tensor = psi.reshape((2,) * n)
    out = np.full((n, n), 3.0)
    for i in range(n):
        for j in range(i + 1, n):
            swapped = np.swapaxes(tensor, i, j)
            value = 2.0 * np.vdot(tensor, swapped).real - 1.0
            out[i, j] = out[j, i] = value
    return out


def _as_state_batch(states: object) -> list[np.ndarray]:
    if hasattr(states, "states") and hasattr(states, "state_form"):
        if states.state_form != "qubit":
            raise InvalidParameterError(
                "shadows need qubit state vectors, got a dataset with state_form="
                f"{states.state_form!r}; expected 'qubit'"
            )
        states = states.states
    if isinstance(states, torch.Tensor):
        states = states.detach().cpu().resolve_conj().numpy()
    if isinstance(states, np.ndarray):
        if states.ndim != 2:
            raise DimensionError(f"states must have shape (N, 2^n), got {states.shape}")
        return list(states)
    if isinstance(states, Sequence):
        return list(states)
    raise InvalidParameterError(
        f"states must be an array (N, 2^n), a sequence of vectors or a PhaseDataset, "
        f"got {type(states).__name__}"
    )


def _spawn(seed: int | np.random.Generator, count: int) -> list[np.random.Generator]:
    if isinstance(seed, np.random.Generator):
        return list(seed.spawn(count))
    ss = np.random.SeedSequence(check_int("seed", seed, minimum=0))
    return [np.random.default_rng(child) for child in ss.spawn(count)]


def sample_shadows_batch(
    states: object, n_shots: int, *, seed: int | np.random.Generator
) -> list[ShadowData]:
    """Sample ``n_shots`` shadows of each state, with independent child seeds.

    The generator of state ``k`` is child ``k`` of ``numpy.random.SeedSequence(seed)``
    (or of ``seed.spawn`` for a generator), so results do not depend on batching.

    Parameters
    ----------
    states : array_like, torch.Tensor or PhaseDataset
        ``(N, 2^n)`` state vectors (a dataset must have ``state_form="qubit"``).
    n_shots : int
        Shots per state.
    seed : int or numpy.random.Generator
        Root seed.

    Returns
    -------
    list of ShadowData

    Examples
    --------
    >>> batch = sample_shadows_batch(np.eye(4)[:2], 10, seed=0)
    >>> len(batch), batch[0].bases.shape
    (2, (10, 2))
    """
    vectors = _as_state_batch(states)
    t = check_int("n_shots", n_shots, minimum=1)
    rngs = _spawn(seed, len(vectors))
    return [sample_shadows(v, t, seed=rng) for v, rng in zip(vectors, rngs, strict=True)]


def shadow_snapshot_tensor(
    states: object,
    n_shots: int,
    *,
    seed: int | np.random.Generator,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Snapshot vectors of every state as a tensor of shape ``(N, T, n, 3)``.

    See :func:`sample_shadows_batch` for the seeding and :meth:`ShadowData.snapshot_vectors`
    for the content.

    Examples
    --------
    >>> shadow_snapshot_tensor(np.eye(8)[:3], 5, seed=0, dtype=torch.float64).shape
    torch.Size([3, 5, 3, 3])
    """
    _check_real_dtype(dtype)
    batch = sample_shadows_batch(states, n_shots, seed=seed)
    arr = np.stack([s.snapshot_vectors() for s in batch])
    return torch.as_tensor(arr).to(device=device, dtype=dtype)


def shadow_correlator_tensor(
    states: object,
    n_shots: int,
    *,
    seed: int | np.random.Generator,
    n_groups: int = 1,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Shadow estimates of the correlator matrices of every state, shape ``(N, n, n)``.

    Classical-model features: entry ``[k, i, j]`` is
    :func:`estimate_correlators` of state ``k``.

    Examples
    --------
    >>> singlet = np.array([[0.0, 1.0, -1.0, 0.0]]) / np.sqrt(2)
    >>> shadow_correlator_tensor(singlet, 100, seed=0).shape
    torch.Size([1, 2, 2])
    """
    _check_real_dtype(dtype)
    batch = sample_shadows_batch(states, n_shots, seed=seed)
    arr = np.stack([estimate_correlators(s, n_groups=n_groups).values for s in batch])
    return torch.as_tensor(arr).to(device=device, dtype=dtype)


def _check_real_dtype(dtype: torch.dtype) -> None:
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise InvalidParameterError(
            f"dtype must be a real floating torch dtype (float32 or float64), got {dtype!r}"
        )
