r"""Flat multiplication tables of finite groups and of direct products of finite groups.

The G-CNN layers index functions on a finite group :math:`G` by the integers
``0 .. |G| - 1``.  For a :class:`~eqqnn.symmetry.FiniteGroup` these are its elements; for
a :class:`~eqqnn.symmetry.DirectProduct` :math:`G_1 \times \dots \times G_k` of finite
groups the element :math:`(g_1, \dots, g_k)` has the row-major flat index

.. math:: \iota(g_1, \dots, g_k) = (\dots(g_1 |G_2| + g_2) |G_3| + \dots) + g_k ,

the ordering of the Kronecker products in :class:`~eqqnn.symmetry.OuterProduct`, so that
the regular representation of the product is the outer product of the factors' regular
representations.  The tables are computed once per group and cached.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

from eqqnn.classical._common import as_numpy_real
from eqqnn.errors import RepresentationError
from eqqnn.symmetry import (
    DirectProduct,
    FiniteGroup,
    Group,
    OuterProduct,
    RegularRepresentation,
    Representation,
)

__all__ = ["GroupTable", "group_table"]


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
        if isinstance(group, FiniteGroup):
            factors: tuple[FiniteGroup, ...] = (group,)
        elif isinstance(group, DirectProduct) and all(
            isinstance(f, FiniteGroup) for f in group.factors
        ):
            factors = tuple(group.factors)  # type: ignore[assignment]
        else:
            raise RepresentationError(
                "group convolutions need a FiniteGroup or a DirectProduct of FiniteGroups, "
                f"got {group!r}"
            )
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
        flat = np.arange(self.order) if flat is None else np.asarray(flat, dtype=np.int64)
        if isinstance(self.group, FiniteGroup):
            return flat
        return tuple(np.asarray(i, dtype=np.int64) for i in np.unravel_index(flat, self.shape))

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
        for start in range(0, self.order, chunk):
            idx = np.arange(start, min(start + chunk, self.order))
            out[idx] = as_numpy_real(rep.matrix(self.elements(idx)), f"matrices of {rep!r}")
        return out

    def permutation_table(self, rep: Representation, *, chunk: int = 32) -> np.ndarray | None:
        """``(order, d)`` images ``p`` with :math:`\\rho(g) e_x = e_{p[g, x]}`, or None."""
        if rep.group != self.group:
            raise RepresentationError(
                f"representation {rep!r} is not a representation of {self.group!r}"
            )
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
