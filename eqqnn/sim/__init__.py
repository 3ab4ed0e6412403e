"""Simulators and backends that run the circuit IR.

Every backend subclasses :class:`Backend` (one contract: ``expectation`` implemented,
``probabilities``, input checks and pickling shared; checked by
:func:`eqqnn.testing.assert_valid_backend`), and each is constructible with no arguments:
:class:`StatevectorBackend` (dense torch statevector, CPU/CUDA, autograd or adjoint),
:class:`SpinSectorBackend` (SU(2)-equivariant circuits in the Schur–Weyl blocks, n = 28 on
a laptop), :class:`ShotsBackend` (finite-shot estimates and shift-rule gradients around
any exact backend),
:class:`DensityMatrixBackend` (channels, Choi pooling, noise), :class:`PennyLaneBackend`
(any PennyLane device), :class:`QiskitBackend` (Aer, fake IBM backends) and
:class:`EstimatorBackend` (Qiskit V2 primitives on ISA circuits: Aer, fake IBM devices,
IBM Quantum);
exporters :func:`to_qiskit`, :func:`to_qasm3`, :func:`pennylane_ops`.
"""

from eqqnn.circuits._native import native_decomposition
from eqqnn.sim._backend import Backend, check_params, check_states
from eqqnn.sim._density import DensityMatrixBackend, NoiseModel
from eqqnn.sim._kernels import apply_matrix, expectation
from eqqnn.sim._pennylane import (
    PennyLaneBackend,
    draw_pennylane,
    draw_pennylane_mpl,
    pennylane_ops,
)
from eqqnn.sim._qiskit import QiskitBackend, to_qasm3, to_qiskit
from eqqnn.sim._runtime import EstimatorBackend
from eqqnn.sim._sector import SpinSectorBackend, clear_sector_caches
from eqqnn.sim._shots import ShiftRule, ShotsBackend, shift_rule
from eqqnn.sim._statevector import StatevectorBackend

__all__ = [
    "Backend",
    "DensityMatrixBackend",
    "EstimatorBackend",
    "NoiseModel",
    "PennyLaneBackend",
    "QiskitBackend",
    "ShiftRule",
    "ShotsBackend",
    "SpinSectorBackend",
    "StatevectorBackend",
    "apply_matrix",
    "check_params",
    "check_states",
    "clear_sector_caches",
    "draw_pennylane",
    "draw_pennylane_mpl",
    "expectation",
    "native_decomposition",
    "pennylane_ops",
    "shift_rule",
    "to_qasm3",
    "to_qiskit",
]
