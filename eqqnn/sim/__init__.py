"""Simulators and backends that run the circuit IR.

Backends are objects, each constructible with no arguments:
:class:`StatevectorBackend` (dense torch statevector, CPU/CUDA, autograd or adjoint),
:class:`DensityMatrixBackend` (channels, Choi pooling, noise), :class:`PennyLaneBackend`
(any PennyLane device) and :class:`QiskitBackend` (Aer, fake IBM backends, IBM Runtime);
exporters :func:`to_qiskit`, :func:`to_qasm3`, :func:`pennylane_ops`.
"""

from eqqnn.sim._density import DensityMatrixBackend, NoiseModel
from eqqnn.sim._kernels import apply_matrix, expectation
from eqqnn.sim._pennylane import (
    PennyLaneBackend,
    draw_pennylane,
    draw_pennylane_mpl,
    native_decomposition,
    pennylane_ops,
)
from eqqnn.sim._qiskit import QiskitBackend, to_qasm3, to_qiskit
from eqqnn.sim._statevector import StatevectorBackend, check_states

__all__ = [
    "DensityMatrixBackend",
    "NoiseModel",
    "PennyLaneBackend",
    "QiskitBackend",
    "StatevectorBackend",
    "apply_matrix",
    "check_states",
    "draw_pennylane",
    "draw_pennylane_mpl",
    "expectation",
    "native_decomposition",
    "pennylane_ops",
    "to_qasm3",
    "to_qiskit",
]
