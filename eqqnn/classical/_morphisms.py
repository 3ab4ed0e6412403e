r"""Subgroup-constrained linear layers and the equivariance relaxation morphism.

A linear layer constrained to a subgroup :math:`H \subseteq G` is the :math:`H`-twirl of a
free weight (the symmetry core's measure twirl with the uniform measure on :math:`H`),

.. math:: W_{\text{eff}} = \mathcal T_H[W] = \frac{1}{|H|}\sum_{h\in H}
          \rho_{out}(h)\, W\, \rho_{in}(h)^{T}, \qquad
          b_{\text{eff}} = \mathcal T_H[b],

so it commutes with :math:`H` and with nothing larger in general.  The **equivariance
relaxation morphism** (Maile et al., arXiv 2210.05484) turns a :math:`G`-equivariant
layer into an :math:`H`-constrained one computing the *same function*
(:func:`relax_linear`): since :math:`W_G` is :math:`G`-equivariant it is
:math:`H`-equivariant, :math:`\mathcal T_H[W_G] = W_G`, and the new free weight starts at
:math:`W = W_G`, so outputs agree to rounding and training continues from the same
point, now with :math:`\dim \mathrm{Hom}_H - \dim \mathrm{Hom}_G` more directions.  The
inverse, :func:`restrict_linear`, projects onto the equivariant maps of a larger group
:math:`H' \supseteq H`: :math:`W \mapsto \mathcal T_{H'}[W_{\text{eff}}]`, the orthogonal
(Frobenius) projection, which keeps the function only if the layer was already
:math:`H'`-equivariant.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from eqqnn.classical._common import as_torch_generator, check_float_dtype, zero_bias
from eqqnn.classical._gcnn import GroupConv
from eqqnn.classical._linear import EquivariantLinear
from eqqnn.classical._relaxed import _check_subgroup, _check_x, _PairTwirl, _twirl
from eqqnn.errors import InvalidParameterError
from eqqnn.symmetry import DirectProduct, OuterProduct, RegularRepresentation, Representation
from eqqnn.symmetry._group_tables import GroupTable, group_table

__all__ = [
    "LinearStackMoves",
    "SubgroupLinear",
    "discretize_mixture_stack",
    "mixture_stack_weights",
    "relax_linear",
    "restrict_linear",
]


def _subgroup_of(table: GroupTable, subgroup: Sequence[int] | None) -> np.ndarray:
    """Validated sorted flat indices of a subgroup (``None``: the whole group)."""
    return _check_subgroup(table, np.arange(table.order) if subgroup is None else subgroup, None)


def _uniform_measure(
    table: GroupTable, subgroup: np.ndarray, dtype: torch.dtype, device: Any
) -> torch.Tensor:
    """The uniform probability measure on ``subgroup`` as a ``(|G|,)`` tensor."""
    measure = torch.zeros(table.order, dtype=dtype, device=device)
    measure[torch.as_tensor(subgroup)] = 1.0 / len(subgroup)
    return measure


class SubgroupLinear(_PairTwirl):
    r"""A linear layer equivariant to a subgroup :math:`H` of the representations' group:
    :math:`W_{\text{eff}} = \mathcal T_H[W]`, :math:`b_{\text{eff}} = \mathcal T_H[b]`.

    Parameters
    ----------
    rep_in, rep_out
        Real representations of one finite group :math:`G`.
    subgroup
        :math:`H` as flat element indices (:func:`eqqnn.symmetry.generated_subgroup`);
        ``None`` is :math:`G` itself.
    in_channels, out_channels, bias, seed, gain, dtype, device
        As in :class:`~eqqnn.classical.LearnedDegreeLinear` (same initialisation).

    Examples
    --------
    >>> from eqqnn.symmetry import PermutationRepresentation, dihedral_group, generated_subgroup
    >>> rep = PermutationRepresentation(dihedral_group(4))
    >>> layer = SubgroupLinear(rep, rep, generated_subgroup(rep.group, [1]))
    >>> layer.subgroup_order
    4
    """

    def __init__(
        self,
        rep_in: Representation,
        rep_out: Representation,
        subgroup: Sequence[int] | None = None,
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
            rep_in, rep_out, in_channels, out_channels, dtype, device, "SubgroupLinear"
        )
        self.subgroup = _subgroup_of(self.table, subgroup)
        """:math:`H` as sorted flat element indices."""
        self.register_buffer("measure", _uniform_measure(self.table, self.subgroup, dtype, device))
        self.weight = nn.Parameter(self._init_weight(as_torch_generator(seed), gain, dtype, device))
        self.bias = zero_bias(bias, self.out_channels, rep_out.dim, dtype=dtype, device=device)

    @property
    def subgroup_order(self) -> int:
        """:math:`|H|`."""
        return len(self.subgroup)

    def effective_weight(self) -> torch.Tensor:
        """``(c_out, c_in, d_out, d_in)`` weight :math:`\\mathcal T_H[W]`."""
        return _twirl(self.weight, self.measure, self.rho_out, self.rho_in)

    def full_weight(self) -> torch.Tensor:
        """The dense ``(c_out * d_out, c_in * d_in)`` matrix of the layer (channel-major)."""
        return self._flatten(self.effective_weight())

    def bias_vector(self) -> torch.Tensor | None:
        """The ``(c_out, d_out)`` bias :math:`\\mathcal T_H[b]`, or None."""
        if self.bias is None:
            return None
        return _twirl(self.bias[..., None], self.measure, self.rho_out, None)[..., 0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the layer to ``(..., in_channels, d_in)``."""
        _check_x(x, (self.in_channels, self.rep_in.dim), "SubgroupLinear")
        return self._apply(x, self.full_weight(), self.bias_vector())

    def extra_repr(self) -> str:
        return (
            f"{self.rep_in!r} -> {self.rep_out!r}, channels {self.in_channels} -> "
            f"{self.out_channels}, |H| = {self.subgroup_order} of |G| = {self.table.order}, "
            f"bias={self.bias is not None}"
        )


def _weights_of(
    layer: EquivariantLinear | SubgroupLinear | GroupConv,
) -> tuple[torch.Tensor, torch.Tensor | None, np.ndarray]:
    """``(c_out, c_in, d_out, d_in)`` effective weight, bias and the layer's group."""
    if isinstance(layer, SubgroupLinear):
        return layer.effective_weight(), layer.bias_vector(), layer.subgroup
    if isinstance(layer, GroupConv):
        # W[o, c, g, h] = psi_oc(g^{-1} h): the convolution as a map between regular
        # representations; the per-channel bias is the constant function b_o
        kernel = layer.full_kernel()
        weight = kernel[:, :, layer.index]
        order = layer.table.order
        bias = None if layer.bias is None else layer.bias[:, None].expand(-1, order)
        return weight, bias, np.arange(order)
    if isinstance(layer, EquivariantLinear):
        o, c = layer.out_channels, layer.in_channels
        d_out, d_in = layer.rep_out.dim, layer.rep_in.dim
        w = layer.full_weight().reshape(o, d_out, c, d_in).permute(0, 2, 1, 3)
        return w, layer.bias_vector(), np.arange(group_table(layer.rep_in.group).order)
    raise InvalidParameterError(
        f"the morphism acts on EquivariantLinear, GroupConv and SubgroupLinear layers, got "
        f"{type(layer).__name__}"
    )


def _reps(layer: EquivariantLinear | SubgroupLinear | GroupConv) -> tuple[Any, Any]:
    if isinstance(layer, GroupConv):
        group = layer.group
        if isinstance(group, DirectProduct):  # flat index i_1 |G_2|... + i_2 ...: a Kronecker
            regular = OuterProduct(group, *(RegularRepresentation(f) for f in group.factors))
        else:
            regular = RegularRepresentation(group)
        return regular, regular
    return layer.rep_in, layer.rep_out


def _rebuilt(
    layer: EquivariantLinear | SubgroupLinear | GroupConv,
    subgroup: np.ndarray,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
) -> SubgroupLinear:
    rep_in, rep_out = _reps(layer)
    new = SubgroupLinear(
        rep_in,
        rep_out,
        subgroup,
        in_channels=layer.in_channels,
        out_channels=layer.out_channels,
        bias=bias is not None,
        dtype=weight.dtype,
        device=weight.device,
    )
    with torch.no_grad():
        new.weight.copy_(weight)
        if bias is not None:
            new.bias.copy_(bias)
    return new


def relax_linear(
    layer: EquivariantLinear | SubgroupLinear | GroupConv, subgroup: Sequence[int]
) -> SubgroupLinear:
    r"""The equivariance relaxation morphism: an :math:`H`-constrained layer computing the
    same function as ``layer`` (see the module docstring).

    Parameters
    ----------
    layer
        A :class:`~eqqnn.classical.EquivariantLinear` (group :math:`G`), a
        :class:`~eqqnn.classical.GroupConv` (group :math:`G`; the relaxed layer maps
        functions on :math:`G` commuting with left translations by :math:`H` only,
        :math:`W[g, h] = \psi(g^{-1}h)` at first) or a :class:`SubgroupLinear` (group
        :math:`H_0`).
    subgroup
        :math:`H`, flat element indices of a subgroup of the layer's current group.

    Raises
    ------
    InvalidParameterError
        If ``subgroup`` is not contained in the layer's current group (that would add
        constraints, not remove them: use :func:`restrict_linear`).
    """
    weight, bias, current = _weights_of(layer)
    h = _subgroup_of(group_table(_reps(layer)[0].group), subgroup)
    if not np.isin(h, current).all():
        raise InvalidParameterError(
            f"subgroup {h.tolist()} is not contained in the layer's group "
            f"{current.tolist()}: relaxing must go to a subgroup (restrict_linear goes up)"
        )
    return _rebuilt(layer, h, weight.detach().clone(), None if bias is None else bias.detach())


def restrict_linear(layer: SubgroupLinear, subgroup: Sequence[int] | None = None) -> SubgroupLinear:
    r"""The inverse morphism: project ``layer`` onto the maps equivariant to a larger
    group :math:`H' \supseteq H` (``None``: the full group),
    :math:`W \mapsto \mathcal T_{H'}[W_{\text{eff}}]`, :math:`b \mapsto \mathcal
    T_{H'}[b_{\text{eff}}]`.

    Raises
    ------
    InvalidParameterError
        If ``layer`` is not a :class:`SubgroupLinear` or :math:`H'` does not contain its
        group.
    """
    if not isinstance(layer, SubgroupLinear):
        raise InvalidParameterError(
            f"restrict_linear acts on SubgroupLinear layers, got {type(layer).__name__}"
        )
    h = _subgroup_of(layer.table, subgroup)
    if not np.isin(layer.subgroup, h).all():
        raise InvalidParameterError(
            f"subgroup {h.tolist()} does not contain the layer's group "
            f"{layer.subgroup.tolist()}: restricting must go to a larger group "
            "(relax_linear goes down)"
        )
    return _projected(layer, h)


def _projected(layer: _PairTwirl, subgroup: np.ndarray) -> SubgroupLinear:
    r"""A :class:`SubgroupLinear` on ``subgroup`` started at the projection of ``layer``'s
    effective weight and bias, :math:`\mathcal T_H[W_{\text{eff}}]`, :math:`\mathcal
    T_H[b_{\text{eff}}]`."""
    w = layer.effective_weight()
    measure = _uniform_measure(layer.table, subgroup, w.dtype, w.device)
    with torch.no_grad():
        weight = _twirl(w, measure, layer.rho_out, layer.rho_in)
        bias = layer.bias_vector()
        if bias is not None:
            bias = _twirl(bias[..., None], measure, layer.rho_out, None)[..., 0]
    return _rebuilt(layer, subgroup, weight, bias)


class LinearStackMoves:
    r"""The architecture moves of the evolutionary search
    (:class:`eqqnn.training.ArchitectureMoves`) for a model whose ``layers`` (a
    ``ModuleList``) hold :class:`~eqqnn.classical.EquivariantLinear`,
    :class:`~eqqnn.classical.GroupConv` or :class:`SubgroupLinear` layers, along one chain
    of subgroups :math:`G = H_0 \supset H_1 \supset \dots`.

    Parameters
    ----------
    chain
        The subgroups below :math:`G` as flat element indices, largest first (for
        example :math:`C_n` then the trivial group ``[0]`` below :math:`D_n`).
    """

    def __init__(self, chain: Sequence[Sequence[int]]) -> None:
        self.chain = [np.unique(np.asarray(h, dtype=np.int64)) for h in chain]

    def _level(self, layer: nn.Module) -> int:
        if isinstance(layer, (EquivariantLinear, GroupConv)):
            return 0
        if isinstance(layer, SubgroupLinear):
            if len(layer.subgroup) == layer.table.order:
                return 0
            for k, h in enumerate(self.chain):
                if np.array_equal(h, layer.subgroup):
                    return k + 1
            raise InvalidParameterError(
                f"layer subgroup {layer.subgroup.tolist()} is not in the chain "
                f"{[h.tolist() for h in self.chain]}"
            )
        raise InvalidParameterError(
            f"LinearStackMoves moves EquivariantLinear, GroupConv and SubgroupLinear layers, "
            f"got {type(layer).__name__}"
        )

    def architecture(self, model: nn.Module) -> tuple[int, ...]:
        return tuple(self._level(layer) for layer in model.layers)

    def relax(self, model: nn.Module, layer: int) -> nn.Module | None:
        level = self._level(model.layers[layer])
        if level >= len(self.chain):
            return None
        child = copy.deepcopy(model)
        child.layers[layer] = relax_linear(model.layers[layer], self.chain[level])
        return child

    def restrict(self, model: nn.Module, layer: int) -> nn.Module | None:
        level = self._level(model.layers[layer])
        if level == 0:
            return None
        child = copy.deepcopy(model)
        target = None if level == 1 else self.chain[level - 2]
        child.layers[layer] = restrict_linear(model.layers[layer], target)
        return child


def discretize_mixture_stack(model: nn.Module) -> nn.Module:
    r"""The discrete architecture of a searched stack of
    :class:`~eqqnn.classical.GroupMixtureLinear` layers (in ``model.layers``): each
    becomes a :class:`SubgroupLinear` on its strongest branch
    :math:`k = \arg\max \mathrm{softmax}(\beta)`, started at the projection of the mixed
    weight, :math:`\mathcal T_{H_k}[W_{\text{eff}}]` (and the same for the bias).  Other
    layers are kept."""
    from eqqnn.classical._relaxed import GroupMixtureLinear

    child = copy.deepcopy(model)
    for i, layer in enumerate(model.layers):
        if not isinstance(layer, GroupMixtureLinear):
            continue
        k = int(layer.mixture_weights().argmax())
        child.layers[i] = _projected(layer, layer.subgroups[k])
    return child


def mixture_stack_weights(model: nn.Module) -> torch.Tensor:
    """``(n_mixed_layers, n_branches)`` architecture weights of a stack's
    :class:`~eqqnn.classical.GroupMixtureLinear` layers."""
    from eqqnn.classical._relaxed import GroupMixtureLinear

    rows = [
        layer.mixture_weights() for layer in model.layers if isinstance(layer, GroupMixtureLinear)
    ]
    return torch.stack(rows)
