r"""Groups: SU(2), finite permutation groups and direct products.

Elements
--------
* :class:`SU2` elements are complex ``(2, 2)`` unitary matrices of determinant one; a batch
  is an array of shape ``(B, 2, 2)``.  Lie-algebra elements are traceless Hermitian
  ``(2, 2)`` matrices :math:`H`, with the physics convention

  .. math:: U = e^{-i t H}, \qquad H = \sum_a c_a \, \sigma^a / 2 .

* :class:`FiniteGroup` elements are integers ``0 .. order - 1`` (numpy integer arrays for
  batches).  Every finite group is stored through a faithful permutation action on
  ``n_points`` points, from which products, inverses, the Cayley table and the
  permutation representation follow.
* :class:`DirectProduct` elements are tuples ``(g_1, ..., g_k)`` of factor elements (each
  entry may itself be a batch; all entries must have the same batch size).

All sampling takes an explicit ``numpy.random.Generator`` or integer seed.
"""

from __future__ import annotations

import itertools
import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np

from eqqnn._validation import check_int
from eqqnn.errors import GroupElementError, InvalidParameterError, ProblemTooLargeError

__all__ = [
    "SU2",
    "DirectProduct",
    "FiniteGroup",
    "Group",
    "as_generator",
    "cyclic_group",
    "dihedral_group",
    "octahedral_group",
    "symmetric_group",
]

PAULI_X = np.array([[0, 1], [1, 0]], dtype=np.complex128)
PAULI_Y = np.array([[0, -1j], [1j, 0]], dtype=np.complex128)
PAULI_Z = np.array([[1, 0], [0, -1]], dtype=np.complex128)
PAULIS = np.stack([PAULI_X, PAULI_Y, PAULI_Z])

#: Largest finite group eqqnn enumerates element by element.
MAX_FINITE_ORDER = 50_000


def as_generator(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a seed or generator.

    ``None`` is rejected on purpose: every random draw in eqqnn is reproducible.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        raise InvalidParameterError(
            "a seed (int) or numpy.random.Generator is required; got None "
            "(eqqnn never draws unseeded random numbers)"
        )
    return np.random.default_rng(check_int("seed", seed, minimum=0))


class Group(ABC):
    """A group with elements, composition, inverses and generators.

    Subclasses provide the concrete element type.  A group is *compact*; when it is a
    Lie group, :meth:`lie_algebra_basis` returns a basis of its Lie algebra (Hermitian
    convention, see the module docstring) and :meth:`discrete_generators` the extra
    elements needed to generate it (for example reflections of a disconnected group).
    """

    name: str

    @property
    @abstractmethod
    def is_finite(self) -> bool:
        """Whether the group has finitely many elements."""

    @abstractmethod
    def identity(self) -> Any:
        """The neutral element."""

    @abstractmethod
    def compose(self, g: Any, h: Any) -> Any:
        """The product :math:`g h` (apply ``h`` first)."""

    @abstractmethod
    def inverse(self, g: Any) -> Any:
        """The inverse :math:`g^{-1}`."""

    @abstractmethod
    def sample(self, seed: int | np.random.Generator, size: int | None = None) -> Any:
        """Draw Haar-random elements (uniform for finite groups); ``size`` makes a batch."""

    @abstractmethod
    def validate(self, g: Any) -> Any:
        """Return ``g`` in canonical form or raise :class:`GroupElementError`."""

    def lie_algebra_basis(self) -> list[Any]:
        """A basis of the Lie algebra (empty for finite groups)."""
        return []

    @abstractmethod
    def discrete_generators(self) -> list[Any]:
        """Elements that, with the Lie algebra, generate the group."""

    def __repr__(self) -> str:
        return self.name


class SU2(Group):
    r"""The special unitary group SU(2), in its defining ``2 x 2`` realization.

    Haar sampling uses uniformly distributed unit quaternions
    :math:`(a, b, c, d) \in S^3`, :math:`U = a I - i (b \sigma^x + c \sigma^y + d \sigma^z)`.

    Examples
    --------
    >>> g = SU2()
    >>> u = g.sample(seed=0)
    >>> bool(np.allclose(u @ u.conj().T, np.eye(2)))
    True
    """

    name = "SU(2)"

    @property
    def is_finite(self) -> bool:
        return False

    def identity(self) -> np.ndarray:
        return np.eye(2, dtype=np.complex128)

    def compose(self, g: np.ndarray, h: np.ndarray) -> np.ndarray:
        return self.validate(g) @ self.validate(h)

    def inverse(self, g: np.ndarray) -> np.ndarray:
        return np.swapaxes(self.validate(g), -1, -2).conj()

    def sample(self, seed: int | np.random.Generator, size: int | None = None) -> np.ndarray:
        rng = as_generator(seed)
        n = 1 if size is None else check_int("size", size, minimum=1)
        q = rng.standard_normal((n, 4))
        q /= np.linalg.norm(q, axis=1, keepdims=True)
        u = q[:, 0, None, None] * np.eye(2) - 1j * np.einsum("ba,aij->bij", q[:, 1:], PAULIS)
        return u[0] if size is None else u

    def exp(self, generator: np.ndarray, t: float = 1.0) -> np.ndarray:
        r"""Return :math:`e^{-i t H}` for a traceless Hermitian ``H`` (batched over ``t``)."""
        coeffs = self.algebra_coordinates(generator)
        t = np.asarray(t, dtype=float)
        vec = t[..., None] * coeffs  # rotation vector theta * n
        theta = np.linalg.norm(vec, axis=-1)
        safe = np.where(theta > 0, theta, 1.0)
        axis = vec / safe[..., None]
        ns = np.einsum("...a,aij->...ij", axis, PAULIS)
        return (
            np.cos(theta / 2)[..., None, None] * np.eye(2)
            - 1j * np.sin(theta / 2)[..., None, None] * ns
        )

    @staticmethod
    def algebra_coordinates(generator: np.ndarray) -> np.ndarray:
        r"""Coordinates :math:`c_a` of :math:`H = \sum_a c_a \sigma^a/2`.

        .. math:: c_a = \mathrm{tr}(H \sigma^a)
        """
        h = np.asarray(generator)
        if h.shape[-2:] != (2, 2):
            raise GroupElementError(
                f"an su(2) element must be a (2, 2) matrix, got shape {h.shape}"
            )
        if not np.allclose(h, np.swapaxes(h, -1, -2).conj(), atol=1e-10) or not np.allclose(
            np.trace(h, axis1=-2, axis2=-1), 0, atol=1e-10
        ):
            raise GroupElementError(
                "an su(2) element must be a traceless Hermitian (2, 2) matrix "
                "(physics convention U = exp(-i t H))"
            )
        return np.einsum("...ij,aji->...a", h, PAULIS).real

    def validate(self, g: Any) -> np.ndarray:
        if isinstance(g, (int, np.integer, tuple)):
            raise GroupElementError(
                f"an SU(2) element must be a (2, 2) complex matrix (or a (B, 2, 2) batch), "
                f"got {type(g).__name__} {g!r}"
            )
        arr = np.asarray(g)
        if arr.ndim not in (2, 3) or arr.shape[-2:] != (2, 2):
            raise GroupElementError(
                f"an SU(2) element must have shape (2, 2) or (B, 2, 2), got shape {arr.shape}"
            )
        arr = arr.astype(np.complex128, copy=False)
        eye_err = np.abs(arr @ np.swapaxes(arr, -1, -2).conj() - np.eye(2)).max()
        det_err = np.abs(np.linalg.det(arr) - 1).max()
        if eye_err > 1e-8 or det_err > 1e-8:
            raise GroupElementError(
                "an SU(2) element must be unitary with determinant 1; got deviation "
                f"|UU†-I| = {eye_err:.2e}, |det U - 1| = {det_err:.2e} (tolerance 1e-8)"
            )
        return arr

    def lie_algebra_basis(self) -> list[np.ndarray]:
        r"""The spin operators :math:`\sigma^x/2, \sigma^y/2, \sigma^z/2`."""
        return [p / 2 for p in PAULIS]

    def discrete_generators(self) -> list[np.ndarray]:
        return []

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SU2)

    def __hash__(self) -> int:
        return hash("SU2")


class FiniteGroup(Group):
    r"""A finite group given by a faithful permutation action on ``n_points`` points.

    Elements are the integers ``0 .. order - 1``; element ``i`` permutes the points by
    ``permutations[i]`` (point ``p`` is sent to ``permutations[i][p]``).  The product
    :math:`g h` acts as ``h`` first:

    .. math:: (g h)(p) = g(h(p)).

    Element 0 is the identity.  Construct with :meth:`from_generators` or one of the
    module factories (:func:`cyclic_group`, :func:`dihedral_group`,
    :func:`octahedral_group`, :func:`symmetric_group`).

    Examples
    --------
    >>> c4 = cyclic_group(4)
    >>> c4.order, c4.compose(1, 3)
    (4, 0)
    """

    def __init__(
        self,
        name: str,
        permutations: np.ndarray,
        generators: Sequence[int],
        *,
        matrices: np.ndarray | None = None,
    ) -> None:
        perms = np.asarray(permutations, dtype=np.int64)
        if perms.ndim != 2:
            raise InvalidParameterError(
                f"permutations must be a 2-D array (order, n_points), got shape {perms.shape}"
            )
        if not np.array_equal(perms[0], np.arange(perms.shape[1])):
            raise InvalidParameterError("element 0 of a FiniteGroup must be the identity")
        self.name = name
        self._perms = perms
        self._perms.setflags(write=False)
        self._index = {p.tobytes(): i for i, p in enumerate(perms)}
        if len(self._index) != len(perms):
            raise InvalidParameterError(f"the permutations of {name} are not distinct")
        self._generators = [int(g) for g in generators]
        self.matrices = matrices
        if matrices is not None:
            self.matrices = np.asarray(matrices)
            self.matrices.setflags(write=False)

    @classmethod
    def from_generators(
        cls,
        name: str,
        generators: Sequence[Sequence[int]],
        *,
        matrix_generators: Sequence[np.ndarray] | None = None,
        max_order: int = MAX_FINITE_ORDER,
    ) -> FiniteGroup:
        """Close a set of permutations (and optional matching matrices) under products."""
        gens = [np.asarray(g, dtype=np.int64) for g in generators]
        if not gens:
            raise InvalidParameterError("at least one generator is needed")
        n_points = gens[0].shape[0]
        for g in gens:
            if g.shape != (n_points,) or sorted(g.tolist()) != list(range(n_points)):
                raise InvalidParameterError(
                    f"each generator must be a permutation of 0..{n_points - 1}, got {g.tolist()}"
                )
        ident = np.arange(n_points)
        elems = [ident]
        mats = None
        if matrix_generators is not None:
            mgens = [np.asarray(m) for m in matrix_generators]
            mats = [np.eye(mgens[0].shape[0], dtype=mgens[0].dtype)]
        seen = {ident.tobytes(): 0}
        frontier = [0]
        while frontier:
            new_frontier = []
            for i in frontier:
                for gi, g in enumerate(gens):
                    prod = g[elems[i]]  # g after element i
                    key = prod.tobytes()
                    if key not in seen:
                        seen[key] = len(elems)
                        elems.append(prod)
                        if mats is not None:
                            mats.append(mgens[gi] @ mats[i])
                        new_frontier.append(seen[key])
                        if len(elems) > max_order:
                            raise ProblemTooLargeError(
                                f"group {name} has more than max_order={max_order} elements"
                            )
            frontier = new_frontier
        perms = np.stack(elems)
        gen_idx = [seen[g.tobytes()] for g in gens]
        return cls(name, perms, gen_idx, matrices=None if mats is None else np.stack(mats))

    @property
    def is_finite(self) -> bool:
        return True

    @property
    def order(self) -> int:
        """Number of elements."""
        return self._perms.shape[0]

    @property
    def n_points(self) -> int:
        """Number of points of the defining permutation action."""
        return self._perms.shape[1]

    @property
    def permutations(self) -> np.ndarray:
        """``(order, n_points)`` array; row ``g`` is the permutation of element ``g``."""
        return self._perms

    def elements(self) -> np.ndarray:
        """All elements, ``arange(order)``."""
        return np.arange(self.order)

    def identity(self) -> int:
        return 0

    def validate(self, g: Any) -> np.ndarray | int:
        if isinstance(g, (bool, np.bool_)):
            raise GroupElementError(f"an element of {self.name} is an integer, got {g!r}")
        arr = np.asarray(g)
        if arr.dtype.kind not in "iu" or arr.ndim > 1:
            raise GroupElementError(
                f"an element of {self.name} is an integer in [0, {self.order}) or a 1-D integer "
                f"array of them, got {type(g).__name__} with shape {arr.shape} and dtype "
                f"{arr.dtype}"
            )
        if arr.size and (arr.min() < 0 or arr.max() >= self.order):
            raise GroupElementError(
                f"elements of {self.name} are integers in [0, {self.order}), got {g!r}"
            )
        return int(arr) if arr.ndim == 0 else arr.astype(np.int64)

    def _lookup(self, perms: np.ndarray) -> np.ndarray:
        return np.array([self._index[p.tobytes()] for p in perms.reshape(-1, self.n_points)])

    @cached_property
    def cayley_table(self) -> np.ndarray:
        """``table[g, h]`` is the index of :math:`g h`."""
        if self.order > 5000:
            raise ProblemTooLargeError(
                f"the Cayley table of {self.name} would have {self.order}^2 entries "
                "(limit order <= 5000); use compose instead"
            )
        # prods[g, h, p] = g(h(p)): index g's permutation with h's image
        prods = np.take_along_axis(
            self._perms[:, None, :].repeat(self.order, axis=1),
            self._perms[None, :, :].repeat(self.order, axis=0),
            axis=2,
        )
        return self._lookup(prods).reshape(self.order, self.order)

    def compose(self, g: Any, h: Any) -> np.ndarray | int:
        g, h = self.validate(g), self.validate(h)
        pg, ph = self._perms[np.atleast_1d(g)], self._perms[np.atleast_1d(h)]
        pg, ph = np.broadcast_arrays(pg, ph)
        out = self._lookup(np.take_along_axis(pg, ph, axis=1))
        return int(out[0]) if np.ndim(g) == 0 and np.ndim(h) == 0 else out

    def inverse(self, g: Any) -> np.ndarray | int:
        g = self.validate(g)
        p = self._perms[np.atleast_1d(g)]
        inv = np.argsort(p, axis=1)
        out = self._lookup(inv)
        return int(out[0]) if np.ndim(g) == 0 else out

    def sample(self, seed: int | np.random.Generator, size: int | None = None) -> Any:
        rng = as_generator(seed)
        if size is None:
            return int(rng.integers(self.order))
        return rng.integers(self.order, size=check_int("size", size, minimum=1))

    def discrete_generators(self) -> list[int]:
        return list(self._generators)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, FiniteGroup)
            and other.name == self.name
            and np.array_equal(other._perms, self._perms)
        )

    def __hash__(self) -> int:
        return hash((self.name, self._perms.tobytes()))


def cyclic_group(n: int) -> FiniteGroup:
    """The cyclic group :math:`C_n`, acting on ``n`` points by rotation (generator 1 → shift)."""
    n = check_int("n", n, minimum=1)
    shift = np.roll(np.arange(n), 1)  # point p -> p + 1 mod n
    return FiniteGroup.from_generators(f"C{n}", [shift])


def dihedral_group(n: int) -> FiniteGroup:
    r"""The dihedral group :math:`D_n` of order ``2n``: rotations and reflections of an n-gon.

    Generators: the rotation :math:`p \mapsto p + 1` and the reflection
    :math:`p \mapsto -p \bmod n`.  Requires ``n >= 3`` for a faithful action on n points.
    """
    n = check_int("n", n, minimum=3)
    shift = np.roll(np.arange(n), 1)
    reflect = (-np.arange(n)) % n
    return FiniteGroup.from_generators(f"D{n}", [shift, reflect])


def octahedral_group() -> FiniteGroup:
    r"""The octahedral rotation group O (24 elements), the rotations of a cube.

    It acts faithfully on the six points :math:`+x, -x, +y, -y, +z, -z` (indices 0..5),
    and :attr:`FiniteGroup.matrices` holds its ``(24, 3, 3)`` rotation matrices, the
    signed permutation matrices of determinant one.  It permutes the six Pauli
    measurement outcomes of a classical-shadow snapshot.
    """
    rx = np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]], dtype=float)  # quarter turn about x
    rz = np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1]], dtype=float)  # quarter turn about z
    axes = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]])

    def as_perm(r: np.ndarray) -> list[int]:
        images = axes @ r.T
        return [int(np.flatnonzero((axes == im).all(axis=1))[0]) for im in images]

    return FiniteGroup.from_generators("O", [as_perm(rx), as_perm(rz)], matrix_generators=[rx, rz])


def symmetric_group(n: int) -> FiniteGroup:
    """The symmetric group :math:`S_n` acting on ``n`` points (generators: adjacent swaps)."""
    n = check_int("n", n, minimum=1, maximum=8)
    if n == 1:
        return FiniteGroup("S1", np.zeros((1, 1), dtype=np.int64), [0])
    perms = np.array(list(itertools.permutations(range(n))), dtype=np.int64)
    group = FiniteGroup(f"S{n}", perms, [])
    gens = []
    for k in range(n - 1):
        p = np.arange(n)
        p[[k, k + 1]] = p[[k + 1, k]]
        gens.append(group._index[p.tobytes()])
    group._generators = gens
    return group


class DirectProduct(Group):
    r"""The direct product :math:`G_1 \times \dots \times G_k`; elements are tuples.

    The Lie algebra of the product is spanned by tuples with one factor's algebra
    element and ``None`` (zero) elsewhere; the discrete generators are tuples with one
    factor's generator and identities elsewhere.

    Examples
    --------
    >>> g = DirectProduct(SU2(), cyclic_group(2))
    >>> e = g.identity()
    >>> bool(np.allclose(g.compose(e, e)[0], np.eye(2)))
    True
    """

    def __init__(self, *factors: Group) -> None:
        if len(factors) < 2 or not all(isinstance(f, Group) for f in factors):
            raise InvalidParameterError(
                f"DirectProduct needs at least two Group factors, got {factors!r}"
            )
        self.factors = tuple(factors)
        self.name = " x ".join(f.name for f in factors)

    @property
    def is_finite(self) -> bool:
        return all(f.is_finite for f in self.factors)

    @property
    def order(self) -> int:
        """Number of elements (finite factors only)."""
        if not self.is_finite:
            raise InvalidParameterError(f"{self.name} is not finite")
        return math.prod(f.order for f in self.factors)  # type: ignore[attr-defined]

    def validate(self, g: Any) -> tuple:
        if not isinstance(g, tuple) or len(g) != len(self.factors):
            raise GroupElementError(
                f"an element of {self.name} is a tuple of {len(self.factors)} factor elements, "
                f"got {type(g).__name__}"
            )
        return tuple(f.validate(x) for f, x in zip(self.factors, g, strict=True))

    def identity(self) -> tuple:
        return tuple(f.identity() for f in self.factors)

    def compose(self, g: Any, h: Any) -> tuple:
        return tuple(
            f.compose(a, b)
            for f, a, b in zip(self.factors, self.validate(g), self.validate(h), strict=True)
        )

    def inverse(self, g: Any) -> tuple:
        return tuple(f.inverse(a) for f, a in zip(self.factors, self.validate(g), strict=True))

    def sample(self, seed: int | np.random.Generator, size: int | None = None) -> tuple:
        rng = as_generator(seed)
        return tuple(f.sample(rng, size) for f in self.factors)

    def lie_algebra_basis(self) -> list[tuple]:
        basis = []
        for i, f in enumerate(self.factors):
            for x in f.lie_algebra_basis():
                basis.append(tuple(x if j == i else None for j in range(len(self.factors))))
        return basis

    def discrete_generators(self) -> list[tuple]:
        gens = []
        for i, f in enumerate(self.factors):
            for x in f.discrete_generators():
                gens.append(
                    tuple(x if j == i else o.identity() for j, o in enumerate(self.factors))
                )
        return gens

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DirectProduct) and other.factors == self.factors

    def __hash__(self) -> int:
        return hash(self.factors)
