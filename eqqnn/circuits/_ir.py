r"""A small, backend-independent circuit IR.

A :class:`Circuit` is an immutable list of operations on qubit wires ``0 .. n-1`` plus a
readout observable:

* :class:`ExpGate` — :math:`U(\theta) = \exp(-i \sum_a \theta_{p_a} G_a)` for Hermitian
  generators :math:`G_a` on ``wires``, optionally controlled on ``controls`` taking
  ``control_values``; the full generator is then :math:`|c\rangle\langle c| \otimes G_a`.
  Parameter slots :math:`p_a` index one shared parameter vector, so slots can be shared.
* :class:`FixedGate` — a constant unitary (CNOT, H, ...).
* :class:`Discard` — qubits leave the computation (pooling).  Because nothing acts on
  them later, a pure-state simulator keeps the full state and evaluates the readout on
  the survivors:
  :math:`\mathrm{tr}(O \rho_{\text{survivors}}) = \langle\psi| O\otimes I|\psi\rangle`.
* :class:`Readout` — an observable :math:`O` on surviving wires, mapped to a probability
  :math:`p = (\langle O\rangle - o_{min})/(o_{max} - o_{min})` with its eigenvalue range.

Parameter roles (:class:`ParamRole`) mark equivariant, symmetry-breaking and free
parameters so that relaxed models can initialise breaking ones at zero and penalize them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from eqqnn._validation import check_int
from eqqnn.circuits._ops import (
    ChannelPool,
    Discard,
    ExpGate,
    FixedGate,
    Layer,
    Operation,
    ParamRole,
    Readout,
)
from eqqnn.errors import DimensionError, InvalidParameterError

__all__ = [
    "ChannelPool",
    "Circuit",
    "CircuitBuilder",
    "Discard",
    "ExpGate",
    "FixedGate",
    "Layer",
    "Operation",
    "ParamRole",
    "Readout",
]


@dataclass(frozen=True, eq=False)
class Circuit:
    """An immutable parametrized circuit with a readout; build it with :class:`CircuitBuilder`.

    Examples
    --------
    >>> from eqqnn.circuits import su2_qcnn
    >>> c = su2_qcnn(4)
    >>> c.n_qubits, c.is_su2_equivariant
    (4, True)
    """

    n_qubits: int
    operations: tuple[Operation, ...]
    readout: Readout
    n_params: int
    param_roles: tuple[ParamRole, ...]
    layers: tuple[Layer, ...] = ()
    name: str = "circuit"
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = check_int("n_qubits", self.n_qubits, minimum=1)
        discarded: set[int] = set()
        used: set[int] = set()
        for i, op in enumerate(self.operations):
            if not isinstance(op, (ExpGate, FixedGate, ChannelPool, Discard)):
                raise InvalidParameterError(f"operation {i} is not an IR operation: {op!r}")
            bad = [w for w in op.all_wires if not 0 <= w < n]
            if bad:
                raise InvalidParameterError(
                    f"operation {i} ({_op_label(op)}) acts on wires {bad} outside 0..{n - 1}"
                )
            gone = [w for w in op.all_wires if w in discarded]
            if gone:
                raise InvalidParameterError(
                    f"operation {i} ({_op_label(op)}) acts on discarded wires {gone}"
                )
            if isinstance(op, Discard):
                discarded.update(op.wires)
            elif isinstance(op, ChannelPool):
                discarded.update(op.discarded)
            if isinstance(op, (ExpGate, ChannelPool)):
                bad_p = [p for p in op.params if not 0 <= p < self.n_params]
                if bad_p:
                    raise InvalidParameterError(
                        f"operation {i} uses parameter slots {bad_p} outside 0..{self.n_params - 1}"
                    )
                used.update(op.params)
        gone = [w for w in self.readout.wires if w in discarded or not 0 <= w < n]
        if gone:
            raise InvalidParameterError(f"readout acts on discarded or invalid wires {gone}")
        if len(self.param_roles) != self.n_params:
            raise DimensionError(f"{self.n_params} parameters but {len(self.param_roles)} roles")
        unused = sorted(set(range(self.n_params)) - used)
        if unused:
            raise InvalidParameterError(f"parameter slots {unused} are used by no gate")

    @property
    def gates(self) -> list[ExpGate | FixedGate]:
        """The unitary operations, in order."""
        return [op for op in self.operations if isinstance(op, (ExpGate, FixedGate))]

    @property
    def has_channels(self) -> bool:
        """Whether the circuit contains non-unitary channels (density-matrix backends only)."""
        return any(isinstance(op, ChannelPool) for op in self.operations)

    def active_wires(self, upto: int | None = None) -> tuple[int, ...]:
        """Wires not discarded among the first ``upto`` operations (all by default)."""
        ops = self.operations if upto is None else self.operations[:upto]
        gone = {w for op in ops if isinstance(op, Discard) for w in op.wires}
        gone |= {w for op in ops if isinstance(op, ChannelPool) for w in op.discarded}
        return tuple(w for w in range(self.n_qubits) if w not in gone)

    @cached_property
    def is_su2_equivariant(self) -> bool:
        """Every gate commutes with global rotations and the readout is invariant."""
        ops = [op for op in self.operations if not isinstance(op, Discard)]
        return all(op.is_su2_equivariant for op in ops) and self.readout.is_su2_invariant

    def non_equivariant_operations(self) -> list[tuple[int, str]]:
        """``(index, label)`` of the gates that break SU(2) symmetry."""
        return [
            (i, _op_label(op))
            for i, op in enumerate(self.operations)
            if isinstance(op, (ExpGate, FixedGate)) and not op.is_su2_equivariant
        ]

    def param_slots(self, role: ParamRole) -> np.ndarray:
        """Indices of the parameters with a given role."""
        return np.array([i for i, r in enumerate(self.param_roles) if r is role], dtype=np.int64)

    def layer_of_operation(self, index: int) -> str:
        """Name of the layer holding operation ``index`` (``""`` if none)."""
        for layer in self.layers:
            if layer.start <= index < layer.stop:
                return layer.name
        return ""

    def draw(self, *, max_width: int = 200) -> str:
        """Text drawing: one row per wire, one column per operation."""
        from eqqnn.circuits._draw import draw_text

        return draw_text(self, max_width=max_width)

    def summary(self) -> str:
        """Layer table: name, operations, parameters, block size."""
        lines = [f"{self.name}: {self.n_qubits} qubits, {self.n_params} parameters"]
        for layer in self.layers:
            ops = self.operations[layer.start : layer.stop]
            slots = {p for op in ops if isinstance(op, (ExpGate, ChannelPool)) for p in op.params}
            lines.append(
                f"  {layer.name:<14} ops={layer.stop - layer.start:<3} params={len(slots):<3} "
                f"block={layer.block_size}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"Circuit(name={self.name!r}, n_qubits={self.n_qubits}, "
            f"operations={len(self.operations)}, n_params={self.n_params})"
        )


def _op_label(op: Operation) -> str:
    if isinstance(op, Discard):
        return "discard"
    return f"{op.label} on {op.all_wires}"


class CircuitBuilder:
    """Mutable helper that accumulates operations, parameter slots and layers.

    Examples
    --------
    >>> b = CircuitBuilder(2)
    >>> from eqqnn.circuits._gates import SWAP
    >>> _ = b.exp_gate((0, 1), SWAP, label="SWAP^t")
    >>> c = b.build(Readout((0, 1), SWAP))
    >>> c.n_params
    1
    """

    def __init__(self, n_qubits: int, name: str = "circuit") -> None:
        self.n_qubits = check_int("n_qubits", n_qubits, minimum=1)
        self.name = name
        self.operations: list[Operation] = []
        self.roles: list[ParamRole] = []
        self.layers: list[Layer] = []
        self._discarded: set[int] = set()

    def new_params(self, count: int, role: ParamRole = ParamRole.EQUIVARIANT) -> tuple[int, ...]:
        """Reserve ``count`` new parameter slots."""
        start = len(self.roles)
        self.roles.extend([role] * check_int("count", count, minimum=0))
        return tuple(range(start, start + count))

    def active_wires(self) -> list[int]:
        """Wires not yet discarded."""
        return [w for w in range(self.n_qubits) if w not in self._discarded]

    def exp_gate(
        self,
        wires: Sequence[int],
        generators: np.ndarray,
        params: Sequence[int] | None = None,
        *,
        label: str = "exp",
        controls: Sequence[int] = (),
        control_values: Sequence[int] = (),
        roles: Sequence[ParamRole] | None = None,
    ) -> ExpGate:
        """Append an :class:`ExpGate`; new slots are reserved when ``params`` is None."""
        gens = np.asarray(generators)
        m = 1 if gens.ndim == 2 else gens.shape[0]
        if roles is None:
            roles = [ParamRole.EQUIVARIANT] * m
        if params is None:
            params = []
            for role in roles:
                params.extend(self.new_params(1, role))
        gate = ExpGate(
            tuple(wires),
            gens,
            tuple(params),
            label,
            tuple(controls),
            tuple(control_values),
            tuple(roles),
        )
        self.operations.append(gate)
        return gate

    def fixed_gate(self, wires: Sequence[int], matrix: np.ndarray, label: str = "U") -> FixedGate:
        """Append a :class:`FixedGate`."""
        gate = FixedGate(tuple(wires), matrix, label)
        self.operations.append(gate)
        return gate

    def channel_pool(
        self,
        wires_in: Sequence[int],
        wires_out: Sequence[int],
        params: Sequence[int] | None = None,
        *,
        rank: int = 2,
        label: str = "Φ",
    ) -> ChannelPool:
        """Append a :class:`ChannelPool` (new slots when ``params`` is None)."""
        count = 2 * rank * 2 ** (len(wires_in) + len(wires_out))
        params = self.new_params(count) if params is None else tuple(params)
        op = ChannelPool(tuple(wires_in), tuple(wires_out), tuple(params), rank, label)
        self._discarded.update(op.discarded)
        self.operations.append(op)
        return op

    def discard(self, *wires: int) -> Discard:
        """Trace out ``wires``."""
        op = Discard(tuple(wires))
        self._discarded.update(op.wires)
        self.operations.append(op)
        return op

    @contextmanager
    def layer(self, name: str, block_size: int = 0) -> Iterator[None]:
        """Record the operations appended inside the ``with`` block as a named layer."""
        start = len(self.operations)
        yield
        self.layers.append(Layer(name, start, len(self.operations), block_size))

    def build(self, readout: Readout, **metadata: object) -> Circuit:
        """Freeze into a :class:`Circuit`."""
        return Circuit(
            self.n_qubits,
            tuple(self.operations),
            readout,
            len(self.roles),
            tuple(self.roles),
            tuple(self.layers),
            self.name,
            dict(metadata),
        )
