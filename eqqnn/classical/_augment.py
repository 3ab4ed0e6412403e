r"""Data augmentation by a group: the "augmented" training strategy.

Nordenfors et al. (arXiv 2303.13458) compare three ways to use a symmetry: build it into
the architecture (equivariant), train an unconstrained network on data transformed by
random group elements (augmented), or neither (nominal).  :func:`augment` draws one
seeded group element per sample and applies its representation,

.. math:: x_b \mapsto \rho(g_b)\, x_b, \qquad g_b \sim \mathrm{Haar}(G),

leaving the labels unchanged (the phase labels are invariant).  :func:`act` applies
:math:`\rho(g_b)` without forming the :math:`d \times d` matrices where the
representation has structure: tensor and outer products act factor by factor on a
reshaped axis, permutation and regular representations by gathering indices, trivial
factors not at all — so a ``(T, n, 3)`` shadow tensor with ``T = 1000`` is transformed
in linear time.  Anything else falls back to the dense matrices of
:meth:`~eqqnn.symmetry.Representation.matrix`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from eqqnn.errors import DimensionError, InvalidParameterError, RepresentationError
from eqqnn.symmetry import (
    DirectProduct,
    DirectSum,
    Dual,
    FactorRepresentation,
    Group,
    OuterProduct,
    PermutationRepresentation,
    RegularRepresentation,
    Representation,
    TensorProduct,
    TrivialRepresentation,
)
from eqqnn.symmetry._group_tables import as_numpy_real
from eqqnn.symmetry._groups import as_generator
from eqqnn.symmetry._representations import _batch_size

__all__ = ["act", "augment"]


def _broadcast(group: Group, g: Any, batch: int) -> Any:
    """Validated elements, with every (factor) element broadcast to a batch of ``batch``."""
    if isinstance(group, DirectProduct):
        return tuple(_broadcast(f, x, batch) for f, x in zip(group.factors, g, strict=True))
    size = _batch_size(group, g)
    if size is None:
        g = np.asarray(g)
        return np.broadcast_to(g, (batch, *g.shape)).copy()
    return g


def _batch_elements(group: Group, g: Any, batch: int) -> Any:
    """Check that ``g`` is one element or ``batch`` elements; return a batch."""
    g = group.validate(g)
    size = _batch_size(group, g)
    if size is not None and size != batch:
        raise DimensionError(
            f"act needs one group element per sample ({batch}) or a single element, got a "
            f"batch of {size}"
        )
    return _broadcast(group, g, batch)


def _gather(x: torch.Tensor, axis: int, source: np.ndarray) -> torch.Tensor:
    """``y[b, ..., q, ...] = x[b, ..., source[b, q], ...]`` along ``axis``."""
    moved = x.movedim(axis, -1)
    idx = torch.as_tensor(source, device=x.device, dtype=torch.long)
    idx = idx.reshape(idx.shape[0], *([1] * (moved.ndim - 2)), idx.shape[1]).expand(moved.shape)
    return torch.gather(moved, -1, idx).movedim(-1, axis)


def _dense(rep: Representation, g: Any, x: torch.Tensor, axis: int) -> torch.Tensor:
    mats = np.asarray(rep.matrix(g))
    if x.is_complex():
        m = torch.as_tensor(mats, device=x.device).to(x.dtype)
    else:
        m = torch.as_tensor(as_numpy_real(mats, f"matrices of {rep!r}")).to(x.device, x.dtype)
    moved = x.movedim(axis, -1)
    out = torch.einsum("bij,b...j->b...i", m, moved)
    return out.movedim(-1, axis)


def _apply(rep: Representation, g: Any, x: torch.Tensor, axis: int) -> torch.Tensor:
    if isinstance(rep, TrivialRepresentation):
        return x
    if isinstance(rep, PermutationRepresentation):
        perms = rep.group.permutations[np.asarray(g)]  # rho(g) e_p = e_{perm[p]}
        return _gather(x, axis, np.argsort(perms, axis=1))  # y[q] = x[perm^{-1}(q)]
    if isinstance(rep, RegularRepresentation):
        group = rep.group
        inv = np.asarray(group.inverse(np.asarray(g)))
        return _gather(x, axis, group.cayley_table[inv])  # y[k] = x[g^{-1} k]
    if isinstance(rep, (TensorProduct, OuterProduct)):
        dims = [r.dim for r in rep.reps]
        shape = list(x.shape)
        y = x.reshape(*shape[:axis], *dims, *shape[axis + 1 :])
        for i, r in enumerate(rep.reps):
            gi = g[i] if isinstance(rep, OuterProduct) else g
            y = _apply(r, gi, y, axis + i)
        return y.reshape(shape)
    if isinstance(rep, FactorRepresentation):
        return _apply(rep.rep, g[rep.index], x, axis)
    if isinstance(rep, DirectSum):
        parts = torch.split(x, [r.dim for r in rep.reps], dim=axis)
        return torch.cat(
            [_apply(r, g, p, axis) for r, p in zip(rep.reps, parts, strict=True)], axis
        )
    if isinstance(rep, Dual) and rep.is_real and not x.is_complex():
        return _apply(rep.rep, g, x, axis)
    return _dense(rep, g, x, axis)


def act(rep: Representation, g: Any, x: torch.Tensor) -> torch.Tensor:
    r"""Apply :math:`\rho(g_b)` to every row :math:`x_b` of a batch.

    Parameters
    ----------
    rep
        The representation.
    g
        ``B`` group elements, one per row, or one element for all rows (the format of
        ``rep.group``: integers for a finite group, ``(B, 2, 2)`` for SU(2), a tuple of
        factor elements for a direct product).
    x
        ``(B, rep.dim)`` tensor (real for real representations).

    Returns
    -------
    torch.Tensor
        ``(B, rep.dim)``, equal to ``einsum("bij,bj->bi", rep.matrix(g), x)``.

    Examples
    --------
    >>> from eqqnn.symmetry import PermutationRepresentation, cyclic_group
    >>> rep = PermutationRepresentation(cyclic_group(3))
    >>> x = torch.tensor([[1.0, 2.0, 3.0]])
    >>> act(rep, np.array([1]), x)
    tensor([[2., 3., 1.]])
    >>> rep.matrix(1).real @ x[0].numpy()
    array([2., 3., 1.])
    """
    if not isinstance(rep, Representation):
        raise RepresentationError(f"rep must be a Representation, got {rep!r}")
    if not isinstance(x, torch.Tensor) or x.ndim != 2 or x.shape[1] != rep.dim:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise DimensionError(f"act expects x of shape (B, {rep.dim}), got {shape}")
    g = _batch_elements(rep.group, g, x.shape[0])
    return _apply(rep, g, x, 1)


def augment(
    batch: torch.Tensor,
    group: Group,
    rep: Representation,
    seed: int | np.random.Generator,
) -> torch.Tensor:
    r"""Transform every sample by its own seeded random group element.

    Parameters
    ----------
    batch
        ``(B, ...)`` samples whose trailing axes flatten (row-major) to ``rep.dim``, e.g.
        shadows ``(B, T, n, 3)`` or correlators ``(B, n, n)``.
    group
        The group to draw from (must be ``rep.group``).
    rep
        Its representation on one flattened sample.
    seed
        Integer seed or ``numpy.random.Generator`` (draw a fresh one per training step).

    Returns
    -------
    torch.Tensor
        Same shape, dtype and device as ``batch``.

    Examples
    --------
    >>> from eqqnn.classical import chain_group, correlator_representation
    >>> from eqqnn.symmetry import PermutationRepresentation
    >>> g = chain_group(4)
    >>> rep = correlator_representation(PermutationRepresentation(g))
    >>> augment(torch.randn(3, 4, 4), g, rep, seed=0).shape
    torch.Size([3, 4, 4])
    """
    if not isinstance(group, Group):
        raise InvalidParameterError(f"group must be a Group, got {group!r}")
    if not isinstance(rep, Representation) or rep.group != group:
        raise RepresentationError(f"rep must be a Representation of {group!r}, got {rep!r}")
    if not isinstance(batch, torch.Tensor) or batch.ndim < 2:
        shape = tuple(batch.shape) if isinstance(batch, torch.Tensor) else type(batch).__name__
        raise DimensionError(f"augment expects a batch (B, ...) tensor, got {shape}")
    flat = batch.reshape(batch.shape[0], -1)
    if flat.shape[1] != rep.dim:
        raise DimensionError(
            f"each sample of shape {tuple(batch.shape[1:])} has {flat.shape[1]} entries; the "
            f"representation {rep!r} has dimension {rep.dim}"
        )
    g = group.sample(as_generator(seed), batch.shape[0])
    return act(rep, g, flat).reshape(batch.shape)
