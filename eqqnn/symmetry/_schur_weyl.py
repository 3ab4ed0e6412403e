r"""Schur–Weyl duality on qubit registers: the commutant of :math:`U^{\otimes k}`.

.. math:: (\mathbb C^2)^{\otimes k} = \bigoplus_J V_J \otimes M_J, \qquad
          \{X : [X, U^{\otimes k}] = 0 \ \forall U\} = \mathrm{span}\{P_\pi : \pi \in S_k\}
          \cong \bigoplus_J \mathrm{End}(M_J),

so the commutant has dimension :math:`\sum_J (\dim M_J)^2` (2, 5, 14, 42, 132 for
k = 2..6, the Catalan numbers).  :func:`su2_commutant_basis` builds it three independent
ways; tests check that they agree.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np

from eqqnn._validation import check_choice, check_int
from eqqnn.errors import ProblemTooLargeError
from eqqnn.symmetry._equivariant import equivariant_basis, hermitian_basis, orthonormal_span
from eqqnn.symmetry._qubits import permutation_operator
from eqqnn.symmetry._representations import qubit_representation

__all__ = ["commutant_dimension", "su2_commutant_basis"]

COMMUTANT_METHODS = ("nullspace", "twirl", "permutations")

#: Largest register for the dense commutant constructions (4^k entries per operator).
MAX_COMMUTANT_QUBITS = 6


def commutant_dimension(n_qubits: int) -> int:
    r""":math:`\sum_J (\dim M_J)^2`, the dimension of the SU(2) commutant on ``n_qubits``.

    Examples
    --------
    >>> [commutant_dimension(k) for k in range(1, 7)]
    [1, 2, 5, 14, 42, 132]
    """
    from eqqnn.symmetry._tableaux import irrep_dimension

    n = check_int("n_qubits", n_qubits, minimum=1)
    spins = [n / 2 - r for r in range(n // 2 + 1)]
    return sum(irrep_dimension(n, j) ** 2 for j in spins)


def su2_commutant_basis(
    n_qubits: int,
    method: str = "permutations",
    *,
    hermitian: bool = True,
    seed: int = 0,
) -> np.ndarray:
    r"""Orthonormal basis of the operators on ``n_qubits`` commuting with all :math:`U^{\otimes n}`.

    Parameters
    ----------
    n_qubits
        Register size ``k`` (at most 6: the operators are dense ``2^k x 2^k``).
    method
        ``"nullspace"``: the kernel of :math:`X \mapsto [X, S^a]` for the collective spin
        :math:`S^a = \sum_i \sigma^a_i/2`; ``"twirl"``: exact Haar twirls of seeded random
        operators; ``"permutations"``: the span of the :math:`k!` qubit permutations.
    hermitian
        Return a basis of Hermitian matrices (generators of equivariant gates).
    seed
        Seed of the random operators of the twirl method.

    Returns
    -------
    ``(dim, 2^k, 2^k)`` complex array, orthonormal in :math:`\mathrm{tr}(A^\dagger B)`.

    Examples
    --------
    >>> su2_commutant_basis(3, "permutations").shape
    (5, 8, 8)
    """
    method = check_choice("method", method, COMMUTANT_METHODS)
    k = check_int("n_qubits", n_qubits, minimum=1)
    if k > MAX_COMMUTANT_QUBITS:
        raise ProblemTooLargeError(
            f"dense commutant of {k} qubits requested; the limit is {MAX_COMMUTANT_QUBITS} "
            "qubits (use the spin-sector machinery beyond)"
        )
    basis = _cached_basis(k, method, seed)
    return hermitian_basis(basis) if hermitian else basis.copy()


@lru_cache(maxsize=32)
def _cached_basis(k: int, method: str, seed: int) -> np.ndarray:
    if method == "permutations":
        perms = np.stack([permutation_operator(p) for p in itertools.permutations(range(k))])
        basis = orthonormal_span(perms)
    else:
        rep = qubit_representation(k)
        basis = equivariant_basis(rep, rep, method=method, seed=seed, max_dim=4**k)
    basis.setflags(write=False)
    return basis
