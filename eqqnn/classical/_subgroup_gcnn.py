r"""G-CNN layers constrained to a subgroup, and the relaxation morphism of a G-CNN trunk.

A G-CNN's features are functions on :math:`G`. Relaxing a layer to a subgroup
:math:`H \subseteq G` keeps equivariance to left translations by :math:`H` only. The
layers here are parameterised by *orbit-indexed kernels*, so a layer holds exactly
:math:`\dim\mathrm{Hom}_H` parameters and never twirls a dense weight (a twirl over
:math:`|H|` elements of a :math:`(c\,|G|)^2` matrix is out of reach for the
192-element groups of the chain mirror). Write every element as :math:`g = h_g r_{c(g)}`
with one representative :math:`r_c` per right coset :math:`Hg`
(:meth:`eqqnn.symmetry.GroupTable.right_cosets`).

* :class:`SubgroupConv` maps functions on :math:`G` to functions on :math:`G`, commuting
  with :math:`\lambda(h)`, :math:`h \in H`. Such a matrix is constant on the orbits of
  :math:`H` acting on pairs, :math:`W[hg, hk] = W[g, k]`, so it is a free kernel on one
  row per coset:

  .. math:: W_{oc}[g, k] = K_{oc}\big[c(g),\ h_g^{-1} k\big], \qquad b_o(g) = \beta_o[c(g)],

  :math:`c_{out} c_{in} |G|^2 / |H|` weights. With :math:`H = G` it is the group
  convolution, :math:`K[0, m] = \psi(m)`.
* :class:`SubgroupLift` maps features in an orthogonal representation :math:`\rho` to
  functions on :math:`G`, :math:`y(g) = \langle W_g, x\rangle`; equivariance to
  :math:`H` is :math:`W_{hg} = \rho(h) W_g`, so

  .. math:: W_{oc, g} = \rho(h_g)\, V_{oc}[c(g)],

  :math:`c_{out} c_{in} d\, |G|/|H|` weights. With :math:`H = G`,
  :math:`V[0] = \psi`: the lifting convolution.

**The morphism** (Maile et al., arXiv 2210.05484). A layer equivariant to :math:`H_0
\supseteq H` is :math:`H`-equivariant, so reading its weight at the new representatives,
:math:`K[c, k] = W[r_c, k]` and :math:`V[c] = W_{r_c}`, gives an :math:`H`-layer with
the *same* matrix: :func:`relax_gcnn_layer`. The inverse, :func:`restrict_gcnn_layer`,
is the orthogonal projection onto the :math:`H'`-equivariant maps,
:math:`W \mapsto \frac{1}{|H'|}\sum_{h\in H'} \lambda(h) W \lambda(h)^T` (lift:
:math:`W_g \mapsto \frac{1}{|H'|}\sum_h \rho(h) W_{h^{-1}g}`), evaluated at the new
representatives only. :class:`GcnnTrunkMoves` moves the lift and the group convolutions
of a :class:`~eqqnn.classical.ShadowGCNN` or :class:`~eqqnn.classical.CorrelatorGCNN`
along a subgroup chain for :func:`eqqnn.training.evolve`; pooling over :math:`G` and
the head stay as they are (the mean over :math:`G` of an :math:`H`-equivariant feature is
:math:`H`-invariant).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from eqqnn.classical._gcnn import GroupConv, LiftingConv, _check_input
from eqqnn.classical._morphisms import _subgroup_of
from eqqnn.errors import InvalidParameterError, ProblemTooLargeError
from eqqnn.symmetry import Group, Representation
from eqqnn.symmetry._group_tables import GroupTable, group_table

__all__ = [
    "MAX_ORBIT_KERNEL_SIZE",
    "GcnnTrunkMoves",
    "SubgroupConv",
    "SubgroupLift",
    "relax_gcnn_layer",
    "restrict_gcnn_layer",
]

#: Largest orbit-indexed kernel (entries) a subgroup G-CNN layer may hold.
MAX_ORBIT_KERNEL_SIZE = 2**26


class _CosetLayer(nn.Module):
    """Shared set-up: the group's table and the subgroup's right cosets."""

    def __init__(self, group: Group, subgroup: Sequence[int], device: Any) -> None:
        super().__init__()
        self.table: GroupTable = group_table(group)
        self.subgroup = _subgroup_of(self.table, subgroup)
        coset_of, factor, reps = self.table.right_cosets(self.subgroup)
        self.representatives = reps
        self.register_buffer("coset_of", torch.from_numpy(coset_of).to(device))
        self.register_buffer("factor", torch.from_numpy(factor).to(device))

    @property
    def group(self) -> Group:
        """The group :math:`G` the features live on."""
        return self.table.group

    @property
    def subgroup_order(self) -> int:
        """:math:`|H|`."""
        return len(self.subgroup)

    def bias_function(self) -> torch.Tensor | None:
        """``(c_out, |G|)``: the bias :math:`\\beta_o[c(g)]`, constant on cosets."""
        return None if self.bias is None else self.bias[:, self.coset_of]

    def _apply(self, x: torch.Tensor) -> torch.Tensor:
        """``W x + b`` for checked ``(..., in_channels, d_in)`` inputs."""
        lead = x.shape[:-2]
        y = (x.reshape(*lead, -1) @ self.full_weight().T).reshape(
            *lead, self.out_channels, self.table.order
        )
        return y if self.bias is None else y + self.bias_function()

    def _check_size(self, entries: int, what: str) -> None:
        if entries > MAX_ORBIT_KERNEL_SIZE:
            raise ProblemTooLargeError(
                f"{what} on |G| = {self.table.order} constrained to |H| = "
                f"{self.subgroup_order} needs {entries} kernel entries, above "
                f"MAX_ORBIT_KERNEL_SIZE = {MAX_ORBIT_KERNEL_SIZE}; relax to a larger subgroup "
                "or use fewer channels"
            )


class SubgroupConv(_CosetLayer):
    r"""A map between functions on :math:`G` equivariant to left translations by :math:`H`.

    .. math:: y_o(g) = \sum_c \sum_{k\in G} K_{oc}[c(g), h_g^{-1}k]\, x_c(k) + \beta_o[c(g)]

    (see the module docstring). Inputs and outputs ``(..., channels, |G|)``, as
    :class:`~eqqnn.classical.GroupConv`. Build one from a trained layer with
    :func:`relax_gcnn_layer`.

    Parameters
    ----------
    group
        :math:`G` (a finite group or a direct product of finite groups).
    subgroup
        :math:`H`, flat element indices (e.g. from
        :func:`~eqqnn.symmetry.generated_subgroup`).
    in_channels, out_channels, bias
        As :class:`~eqqnn.classical.GroupConv`.
    seed, gain, dtype, device
        The initial kernel is that of a freshly drawn :class:`~eqqnn.classical.GroupConv`
        (entries :math:`\mathcal N(0, \mathrm{gain}^2 / (c_{in} |G|))`) read at the
        coset representatives: a new layer starts exactly :math:`G`-equivariant, as a
        relaxed one does.
    """

    def __init__(
        self,
        group: Group,
        subgroup: Sequence[int],
        *,
        in_channels: int = 1,
        out_channels: int = 1,
        bias: bool = True,
        seed: int | torch.Generator = 0,
        gain: float = 1.0,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__(group, subgroup, device)
        proto = GroupConv(  # channel checks, dtype checks and the same initial scale
            group,
            in_channels=in_channels,
            out_channels=out_channels,
            bias=bias,
            seed=seed,
            gain=gain,
            dtype=dtype,
            device=device,
        )
        self.in_channels, self.out_channels = proto.in_channels, proto.out_channels
        order = self.table.order
        cosets = len(self.representatives)
        self._check_size(self.out_channels * self.in_channels * cosets * order, "SubgroupConv")
        # columns[g, k] = h_g^{-1} k: where row g reads the kernel row of its coset
        inv_factor = self.table.inverse[self.factor.cpu().numpy()]
        columns = self.table.cayley[inv_factor]
        self.register_buffer("columns", torch.from_numpy(np.ascontiguousarray(columns)).to(device))
        kernel = (
            proto.full_weight().detach().reshape(self.out_channels, order, self.in_channels, order)
        )
        kernel = kernel.permute(0, 2, 1, 3)[:, :, torch.as_tensor(self.representatives)]
        self.kernel = nn.Parameter(kernel.contiguous())
        self.bias = (
            None
            if proto.bias is None
            else nn.Parameter(proto.bias.detach()[:, None].expand(-1, cosets).contiguous())
        )

    def full_kernel(self) -> torch.Tensor:
        """``(c_out, c_in, |G|, |G|)``: :math:`W_{oc}[g, k]`."""
        return self.kernel[:, :, self.coset_of[:, None], self.columns]

    def full_weight(self) -> torch.Tensor:
        """Dense ``(c_out * |G|, c_in * |G|)`` matrix of the layer."""
        order = self.table.order
        w = self.full_kernel().permute(0, 2, 1, 3)
        return w.reshape(self.out_channels * order, self.in_channels * order)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(..., in_channels, |G|)`` to ``(..., out_channels, |G|)``."""
        _check_input(x, self.in_channels, self.table.order, "SubgroupConv", "group elements")
        return self._apply(x)

    def extra_repr(self) -> str:
        return (
            f"{self.group!r} (|G| = {self.table.order}) constrained to |H| = "
            f"{self.subgroup_order}, channels {self.in_channels} -> {self.out_channels}"
        )


class SubgroupLift(_CosetLayer):
    r"""Lift features in a representation :math:`\rho` of :math:`G` to functions on
    :math:`G`, equivariantly to :math:`H` only.

    .. math:: y_o(g) = \sum_c \langle \rho(h_g) V_{oc}[c(g)],\ x_c\rangle + \beta_o[c(g)]

    (see the module docstring). Inputs ``(..., in_channels, d)``, outputs
    ``(..., out_channels, |G|)``, as :class:`~eqqnn.classical.LiftingConv`. Build one
    from a trained layer with :func:`relax_gcnn_layer`.

    Parameters
    ----------
    rep_in
        Real representation :math:`\rho` of :math:`G`.
    subgroup
        :math:`H`, flat element indices.
    in_channels, out_channels, bias, seed, gain, dtype, device
        As :class:`~eqqnn.classical.LiftingConv`; the initial weights are a fresh lifting
        convolution's (exactly :math:`G`-equivariant, as after a relaxation).
    """

    def __init__(
        self,
        rep_in: Representation,
        subgroup: Sequence[int],
        *,
        in_channels: int = 1,
        out_channels: int = 1,
        bias: bool = True,
        seed: int | torch.Generator = 0,
        gain: float = 1.0,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> None:
        proto = LiftingConv(
            rep_in,
            in_channels=in_channels,
            out_channels=out_channels,
            bias=bias,
            seed=seed,
            gain=gain,
            dtype=dtype,
            device=device,
        )
        super().__init__(rep_in.group, subgroup, device)
        self.rep_in = rep_in
        self.in_channels, self.out_channels = proto.in_channels, proto.out_channels
        cosets = len(self.representatives)
        dim = rep_in.dim
        self._check_size(self.out_channels * self.in_channels * cosets * dim, "SubgroupLift")
        if proto.gather is None:  # rho(g) as matrices, or as a permutation of coordinates
            self.register_buffer("rho", proto.rho)
            self.gather = None
        else:
            self.register_buffer("gather", proto.gather)
            self.rho = None
        weight = (
            proto.full_weight()
            .detach()
            .reshape(self.out_channels, self.table.order, self.in_channels, dim)
        )
        values = weight[:, torch.as_tensor(self.representatives)].permute(0, 2, 1, 3)
        self.kernel = nn.Parameter(values.contiguous())  # (o, c, cosets, d)
        self.bias = (
            None
            if proto.bias is None
            else nn.Parameter(proto.bias.detach()[:, None].expand(-1, cosets).contiguous())
        )

    def full_weight(self) -> torch.Tensor:
        """Dense ``(c_out * |G|, c_in * d)`` matrix of the layer."""
        v = self.kernel[:, :, self.coset_of]  # (o, c, g, d): V[c(g)]
        if self.gather is None:
            w = torch.einsum("gij,ocgj->ogci", self.rho[self.factor], v)
        else:  # (rho(h) v)_y = v_x with p[h, x] = y
            idx = self.gather[self.factor]  # (g, d)
            w = torch.gather(v, 3, idx.expand(*v.shape[:2], *idx.shape)).permute(0, 2, 1, 3)
        return w.reshape(self.out_channels * self.table.order, self.in_channels * self.rep_in.dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Lift ``(..., in_channels, d)`` to ``(..., out_channels, |G|)``."""
        _check_input(x, self.in_channels, self.rep_in.dim, "SubgroupLift", "representation dim")
        return self._apply(x)

    def extra_repr(self) -> str:
        return (
            f"{self.rep_in!r} -> regular of {self.group!r} (|G| = {self.table.order}) "
            f"constrained to |H| = {self.subgroup_order}, channels {self.in_channels} -> "
            f"{self.out_channels}"
        )


GcnnLayer = LiftingConv | GroupConv | SubgroupLift | SubgroupConv


def _layer_group(layer: GcnnLayer) -> tuple[GroupTable, np.ndarray]:
    """The layer's table and the subgroup it is equivariant to (all of G for a G-CNN layer)."""
    if isinstance(layer, SubgroupConv | SubgroupLift):
        return layer.table, layer.subgroup
    if isinstance(layer, LiftingConv | GroupConv):
        return layer.table, np.arange(layer.table.order)
    raise InvalidParameterError(
        "the G-CNN morphism acts on LiftingConv, GroupConv, SubgroupLift and SubgroupConv "
        f"layers, got {type(layer).__name__}"
    )


def _blank(layer: GcnnLayer, subgroup: np.ndarray) -> SubgroupConv | SubgroupLift:
    """An empty subgroup layer of ``layer``'s shape, dtype and device."""
    weight = layer.full_weight()
    kw = {
        "in_channels": layer.in_channels,
        "out_channels": layer.out_channels,
        "bias": layer.bias is not None,
        "dtype": weight.dtype,
        "device": weight.device,
    }
    if isinstance(layer, LiftingConv | SubgroupLift):
        return SubgroupLift(layer.rep_in, subgroup, **kw)
    return SubgroupConv(layer.table.group, subgroup, **kw)


def _bias_function(layer: GcnnLayer) -> torch.Tensor | None:
    if layer.bias is None:
        return None
    if isinstance(layer, SubgroupConv | SubgroupLift):
        return layer.bias_function()
    return layer.bias[:, None].expand(-1, layer.table.order)


def _load(
    new: SubgroupConv | SubgroupLift, weight: torch.Tensor, bias: torch.Tensor | None
) -> None:
    """Set ``new`` from an :math:`H`-equivariant ``(o, |G|, c, d)`` weight and ``(o, |G|)``
    bias by reading them at the representatives."""
    reps = torch.as_tensor(new.representatives, device=weight.device)
    with torch.no_grad():
        new.kernel.copy_(weight[:, reps].permute(0, 2, 1, 3))
        if bias is not None:
            new.bias.copy_(bias[:, reps])


def _weight(layer: GcnnLayer) -> torch.Tensor:
    """``(o, |G|, c, d)`` full weight."""
    w = layer.full_weight()
    return w.reshape(layer.out_channels, layer.table.order, layer.in_channels, -1)


def relax_gcnn_layer(layer: GcnnLayer, subgroup: Sequence[int]) -> SubgroupConv | SubgroupLift:
    r"""The relaxation morphism for a G-CNN layer: the same function, now constrained to
    a subgroup :math:`H` of the layer's current group only (see the module docstring).

    Parameters
    ----------
    layer
        A :class:`~eqqnn.classical.LiftingConv` or :class:`~eqqnn.classical.GroupConv`
        (group :math:`G`), or a :class:`SubgroupLift` / :class:`SubgroupConv` (group
        :math:`H_0`).
    subgroup
        :math:`H \subseteq H_0`, flat element indices.

    Raises
    ------
    InvalidParameterError
        If ``subgroup`` is not inside the layer's current group (use
        :func:`restrict_gcnn_layer` to go up).
    """
    table, current = _layer_group(layer)
    h = _subgroup_of(table, subgroup)
    if not np.isin(h, current).all():
        raise InvalidParameterError(
            f"subgroup {h.tolist()} is not contained in the layer's group {current.tolist()}: "
            "relaxing must go to a subgroup (restrict_gcnn_layer goes up)"
        )
    new = _blank(layer, h)
    bias = _bias_function(layer)
    _load(new, _weight(layer).detach(), None if bias is None else bias.detach())
    return new


def restrict_gcnn_layer(
    layer: SubgroupConv | SubgroupLift, subgroup: Sequence[int] | None = None
) -> SubgroupConv | SubgroupLift:
    r"""The inverse morphism: project onto the maps equivariant to :math:`H' \supseteq H`
    (``None``: all of :math:`G`). Keeps the function only if it already was
    :math:`H'`-equivariant.

    Raises
    ------
    InvalidParameterError
        If ``layer`` is not a subgroup layer or :math:`H'` does not contain its group.
    """
    if not isinstance(layer, SubgroupConv | SubgroupLift):
        raise InvalidParameterError(
            f"restrict_gcnn_layer acts on SubgroupConv and SubgroupLift layers, got "
            f"{type(layer).__name__}"
        )
    table = layer.table
    h = _subgroup_of(table, subgroup)
    if not np.isin(layer.subgroup, h).all():
        raise InvalidParameterError(
            f"subgroup {h.tolist()} does not contain the layer's group "
            f"{layer.subgroup.tolist()}: restricting must go to a larger group "
            "(relax_gcnn_layer goes down)"
        )
    new = _blank(layer, h)
    reps = new.representatives
    with torch.no_grad():
        weight = _weight(layer)  # (o, g, c, d)
        bias = layer.bias_function()
        # the projection, evaluated at the rows r of the new representatives only
        rows = table.cayley[np.ix_(h, reps)]  # rows[j, r] = h_j r
        inv = table.inverse[h]
        acc = torch.zeros_like(weight[:, : len(reps)])
        acc_bias = None if bias is None else torch.zeros_like(bias[:, : len(reps)])
        for j, hj in enumerate(h):
            block = weight[:, torch.as_tensor(rows[j])]  # W[h r, .]
            if isinstance(layer, SubgroupConv):
                # lambda(h)^T on the columns: W[h r, h k] read at k
                cols = torch.from_numpy(np.array(table.cayley[hj]))
                acc += block[..., cols]
            elif layer.gather is None:  # lift: rho(h)^T W_{h r} = rho(h^-1) W_{h r}
                acc += torch.einsum("ij,ogcj->ogci", layer.rho[int(inv[j])], block)
            else:
                acc += block[..., layer.gather[int(inv[j])]]
            if acc_bias is not None:
                acc_bias += bias[:, torch.as_tensor(rows[j])]
        scale = 1.0 / len(h)
        new.kernel.copy_((acc * scale).permute(0, 2, 1, 3))
        if acc_bias is not None:
            new.bias.copy_(acc_bias * scale)
    return new


class GcnnTrunkMoves:
    r"""Architecture moves (:class:`eqqnn.training.ArchitectureMoves`) for the trunk of a
    G-CNN: the lift (``model.lift``) and the group convolutions (``model.convs``), each
    moved along a chain of subgroups :math:`H_0 = G \supset H_1 \supset \dots`.

    Parameters
    ----------
    chain
        Flat element indices of each subgroup, largest first; the first must be all of
        :math:`G`.
    """

    def __init__(self, chain: Sequence[Sequence[int]]) -> None:
        if not chain:
            raise InvalidParameterError("the subgroup chain needs at least one group")
        self.chain = [np.unique(np.asarray(h, dtype=np.int64)) for h in chain]
        for k in range(1, len(self.chain)):
            if not np.isin(self.chain[k], self.chain[k - 1]).all():
                raise InvalidParameterError(
                    f"the chain must be nested, largest first: group {k} "
                    f"{self.chain[k].tolist()} is not inside group {k - 1} "
                    f"{self.chain[k - 1].tolist()}"
                )

    def _layers(self, model: nn.Module) -> list[nn.Module]:
        if not isinstance(getattr(model, "convs", None), nn.ModuleList) or not hasattr(
            model, "lift"
        ):
            raise InvalidParameterError(
                "GcnnTrunkMoves needs a model with a `lift` layer and a `convs` ModuleList "
                f"(ShadowGCNN, CorrelatorGCNN), got {type(model).__name__}"
            )
        return [model.lift, *model.convs]

    def _level(self, layer: nn.Module) -> int:
        _, group = _layer_group(layer)
        for k, h in enumerate(self.chain):
            if len(h) == len(group) and np.array_equal(h, group):
                return k
        raise InvalidParameterError(
            f"layer group {group.tolist()} is not on the subgroup chain {self.chain}"
        )

    def architecture(self, model: nn.Module) -> tuple[int, ...]:
        """The chain level of the lift and of every group convolution."""
        return tuple(self._level(layer) for layer in self._layers(model))

    def _replace(self, model: nn.Module, layer: int, new: nn.Module) -> nn.Module:
        child = copy.deepcopy(model)
        if layer == 0:
            child.lift = new
        else:
            child.convs[layer - 1] = new
        return child

    def relax(self, model: nn.Module, layer: int) -> nn.Module | None:
        """A copy with ``layer`` (0: the lift) one level down, the same function."""
        target = self._layers(model)[layer]
        level = self._level(target)
        if level + 1 >= len(self.chain):
            return None
        return self._replace(model, layer, relax_gcnn_layer(target, self.chain[level + 1]))

    def restrict(self, model: nn.Module, layer: int) -> nn.Module | None:
        """A copy with ``layer`` projected one level up, or ``None`` at the top."""
        target = self._layers(model)[layer]
        level = self._level(target)
        if level == 0:
            return None
        return self._replace(model, layer, restrict_gcnn_layer(target, self.chain[level - 1]))
