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

__all__ = [
    "distance_to_equivariant",
    "hamiltonian_equivariance_error",
    "invariance_error",
    "layerwise_equivariance_errors",
    "lie_derivative",
    "quantum_invariance_error",
    "state_invariance_error",
]
