r"""Per-layer symmetry along a subgroup chain, and the equivariance relaxation morphism.

A circuit from :func:`eqqnn.circuits.graded_qcnn` generates every two-qubit gate of layer
:math:`\ell` from generator *grades* :math:`g = 0, 1, \dots` ordered along a subgroup
chain :math:`G = H_0 \supset H_1 \supset \dots`: grade :math:`g` holds the generators
that commute with :math:`H_g` but not with :math:`H_{g-1}` (for
:func:`~eqqnn.circuits.symmetry_graded_generators`: SU(2) :math:`\supset` U(1)
:math:`\supset \{e\}`).  :class:`LayerSymmetry` constrains layer :math:`\ell` to the group
:math:`H_{\lambda_\ell}` of its *level* :math:`\lambda_\ell` by masking the grades
above it,

.. math:: \theta^{\text{eff}}_{\ell, g, a} = [\,g \le \lambda_\ell\,]\;\theta_{\ell, g, a},
          \qquad U_\ell = \exp\Big(-i \sum_{g \le \lambda_\ell} \sum_a
          \theta_{\ell, g, a} G_{g, a}\Big),

so every gate of the layer commutes with :math:`h^{\otimes 2}` for :math:`h \in
H_{\lambda_\ell}`.

The **equivariance relaxation morphism** (Maile et al., arXiv 2210.05484) moves one layer
from :math:`H_\lambda` to :math:`H_{\lambda+1}` *without changing the function*: the
newly admitted generators enter with angle zero, so each gate, the circuit's unitary and
every output are unchanged, while the new angles receive gradients and training continues
from the same point (:func:`relax_layer`).  Its inverse, :func:`restrict_layer`, projects a
layer back onto the larger group: it drops the grades above the new level, which is the
orthogonal projection of each gate's generator onto the larger group's commutant because
the grades are mutually orthogonal (Hilbert–Schmidt).  Restricting changes the function
unless the dropped angles are zero.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn

from eqqnn._validation import check_int
from eqqnn.circuits import Circuit
from eqqnn.errors import InvalidParameterError
from eqqnn.models._param_maps import _tags
from eqqnn.models._quantum import QuantumClassifier

__all__ = [
    "LayerSymmetry",
    "QuantumLayerMoves",
    "discretize_group_mixture",
    "relax_layer",
    "restrict_layer",
]


class LayerSymmetry(nn.Module):
    r"""Per-layer levels :math:`\lambda_\ell` of a subgroup chain (see the module docstring):

    .. math:: \theta^{\text{eff}}_{\ell, g, a} = [\,g \le \lambda_\ell\,]\,\theta_{\ell, g, a}.

    Parameters
    ----------
    circuit
        A circuit of :func:`eqqnn.circuits.graded_qcnn` (slots tagged by layer and grade).
    levels
        One level per layer, ``0 <= level < n_grades``; default all 0 (every layer
        constrained to the full group :math:`G`).

    Examples
    --------
    >>> from eqqnn.circuits import graded_qcnn, symmetry_graded_generators
    >>> circuit = graded_qcnn(4, symmetry_graded_generators(2))
    >>> LayerSymmetry(circuit).levels.tolist()
    [0, 0, 0, 0]
    """

    def __init__(self, circuit: Circuit, levels: Sequence[int] | None = None) -> None:
        super().__init__()
        grade, layer, n_grades, n_layers = _tags(circuit)
        self.n_grades = n_grades
        self.register_buffer("grade", grade)
        self.register_buffer("layer", layer)
        if levels is None:
            levels = [0] * n_layers
        if isinstance(levels, (str, bytes)) or len(levels) != n_layers:
            raise InvalidParameterError(
                f"levels must hold one level per layer ({n_layers}), got {levels!r}"
            )
        values = [
            check_int(f"levels[{i}]", v, minimum=0, maximum=n_grades - 1)
            for i, v in enumerate(levels)
        ]
        self.register_buffer("levels", torch.as_tensor(values, dtype=torch.long))

    def mask(self) -> torch.Tensor:
        """``(n_slots,)`` 0/1: which slots act at the current levels."""
        return (self.grade <= self.levels[self.layer]).to(torch.float64)

    def forward(self, weights: torch.Tensor) -> torch.Tensor:
        return weights * self.mask().to(device=weights.device, dtype=weights.dtype)

    def extra_repr(self) -> str:
        return f"levels={self.levels.tolist()}, n_grades={self.n_grades}"


def _symmetry_of(model: QuantumClassifier) -> LayerSymmetry:
    if not isinstance(model, QuantumClassifier) or not isinstance(model.param_map, LayerSymmetry):
        raise InvalidParameterError(
            "the morphism needs a QuantumClassifier whose param_map is a LayerSymmetry, "
            f"got {type(model).__name__} with param_map "
            f"{type(getattr(model, 'param_map', None)).__name__}"
        )
    return model.param_map


def _check_layer(symmetry: LayerSymmetry, layer: int) -> int:
    return check_int("layer", layer, minimum=0, maximum=len(symmetry.levels) - 1)


def relax_layer(model: QuantumClassifier, layer: int) -> QuantumClassifier:
    r"""The equivariance relaxation morphism: a copy of ``model`` whose ``layer`` is
    constrained to the next smaller group of the chain, with the same outputs.

    The admitted grade :math:`\lambda_\ell + 1` enters with angles
    :math:`\theta_{\ell, \lambda_\ell + 1, a} = 0`, so
    :math:`U_\ell` and the model's function are unchanged (exactly, up to rounding).

    Raises
    ------
    InvalidParameterError
        If the layer is already at the last level (no constraint left to relax).
    """
    symmetry = _symmetry_of(model)
    layer = _check_layer(symmetry, layer)
    level = int(symmetry.levels[layer])
    if level + 1 >= symmetry.n_grades:
        raise InvalidParameterError(
            f"layer {layer} is already at the last level {level} of the chain "
            f"({symmetry.n_grades} grades): nothing to relax"
        )
    child = copy.deepcopy(model)
    child_symmetry = child.param_map
    admitted = (child_symmetry.layer == layer) & (child_symmetry.grade == level + 1)
    with torch.no_grad():
        child.weights[admitted.to(child.weights.device)] = 0.0
        child_symmetry.levels[layer] = level + 1
    return child


def restrict_layer(model: QuantumClassifier, layer: int) -> QuantumClassifier:
    r"""The inverse morphism: a copy of ``model`` whose ``layer`` is projected onto the
    next larger group of the chain (the grades above the new level are dropped and their
    angles set to zero).  The function is unchanged only if those angles were zero.

    Raises
    ------
    InvalidParameterError
        If the layer is already constrained to the full group :math:`G`.
    """
    symmetry = _symmetry_of(model)
    layer = _check_layer(symmetry, layer)
    level = int(symmetry.levels[layer])
    if level == 0:
        raise InvalidParameterError(
            f"layer {layer} is already constrained to the full group (level 0)"
        )
    child = copy.deepcopy(model)
    child_symmetry = child.param_map
    dropped = (child_symmetry.layer == layer) & (child_symmetry.grade == level)
    with torch.no_grad():
        child.weights[dropped.to(child.weights.device)] = 0.0
        child_symmetry.levels[layer] = level - 1
    return child


class QuantumLayerMoves:
    """The architecture moves of the evolutionary search
    (:class:`eqqnn.training.ArchitectureMoves`) for a :class:`QuantumClassifier` with a
    :class:`LayerSymmetry` map: levels per layer, :func:`relax_layer` and
    :func:`restrict_layer`."""

    def architecture(self, model: nn.Module) -> tuple[int, ...]:
        return tuple(int(v) for v in _symmetry_of(model).levels)  # type: ignore[arg-type]

    def relax(self, model: nn.Module, layer: int) -> nn.Module | None:
        symmetry = _symmetry_of(model)  # type: ignore[arg-type]
        if int(symmetry.levels[layer]) + 1 >= symmetry.n_grades:
            return None
        return relax_layer(model, layer)  # type: ignore[arg-type]

    def restrict(self, model: nn.Module, layer: int) -> nn.Module | None:
        if int(_symmetry_of(model).levels[layer]) == 0:  # type: ignore[arg-type]
            return None
        return restrict_layer(model, layer)  # type: ignore[arg-type]


def discretize_group_mixture(model: QuantumClassifier) -> QuantumClassifier:
    r"""The discrete architecture of a searched [G]-mixed QCNN: each layer at its strongest
    grade, :math:`\lambda_\ell = \arg\max_g \mathrm{softmax}(\beta_\ell)_g` (grade
    :math:`g` is the branch of group :math:`H_g` of the chain).  The new model has a
    :class:`LayerSymmetry` map and starts from the mixed angles
    :math:`w_{\ell,g}\,\theta_{\ell,g,a}` of the grades it keeps.

    Raises
    ------
    InvalidParameterError
        If ``model`` is not a :class:`QuantumClassifier` with a
        :class:`~eqqnn.models.GroupMixture` parameter map.
    """
    from eqqnn.models._param_maps import GroupMixture

    if not isinstance(model, QuantumClassifier) or not isinstance(model.param_map, GroupMixture):
        raise InvalidParameterError(
            "discretize_group_mixture needs a QuantumClassifier with a GroupMixture "
            f"param_map, got {type(model).__name__}"
        )
    with torch.no_grad():
        levels = model.param_map.mixture_weights().argmax(dim=1).tolist()
        child = copy.deepcopy(model)
        child.param_map = LayerSymmetry(model.circuit, levels)
        child.weights.copy_(child.param_map(model.slot_values().detach()))
    return child
