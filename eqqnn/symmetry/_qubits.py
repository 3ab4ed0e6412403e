r"""Qubit-register operators that the symmetry core, the simulators and the data share.

Convention: qubit 0 is the most significant bit of the computational-basis index
(PennyLane's order) and :math:`|0\rangle` is spin up, :math:`S^z = +1/2`.

The qubit permutation operator of a permutation :math:`\pi` (qubit ``i`` is moved to
position ``perm[i]``) is

.. math:: P_\pi \, |x_0 x_1 \dots x_{n-1}\rangle = |x_{\pi^{-1}(0)} \dots x_{\pi^{-1}(n-1)}\rangle ,

so that :math:`P_\pi (A_0 \otimes \dots \otimes A_{n-1}) P_\pi^\dagger` puts :math:`A_i` on
qubit ``perm[i]``.  For a transposition this is the SWAP gate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from eqqnn._validation import check_int
from eqqnn.errors import DimensionError, InvalidParameterError, ProblemTooLargeError
from eqqnn.symmetry._groups import PAULIS

__all__ = [
    "apply_qubit_rotation",
    "check_permutation",
    "permutation_operator",
    "total_spin_operators",
]

#: Largest register for which eqqnn builds dense ``2^n x 2^n`` matrices.
MAX_DENSE_QUBITS = 12


def check_permutation(perm: Sequence[int], n: int | None = None) -> np.ndarray:
    """Return ``perm`` as an int array after checking it permutes ``0..n-1``."""
    arr = np.asarray(perm)
    size = arr.shape[0] if arr.ndim == 1 else -1
    if arr.ndim != 1 or arr.dtype.kind not in "iu" or (n is not None and size != n):
        raise InvalidParameterError(
            f"a permutation must be a 1-D integer sequence of length {n if n else 'n'}, "
            f"got {perm!r}"
        )
    if sorted(arr.tolist()) != list(range(size)):
        raise InvalidParameterError(f"{list(arr)} is not a permutation of 0..{size - 1}")
    return arr.astype(np.int64)


def _dense_limit(n_qubits: int, limit: int = MAX_DENSE_QUBITS) -> int:
    n = check_int("n_qubits", n_qubits, minimum=1)
    if n > limit:
        raise ProblemTooLargeError(
            f"a dense 2^n x 2^n operator was requested for n_qubits={n}; the limit is {limit}"
        )
    return n


def permutation_operator(perm: Sequence[int], n_qubits: int | None = None) -> np.ndarray:
    r"""Dense matrix of the qubit permutation :math:`P_\pi` (see the module docstring).

    Examples
    --------
    >>> swap = permutation_operator([1, 0])
    >>> swap.real.astype(int).tolist()
    [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]]
    """
    perm = check_permutation(perm, n_qubits)
    n = _dense_limit(len(perm))
    dim = 2**n
    index = np.arange(dim)
    bits = (index[:, None] >> (n - 1 - np.arange(n))) & 1  # bits[x, i] = x_i
    # output bit at position perm[i] is input bit i
    out_bits = np.empty_like(bits)
    out_bits[:, perm] = bits
    out_index = (out_bits << (n - 1 - np.arange(n))).sum(axis=1)
    mat = np.zeros((dim, dim), dtype=np.complex128)
    mat[out_index, index] = 1.0
    return mat


def total_spin_operators(n_qubits: int) -> np.ndarray:
    r"""The collective spin :math:`S^a = \sum_i \sigma^a_i / 2` as a ``(3, 2^n, 2^n)`` array."""
    n = _dense_limit(n_qubits)
    out = np.zeros((3, 2**n, 2**n), dtype=np.complex128)
    for a in range(3):
        for i in range(n):
            out[a] += np.kron(np.kron(np.eye(2**i), PAULIS[a] / 2), np.eye(2 ** (n - i - 1)))
    return out


def apply_qubit_rotation(states: Any, u: Any) -> Any:
    r"""Apply :math:`u^{\otimes n}` to state vectors without building the ``2^n`` matrix.

    Parameters
    ----------
    states
        numpy array or torch tensor of shape ``(..., 2^n)``.
    u
        ``(2, 2)`` unitary, or a batch ``(B, 2, 2)`` matching a leading batch of ``B``
        states (one rotation per state).  Same library (numpy / torch) as ``states``.

    Returns
    -------
    The rotated states, same shape, library, dtype and device.

    Examples
    --------
    >>> up = np.array([1, 0, 0, 0], dtype=complex)        # |00>
    >>> x = np.array([[0, 1], [1, 0]], dtype=complex)
    >>> apply_qubit_rotation(up, x).real.tolist()           # |11>
    [0.0, 0.0, 0.0, 1.0]
    """
    dim = states.shape[-1]
    n = int(dim).bit_length() - 1
    if dim < 2 or 2**n != dim:
        raise DimensionError(f"state length must be a power of two, got {dim}")
    batched = u.ndim == 3
    if u.shape[-2:] != (2, 2) or u.ndim not in (2, 3):
        raise DimensionError(f"u must have shape (2, 2) or (B, 2, 2), got {tuple(u.shape)}")
    is_torch = type(states).__module__.startswith("torch")
    lead = tuple(states.shape[:-1])
    if batched and (len(lead) < 1 or lead[0] != u.shape[0]):
        raise DimensionError(
            f"a batch of {u.shape[0]} rotations needs states of shape ({u.shape[0]}, ..., 2^n), "
            f"got {tuple(states.shape)}"
        )
    psi = states.reshape(*lead, *([2] * n))
    nl = len(lead)
    for q in range(n):
        axis = nl + q
        if is_torch:
            psi = psi.movedim(axis, -1)
            psi = (psi @ u.transpose(-1, -2)) if not batched else _batched_apply_torch(psi, u)
            psi = psi.movedim(-1, axis)
        else:
            psi = np.moveaxis(psi, axis, -1)
            if batched:
                shape = psi.shape
                flat = psi.reshape(shape[0], -1, 2)
                psi = np.einsum("bkj,bij->bki", flat, u).reshape(shape)
            else:
                psi = psi @ u.T
            psi = np.moveaxis(psi, -1, axis)
    return psi.reshape(*lead, dim)


def _batched_apply_torch(psi: Any, u: Any) -> Any:
    shape = psi.shape
    flat = psi.reshape(shape[0], -1, 2)
    return (flat @ u.transpose(-1, -2)).reshape(shape)
