"""Equivariance metrics shared by the quantum and the classical side."""

from eqqnn.metrics._errors import (
    distance_to_equivariant,
    hamiltonian_equivariance_error,
    invariance_error,
    layerwise_equivariance_errors,
    lie_derivative,
    quantum_invariance_error,
    state_invariance_error,
)
from eqqnn.metrics._layerwise_classical import (
    LayerEquivariance,
    feature_equivariance_errors,
    linear_alignment,
    permutation_alignment,
)

__all__ = [
    "LayerEquivariance",
    "distance_to_equivariant",
    "feature_equivariance_errors",
    "hamiltonian_equivariance_error",
    "invariance_error",
    "layerwise_equivariance_errors",
    "lie_derivative",
    "linear_alignment",
    "permutation_alignment",
    "quantum_invariance_error",
    "state_invariance_error",
]
