r"""Equivariant linear layers between any two representations of the symmetry core.

A linear map :math:`W: V_{in} \to V_{out}` commutes with the group when

.. math:: W \rho_{in}(g) = \rho_{out}(g) W \quad \forall g ,

and these maps form a vector space with an orthonormal basis :math:`\{B_k\}` solved once
by :func:`eqqnn.symmetry.equivariant_basis` (EMLP style, Finzi et al. 2021).  With
``c_in`` input and ``c_out`` output channels (copies) the layer is

.. math:: y_{o} = \sum_{k} \sum_{c} w_{k, o, c}\, B_k\, x_{c} + \sum_{l} b_{l, o}\, \beta_l ,

i.e. the basis of the *single-copy* problem tensored with free channel mixing (the
commutant of :math:`I_{c} \otimes \rho` is :math:`\mathrm{End}(\mathbb R^{c}) \otimes
\mathrm{End}_G(\rho)`), never the nullspace of the ``c``-fold problem.  The bias lives in
the invariant vectors :math:`\beta_l` of :math:`\rho_{out}` (the maps from the trivial
representation).

Bases are cached by a fingerprint of the two representations (group and generator
matrices), so every layer on the same pair of representations shares one solve.  When
``d_in * d_out`` exceeds the dense nullspace limit and both representations permute a
basis (permutation, regular, their tensor and outer products), the basis is the orbit
basis instead: the indicator matrices of the orbits of :math:`G` on pairs of basis
vectors, normalized — the same space (tests compare it with the nullspace on small
cases), found in :math:`O(|G| d_{in} d_{out})`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from eqqnn._validation import check_int, check_real
from eqqnn.classical._common import as_torch_generator, check_float_dtype, normal
from eqqnn.errors import DimensionError, RepresentationError
from eqqnn.symmetry import (
    DirectProduct,
    FiniteGroup,
    Representation,
    TrivialRepresentation,
    equivariant_basis,
)
from eqqnn.symmetry._equivariant import MAX_NULLSPACE_DIM
from eqqnn.symmetry._group_tables import group_table

__all__ = [
    "EquivariantBasis",
    "EquivariantLinear",
    "cached_equivariant_basis",
    "clear_basis_cache",
]


@dataclass(frozen=True, eq=False)
class EquivariantBasis:
    """A solved basis of the equivariant maps :math:`\\rho_{in} \\to \\rho_{out}`."""

    matrices: np.ndarray
    """``(k, d_out, d_in)`` real orthonormal (Hilbert–Schmidt) basis."""
    method: str
    """How it was found: ``"nullspace"`` (the core's dense solver) or ``"orbits"``."""

    @property
    def size(self) -> int:
        """Number of basis elements ``k``."""
        return int(self.matrices.shape[0])


_CACHE: dict[tuple, EquivariantBasis] = {}


def _fingerprint(rep: Representation) -> str:
    h = hashlib.sha256()
    h.update(f"{type(rep).__name__}|{rep.dim}|".encode())
    for m in rep.discrete_generator_matrices() + rep.lie_generator_matrices():
        arr = np.round(np.asarray(m, dtype=np.complex128), 12) + 0.0  # no negative zeros
        h.update(arr.tobytes())
    return h.hexdigest()


def _is_finite(group: object) -> bool:
    return isinstance(group, FiniteGroup) or (
        isinstance(group, DirectProduct) and all(isinstance(f, FiniteGroup) for f in group.factors)
    )


def _orbit_basis(rep_in: Representation, rep_out: Representation) -> np.ndarray | None:
    """Orbit indicator basis when both representations permute basis vectors."""
    if not _is_finite(rep_in.group):
        return None
    table = group_table(rep_in.group)
    p_in, p_out = table.permutation_table(rep_in), table.permutation_table(rep_out)
    if p_in is None or p_out is None:
        return None
    d_in, d_out = rep_in.dim, rep_out.dim
    label = np.full((d_out, d_in), d_out * d_in, dtype=np.int64)
    for g in range(table.order):  # orbit label = smallest flat index of its images
        np.minimum(label, p_out[g][:, None] * d_in + p_in[g][None, :], out=label)
    _, orbit = np.unique(label, return_inverse=True)
    orbit = orbit.reshape(d_out, d_in)
    k = int(orbit.max()) + 1
    basis = np.zeros((k, d_out, d_in))
    basis[orbit, np.arange(d_out)[:, None], np.arange(d_in)[None, :]] = 1.0
    return basis / np.sqrt(basis.sum(axis=(1, 2)))[:, None, None]


def cached_equivariant_basis(
    rep_in: Representation, rep_out: Representation, *, max_dim: int = MAX_NULLSPACE_DIM
) -> EquivariantBasis:
    r"""Real orthonormal basis of the equivariant maps, solved once per pair and cached.

    Uses :func:`eqqnn.symmetry.equivariant_basis` (``method="nullspace"``, ``real=True``)
    when :math:`d_{in} d_{out} \le` ``max_dim``, otherwise the orbit basis of two
    permutation representations (see the module notes).

    Examples
    --------
    >>> from eqqnn.symmetry import SO3Vector
    >>> cached_equivariant_basis(SO3Vector(), SO3Vector()).size   # only multiples of I
    1
    """
    if rep_in.group != rep_out.group:
        raise RepresentationError(
            f"input and output representations act on different groups: {rep_in.group!r} "
            f"and {rep_out.group!r}"
        )
    for name, rep in (("rep_in", rep_in), ("rep_out", rep_out)):
        if not rep.is_real:
            raise RepresentationError(
                f"{name} = {rep!r} is not real; classical layers need orthogonal "
                "representations (use SO3Vector or RealSpinIrrep for integer spins)"
            )
    key = (rep_in.group, _fingerprint(rep_in), _fingerprint(rep_out), max_dim)
    if key in _CACHE:
        return _CACHE[key]
    if rep_in.dim * rep_out.dim <= max_dim:
        mats, method = equivariant_basis(rep_in, rep_out, real=True, max_dim=max_dim), "nullspace"
    else:
        mats, method = _orbit_basis(rep_in, rep_out), "orbits"
        if mats is None:
            raise DimensionError(
                f"d_in * d_out = {rep_in.dim * rep_out.dim} exceeds the dense limit "
                f"max_dim = {max_dim} and the representations are not permutation "
                "representations (orbit basis); raise max_dim or use smaller representations"
            )
    mats = np.ascontiguousarray(np.asarray(mats, dtype=np.float64))
    mats.setflags(write=False)
    basis = EquivariantBasis(mats, method)
    _CACHE[key] = basis
    return basis


def clear_basis_cache() -> int:
    """Empty the basis cache; returns the number of entries removed."""
    n = len(_CACHE)
    _CACHE.clear()
    return n


class EquivariantLinear(nn.Module):
    r"""Equivariant linear layer from copies of :math:`\rho_{in}` to copies of :math:`\rho_{out}`.

    .. math:: y_{o} = \sum_{k, c} w_{k o c}\, B_k\, x_{c} + \sum_l b_{l o}\,\beta_l

    with :math:`\{B_k\}` from :func:`cached_equivariant_basis` and :math:`\{\beta_l\}` the
    invariant vectors of :math:`\rho_{out}`.  Equivariant for every weight value:

    .. math:: f\big((I_{c_{in}} \otimes \rho_{in}(g))\,x\big)
              = (I_{c_{out}} \otimes \rho_{out}(g))\, f(x) .

    Parameters
    ----------
    rep_in, rep_out
        Real (orthogonal) representations of one group.
    in_channels, out_channels
        Numbers of copies.
    bias
        Add the invariant bias (no parameters when :math:`\rho_{out}` has no invariant
        vector, e.g. SO(3) vectors).
    seed
        Seed (or CPU generator) of the initial weights,
        :math:`w \sim \mathcal N(0, \mathrm{gain}^2 d_{out} / (k\, c_{in}))`, which keeps
        the mean square per coordinate for isotropic inputs; the bias starts at zero.
    gain
        Scale of the initial weights.
    dtype, device
        Of the parameters and buffers.

    Notes
    -----
    Inputs ``(..., in_channels, d_in)``; outputs ``(..., out_channels, d_out)``.

    Examples
    --------
    >>> from eqqnn.symmetry import PermutationRepresentation, cyclic_group
    >>> from eqqnn.testing import assert_equivariant
    >>> rep = PermutationRepresentation(cyclic_group(5))
    >>> layer = EquivariantLinear(rep, rep, in_channels=2, out_channels=3, seed=0)
    >>> layer.n_basis, tuple(layer.weight.shape)       # circulant maps on 5 points
    (5, (5, 3, 2))
    >>> x = torch.randn(4, 2, 5)
    >>> layer(x).shape
    torch.Size([4, 3, 5])
    """

    def __init__(
        self,
        rep_in: Representation,
        rep_out: Representation,
        *,
        in_channels: int = 1,
        out_channels: int = 1,
        bias: bool = True,
        seed: int | torch.Generator = 0,
        gain: float = 1.0,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(rep_in, Representation) or not isinstance(rep_out, Representation):
            raise RepresentationError(
                f"rep_in and rep_out must be Representations, got {rep_in!r} and {rep_out!r}"
            )
        dtype = check_float_dtype(dtype)
        self.rep_in, self.rep_out = rep_in, rep_out
        self.in_channels = check_int("in_channels", in_channels, minimum=1)
        self.out_channels = check_int("out_channels", out_channels, minimum=1)
        gain = check_real("gain", gain, minimum=0.0)
        solved = cached_equivariant_basis(rep_in, rep_out)
        if solved.size == 0:
            raise RepresentationError(
                f"there is no non-zero equivariant linear map from {rep_in!r} to {rep_out!r}"
            )
        self.basis_method = solved.method
        self.register_buffer(
            "basis", torch.from_numpy(solved.matrices.copy()).to(dtype=dtype, device=device)
        )
        gen = as_torch_generator(seed)
        std = gain * np.sqrt(rep_out.dim / (solved.size * self.in_channels))
        self.weight = nn.Parameter(
            normal(
                (solved.size, self.out_channels, self.in_channels),
                std,
                gen,
                dtype=dtype,
                device=device,
            )
        )
        self.bias: nn.Parameter | None = None
        if bias:
            invariants = cached_equivariant_basis(TrivialRepresentation(rep_out.group), rep_out)
            if invariants.size:
                vecs = torch.from_numpy(invariants.matrices[:, :, 0].copy())
                self.register_buffer("bias_basis", vecs.to(dtype=dtype, device=device))
                self.bias = nn.Parameter(
                    torch.zeros(invariants.size, self.out_channels, dtype=dtype, device=device)
                )

    @property
    def n_basis(self) -> int:
        """Number of equivariant basis maps ``k``."""
        return int(self.basis.shape[0])

    def full_weight(self) -> torch.Tensor:
        """The dense ``(c_out * d_out, c_in * d_in)`` matrix of the layer (channel-major)."""
        w = torch.einsum("koc,kij->oicj", self.weight, self.basis)
        return w.reshape(self.out_channels * self.rep_out.dim, self.in_channels * self.rep_in.dim)

    def bias_vector(self) -> torch.Tensor | None:
        """The ``(c_out, d_out)`` bias, or None."""
        if self.bias is None:
            return None
        return torch.einsum("lo,li->oi", self.bias, self.bias_basis)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the layer to ``(..., in_channels, d_in)``."""
        expected = (self.in_channels, self.rep_in.dim)
        if x.ndim < 2 or tuple(x.shape[-2:]) != expected:
            raise DimensionError(
                f"EquivariantLinear expects inputs of shape (..., {expected[0]}, {expected[1]}) "
                f"(channels, representation dimension), got {tuple(x.shape)}"
            )
        lead = x.shape[:-2]
        y = x.reshape(*lead, -1) @ self.full_weight().T
        y = y.reshape(*lead, self.out_channels, self.rep_out.dim)
        b = self.bias_vector()
        return y if b is None else y + b

    def extra_repr(self) -> str:
        return (
            f"{self.rep_in!r} -> {self.rep_out!r}, channels {self.in_channels} -> "
            f"{self.out_channels}, basis {self.n_basis} ({self.basis_method}), "
            f"bias={self.bias is not None}"
        )
