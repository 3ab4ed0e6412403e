"""Simulators and backends that run the circuit IR.

Backends are objects, each constructible with no arguments:
:class:`StatevectorBackend` (dense torch statevector, CPU/CUDA, autograd or adjoint),
:class:`DensityMatrixBackend` (channels, Choi pooling, noise).
"""

from eqqnn.sim._density import DensityMatrixBackend, NoiseModel
from eqqnn.sim._kernels import apply_matrix, expectation
from eqqnn.sim._statevector import StatevectorBackend, check_states

__all__ = [
    "DensityMatrixBackend",
    "NoiseModel",
    "StatevectorBackend",
    "apply_matrix",
    "check_states",
    "expectation",
]
