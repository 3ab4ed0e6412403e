r"""Unitary representations of the groups in :mod:`eqqnn.symmetry._groups`.

A representation :math:`\rho: G \to U(d)` is evaluated on group elements with
:meth:`Representation.matrix` (batches give ``(B, d, d)``) and, for Lie groups, on Lie
algebra elements with :meth:`Representation.algebra_matrix`, in the Hermitian
convention

.. math:: \rho(e^{-i t H}) = e^{-i t \, d\rho(H)} .

For SU(2) the spin-:math:`j` irrep uses the basis :math:`|j, m\rangle`,
:math:`m = j, j-1, \dots, -j` (index 0 is :math:`m = j`), with Condon–Shortley phases,
so that spin 1/2 is the defining representation and the qubit register of ``n`` qubits
is the tensor power of spin 1/2 in qubit order.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from fractions import Fraction
from functools import cached_property, reduce
from typing import Any

import numpy as np
import scipy.linalg

from eqqnn._validation import check_int
from eqqnn.errors import (
    GroupElementError,
    InvalidParameterError,
    RepresentationError,
)
from eqqnn.symmetry._groups import SU2, DirectProduct, FiniteGroup, Group

__all__ = [
    "DirectSum",
    "Dual",
    "FactorRepresentation",
    "MatrixRepresentation",
    "OuterProduct",
    "PermutationRepresentation",
    "RegularRepresentation",
    "Representation",
    "SO3Vector",
    "SpinIrrep",
    "TensorProduct",
    "TrivialRepresentation",
    "check_spin",
    "qubit_representation",
    "spin_matrices",
]


def check_spin(spin: object) -> Fraction:
    """Return ``spin`` as an exact non-negative half-integer or raise a clear error."""
    if isinstance(spin, bool) or not isinstance(spin, (int, float, Fraction, np.number)):
        raise InvalidParameterError(f"spin must be a number, got {spin!r}")
    if not math.isfinite(float(spin)):
        raise InvalidParameterError(f"spin must be finite, got {spin}")
    twice = 2 * float(spin)
    if float(spin) < 0 or abs(twice - round(twice)) > 1e-12:
        raise InvalidParameterError(
            f"spin must be a non-negative integer or half-integer (0, 1/2, 1, ...), got {spin}"
        )
    return Fraction(round(twice), 2)


def spin_matrices(spin: float) -> np.ndarray:
    r"""The spin operators :math:`(J^x, J^y, J^z)` of spin ``j`` as a ``(3, 2j+1, 2j+1)`` array.

    .. math:: J^z |j,m\rangle = m |j,m\rangle, \quad
              J^\pm |j,m\rangle = \sqrt{j(j+1) - m(m\pm 1)} \, |j,m\pm1\rangle .

    Examples
    --------
    >>> jx, jy, jz = spin_matrices(0.5)
    >>> (2 * jz).real.tolist()
    [[1.0, 0.0], [0.0, -1.0]]
    """
    j = float(check_spin(spin))
    dim = round(2 * j) + 1
    m = j - np.arange(dim)
    jz = np.diag(m).astype(np.complex128)
    jp = np.zeros((dim, dim), dtype=np.complex128)
    for i in range(1, dim):  # |m_i> -> |m_i + 1> = index i - 1
        jp[i - 1, i] = math.sqrt(j * (j + 1) - m[i] * (m[i] + 1))
    jm = jp.conj().T
    return np.stack([(jp + jm) / 2, (jp - jm) / 2j, jz])


class Representation(ABC):
    """A finite-dimensional unitary representation of a :class:`Group`.

    Subclasses set :attr:`group` and :attr:`dim`, implement :meth:`matrix` and, for Lie
    groups, :meth:`algebra_matrix`.  :attr:`degree` bounds the largest SU(2) spin that
    occurs (0 when no SU(2) factor acts); it sets the order of exact Haar quadratures.
    """

    group: Group
    dim: int

    @abstractmethod
    def matrix(self, g: Any) -> np.ndarray:
        """:math:`\\rho(g)`, shape ``(d, d)`` or ``(B, d, d)`` for a batch."""

    def algebra_matrix(self, x: Any) -> np.ndarray:
        """:math:`d\\rho(x)` for a Lie-algebra element ``x`` (Hermitian convention)."""
        raise RepresentationError(f"{self!r} is a representation of a group without Lie algebra")

    @property
    def degree(self) -> float:
        """Largest SU(2) spin occurring in the representation (0 if none)."""
        return 0.0

    @property
    def is_real(self) -> bool:
        """Whether all group matrices are real (orthogonal representation)."""
        return False

    def __call__(self, g: Any) -> np.ndarray:
        return self.matrix(g)

    def lie_generator_matrices(self) -> list[np.ndarray]:
        """:math:`d\\rho` of the group's Lie-algebra basis."""
        return [self.algebra_matrix(x) for x in self.group.lie_algebra_basis()]

    def discrete_generator_matrices(self) -> list[np.ndarray]:
        """:math:`\\rho` of the group's discrete generators."""
        return [self.matrix(g) for g in self.group.discrete_generators()]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.dim}, group={self.group!r})"


def _require_group(rep: Representation, cls: type, what: str) -> None:
    if not isinstance(rep.group, cls):
        raise RepresentationError(f"{what} needs a representation of {cls.__name__}, got {rep!r}")


class TrivialRepresentation(Representation):
    """The trivial representation :math:`\\rho(g) = I_d` (``dim`` copies)."""

    def __init__(self, group: Group, dim: int = 1) -> None:
        self.group = group
        self.dim = check_int("dim", dim, minimum=1)

    def matrix(self, g: Any) -> np.ndarray:
        g = self.group.validate(g)
        batch = _batch_size(self.group, g)
        eye = np.eye(self.dim, dtype=np.complex128)
        return eye if batch is None else np.broadcast_to(eye, (batch, self.dim, self.dim)).copy()

    def algebra_matrix(self, x: Any) -> np.ndarray:
        if not self.group.lie_algebra_basis():
            return super().algebra_matrix(x)
        return np.zeros((self.dim, self.dim), dtype=np.complex128)

    @property
    def is_real(self) -> bool:
        return True


def _batch_size(group: Group, g: Any) -> int | None:
    """Batch size of a validated element, or None for a single element."""
    if isinstance(group, SU2):
        return None if g.ndim == 2 else g.shape[0]
    if isinstance(group, FiniteGroup):
        return None if np.ndim(g) == 0 else len(g)
    if isinstance(group, DirectProduct):
        sizes = {_batch_size(f, x) for f, x in zip(group.factors, g, strict=True)}
        sizes.discard(None)
        if len(sizes) > 1:
            raise GroupElementError(f"factor batches of different sizes: {sorted(sizes)}")
        return sizes.pop() if sizes else None
    raise GroupElementError(f"unknown group {group!r}")


class SpinIrrep(Representation):
    r"""The spin-:math:`j` irrep :math:`D^j` of SU(2), integer or half-integer ``j``.

    Group matrices are computed exactly from the action of :math:`U` on homogeneous
    polynomials of degree :math:`2j` (basis :math:`x^{j+m} y^{j-m}/\sqrt{(j+m)!(j-m)!}`):

    .. math::
        D^j_{m'm}(U) = \sqrt{\tfrac{(j+m')!(j-m')!}{(j+m)!(j-m)!}}
        \sum_k \binom{j+m}{k}\binom{j-m}{j+m'-k}
        U_{00}^{k} U_{10}^{j+m-k} U_{01}^{j+m'-k} U_{11}^{k-m-m'} ,

    and the algebra by :math:`dD^j(\sum_a c_a \sigma^a/2) = \sum_a c_a J^a`.

    Examples
    --------
    >>> rep = SpinIrrep(1)
    >>> u = SU2().sample(seed=1)
    >>> bool(np.allclose(rep(u) @ rep(u).conj().T, np.eye(3)))
    True
    """

    def __init__(self, spin: float) -> None:
        self.spin = check_spin(spin)
        self.group = SU2()
        self.dim = int(2 * self.spin) + 1
        self._jmats = spin_matrices(self.spin)

    @property
    def degree(self) -> float:
        return float(self.spin)

    @cached_property
    def _terms(self) -> list[tuple[int, int, float, int, int, int, int]]:
        two_j = self.dim - 1
        terms = []
        for row in range(self.dim):  # m' = j - row ; j + m' = two_j - row
            a_out = two_j - row
            for col in range(self.dim):
                a = two_j - col  # j + m
                b = col  # j - m
                norm = math.sqrt(
                    math.factorial(a_out)
                    * math.factorial(two_j - a_out)
                    / (math.factorial(a) * math.factorial(b))
                )
                for k in range(a + 1):
                    l_ = a_out - k
                    if 0 <= l_ <= b:
                        coef = norm * math.comb(a, k) * math.comb(b, l_)
                        terms.append((row, col, coef, k, a - k, l_, b - l_))
        return terms

    def matrix(self, g: Any) -> np.ndarray:
        u = self.group.validate(g)
        batch = u.shape[:-2]
        out = np.zeros((*batch, self.dim, self.dim), dtype=np.complex128)
        u00, u01, u10, u11 = u[..., 0, 0], u[..., 0, 1], u[..., 1, 0], u[..., 1, 1]
        for row, col, coef, p00, p10, p01, p11 in self._terms:
            out[..., row, col] += coef * u00**p00 * u10**p10 * u01**p01 * u11**p11
        return out

    def algebra_matrix(self, x: Any) -> np.ndarray:
        c = SU2.algebra_coordinates(np.asarray(x))
        return np.einsum("...a,aij->...ij", c, self._jmats)

    def __repr__(self) -> str:
        return f"SpinIrrep({self.spin})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SpinIrrep) and other.spin == self.spin

    def __hash__(self) -> int:
        return hash(("SpinIrrep", self.spin))


class SO3Vector(Representation):
    r"""SU(2) acting on real 3-vectors through its rotation :math:`R(U) \in SO(3)`.

    .. math:: R(U)_{ab} = \tfrac12 \mathrm{tr}(\sigma^a U \sigma^b U^\dagger), \qquad
              dR(\sigma^c/2)_{ab} = -i \epsilon_{cab} .

    Equivalent to spin 1 in the Cartesian basis; the action of SU(2) on Bloch vectors.
    """

    def __init__(self) -> None:
        self.group = SU2()
        self.dim = 3
        eps = np.zeros((3, 3, 3))
        for a, b, c in [(0, 1, 2), (1, 2, 0), (2, 0, 1)]:
            eps[a, b, c], eps[a, c, b] = 1, -1
        self._gens = -1j * eps  # _gens[c, a, b]

    @property
    def degree(self) -> float:
        return 1.0

    @property
    def is_real(self) -> bool:
        return True

    def matrix(self, g: Any) -> np.ndarray:
        from eqqnn.symmetry._groups import PAULIS

        u = self.group.validate(g)
        r = np.einsum("aij,...jk,bkl,...il->...ab", PAULIS, u, PAULIS, u.conj()) / 2
        return r.real.astype(np.complex128)

    def algebra_matrix(self, x: Any) -> np.ndarray:
        c = SU2.algebra_coordinates(np.asarray(x))
        return np.einsum("...c,cab->...ab", c, self._gens)


class PermutationRepresentation(Representation):
    r"""A finite group permuting ``n_points`` basis vectors: :math:`\rho(g) e_p = e_{g(p)}`."""

    def __init__(self, group: FiniteGroup) -> None:
        if not isinstance(group, FiniteGroup):
            raise RepresentationError(
                f"PermutationRepresentation needs a FiniteGroup, got {group!r}"
            )
        self.group = group
        self.dim = group.n_points

    @property
    def is_real(self) -> bool:
        return True

    def matrix(self, g: Any) -> np.ndarray:
        g = self.group.validate(g)
        perms = self.group.permutations[np.atleast_1d(g)]
        out = np.zeros((len(perms), self.dim, self.dim), dtype=np.complex128)
        b = np.arange(len(perms))[:, None]
        out[b, perms, np.arange(self.dim)[None, :]] = 1.0
        return out[0] if np.ndim(g) == 0 else out


class RegularRepresentation(Representation):
    r"""The left-regular representation: :math:`\rho(g) e_h = e_{gh}`, dimension :math:`|G|`."""

    def __init__(self, group: FiniteGroup) -> None:
        if not isinstance(group, FiniteGroup):
            raise RepresentationError(f"RegularRepresentation needs a FiniteGroup, got {group!r}")
        self.group = group
        self.dim = group.order

    @property
    def is_real(self) -> bool:
        return True

    def matrix(self, g: Any) -> np.ndarray:
        g = self.group.validate(g)
        gs = np.atleast_1d(g)
        images = self.group.cayley_table[gs]  # images[b, h] = g_b h
        out = np.zeros((len(gs), self.dim, self.dim), dtype=np.complex128)
        out[np.arange(len(gs))[:, None], images, np.arange(self.dim)[None, :]] = 1.0
        return out[0] if np.ndim(g) == 0 else out


class MatrixRepresentation(Representation):
    """A finite group's own matrices (:attr:`FiniteGroup.matrices`), e.g. O on 3-vectors."""

    def __init__(self, group: FiniteGroup) -> None:
        if not isinstance(group, FiniteGroup) or group.matrices is None:
            raise RepresentationError(
                f"MatrixRepresentation needs a FiniteGroup with matrices, got {group!r}"
            )
        self.group = group
        self.dim = group.matrices.shape[-1]

    @property
    def is_real(self) -> bool:
        return bool(
            np.isrealobj(self.group.matrices) or not np.iscomplex(self.group.matrices).any()
        )

    def matrix(self, g: Any) -> np.ndarray:
        return self.group.matrices[self.group.validate(g)].astype(np.complex128)


class _Composite(Representation):
    """Shared checks of representations built from others of one group."""

    def __init__(self, reps: Sequence[Representation], what: str) -> None:
        reps = tuple(reps)
        if not reps or not all(isinstance(r, Representation) for r in reps):
            raise RepresentationError(f"{what} needs at least one Representation, got {reps!r}")
        groups = {r.group for r in reps}
        if len(groups) != 1:
            raise RepresentationError(
                f"{what} needs representations of one group, got groups {sorted(map(repr, groups))}"
            )
        self.reps = reps
        self.group = reps[0].group

    @property
    def is_real(self) -> bool:
        return all(r.is_real for r in self.reps)


def _kron(mats: Sequence[np.ndarray]) -> np.ndarray:
    def kron2(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = a[..., :, None, :, None] * b[..., None, :, None, :]
        s = out.shape
        return out.reshape(*s[:-4], s[-4] * s[-3], s[-2] * s[-1])

    return reduce(kron2, mats)


class TensorProduct(_Composite):
    r""":math:`\rho_1 \otimes \dots \otimes \rho_k` of one group (first factor most significant).

    .. math:: d(\rho_1\otimes\rho_2)(x) = d\rho_1(x) \otimes I + I \otimes d\rho_2(x).
    """

    def __init__(self, *reps: Representation) -> None:
        super().__init__(reps, "TensorProduct")
        self.dim = math.prod(r.dim for r in self.reps)

    @property
    def degree(self) -> float:
        return sum(r.degree for r in self.reps)

    def matrix(self, g: Any) -> np.ndarray:
        return _kron([r.matrix(g) for r in self.reps])

    def algebra_matrix(self, x: Any) -> np.ndarray:
        out = np.zeros((self.dim, self.dim), dtype=np.complex128)
        for i, r in enumerate(self.reps):
            left = math.prod(s.dim for s in self.reps[:i])
            right = self.dim // (left * r.dim)
            out += np.kron(np.kron(np.eye(left), r.algebra_matrix(x)), np.eye(right))
        return out

    def __repr__(self) -> str:
        return " ⊗ ".join(repr(r) for r in self.reps)


class DirectSum(_Composite):
    r""":math:`\rho_1 \oplus \dots \oplus \rho_k`: block-diagonal matrices."""

    def __init__(self, *reps: Representation) -> None:
        super().__init__(reps, "DirectSum")
        self.dim = sum(r.dim for r in self.reps)

    @property
    def degree(self) -> float:
        return max(r.degree for r in self.reps)

    def _blocks(self, mats: list[np.ndarray]) -> np.ndarray:
        batch = mats[0].shape[:-2]
        out = np.zeros((*batch, self.dim, self.dim), dtype=np.complex128)
        start = 0
        for m in mats:
            d = m.shape[-1]
            out[..., start : start + d, start : start + d] = m
            start += d
        return out

    def matrix(self, g: Any) -> np.ndarray:
        return self._blocks([r.matrix(g) for r in self.reps])

    def algebra_matrix(self, x: Any) -> np.ndarray:
        return self._blocks([r.algebra_matrix(x) for r in self.reps])

    def __repr__(self) -> str:
        return " ⊕ ".join(repr(r) for r in self.reps)


class Dual(Representation):
    r"""The dual (complex-conjugate) representation :math:`\bar\rho(g) = \overline{\rho(g)}`.

    .. math:: d\bar\rho(H) = -\overline{d\rho(H)} .
    """

    def __init__(self, rep: Representation) -> None:
        if not isinstance(rep, Representation):
            raise RepresentationError(f"Dual needs a Representation, got {rep!r}")
        self.rep = rep
        self.group = rep.group
        self.dim = rep.dim

    @property
    def degree(self) -> float:
        return self.rep.degree

    @property
    def is_real(self) -> bool:
        return self.rep.is_real

    def matrix(self, g: Any) -> np.ndarray:
        return self.rep.matrix(g).conj()

    def algebra_matrix(self, x: Any) -> np.ndarray:
        return -self.rep.algebra_matrix(x).conj()

    def __repr__(self) -> str:
        return f"Dual({self.rep!r})"


class OuterProduct(Representation):
    r"""The outer tensor product :math:`\rho_1 \boxtimes \rho_2` of a :class:`DirectProduct`.

    .. math:: (\rho_1 \boxtimes \rho_2)(g_1, g_2) = \rho_1(g_1) \otimes \rho_2(g_2).
    """

    def __init__(self, group: DirectProduct, *reps: Representation) -> None:
        if not isinstance(group, DirectProduct) or len(reps) != len(group.factors):
            raise RepresentationError(
                f"OuterProduct needs a DirectProduct and one representation per factor, got "
                f"{group!r} with {len(reps)} representations"
            )
        for f, r in zip(group.factors, reps, strict=True):
            if r.group != f:
                raise RepresentationError(f"representation {r!r} is not one of factor {f!r}")
        self.group = group
        self.reps = reps
        self.dim = math.prod(r.dim for r in reps)

    @property
    def degree(self) -> float:
        return max(r.degree for r in self.reps)

    @property
    def is_real(self) -> bool:
        return all(r.is_real for r in self.reps)

    def matrix(self, g: Any) -> np.ndarray:
        g = self.group.validate(g)
        return _kron([r.matrix(x) for r, x in zip(self.reps, g, strict=True)])

    def algebra_matrix(self, x: Any) -> np.ndarray:
        if not isinstance(x, tuple) or len(x) != len(self.reps):
            raise GroupElementError(f"a Lie-algebra element of {self.group!r} is a tuple")
        out = np.zeros((self.dim, self.dim), dtype=np.complex128)
        for i, (r, xi) in enumerate(zip(self.reps, x, strict=True)):
            if xi is None:
                continue
            left = math.prod(s.dim for s in self.reps[:i])
            right = self.dim // (left * r.dim)
            out += np.kron(np.kron(np.eye(left), r.algebra_matrix(xi)), np.eye(right))
        return out


class FactorRepresentation(Representation):
    r"""A representation of one factor, pulled back to a :class:`DirectProduct`:
    :math:`(g_1, \dots, g_k) \mapsto \rho(g_i)`."""

    def __init__(self, group: DirectProduct, index: int, rep: Representation) -> None:
        if not isinstance(group, DirectProduct):
            raise RepresentationError(f"FactorRepresentation needs a DirectProduct, got {group!r}")
        index = check_int("index", index, minimum=0, maximum=len(group.factors) - 1)
        if rep.group != group.factors[index]:
            raise RepresentationError(f"{rep!r} is not a representation of factor {index}")
        self.group, self.index, self.rep, self.dim = group, index, rep, rep.dim

    @property
    def degree(self) -> float:
        return self.rep.degree

    @property
    def is_real(self) -> bool:
        return self.rep.is_real

    def matrix(self, g: Any) -> np.ndarray:
        g = self.group.validate(g)
        mat = self.rep.matrix(g[self.index])
        batch = _batch_size(self.group, g)
        if batch is not None and mat.ndim == 2:
            mat = np.broadcast_to(mat, (batch, *mat.shape)).copy()
        return mat

    def algebra_matrix(self, x: Any) -> np.ndarray:
        xi = x[self.index]
        if xi is None:
            return np.zeros((self.dim, self.dim), dtype=np.complex128)
        return self.rep.algebra_matrix(xi)


def qubit_representation(n_qubits: int) -> TensorProduct:
    r"""The defining representation :math:`U \mapsto U^{\otimes n}` of SU(2) on ``n`` qubits.

    Examples
    --------
    >>> qubit_representation(3).dim
    8
    """
    n = check_int("n_qubits", n_qubits, minimum=1, maximum=12)
    return TensorProduct(*([SpinIrrep(Fraction(1, 2))] * n))


def matrix_exp_hermitian(h: np.ndarray, t: float = 1.0) -> np.ndarray:
    """:math:`e^{-i t H}` of a Hermitian matrix (reference helper for tests)."""
    return scipy.linalg.expm(-1j * t * np.asarray(h))
