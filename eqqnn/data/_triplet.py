r"""The lowest state of the total :math:`S^z = +1` sector, its sign fixed by the Marshall rule.

This is the input state of the ``rotation="haar_triplet"`` datasets before their Haar
rotation (:mod:`eqqnn.data._dataset`): for the SU(2)-symmetric chain the :math:`m = 1`
member of the lowest triplet.  A degenerate lowest level (only at ``r = 0``, decoupled
dimers) is resolved by projecting the Marshall-sign vector onto it, so the state does not
depend on the eigensolver.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse.linalg

from eqqnn.data._chain import HeisenbergChain

__all__ = ["lowest_sz1_state"]

#: Sector dimension up to which the S^z = +1 problem is diagonalized densely.
_DENSE_SECTOR_MAX = 256


def _marshall_signs(basis: np.ndarray, n_qubits: int) -> np.ndarray:
    """``(-1)^(number of down spins on odd sites)`` for each basis index (bit 1 = down)."""
    parity = np.zeros(basis.shape[0], dtype=np.int64)
    for site in range(1, n_qubits, 2):
        parity ^= (basis >> (n_qubits - 1 - site)) & 1
    return 1.0 - 2.0 * parity


#: Relative tolerance that groups eigenvalues into one (degenerate) level.
_LEVEL_TOL = 1e-8


def _lowest_level(h: Any, v0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lowest eigenpairs of ``h``, ascending, enough of them to contain the whole lowest level.

    Dense ``eigh`` for small matrices; otherwise Lanczos (``eigsh``, start vector ``v0``)
    with ``k = 2`` levels, doubled while the highest computed level still belongs to the
    lowest one (a degenerate level, e.g. decoupled dimers at ``r = 0``).
    """
    dim = h.shape[0]
    if dim <= _DENSE_SECTOR_MAX:
        return scipy.linalg.eigh(h.toarray())
    k = 2
    while True:
        if k >= dim - 1:
            return scipy.linalg.eigh(h.toarray())
        w, v = scipy.sparse.linalg.eigsh(h, k=k, which="SA", v0=v0)
        order = np.argsort(w)
        w, v = w[order], v[:, order]
        if w[-1] - w[0] > _LEVEL_TOL * max(1.0, abs(w[0])):
            return w, v
        k *= 2


def lowest_sz1_state(model: HeisenbergChain) -> tuple[np.ndarray, float]:
    r"""Lowest-energy state of the total :math:`S^z = +1` sector, as ``2^n`` amplitudes.

    .. math::

        |t\rangle \propto P_{E_{\min}}\, \sum_{k:\,S^z_k = 1} (-1)^{N^{\rm odd}_\downarrow(k)}
        |k\rangle ,

    the projection of the Marshall-sign vector onto the lowest level of
    :math:`H_{M=1}` (the level itself when it is non-degenerate, with a fixed sign).

    Returns
    -------
    tuple of numpy.ndarray and float
        The complex128 vector (length ``2^n``) and its energy.

    Examples
    --------
    >>> from eqqnn.data import BondAlternatingHeisenberg
    >>> vec, energy = lowest_sz1_state(BondAlternatingHeisenberg(2, 1.0))
    >>> vec.real.tolist(), energy
    ([1.0, 0.0, 0.0, 0.0], 0.25)
    """
    n = model.n_qubits
    basis = model.sz_sector_basis(1)
    h = model.sz_sector_matrix(1)
    dim = h.shape[0]
    marshall = _marshall_signs(basis, n) / math.sqrt(dim)
    w, v = _lowest_level(h, marshall)
    level = np.abs(w - w[0]) <= _LEVEL_TOL * max(1.0, abs(w[0]))
    block = v[:, level]
    vec = block @ (block.T @ marshall)
    norm = np.linalg.norm(vec)
    if norm < 1e-6:  # the level is orthogonal to the Marshall vector: fix the sign otherwise
        vec = v[:, 0] * np.sign(v[np.argmax(np.abs(v[:, 0])), 0])
        norm = np.linalg.norm(vec)
    out = np.zeros(2**n, dtype=np.complex128)
    out[basis] = vec / norm
    return out, float(w[0])
