r"""Approximate and partial equivariance for the classical layers, by measure twirls.

Four ways let a layer leave exact :math:`G`-equivariance in a controlled, learnable way,
each starting *exactly* equivariant (the classical counterparts of the relaxed EQCNN, the
[G]-mixed layers and the learned degree of the quantum side).  This module holds the two
that twirl a free weight by a learnable measure on the group, and their shared twirl:

* :class:`LearnedDegreeLinear` — learned degree of equivariance (Veefkind & Cesa,
  arXiv 2406.03946): a free weight partially twirled by a class-function measure
  :math:`\mu = \sum_\sigma f_\sigma d_\sigma \overline{\chi_\sigma}/|G|`,
  :math:`f_\sigma = \tanh a_\sigma`, which keeps the fraction :math:`f_\sigma` of every
  isotypic component (:func:`eqqnn.symmetry.partial_twirl`);
* :class:`GroupMixtureLinear` — [G]-mixed layer (Maile et al., arXiv 2210.05484): a
  softmax mixture of layers twirled over a chain of subgroups :math:`G \supset H_1
  \supset \dots \supset \{e\}`.

The other two, :class:`~eqqnn.classical.RelaxedGroupConv` (Wang et al., arXiv 2201.11969)
and :class:`~eqqnn.classical.ResidualPathway` (Finzi et al., arXiv 2112.01388), add free
parameters held back by a penalty (:mod:`eqqnn.classical._penalized`).

Every twirl here is the *measure twirl* of the symmetry core,

.. math:: \mathcal T_\mu[W] = \sum_{g \in G} \mu(g)\, \rho_{out}(g)\, W\, \rho_{in}(g)^{T},

(:func:`eqqnn.symmetry.measure_twirl`), evaluated in torch on the representation
matrices of :meth:`GroupTable.real_matrices` so that gradients flow to :math:`W` and to
:math:`\mu`.  Its cost is :math:`|G|\, c_{out} c_{in} d_{out} d_{in} (d_{out} + d_{in})`
per forward pass; layers refuse sizes whose intermediate
:math:`|G| c_{out} c_{in} d_{out} d_{in}` exceeds ``MAX_TWIRL_SIZE`` entries (use
:class:`~eqqnn.classical.RelaxedGroupConv` on regular representations of large groups).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from eqqnn._validation import check_int, check_real
from eqqnn.classical._common import as_torch_generator, check_float_dtype, normal, zero_bias
from eqqnn.errors import (
    DimensionError,
    GroupElementError,
    InvalidParameterError,
    ProblemTooLargeError,
    RepresentationError,
)
from eqqnn.symmetry import (
    Group,
    Representation,
    character_table,
    isotypic_measures,
)
from eqqnn.symmetry._group_tables import GroupTable, group_table

__all__ = ["GroupMixtureLinear", "LearnedDegreeLinear"]

#: Largest intermediate ``|G| c_out c_in d_out d_in`` of a torch measure twirl.
MAX_TWIRL_SIZE = 2**25


def _twirl_stack(v: torch.Tensor, rho_out: torch.Tensor, rho_in: torch.Tensor | None):
    r""":math:`\sum_g \rho_{out}(g) V(g) \rho_{in}(g)^T` for ``V`` of shape ``(|G|, ..., a, b)``.

    ``rho_in=None`` skips the right factor (vectors: ``b = 1``).
    """
    order = v.shape[0]
    mid = v.shape[1:-2]
    flat = v.reshape(order, -1, *v.shape[-2:])
    t = rho_out[:, None] @ flat
    if rho_in is not None:
        t = t @ rho_in.transpose(-1, -2)[:, None]
    return t.sum(0).reshape(*mid, *t.shape[-2:])


def _twirl(
    w: torch.Tensor, mu: torch.Tensor, rho_out: torch.Tensor, rho_in: torch.Tensor | None
) -> torch.Tensor:
    r""":math:`\sum_g \mu(g) \rho_{out}(g) W \rho_{in}(g)^T` for ``W`` of shape ``(..., a, b)``."""
    v = mu.reshape(-1, *([1] * w.ndim)) * w
    return _twirl_stack(v, rho_out, rho_in)


def _check_rep(rep: object, name: str) -> Representation:
    if not isinstance(rep, Representation):
        raise RepresentationError(f"{name} must be a Representation, got {rep!r}")
    if not rep.is_real:
        raise RepresentationError(
            f"{name} = {rep!r} is not real; classical layers need orthogonal representations"
        )
    return rep


def _check_x(x: object, shape: tuple[int, int], name: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise InvalidParameterError(f"{name} expects a torch.Tensor, got {type(x).__name__}")
    if x.ndim < 2 or tuple(x.shape[-2:]) != shape:
        raise DimensionError(
            f"{name} expects inputs of shape (..., {shape[0]}, {shape[1]}) (channels, "
            f"representation dimension), got {tuple(x.shape)}"
        )
    return x


class _PairTwirl(nn.Module):
    """Shared setup: two real representations of one finite group as torch buffers."""

    def __init__(
        self,
        rep_in: Representation,
        rep_out: Representation,
        in_channels: int,
        out_channels: int,
        dtype: torch.dtype,
        device: torch.device | str | None,
        what: str,
    ) -> None:
        super().__init__()
        self.rep_in, self.rep_out = _check_rep(rep_in, "rep_in"), _check_rep(rep_out, "rep_out")
        if rep_in.group != rep_out.group:
            raise RepresentationError(
                f"rep_in and rep_out act on different groups: {rep_in.group!r} and "
                f"{rep_out.group!r}"
            )
        self.table: GroupTable = group_table(rep_in.group)
        self.in_channels = check_int("in_channels", in_channels, minimum=1)
        self.out_channels = check_int("out_channels", out_channels, minimum=1)
        size = self.table.order * self.in_channels * self.out_channels * rep_in.dim * rep_out.dim
        if size > MAX_TWIRL_SIZE:
            raise ProblemTooLargeError(
                f"{what} twirls a ({self.out_channels}, {self.in_channels}, {rep_out.dim}, "
                f"{rep_in.dim}) weight over |G| = {self.table.order} elements: {size} entries "
                f"exceed MAX_TWIRL_SIZE = {MAX_TWIRL_SIZE}; use fewer channels or smaller "
                "representations (RelaxedGroupConv for regular representations)"
            )
        for name, rep in (("rho_in", rep_in), ("rho_out", rep_out)):
            mats = torch.from_numpy(self.table.real_matrices(rep))
            self.register_buffer(name, mats.to(dtype=dtype, device=device))

    @property
    def group(self) -> Group:
        """The group."""
        return self.table.group

    def _flatten(self, w: torch.Tensor) -> torch.Tensor:
        """``(o, c, d_out, d_in)`` to the dense channel-major ``(o d_out, c d_in)``."""
        o, c = self.out_channels, self.in_channels
        return w.permute(0, 2, 1, 3).reshape(o * self.rep_out.dim, c * self.rep_in.dim)

    def _apply(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None):
        lead = x.shape[:-2]
        y = x.reshape(*lead, -1) @ weight.T
        y = y.reshape(*lead, self.out_channels, self.rep_out.dim)
        return y if bias is None else y + bias

    def _init_weight(
        self, gen: torch.Generator, gain: float, dtype: torch.dtype, device: Any
    ) -> torch.Tensor:
        r"""Equivariant part as :class:`EquivariantLinear`, the rest with the free scale.

        :math:`W = s_{eq}\, \mathcal T_G[Z_1] + s_{free} (1 - \mathcal T_G)[Z_2]`,
        :math:`s_{eq} = \mathrm{gain}\sqrt{d_{out}/(k c_{in})}` (``k`` equivariant maps),
        :math:`s_{free} = \mathrm{gain}/\sqrt{c_{in} d_{in}}`.
        """
        shape = (self.out_channels, self.in_channels, self.rep_out.dim, self.rep_in.dim)
        z1 = normal(shape, 1.0, gen, dtype=torch.float64, device=None)
        z2 = normal(shape, 1.0, gen, dtype=torch.float64, device=None)
        rho_in, rho_out = self.rho_in.double().cpu(), self.rho_out.double().cpu()
        uniform = torch.full((self.table.order,), 1.0 / self.table.order, dtype=torch.float64)
        chi_in = torch.diagonal(rho_in, dim1=-2, dim2=-1).sum(-1)
        chi_out = torch.diagonal(rho_out, dim1=-2, dim2=-1).sum(-1)
        k = round(float((chi_in * chi_out).mean()))
        s_eq = gain * math.sqrt(self.rep_out.dim / max(1, k) / self.in_channels)
        s_free = gain / math.sqrt(self.in_channels * self.rep_in.dim)
        eq1 = _twirl(z1, uniform, rho_out, rho_in)
        w = s_eq * eq1 + s_free * (z2 - _twirl(z2, uniform, rho_out, rho_in))
        return w.to(dtype=dtype, device=device)

    def _nonequivariant_norm(self, w: torch.Tensor, b: torch.Tensor | None) -> torch.Tensor:
        r""":math:`(\|W - \mathcal T_G[W]\|_F^2 + \|b - \mathcal T_G[b]\|^2)^{1/2}`."""
        uniform = torch.full(
            (self.table.order,), 1.0 / self.table.order, dtype=w.dtype, device=w.device
        )
        parts = [(w - _twirl(w, uniform, self.rho_out, self.rho_in)).reshape(-1)]
        if b is not None:
            b = b[..., None]
            parts.append((b - _twirl(b, uniform, self.rho_out, None)).reshape(-1))
        return torch.linalg.vector_norm(torch.cat(parts))


class LearnedDegreeLinear(_PairTwirl):
    r"""A linear layer with a learned degree of equivariance per irrep (Veefkind & Cesa).

    .. math:: W_{\text{eff}} = \mathcal T_\mu[W] = \sum_g \mu(g)\, \rho_{out}(g)\, W\,
              \rho_{in}(g)^T = \sum_\sigma f_\sigma P_\sigma[W], \qquad
              \mu = \sum_\sigma f_\sigma \frac{d_\sigma}{|G|} \overline{\chi_\sigma},

    with :math:`f_{\text{trivial}} = 1` fixed and :math:`f_\sigma = \tanh a_\sigma` for every
    nontrivial real irrep type :math:`\sigma` (conjugate pairs tied,
    :attr:`eqqnn.symmetry.CharacterTable.real_types`).  :math:`P_\sigma` projects onto the
    :math:`\sigma`-isotypic component of the action :math:`W \mapsto \rho_{out}(g) W
    \rho_{in}(g)^{-1}`.  At :math:`a = 0` the layer is exactly equivariant (the
    :math:`G`-twirl of :math:`W`), and :math:`\partial W_{\text{eff}} / \partial a_\sigma =
    P_\sigma[W]`, non-zero for every type that occurs in that action
    (:attr:`present`, from the multiplicities
    :math:`\frac{1}{|G|}\sum_g \overline{\chi_\sigma(g)}\,\chi_{out}(g)\chi_{in}(g)`); the
    degrees of absent types act on nothing and keep zero gradient.  The free bias
    :math:`b \in \mathbb R^{c_{out} \times d_{out}}` is twirled by the same measure under
    :math:`\rho_{out}`.  The mirror of
    :class:`eqqnn.models.LearnedDegree` (spin components of SU(2) generators).

    Parameters
    ----------
    rep_in, rep_out
        Real representations of a finite group (or a direct product of finite groups).
    in_channels, out_channels
        Numbers of copies.
    bias
        Add the (partially twirled) bias, zero at initialisation.
    seed, gain, dtype, device
        The equivariant part of :math:`W` starts distributed as the weights of
        :class:`EquivariantLinear`, the rest with variance
        :math:`\mathrm{gain}^2/(c_{in} d_{in})`.

    Notes
    -----
    Inputs ``(..., in_channels, d_in)``; outputs ``(..., out_channels, d_out)``.

    Examples
    --------
    >>> from eqqnn.symmetry import MatrixRepresentation, octahedral_group
    >>> from eqqnn.testing import assert_equivariant
    >>> rep = MatrixRepresentation(octahedral_group())
    >>> layer = LearnedDegreeLinear(rep, rep, dtype=torch.float64)
    >>> layer.labels, layer.degrees().tolist()
    (('1a', '1b', '2a', '3a', '3b'), [1.0, 0.0, 0.0, 0.0, 0.0])
    >>> err = assert_equivariant(lambda x: layer(x[:, None])[:, 0].detach(), rep, rep,
    ...                          torch.randn(4, 3, dtype=torch.float64))
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
        dtype = check_float_dtype(dtype)
        super().__init__(
            rep_in, rep_out, in_channels, out_channels, dtype, device, "LearnedDegreeLinear"
        )
        gain = check_real("gain", gain, minimum=0.0)
        table = character_table(self.group)
        self.labels: tuple[str, ...] = table.real_type_labels
        """Label of each real irrep type (the entries of :meth:`degrees`)."""
        measures_np = isotypic_measures(self.group, real=True)
        measures = torch.from_numpy(measures_np)
        self.register_buffer("measures", measures.to(dtype=dtype, device=device))
        # trace of P_sigma on the action W -> rho_out W rho_in^T: d_sigma x multiplicity
        chi_in = np.trace(self.table.real_matrices(rep_in), axis1=-2, axis2=-1)
        chi_out = np.trace(self.table.real_matrices(rep_out), axis1=-2, axis2=-1)
        present = torch.from_numpy(measures_np @ (chi_out * chi_in) > 0.5)
        self.register_buffer("present", present.to(device=device))
        """``(n_types,)`` bool: which real irrep types occur in the maps ``rep_in -> rep_out``."""
        self.weight = nn.Parameter(self._init_weight(as_torch_generator(seed), gain, dtype, device))
        self.bias = zero_bias(bias, self.out_channels, rep_out.dim, dtype=dtype, device=device)
        self.logits = nn.Parameter(torch.zeros(len(self.labels) - 1, dtype=dtype, device=device))

    def degrees(self) -> torch.Tensor:
        r"""``(n_types,)`` factors :math:`f_\sigma`, entry 0 (trivial) fixed at 1 (see
        :attr:`labels`)."""
        one = torch.ones(1, dtype=self.logits.dtype, device=self.logits.device)
        return torch.cat([one, torch.tanh(self.logits)])

    def degree_dict(self) -> dict[str, float]:
        """The degrees as ``{label: f}`` (detached floats, for logging)."""
        return dict(zip(self.labels, self.degrees().detach().cpu().tolist(), strict=True))

    def measure(self) -> torch.Tensor:
        r"""``(|G|,)`` class-function measure :math:`\mu(g)` (flat group indexing)."""
        return self.degrees() @ self.measures

    def effective_weight(self) -> torch.Tensor:
        r"""``(c_out, c_in, d_out, d_in)`` partially twirled weight :math:`\mathcal T_\mu[W]`."""
        return _twirl(self.weight, self.measure(), self.rho_out, self.rho_in)

    def full_weight(self) -> torch.Tensor:
        """The dense ``(c_out * d_out, c_in * d_in)`` matrix of the layer (channel-major)."""
        return self._flatten(self.effective_weight())

    def bias_vector(self) -> torch.Tensor | None:
        r"""The ``(c_out, d_out)`` bias :math:`\sum_g \mu(g) \rho_{out}(g) b`, or None."""
        if self.bias is None:
            return None
        return _twirl(self.bias[..., None], self.measure(), self.rho_out, None)[..., 0]

    def relaxation(self) -> torch.Tensor:
        r"""Norm of the non-equivariant part of the effective weight and bias,
        :math:`(\|W_{\text{eff}} - \mathcal T_G[W_{\text{eff}}]\|_F^2
        + \|b_{\text{eff}} - \mathcal T_G[b_{\text{eff}}]\|^2)^{1/2}`: zero iff equivariant."""
        return self._nonequivariant_norm(self.effective_weight(), self.bias_vector())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the layer to ``(..., in_channels, d_in)``."""
        _check_x(x, (self.in_channels, self.rep_in.dim), "LearnedDegreeLinear")
        mu = self.measure()
        w = self._flatten(_twirl(self.weight, mu, self.rho_out, self.rho_in))
        b = None if self.bias is None else _twirl(self.bias[..., None], mu, self.rho_out, None)
        return self._apply(x, w, None if b is None else b[..., 0])

    def extra_repr(self) -> str:
        return (
            f"{self.rep_in!r} -> {self.rep_out!r}, channels {self.in_channels} -> "
            f"{self.out_channels}, degrees over {list(self.labels)}, bias={self.bias is not None}"
        )


def _check_subgroup(table: GroupTable, elements: object, index: int | None) -> np.ndarray:
    """Sorted flat indices of a subgroup, checked; ``index`` names it in errors
    (``subgroups[index]``, or ``subgroup`` when None)."""
    name = "subgroup" if index is None else f"subgroups[{index}]"
    try:
        h = np.unique(np.asarray(elements, dtype=np.int64).reshape(-1))
    except (TypeError, ValueError) as err:
        raise GroupElementError(
            f"{name} must be a sequence of flat element indices, got {elements!r}"
        ) from err
    if h.size == 0 or h.min() < 0 or h.max() >= table.order:
        raise GroupElementError(
            f"{name} must hold flat indices in [0, {table.order}), got {h.tolist()}"
        )
    products = np.unique(table.cayley[np.ix_(h, h)])
    if h[0] != 0 or not np.isin(products, h).all():
        raise InvalidParameterError(
            f"{name} = {h.tolist()} is not a subgroup of {table.group!r} (it must "
            "contain the identity 0 and be closed under products; build it with "
            "generated_subgroup)"
        )
    return h


class GroupMixtureLinear(_PairTwirl):
    r"""A [G]-mixed linear layer (Maile et al.): a softmax mixture over a subgroup chain.

    .. math:: W_{\text{eff}} = \sum_{k} \mathrm{softmax}(\beta)_k\,
              \mathcal T_{H_k}[W_k], \qquad
              \mathcal T_H[W] = \frac{1}{|H|}\sum_{h \in H} \rho_{out}(h)\, W \rho_{in}(h)^T,

    over :math:`H_0 = G`, the given ``subgroups`` and (with ``trivial=True``) the trivial
    group :math:`\{e\}` (a free layer).  :math:`\mathcal T_{H}[W]` is
    :math:`H`-equivariant; the mixture is :math:`G`-equivariant when all weight sits on
    :math:`G`.  The bias is mixed the same way under :math:`\rho_{out}`.

    With ``shared_weight=False`` (default) each branch has its own weight and the branches
    :math:`k \ge 1` start at zero: the layer starts exactly :math:`G`-equivariant with
    uniform :math:`\beta` and non-zero gradients for every branch.  With
    ``shared_weight=True`` one weight :math:`W` is used by every branch (fewer
    parameters; then the layer is only :math:`G`-equivariant when
    :math:`\mathrm{softmax}(\beta)_0 = 1`, see ``init_logits``).

    Parameters
    ----------
    rep_in, rep_out
        Real representations of a finite group (or a direct product of finite groups).
    subgroups
        Intermediate subgroups, each a sequence of flat element indices (see
        :func:`generated_subgroup`).
    trivial
        Append the trivial subgroup (a fully free branch).
    shared_weight
        One weight for every branch.
    init_logits
        Initial :math:`\beta` (default zeros: uniform mixture).
    in_channels, out_channels, bias, seed, gain, dtype, device
        As in :class:`LearnedDegreeLinear` (the full-group branch starts like it).

    Examples
    --------
    >>> from eqqnn.symmetry import PermutationRepresentation, dihedral_group, generated_subgroup
    >>> rep = PermutationRepresentation(dihedral_group(4))
    >>> rotations = generated_subgroup(rep.group, [1])
    >>> layer = GroupMixtureLinear(rep, rep, subgroups=[rotations])
    >>> layer.subgroup_orders, [round(w, 3) for w in layer.mixture_weights().tolist()]
    ((8, 4, 1), [0.333, 0.333, 0.333])
    """

    def __init__(
        self,
        rep_in: Representation,
        rep_out: Representation,
        *,
        subgroups: Sequence[Sequence[int]] = (),
        trivial: bool = True,
        shared_weight: bool = False,
        init_logits: Sequence[float] | None = None,
        in_channels: int = 1,
        out_channels: int = 1,
        bias: bool = True,
        seed: int | torch.Generator = 0,
        gain: float = 1.0,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> None:
        dtype = check_float_dtype(dtype)
        super().__init__(
            rep_in, rep_out, in_channels, out_channels, dtype, device, "GroupMixtureLinear"
        )
        gain = check_real("gain", gain, minimum=0.0)
        if isinstance(subgroups, (str, bytes)) or not isinstance(subgroups, Sequence):
            raise InvalidParameterError(
                f"subgroups must be a sequence of subgroups (flat index lists), got {subgroups!r}"
            )
        chain = [np.arange(self.table.order)]
        chain += [_check_subgroup(self.table, h, i) for i, h in enumerate(subgroups)]
        if trivial:
            chain.append(np.zeros(1, dtype=np.int64))
        if len(chain) < 2:
            raise InvalidParameterError(
                "GroupMixtureLinear needs at least two branches (the full group and a "
                "subgroup or trivial=True)"
            )
        self.subgroups: tuple[np.ndarray, ...] = tuple(chain)
        """The branches' subgroups as flat element indices, the full group first."""
        measures = np.zeros((len(chain), self.table.order))
        for k, h in enumerate(chain):
            measures[k, h] = 1.0 / len(h)
        self.register_buffer("measures", torch.from_numpy(measures).to(dtype=dtype, device=device))
        self.shared_weight = bool(shared_weight)
        gen = as_torch_generator(seed)
        first = self._init_weight(gen, gain, dtype, device)
        if self.shared_weight:
            self.weight = nn.Parameter(first)
        else:
            rest = torch.zeros((len(chain) - 1, *first.shape), dtype=dtype, device=device)
            self.weight = nn.Parameter(torch.cat([first[None], rest]))
        n_bias = 1 if self.shared_weight else len(chain)
        self.bias = (
            nn.Parameter(
                torch.zeros(n_bias, self.out_channels, rep_out.dim, dtype=dtype, device=device)
            )
            if bias
            else None
        )
        if init_logits is None:
            logits = torch.zeros(len(chain), dtype=dtype, device=device)
        else:
            logits = torch.as_tensor(
                [check_real("init_logits", v) for v in init_logits], dtype=dtype, device=device
            )
            if logits.shape != (len(chain),):
                raise DimensionError(
                    f"init_logits must hold one value per branch ({len(chain)}: the full "
                    f"group, {len(subgroups)} subgroups"
                    f"{', trivial' if trivial else ''}), got {len(logits)}"
                )
        self.logits = nn.Parameter(logits)

    @property
    def subgroup_orders(self) -> tuple[int, ...]:
        """Orders :math:`|H_k|` of the branches."""
        return tuple(len(h) for h in self.subgroups)

    def mixture_weights(self) -> torch.Tensor:
        r"""``(n_branches,)`` architecture weights :math:`\mathrm{softmax}(\beta)`."""
        return torch.softmax(self.logits, dim=0)

    def _mix(self, params: torch.Tensor, vector: bool) -> torch.Tensor:
        m = self.mixture_weights()[:, None] * self.measures  # (k, |G|)
        rho_in = None if vector else self.rho_in
        if self.shared_weight:
            return _twirl(params[0] if vector else params, m.sum(0), self.rho_out, rho_in)
        v = torch.einsum("kg,k...->g...", m, params)
        return _twirl_stack(v, self.rho_out, rho_in)

    def effective_weight(self) -> torch.Tensor:
        """``(c_out, c_in, d_out, d_in)`` mixed weight."""
        return self._mix(self.weight, vector=False)

    def full_weight(self) -> torch.Tensor:
        """The dense ``(c_out * d_out, c_in * d_in)`` matrix of the layer (channel-major)."""
        return self._flatten(self.effective_weight())

    def bias_vector(self) -> torch.Tensor | None:
        """The ``(c_out, d_out)`` mixed bias, or None."""
        if self.bias is None:
            return None
        return self._mix(self.bias[..., None], vector=True)[..., 0]

    def relaxation(self) -> torch.Tensor:
        r"""Norm of the non-equivariant part of the effective weight and bias,
        :math:`(\|W_{\text{eff}} - \mathcal T_G[W_{\text{eff}}]\|_F^2
        + \|b_{\text{eff}} - \mathcal T_G[b_{\text{eff}}]\|^2)^{1/2}`: zero iff equivariant."""
        return self._nonequivariant_norm(self.effective_weight(), self.bias_vector())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the layer to ``(..., in_channels, d_in)``."""
        _check_x(x, (self.in_channels, self.rep_in.dim), "GroupMixtureLinear")
        return self._apply(x, self.full_weight(), self.bias_vector())

    def extra_repr(self) -> str:
        return (
            f"{self.rep_in!r} -> {self.rep_out!r}, channels {self.in_channels} -> "
            f"{self.out_channels}, subgroup orders {list(self.subgroup_orders)}, "
            f"shared_weight={self.shared_weight}, bias={self.bias is not None}"
        )
