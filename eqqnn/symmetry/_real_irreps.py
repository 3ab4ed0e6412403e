r"""Integer-spin irreps of SU(2) in a real basis, for real-valued (classical) layers.

For integer :math:`j` the spin-:math:`j` irrep is of real type: the unitary change of
basis :math:`Q` from :math:`|j, m\rangle` (Condon–Shortley phases, as in
:class:`~eqqnn.symmetry.SpinIrrep`) to the real (tesseral) basis

.. math::
    |j, m\rangle_{\mathbb R} =
    \begin{cases}
      \tfrac{1}{\sqrt2}\big((-1)^m |j, m\rangle + |j, -m\rangle\big) & m > 0 \\
      |j, 0\rangle & m = 0 \\
      \tfrac{i}{\sqrt2}\big(|j, -|m|\rangle - (-1)^{m} |j, |m|\rangle\big) & m < 0
    \end{cases}

makes every :math:`Q D^j(U) Q^\dagger` a real orthogonal matrix.  Half-integer spins are
of quaternionic type and have no real form; they raise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from eqqnn.errors import InvalidParameterError
from eqqnn.symmetry._representations import Representation, SpinIrrep

__all__ = ["RealSpinIrrep", "real_basis_change"]


def real_basis_change(spin: int) -> np.ndarray:
    r"""The unitary :math:`Q` (rows: real basis vectors in the :math:`|j,m\rangle` basis).

    Examples
    --------
    >>> q = real_basis_change(1)
    >>> bool(np.allclose(q @ q.conj().T, np.eye(3)))
    True
    """
    j = int(spin)
    dim = 2 * j + 1
    q = np.zeros((dim, dim), dtype=np.complex128)
    s = 1 / np.sqrt(2)

    def col(m: int) -> int:  # index of |j, m> in the m = j, ..., -j ordering
        return j - m

    for m in range(-j, j + 1):
        row = col(m)
        if m > 0:
            q[row, col(m)], q[row, col(-m)] = (-1) ** m * s, s
        elif m == 0:
            q[row, col(0)] = 1.0
        else:
            a = -m
            q[row, col(a)], q[row, col(-a)] = -1j * (-1) ** a * s, 1j * s
    return q


class RealSpinIrrep(Representation):
    r"""The spin-:math:`j` irrep of SU(2) (integer :math:`j`) as real orthogonal matrices.

    .. math:: D^j_{\mathbb R}(U) = Q\, D^j(U)\, Q^\dagger, \qquad
              dD^j_{\mathbb R}(H) = Q\, dD^j(H)\, Q^\dagger .

    ``RealSpinIrrep(1)`` is equivalent to :class:`~eqqnn.symmetry.SO3Vector` (both are the
    rotation action on :math:`\mathbb R^3`, in different bases).

    Examples
    --------
    >>> from eqqnn.symmetry import SU2
    >>> rep = RealSpinIrrep(2)
    >>> m = rep.matrix(SU2().sample(seed=0))
    >>> bool(np.abs(m.imag).max() < 1e-12 and np.allclose(m.real @ m.real.T, np.eye(5)))
    True
    """

    def __init__(self, spin: int) -> None:
        self.complex_irrep = SpinIrrep(spin)
        if self.complex_irrep.spin.denominator != 1:
            raise InvalidParameterError(
                f"only integer spins have a real form (half-integer irreps are quaternionic), "
                f"got spin {spin}"
            )
        self.spin = int(self.complex_irrep.spin)
        self.group = self.complex_irrep.group
        self.dim = self.complex_irrep.dim
        self._q = real_basis_change(self.spin)

    @property
    def degree(self) -> float:
        return float(self.spin)

    @property
    def is_real(self) -> bool:
        return True

    def _conjugate(self, m: np.ndarray) -> np.ndarray:
        return np.einsum("ij,...jk,lk->...il", self._q, m, self._q.conj())

    def matrix(self, g: Any) -> np.ndarray:
        out = self._conjugate(self.complex_irrep.matrix(g))
        return out.real.astype(np.complex128)

    def algebra_matrix(self, x: Any) -> np.ndarray:
        out = self._conjugate(self.complex_irrep.algebra_matrix(x))
        return 1j * out.imag  # dD(H) is i times a real antisymmetric matrix in this basis

    def __repr__(self) -> str:
        return f"RealSpinIrrep({self.spin})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RealSpinIrrep) and other.spin == self.spin

    def __hash__(self) -> int:
        return hash(("RealSpinIrrep", self.spin))
