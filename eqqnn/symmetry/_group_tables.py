r"""Flat multiplication tables of finite groups and of direct products of finite groups.

The G-CNN layers index functions on a finite group :math:`G` by the integers
``0 .. |G| - 1``.  For a :class:`~eqqnn.symmetry.FiniteGroup` these are its elements; for
a :class:`~eqqnn.symmetry.DirectProduct` :math:`G_1 \times \dots \times G_k` of finite
groups the element :math:`(g_1, \dots, g_k)` has the row-major flat index

.. math:: \iota(g_1, \dots, g_k) = (\dots(g_1 |G_2| + g_2) |G_3| + \dots) + g_k ,

the ordering of the Kronecker products in :class:`~eqqnn.symmetry.OuterProduct`, so that
the regular representation of the product is the outer product of the factors' regular
representations.  The tables are computed once per group and cached.

The symmetry core owns this indexing: the character tables
(:mod:`eqqnn.symmetry._characters`), the G-CNN layers and the relaxed layers of
:mod:`eqqnn.classical` all use :func:`group_elements` / :class:`GroupTable`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from eqqnn._validation import check_int
from eqqnn.errors import InvalidParameterError, RepresentationError
from eqqnn.symmetry._groups import DirectProduct, FiniteGroup, Group
from eqqnn.symmetry._representations import (
    OuterProduct,
    PermutationRepresentation,
    RegularRepresentation,
    Representation,
    TensorProduct,
)

__all__ = [
    "GroupTable",
    "as_numpy_real",
    "finite_factors",
    "generated_subgroup",
    "group_elements",
    "group_table",
    "representation_matrices",
]


def as_numpy_real(mats: np.ndarray, what: str) -> np.ndarray:
    """Real part of matrices that must be real (raises when the imaginary part is not zero)."""
    mats = np.asarray(mats)
    if np.iscomplexobj(mats):
        if np.abs(mats.imag).max(initial=0.0) > 1e-10:
            raise InvalidParameterError(
                f"{what} must be real (an orthogonal representation); got imaginary parts up "
                f"to {np.abs(mats.imag).max():.2e}"
            )
        mats = mats.real
    return np.ascontiguousarray(mats, dtype=np.float64)


def finite_factors(group: object, what: str = "this operation") -> tuple[FiniteGroup, ...]:
    """The factors of a FiniteGroup (itself) or of a DirectProduct of FiniteGroups."""
    if isinstance(group, FiniteGroup):
        return (group,)
    if isinstance(group, DirectProduct) and all(isinstance(f, FiniteGroup) for f in group.factors):
        return tuple(group.factors)  # type: ignore[arg-type]
    raise RepresentationError(
        f"{what} needs a FiniteGroup or a DirectProduct of FiniteGroups, got {group!r} "
        f"({type(group).__name__})"
    )


def representation_matrices(rep: Representation, *, chunk: int = 64) -> Iterator[tuple]:
    """Yield ``(flat indices, (n, d, d) matrices)`` of ``rep`` over its whole finite group,
    ``chunk`` elements at a time (no Cayley table is built)."""
    order = math.prod(f.order for f in finite_factors(rep.group, "representation matrices"))
    for start in range(0, order, chunk):
        idx = np.arange(start, min(start + chunk, order))
        mats = np.asarray(rep.matrix(group_elements(rep.group, idx)))
        yield idx, mats.reshape(len(idx), rep.dim, rep.dim)


def group_elements(group: Group, flat: np.ndarray | None = None) -> Any:
    r"""Elements of a finite group (or product) in its own format, from flat indices.

    Row-major flat indexing :math:`\iota(g_1, \dots, g_k) = (\dots(g_1 |G_2| + g_2)
    \dots) + g_k` for a :class:`~eqqnn.symmetry.DirectProduct` (the indexing of
    :class:`GroupTable` and of :class:`~eqqnn.symmetry.OuterProduct`); no Cayley table is
    built.

    Examples
    --------
    >>> from eqqnn.symmetry import DirectProduct, cyclic_group
    >>> [a.tolist() for a in group_elements(DirectProduct(cyclic_group(2), cyclic_group(3)))]
    [[0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2]]
    """
    shape = tuple(f.order for f in finite_factors(group, "flat group indexing"))
    flat = np.arange(math.prod(shape)) if flat is None else np.asarray(flat, dtype=np.int64)
    if isinstance(group, FiniteGroup):
        return flat
    return tuple(np.asarray(i, dtype=np.int64) for i in np.unravel_index(flat, shape))


class GroupTable:
    """Order, flat Cayley table, inverses and regular representation of a finite group.

    Build with :func:`group_table` (cached).

    Attributes
    ----------
    group : FiniteGroup or DirectProduct
        The group.
    order : int
        Number of elements.
    cayley : numpy.ndarray
        ``(order, order)``; ``cayley[g, h]`` is the flat index of :math:`g h`.
    inverse : numpy.ndarray
        ``(order,)``; flat index of :math:`g^{-1}`.
    """

    def __init__(self, group: Group) -> None:
        factors = finite_factors(group, "a group table")
        self.group = group
        self.factors = factors
        self.shape = tuple(f.order for f in factors)
        self.order = math.prod(self.shape)
        cayley = np.zeros((1, 1), dtype=np.int64)
        inverse = np.zeros(1, dtype=np.int64)
        for f in factors:
            inv_f = np.asarray(f.inverse(f.elements()), dtype=np.int64)
            cayley = (
                cayley[:, None, :, None] * f.order + f.cayley_table[None, :, None, :]
            ).reshape(cayley.shape[0] * f.order, cayley.shape[1] * f.order)
            inverse = (inverse[:, None] * f.order + inv_f[None, :]).reshape(-1)
        self.cayley = cayley
        self.inverse = inverse
        self.cayley.setflags(write=False)
        self.inverse.setflags(write=False)

    def elements(self, flat: np.ndarray | None = None) -> Any:
        """Group elements in the group's own format for the flat indices ``flat`` (default all).

        An integer array for a FiniteGroup, a tuple of integer arrays for a DirectProduct.
        """
        return group_elements(self.group, flat)

    def flat_index(self, g: Any) -> np.ndarray:
        """Flat indices of group elements (inverse of :meth:`elements`)."""
        g = self.group.validate(g)
        if isinstance(self.group, FiniteGroup):
            return np.atleast_1d(np.asarray(g, dtype=np.int64))
        parts = np.broadcast_arrays(*[np.atleast_1d(x) for x in g])
        return np.ravel_multi_index(tuple(parts), self.shape).astype(np.int64)

    def regular_representation(self) -> Representation:
        r"""The left-regular representation :math:`\lambda(g) e_h = e_{gh}` in flat indexing."""
        if isinstance(self.group, FiniteGroup):
            return RegularRepresentation(self.group)
        return OuterProduct(self.group, *[RegularRepresentation(f) for f in self.factors])

    def real_matrices(self, rep: Representation, *, chunk: int = 64) -> np.ndarray:
        """``(order, d, d)`` real matrices :math:`\\rho(g)` of an orthogonal representation."""
        if rep.group != self.group:
            raise RepresentationError(
                f"representation {rep!r} is not a representation of {self.group!r}"
            )
        out = np.empty((self.order, rep.dim, rep.dim), dtype=np.float64)
        for idx, mats in representation_matrices(rep, chunk=chunk):
            out[idx] = as_numpy_real(mats, f"matrices of {rep!r}")
        return out

    def permutation_table(self, rep: Representation, *, chunk: int = 32) -> np.ndarray | None:
        """``(order, d)`` images ``p`` with :math:`\\rho(g) e_x = e_{p[g, x]}`, or None.

        Permutation and regular representations, and tensor products of them, are read
        from the group's tables without forming a matrix (a tensor product's index is
        row-major, :math:`p[g, (x, y)] = p_1[g, x]\\, d_2 + p_2[g, y]`); any other
        representation is tested matrix by matrix, ``chunk`` elements at a time.
        """
        if rep.group != self.group:
            raise RepresentationError(
                f"representation {rep!r} is not a representation of {self.group!r}"
            )
        structural = self._structural_permutations(rep)
        if structural is not None:
            return structural
        out = np.empty((self.order, rep.dim), dtype=np.int64)
        for start in range(0, self.order, chunk):
            idx = np.arange(start, min(start + chunk, self.order))
            m = np.asarray(rep.matrix(self.elements(idx)))
            if m.ndim == 2:
                m = m[None]
            if not np.all((m == 0) | (m == 1)) or not np.all(m.real.sum(axis=-2) == 1):
                return None
            out[idx] = m.real.argmax(axis=-2)
        return out

    def right_cosets(self, subgroup: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""The right cosets :math:`H g` of a subgroup: every element written as
        :math:`g = h_g\, r_{c(g)}` with one representative :math:`r_c` per coset.

        Parameters
        ----------
        subgroup
            Flat indices of :math:`H` (closed under products, holding the identity 0).

        Returns
        -------
        coset_of, factor, representatives
            ``(order,)`` coset index :math:`c(g)`, ``(order,)`` flat index of
            :math:`h_g \in H`, and ``(order / |H|,)`` representatives :math:`r_c` (the
            smallest flat index of each coset, in increasing order).

        Examples
        --------
        >>> from eqqnn.symmetry import cyclic_group
        >>> coset_of, factor, reps = group_table(cyclic_group(4)).right_cosets(np.array([0, 2]))
        >>> coset_of.tolist(), reps.tolist()
        ([0, 1, 0, 1], [0, 1])
        """
        h = np.asarray(subgroup, dtype=np.int64).reshape(-1)
        coset_of = np.full(self.order, -1, dtype=np.int64)
        factor = np.zeros(self.order, dtype=np.int64)
        reps = []
        for g in range(self.order):
            if coset_of[g] >= 0:
                continue
            members = self.cayley[h, g]  # h r for every h in H
            coset_of[members] = len(reps)
            factor[members] = h
            reps.append(g)
        return coset_of, factor, np.asarray(reps, dtype=np.int64)

    def _structural_permutations(self, rep: Representation) -> np.ndarray | None:
        if not isinstance(self.group, FiniteGroup):
            return None
        g = np.asarray(self.elements(), dtype=np.int64)
        if isinstance(rep, PermutationRepresentation):
            return np.ascontiguousarray(self.group.permutations[g], dtype=np.int64)
        if isinstance(rep, RegularRepresentation):
            return np.ascontiguousarray(self.group.cayley_table[g], dtype=np.int64)
        if isinstance(rep, TensorProduct):
            out = np.zeros((self.order, 1), dtype=np.int64)
            for factor in rep.reps:
                table = self._structural_permutations(factor)
                if table is None:
                    return None
                out = (out[:, :, None] * factor.dim + table[:, None, :]).reshape(self.order, -1)
            return out
        return None

    def __repr__(self) -> str:
        return f"GroupTable({self.group!r}, order={self.order})"


@lru_cache(maxsize=64)
def group_table(group: Group) -> GroupTable:
    """The cached :class:`GroupTable` of a finite group or direct product of finite groups.

    Examples
    --------
    >>> from eqqnn.symmetry import DirectProduct, cyclic_group
    >>> t = group_table(DirectProduct(cyclic_group(2), cyclic_group(3)))
    >>> t.order, int(t.cayley[t.inverse[4], 4])
    (6, 0)
    """
    return GroupTable(group)


def generated_subgroup(group: Group, generators: Sequence[Any]) -> np.ndarray:
    r"""Sorted flat indices of the subgroup :math:`\langle s_1, \dots, s_k \rangle`.

    Generators are flat indices (:class:`GroupTable` indexing) or, for a direct product,
    tuples of factor elements.  An empty list gives the trivial subgroup ``[0]``.

    Examples
    --------
    >>> from eqqnn.symmetry import cyclic_group
    >>> generated_subgroup(cyclic_group(6), [2]).tolist()
    [0, 2, 4]
    """
    table = group_table(group)
    gens = []
    for s in generators:
        if isinstance(s, tuple):
            gens.extend(table.flat_index(s).tolist())
        else:
            gens.append(check_int("generator", s, minimum=0, maximum=table.order - 1))
    members = {0}
    frontier = [0]
    while frontier:
        new = []
        for h in frontier:
            for s in gens:
                p = int(table.cayley[s, h])
                if p not in members:
                    members.add(p)
                    new.append(p)
        frontier = new
    return np.array(sorted(members), dtype=np.int64)
