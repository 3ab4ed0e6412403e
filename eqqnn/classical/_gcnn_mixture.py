r"""[G]-mixed G-CNN layers (Maile et al.): the differentiable search over a trunk's groups.

A [G]-mixed layer holds one branch per group of a subgroup chain
:math:`H_0 = G \supset H_1 \supset \dots` and mixes their outputs with softmax weights,

.. math:: y = \sum_k \mathrm{softmax}(\beta)_k\, L_{H_k}(x),

where :math:`L_{H_k}` is a :class:`~eqqnn.classical.SubgroupConv` (or
:class:`~eqqnn.classical.SubgroupLift`) constrained to :math:`H_k`. The logits start at 0
(weights :math:`1/K` for :math:`K` branches); branch 0 starts as :math:`K` times the G-CNN
layer it replaces (the relaxation morphism to :math:`G` itself, weight and bias scaled)
and the others at zero, so the mixed trunk starts with the same function, exactly
:math:`G`-equivariant, and every branch has a gradient. :func:`mix_gcnn_trunk` builds a
mixed copy of a :class:`~eqqnn.classical.ShadowGCNN` or :class:`~eqqnn.classical.CorrelatorGCNN`,
:func:`gcnn_trunk_mixture_weights` reads the architecture weights (for
:func:`eqqnn.training.darts_search`) and :func:`discretize_gcnn_trunk` keeps each layer's
strongest branch.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from eqqnn.classical._subgroup_gcnn import (
    GcnnLayer,
    SubgroupConv,
    SubgroupLift,
    relax_gcnn_layer,
)
from eqqnn.errors import InvalidParameterError

__all__ = [
    "GroupMixtureGcnnLayer",
    "discretize_gcnn_trunk",
    "gcnn_trunk_mixture_weights",
    "mix_gcnn_trunk",
]


class GroupMixtureGcnnLayer(nn.Module):
    r"""A softmax mixture of one G-CNN layer constrained to each group of a chain.

    .. math:: y = \sum_k \mathrm{softmax}(\beta)_k\, L_{H_k}(x)

    Parameters
    ----------
    layer
        The layer to mix: a :class:`~eqqnn.classical.LiftingConv`,
        :class:`~eqqnn.classical.GroupConv`, or a subgroup layer; branch 0 computes its
        function.
    chain
        Flat element indices of :math:`H_0 \supset H_1 \supset \dots`; :math:`H_0` must be
        the layer's own group (all of :math:`G` for a G-CNN layer).
    """

    def __init__(self, layer: GcnnLayer, chain: Sequence[Sequence[int]]) -> None:
        super().__init__()
        if len(chain) < 2:
            raise InvalidParameterError(
                f"a [G]-mixed layer needs at least two groups on its chain, got {len(chain)}"
            )
        own = layer.subgroup if isinstance(layer, SubgroupConv | SubgroupLift) else None
        if own is not None and not np.array_equal(np.unique(chain[0]), own):
            raise InvalidParameterError(
                f"the chain must start at the layer's own group {own.tolist()}, got "
                f"{np.unique(chain[0]).tolist()}"
            )
        first = relax_gcnn_layer(layer, chain[0])
        with torch.no_grad():  # the uniform mixture weighs it 1/K: start it K times larger
            for p in first.parameters():
                p.mul_(len(chain))
        branches: list[SubgroupConv | SubgroupLift] = [first]
        for h in chain[1:]:
            branch = relax_gcnn_layer(first, h)
            with torch.no_grad():
                for p in branch.parameters():
                    p.zero_()
            branches.append(branch)
        self.branches = nn.ModuleList(branches)
        kernel = first.kernel
        self.logits = nn.Parameter(
            torch.zeros(len(branches), dtype=kernel.dtype, device=kernel.device)
        )

    def mixture_weights(self) -> torch.Tensor:
        r""":math:`\mathrm{softmax}(\beta)`, one weight per branch (largest group first)."""
        return torch.softmax(self.logits, dim=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.mixture_weights()
        return sum(w[k] * branch(x) for k, branch in enumerate(self.branches))


def _trunk_layers(model: nn.Module) -> list[str]:
    if not isinstance(getattr(model, "convs", None), nn.ModuleList) or not hasattr(model, "lift"):
        raise InvalidParameterError(
            "a G-CNN trunk needs a `lift` layer and a `convs` ModuleList (ShadowGCNN, "
            f"CorrelatorGCNN), got {type(model).__name__}"
        )
    return ["lift", *(f"convs.{i}" for i in range(len(model.convs)))]


def _set(model: nn.Module, name: str, layer: nn.Module) -> None:
    if name == "lift":
        model.lift = layer
    else:
        model.convs[int(name.split(".")[1])] = layer


def mix_gcnn_trunk(model: nn.Module, chain: Sequence[Sequence[int]]) -> nn.Module:
    """A copy of a G-CNN whose lift and group convolutions are
    :class:`GroupMixtureGcnnLayer` over ``chain`` (the same function at the start)."""
    mixed = copy.deepcopy(model)
    for name in _trunk_layers(model):
        _set(mixed, name, GroupMixtureGcnnLayer(mixed.get_submodule(name), chain))
    return mixed


def gcnn_trunk_mixture_weights(model: nn.Module) -> torch.Tensor:
    """``(layers, groups)`` mixture weights of a mixed trunk (lift first)."""
    rows = []
    for name in _trunk_layers(model):
        layer = model.get_submodule(name)
        if not isinstance(layer, GroupMixtureGcnnLayer):
            raise InvalidParameterError(f"trunk layer {name!r} is not a [G]-mixed layer")
        rows.append(layer.mixture_weights())
    return torch.stack(rows)


def discretize_gcnn_trunk(model: nn.Module) -> nn.Module:
    r"""A copy of a mixed trunk with each layer replaced by its strongest branch
    :math:`k`, scaled by its mixture weight (:math:`w_k L_{H_k}`, the branch's share of
    the mixture; to be retrained: one branch alone does not compute the mixture)."""
    out = copy.deepcopy(model)
    weights = gcnn_trunk_mixture_weights(model).detach()
    for name, w in zip(_trunk_layers(model), weights, strict=True):
        k = int(np.argmax(w.cpu().numpy()))
        branch = out.get_submodule(name).branches[k]
        with torch.no_grad():
            for p in branch.parameters():
                p.mul_(w[k])
        _set(out, name, branch)
    return out
