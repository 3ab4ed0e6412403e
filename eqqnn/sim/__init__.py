"""Simulators and backends that run the circuit IR.

Backends are objects, each constructible with no arguments:
:class:`StatevectorBackend` (dense torch statevector, CPU/CUDA, autograd or adjoint).
"""

from eqqnn.sim._kernels import apply_matrix, expectation
from eqqnn.sim._statevector import StatevectorBackend, check_states

__all__ = ["StatevectorBackend", "apply_matrix", "check_states", "expectation"]
