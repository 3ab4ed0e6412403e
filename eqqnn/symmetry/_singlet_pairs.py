r"""Appending singlet pairs to a singlet-sector state, in Young's coordinates.

Young's orthogonal basis of :math:`M_0` is the sequentially coupled (Yamanouchi) basis:
a standard tableau is a path of spins :math:`s_1 = \tfrac12, s_2, \dots, s_n`, one qubit
coupled at a time.  For :math:`|\psi\rangle` in the singlet sector of :math:`m` qubits and
:math:`|s\rangle = (|01\rangle - |10\rangle)/\sqrt2` on each appended pair,

.. math::

    |\psi\rangle \otimes |s\rangle^{\otimes k} = \sum_t c_t\, |T_t \cdot (\tfrac12, 0)^k\rangle,
    \qquad c'_{w\,(01)^k} = c_w, \quad c'_{\text{other}} = 0,

because the path of the product only extends each of :math:`\psi`'s paths by
:math:`0 \to \tfrac12 \to 0` per pair (row words: append ``0, 1`` per pair).  With
the Clebsch–Gordan phases of :mod:`eqqnn.symmetry._spin_coupling` the sign is :math:`+1`
(checked against :func:`~eqqnn.symmetry.qubit_to_sector` of the explicit product).

This gives states of :math:`m + 2k` qubits whose exact values under a circuit that
acts on the first :math:`m` qubits are known from an :math:`m`-qubit simulation: a check
of the spin-sector engine at sizes where no other simulator reaches.
"""

from __future__ import annotations

import numpy as np

from eqqnn._validation import check_int
from eqqnn.errors import DimensionError
from eqqnn.symmetry._tableaux import irrep_dimension, tableau_index, two_row_tableaux

__all__ = ["append_singlet_pairs"]


def append_singlet_pairs(coordinates: np.ndarray, n_qubits: int, pairs: int = 1) -> np.ndarray:
    r"""Singlet-sector coordinates of :math:`|\psi\rangle \otimes |s\rangle^{\otimes k}`.

    Parameters
    ----------
    coordinates
        ``(..., d_0(m))`` singlet-sector coordinates of :math:`m` = ``n_qubits`` qubits.
    n_qubits
        :math:`m`, even.
    pairs
        :math:`k \ge 0`, the number of singlet pairs appended as qubits
        :math:`m, m+1, \dots, m+2k-1`.

    Returns
    -------
    numpy.ndarray
        ``(..., d_0(m + 2k))`` coordinates, :math:`c'_{w(01)^k} = c_w` and zero elsewhere.

    Examples
    --------
    >>> from eqqnn.symmetry import qubit_to_sector
    >>> s = np.array([0.0, 1.0, -1.0, 0.0]) / np.sqrt(2)
    >>> append_singlet_pairs(np.ones(1), 2).tolist()
    [1.0, 0.0]
    >>> np.allclose(qubit_to_sector(np.kron(s, s), 4, 0), [1.0, 0.0])
    True
    """
    m = check_int("n_qubits", n_qubits, minimum=2)
    k = check_int("pairs", pairs, minimum=0)
    if m % 2:
        raise DimensionError(f"a singlet needs an even number of qubits, got n_qubits={m}")
    c = np.asarray(coordinates)
    d = irrep_dimension(m, 0)
    if c.ndim == 0 or c.shape[-1] != d:
        raise DimensionError(
            f"coordinates of the singlet sector of {m} qubits need a last axis of {d}, "
            f"got shape {c.shape}"
        )
    n = m + 2 * k
    words = two_row_tableaux(m, 0).astype(np.int8)
    suffix = np.tile(np.array([0, 1], dtype=np.int8), (len(words), k))
    index = tableau_index(np.concatenate([words, suffix], axis=1), n, 0)
    out = np.zeros((*c.shape[:-1], irrep_dimension(n, 0)), dtype=c.dtype)
    out[..., index] = c
    return out
