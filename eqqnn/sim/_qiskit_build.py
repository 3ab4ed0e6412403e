r"""Qiskit circuits of the eqqnn IR: gates, Pauli rotations and the readout operator.

Shared by :class:`~eqqnn.sim.QiskitBackend` (``eqqnn.sim._qiskit``) and
:class:`~eqqnn.sim.EstimatorBackend` (``eqqnn.sim._runtime``).  IR wire ``i`` is Qiskit
qubit ``n - 1 - i`` (the IR is big-endian, Qiskit little-endian; see ``_qiskit``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from eqqnn.circuits import Circuit, Discard, ExpGate, FixedGate
from eqqnn.circuits._gates import CNOT
from eqqnn.circuits._native import NativeRotation, native_decomposition
from eqqnn.errors import BackendError
from eqqnn.sim._backend import check_unitary

_TOL = 1e-12


def _qargs(n: int, wires: tuple[int, ...]) -> list[int]:
    """Qiskit qubits for a matrix on IR ``wires`` (first wire most significant)."""
    return [n - 1 - w for w in reversed(wires)]


def _append_rotation(qc: Any, n: int, rot: NativeRotation, angle: Any) -> None:
    from qiskit.circuit.library import PauliEvolutionGate, RXGate, RYGate, RZGate
    from qiskit.quantum_info import SparsePauliOp

    if rot.controls:
        base = {"X": RXGate, "Y": RYGate, "Z": RZGate}[rot.word](angle)
        state = sum(v << i for i, v in enumerate(rot.control_values))
        gate = base.control(len(rot.controls), ctrl_state=state)
        qc.append(gate, [n - 1 - c for c in rot.controls] + [n - 1 - rot.wires[0]])
        return
    support = [i for i, ch in enumerate(rot.word) if ch != "I"]
    letters = "".join(rot.word[i] for i in support)
    on = tuple(rot.wires[i] for i in support)
    if len(letters) == 1:
        getattr(qc, "r" + letters.lower())(angle, n - 1 - on[0])
    elif letters in ("XX", "YY", "ZZ"):
        getattr(qc, "r" + letters.lower())(angle, n - 1 - on[0], n - 1 - on[1])
    else:
        qc.append(PauliEvolutionGate(SparsePauliOp(letters), time=angle / 2), _qargs(n, on))


@dataclass
class _Body:
    circuit: Any
    """The Qiskit circuit (no state preparation, no measurement)."""
    rotation_matrix: np.ndarray | None = None
    """``A`` with ``alpha = A theta`` (rotation-parametrized bodies only)."""
    alpha: Any = None
    """The ``ParameterVector`` of rotation angles (rotation-parametrized bodies only)."""


def _build_body(circuit: Circuit, mode: str, theta: np.ndarray | None = None) -> _Body:
    """Gates of ``circuit`` as a Qiskit circuit.

    ``mode``: ``"bound"`` (numeric ``theta``; generic gates as ``UnitaryGate``),
    ``"symbolic"`` (``ParameterVector`` ``theta``), ``"rotations"`` (one parameter per
    Pauli rotation, controlled rotations expanded; for the parameter-shift rule).
    """
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector
    from qiskit.circuit.library import UnitaryGate

    check_unitary(circuit, "the Qiskit exporter")
    n = circuit.n_qubits
    qc = QuantumCircuit(n, name=circuit.name)
    pauli_only = mode == "rotations"
    values: Any
    if mode == "symbolic":
        values = ParameterVector("theta", circuit.n_params)
    elif mode == "bound":
        values = np.asarray(theta, dtype=np.float64)
    rows: list[np.ndarray] = []
    plans: list[tuple[ExpGate | FixedGate, tuple[NativeRotation, ...] | None]] = []
    for i, op in enumerate(circuit.operations):
        if isinstance(op, Discard):
            continue
        plan = native_decomposition(op, pauli_only=pauli_only) if isinstance(op, ExpGate) else None
        if isinstance(op, ExpGate) and plan is None and mode != "bound":
            raise BackendError(
                f"operation {i} ({op.label!r} on wires {op.all_wires}) is not a native Pauli "
                "rotation or a product of commuting ones, so it has no symbolic Qiskit form; "
                "pass numeric params (it becomes a UnitaryGate)"
            )
        plans.append((op, plan))
    n_rot = sum(len(p) for _, p in plans if p is not None)
    alpha = ParameterVector("alpha", n_rot) if pauli_only else None
    j = 0
    for op, plan in plans:
        if isinstance(op, FixedGate):
            if op.matrix.shape == (4, 4) and np.abs(op.matrix - CNOT).max() < _TOL:
                qc.cx(n - 1 - op.wires[0], n - 1 - op.wires[1])
            else:
                qc.append(UnitaryGate(np.array(op.matrix), label=op.label), _qargs(n, op.wires))
            continue
        if plan is None:
            u = op.matrix(values[list(op.params)])
            qc.append(UnitaryGate(u, label=op.label), _qargs(n, op.all_wires))
            continue
        for rot in plan:
            if pauli_only:
                row = np.zeros(circuit.n_params)
                for slot, c in zip(rot.slots, rot.coeffs, strict=True):
                    row[slot] += c
                rows.append(row)
                angle = alpha[j]
                j += 1
            elif mode == "symbolic":
                angle = sum(
                    (c * values[s] for s, c in zip(rot.slots, rot.coeffs, strict=True)), 0.0
                )
            else:
                angle = float(rot.angle(values))
            _append_rotation(qc, n, rot, angle)
    if pauli_only:
        a = np.array(rows).reshape(n_rot, circuit.n_params)
        return _Body(qc, a, alpha)
    return _Body(qc)


def _readout_operator(circuit: Circuit) -> Any:
    from qiskit.quantum_info import Operator, SparsePauliOp

    return SparsePauliOp.from_operator(Operator(np.array(circuit.readout.observable)))


def backend_name(backend: Any) -> str:
    """Name of a Qiskit backend (``name`` attribute or method; the class name otherwise)."""
    name = getattr(backend, "name", None)
    name = name() if callable(name) else name
    return str(name or type(backend).__name__)
