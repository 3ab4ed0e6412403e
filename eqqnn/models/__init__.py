"""Trainable models with one interface: ``forward(batch) -> (B,)`` probabilities of label 1."""

from eqqnn.models._interface import InputKind, PhaseClassifier
from eqqnn.models._layer_symmetry import (
    LayerSymmetry,
    QuantumLayerMoves,
    discretize_group_mixture,
    relax_layer,
    restrict_layer,
)
from eqqnn.models._output import AffineSigmoid
from eqqnn.models._param_maps import GroupMixture, LearnedDegree
from eqqnn.models._quantum import QuantumClassifier

__all__ = [
    "AffineSigmoid",
    "GroupMixture",
    "InputKind",
    "LayerSymmetry",
    "LearnedDegree",
    "PhaseClassifier",
    "QuantumClassifier",
    "QuantumLayerMoves",
    "discretize_group_mixture",
    "relax_layer",
    "restrict_layer",
]
