r"""Equivariant quantum channels through their Choi operators.

Convention: the Choi operator of a channel :math:`\Phi` from a ``d_in``- to a
``d_out``-dimensional system is

.. math:: J_\Phi = \sum_{ij} |i\rangle\langle j| \otimes \Phi(|i\rangle\langle j|)
          \quad (\text{input first}), \qquad
          \Phi(\rho) = \mathrm{Tr}_{in}\big[(\rho^T \otimes I) J_\Phi\big] .

:math:`\Phi` is completely positive iff :math:`J_\Phi \succeq 0`, trace preserving iff
:math:`\mathrm{Tr}_{out} J_\Phi = I`, and equivariant,
:math:`\Phi(\rho_{in}(g) X \rho_{in}(g)^\dagger) = \rho_{out}(g)\Phi(X)\rho_{out}(g)^\dagger`,
iff

.. math:: [J_\Phi, \overline{\rho_{in}(g)} \otimes \rho_{out}(g)] = 0 \quad \forall g .

For SU(2) and a 2→1 qubit channel the commutant of :math:`\bar U^{\otimes 2}\otimes U` is
five-dimensional: the partial transposes of the :math:`S_3` permutations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from eqqnn.errors import DimensionError
from eqqnn.symmetry._equivariant import equivariant_basis, hermitian_basis, twirl
from eqqnn.symmetry._representations import Dual, Representation, TensorProduct

__all__ = [
    "apply_choi",
    "choi_from_kraus",
    "choi_representation",
    "choi_to_kraus",
    "cptp_violation",
    "equivariant_choi_basis",
    "is_cptp",
    "twirl_channel",
]


def _dims(j: np.ndarray, d_in: int, d_out: int) -> np.ndarray:
    j = np.asarray(j)
    if j.shape[-2:] != (d_in * d_out, d_in * d_out):
        raise DimensionError(
            f"a Choi operator from dimension {d_in} to {d_out} has shape "
            f"({d_in * d_out}, {d_in * d_out}), got {j.shape}"
        )
    return j


def choi_from_kraus(kraus: Sequence[np.ndarray]) -> np.ndarray:
    r""":math:`J = \sum_k |K_k\rangle\!\rangle\langle\!\langle K_k|`, with
    :math:`|K\rangle\!\rangle = \sum_i |i\rangle \otimes K|i\rangle`.

    Examples
    --------
    >>> j = choi_from_kraus([np.eye(2)])        # identity channel
    >>> float(np.trace(j).real)
    2.0
    """
    kraus = np.asarray(kraus)
    if kraus.ndim != 3:
        raise DimensionError(
            f"Kraus operators must form a (k, d_out, d_in) array, got {kraus.shape}"
        )
    vecs = np.swapaxes(kraus, -1, -2).reshape(len(kraus), -1)  # vec[i * d_out + a] = K[a, i]
    return np.einsum("kx,ky->xy", vecs, vecs.conj())


def choi_to_kraus(j: np.ndarray, d_in: int, d_out: int, *, tol: float = 1e-12) -> np.ndarray:
    """Kraus operators ``(k, d_out, d_in)`` of a completely positive map from its Choi operator."""
    j = _dims(j, d_in, d_out)
    evals, evecs = np.linalg.eigh((j + j.conj().T) / 2)
    keep = evals > tol
    vecs = evecs[:, keep] * np.sqrt(evals[keep])
    return np.swapaxes(vecs.T.reshape(-1, d_in, d_out), -1, -2)


def apply_choi(j: np.ndarray, rho: np.ndarray, d_in: int, d_out: int) -> np.ndarray:
    r"""Apply a channel by its Choi operator (``rho`` may be batched).

    .. math:: \Phi(\rho) = \sum_{ij} \rho_{ij}\, \Phi(|i\rangle\langle j|)
    """
    j = _dims(j, d_in, d_out)
    rho = np.asarray(rho)
    if rho.shape[-2:] != (d_in, d_in):
        raise DimensionError(f"input state must be ({d_in}, {d_in}), got {rho.shape}")
    j4 = j.reshape(d_in, d_out, d_in, d_out)
    return np.einsum("...ij,iajb->...ab", rho, j4)


def cptp_violation(j: np.ndarray, d_in: int, d_out: int) -> tuple[float, float]:
    r"""(negativity, trace error): :math:`\max(0, -\lambda_{min}(J))` and
    :math:`\|\mathrm{Tr}_{out} J - I\|_{max}`."""
    j = _dims(j, d_in, d_out)
    lam = float(np.linalg.eigvalsh((j + j.conj().T) / 2).min())
    tr_out = np.einsum("iaja->ij", j.reshape(d_in, d_out, d_in, d_out))
    return max(0.0, -lam), float(np.abs(tr_out - np.eye(d_in)).max())


def is_cptp(j: np.ndarray, d_in: int, d_out: int, *, atol: float = 1e-10) -> bool:
    """Whether ``j`` is the Choi operator of a CPTP map (to ``atol``)."""
    neg, tp = cptp_violation(j, d_in, d_out)
    hermitian = np.abs(j - np.asarray(j).conj().T).max() <= atol
    return bool(hermitian and neg <= atol and tp <= atol)


def choi_representation(rep_in: Representation, rep_out: Representation) -> TensorProduct:
    r"""The representation :math:`\bar\rho_{in} \otimes \rho_{out}`.

    Choi operators of equivariant channels commute with it.
    """
    return TensorProduct(Dual(rep_in), rep_out)


def equivariant_choi_basis(rep_in: Representation, rep_out: Representation) -> np.ndarray:
    r"""Hermitian orthonormal basis of the Choi operators of equivariant maps
    :math:`\rho_{in} \to \rho_{out}` (before the CPTP cone is imposed).

    Examples
    --------
    >>> from eqqnn.symmetry import SpinIrrep, qubit_representation
    >>> equivariant_choi_basis(qubit_representation(2), SpinIrrep(0.5)).shape
    (5, 8, 8)
    """
    rep = choi_representation(rep_in, rep_out)
    return hermitian_basis(equivariant_basis(rep, rep))


def twirl_channel(j: np.ndarray, rep_in: Representation, rep_out: Representation) -> np.ndarray:
    r"""Twirl a channel: :math:`\Phi \mapsto \int dg\, \rho_{out}(g)^\dagger
    \Phi(\rho_{in}(g) \cdot \rho_{in}(g)^\dagger) \rho_{out}(g)`; CPTP maps stay CPTP."""
    j = _dims(j, rep_in.dim, rep_out.dim)
    rep = choi_representation(rep_in, rep_out)
    return twirl(j, rep, rep)
