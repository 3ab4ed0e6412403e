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

import enum
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from eqqnn._validation import check_int
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


class ParamRole(enum.Enum):
    """What a parameter slot does to the symmetry of the circuit."""

    EQUIVARIANT = "equivariant"
    """Moves within the SU(2)-equivariant gates."""
    BREAKING = "breaking"
    """Scales a symmetry-breaking generator (relaxed models; initialised at zero)."""
    FREE = "free"
    """A parameter of a symmetry-agnostic gate."""


def _frozen_array(x: np.ndarray, dtype: type = np.complex128) -> np.ndarray:
    arr = np.array(x, dtype=dtype, copy=True)
    arr.setflags(write=False)
    return arr


def _check_wires(wires: Sequence[int], what: str) -> tuple[int, ...]:
    out = tuple(int(w) for w in wires)
    if len(set(out)) != len(out):
        raise InvalidParameterError(f"{what} must be distinct, got {out}")
    return out


def _is_hermitian(m: np.ndarray, atol: float = 1e-10) -> bool:
    return bool(np.abs(m - np.swapaxes(m, -1, -2).conj()).max() <= atol)


def _collective_spin(k: int) -> np.ndarray:
    from eqqnn.symmetry import total_spin_operators

    return total_spin_operators(k)


@dataclass(frozen=True, eq=False)
class ExpGate:
    r"""The gate :math:`\exp(-i\sum_a \theta_{p_a} G_a)` (see the module docstring).

    Parameters
    ----------
    wires
        Target wires, most significant first; the generators act on them in that order.
    generators
        ``(m, 2^k, 2^k)`` Hermitian matrices.
    params
        ``m`` parameter slots, one per generator.
    label
        Short name for drawings and exporters (``"RY"``, ``"SWAP^t"``, ...).
    controls, control_values
        Optional control wires and the basis values that activate the gate.
    roles
        One :class:`ParamRole` per generator.
    """

    wires: tuple[int, ...]
    generators: np.ndarray
    params: tuple[int, ...]
    label: str = "exp"
    controls: tuple[int, ...] = ()
    control_values: tuple[int, ...] = ()
    roles: tuple[ParamRole, ...] = ()

    def __post_init__(self) -> None:
        wires = _check_wires(self.wires, "gate wires")
        controls = _check_wires(self.controls, "control wires")
        if set(wires) & set(controls):
            raise InvalidParameterError(f"control wires {controls} overlap target wires {wires}")
        gens = np.asarray(self.generators)
        if gens.ndim == 2:
            gens = gens[None]
        k = len(wires)
        if gens.ndim != 3 or gens.shape[1:] != (2**k, 2**k):
            raise DimensionError(
                f"generators on {k} wires must have shape (m, {2**k}, {2**k}), got {gens.shape}"
            )
        if not _is_hermitian(gens):
            raise InvalidParameterError(f"generators of gate {self.label!r} must be Hermitian")
        params = tuple(int(p) for p in self.params)
        if len(params) != len(gens):
            raise DimensionError(
                f"gate {self.label!r} has {len(gens)} generators but {len(params)} parameter slots"
            )
        values = tuple(self.control_values) or (1,) * len(controls)
        if len(values) != len(controls) or any(v not in (0, 1) for v in values):
            raise InvalidParameterError(
                f"control_values must be 0/1, one per control wire {controls}, got {values}"
            )
        roles = tuple(self.roles) or (ParamRole.EQUIVARIANT,) * len(gens)
        if len(roles) != len(gens):
            raise DimensionError(f"{len(gens)} generators but {len(roles)} parameter roles")
        object.__setattr__(self, "wires", wires)
        object.__setattr__(self, "controls", controls)
        object.__setattr__(self, "control_values", values)
        object.__setattr__(self, "generators", _frozen_array(gens))
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "roles", roles)

    @property
    def all_wires(self) -> tuple[int, ...]:
        """Control wires followed by target wires (the order of :meth:`full_generators`)."""
        return self.controls + self.wires

    @cached_property
    def full_generators(self) -> np.ndarray:
        r"""Generators on :attr:`all_wires`: :math:`|c\rangle\langle c| \otimes G_a`."""
        if not self.controls:
            return self.generators
        proj = np.zeros((2 ** len(self.controls),) * 2)
        index = int("".join(map(str, self.control_values)), 2)
        proj[index, index] = 1.0
        return _frozen_array(np.stack([np.kron(proj, g) for g in self.generators]))

    @cached_property
    def commuting(self) -> bool:
        """Whether the generators commute pairwise (then the gate factorizes)."""
        g = self.generators
        comm = np.einsum("aij,bjk->abik", g, g) - np.einsum("bij,ajk->abik", g, g)
        return bool(np.abs(comm).max() < 1e-12)

    @cached_property
    def is_su2_equivariant(self) -> bool:
        """Whether every full generator commutes with the collective spin of its wires."""
        gens = self.full_generators
        spin = _collective_spin(len(self.all_wires))
        comm = np.einsum("gij,ajk->gaik", gens, spin) - np.einsum("aij,gjk->gaik", spin, gens)
        return bool(np.abs(comm).max() < 1e-10)

    def matrix(self, theta: Sequence[float]) -> np.ndarray:
        r"""Dense unitary on :attr:`all_wires` for the values ``theta`` of its generators."""
        import scipy.linalg

        theta = np.asarray(theta, dtype=float)
        if theta.shape != (len(self.params),):
            raise DimensionError(
                f"gate {self.label!r} takes {len(self.params)} values, got shape {theta.shape}"
            )
        return scipy.linalg.expm(-1j * np.einsum("a,aij->ij", theta, self.full_generators))


@dataclass(frozen=True, eq=False)
class FixedGate:
    """A constant unitary on ``wires`` (most significant first)."""

    wires: tuple[int, ...]
    matrix: np.ndarray
    label: str = "U"

    def __post_init__(self) -> None:
        wires = _check_wires(self.wires, "gate wires")
        m = np.asarray(self.matrix, dtype=np.complex128)
        d = 2 ** len(wires)
        if m.shape != (d, d):
            raise DimensionError(f"a gate on {len(wires)} wires is {d}x{d}, got {m.shape}")
        if np.abs(m @ m.conj().T - np.eye(d)).max() > 1e-10:
            raise InvalidParameterError(f"fixed gate {self.label!r} is not unitary")
        object.__setattr__(self, "wires", wires)
        object.__setattr__(self, "matrix", _frozen_array(m))

    @property
    def all_wires(self) -> tuple[int, ...]:
        return self.wires

    @cached_property
    def is_su2_equivariant(self) -> bool:
        spin = _collective_spin(len(self.wires))
        m = self.matrix
        return bool(np.abs(np.einsum("ij,ajk->aik", m, spin) - spin @ m).max() < 1e-10)


@dataclass(frozen=True, eq=False)
class ChannelPool:
    r"""A parametrized SU(2)-equivariant channel from ``wires_in`` to ``wires_out``.

    The input wires not in ``wires_out`` are discarded by the operation.  Parameters
    (``2 · rank · d_out · d_in`` real slots) define Kraus operators through the
    *twirled-Kraus* map onto the feasible region (Choi method):

    .. math:: M = A (A^\dagger A)^{-1/2} \ (\text{an isometry, so } \textstyle\sum_k K_k^\dagger
              K_k = I), \qquad J = \mathcal T\big[\textstyle\sum_k |K_k\rangle\!\rangle
              \langle\!\langle K_k|\big],

    where :math:`A` stacks the ``rank`` Kraus operators and :math:`\mathcal T` projects the
    Choi operator onto the equivariant ones.  Every value of the parameters gives a CPTP,
    equivariant channel, and every equivariant channel (of Choi rank at most ``rank``
    before twirling) is reached.  Only density-matrix backends can run it.
    """

    wires_in: tuple[int, ...]
    wires_out: tuple[int, ...]
    params: tuple[int, ...]
    rank: int = 2
    label: str = "Φ"

    def __post_init__(self) -> None:
        wires_in = _check_wires(self.wires_in, "channel input wires")
        wires_out = _check_wires(self.wires_out, "channel output wires")
        if not set(wires_out) <= set(wires_in) or not wires_out:
            raise InvalidParameterError(
                f"channel output wires {wires_out} must be a non-empty subset of the input "
                f"wires {wires_in}"
            )
        rank = check_int("rank", self.rank, minimum=1)
        expected = 2 * rank * 2 ** (len(wires_in) + len(wires_out))
        params = tuple(int(p) for p in self.params)
        if len(params) != expected:
            raise DimensionError(
                f"a rank-{rank} channel from {len(wires_in)} to {len(wires_out)} qubits takes "
                f"{expected} parameters, got {len(params)}"
            )
        object.__setattr__(self, "wires_in", wires_in)
        object.__setattr__(self, "wires_out", wires_out)
        object.__setattr__(self, "params", params)

    @property
    def all_wires(self) -> tuple[int, ...]:
        return self.wires_in

    @property
    def discarded(self) -> tuple[int, ...]:
        """Input wires that do not survive the channel."""
        return tuple(w for w in self.wires_in if w not in self.wires_out)

    @property
    def is_su2_equivariant(self) -> bool:
        return True

    @cached_property
    def choi_basis(self) -> np.ndarray:
        """Hermitian orthonormal basis of the equivariant Choi operators (input first)."""
        from eqqnn.symmetry import equivariant_choi_basis, qubit_representation

        basis = equivariant_choi_basis(
            qubit_representation(len(self.wires_in)), qubit_representation(len(self.wires_out))
        )
        basis.setflags(write=False)
        return basis

    def choi(self, theta: Sequence[float]) -> np.ndarray:
        """The Choi operator for parameter values ``theta`` (numpy reference)."""
        import torch

        from eqqnn.circuits._channels import twirled_kraus_choi

        t = torch.as_tensor(np.asarray(theta, dtype=float))
        basis = torch.as_tensor(np.array(self.choi_basis))
        return twirled_kraus_choi(
            t, basis, len(self.wires_in), len(self.wires_out), self.rank
        ).numpy()


@dataclass(frozen=True)
class Discard:
    """The qubits ``wires`` are traced out: no later operation may act on them."""

    wires: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "wires", _check_wires(self.wires, "discarded wires"))

    @property
    def all_wires(self) -> tuple[int, ...]:
        return self.wires


Operation = ExpGate | FixedGate | ChannelPool | Discard


@dataclass(frozen=True, eq=False)
class Readout:
    r"""An observable on surviving wires, mapped affinely to a probability of label 1.

    .. math:: p = \frac{\langle O \rangle - o_{min}}{o_{max} - o_{min}}

    with :math:`o_{min}, o_{max}` the extreme eigenvalues of :math:`O` unless given.
    """

    wires: tuple[int, ...]
    observable: np.ndarray
    label: str = "O"
    low: float | None = None
    high: float | None = None

    def __post_init__(self) -> None:
        wires = _check_wires(self.wires, "readout wires")
        obs = np.asarray(self.observable, dtype=np.complex128)
        d = 2 ** len(wires)
        if obs.shape != (d, d) or not _is_hermitian(obs):
            raise DimensionError(
                f"the readout observable on {len(wires)} wires must be a Hermitian {d}x{d} "
                f"matrix, got shape {obs.shape}"
            )
        evals = np.linalg.eigvalsh(obs)
        low = float(evals[0]) if self.low is None else float(self.low)
        high = float(evals[-1]) if self.high is None else float(self.high)
        if not high > low:
            raise InvalidParameterError(
                f"readout range must satisfy high > low, got low={low}, high={high}"
            )
        object.__setattr__(self, "wires", wires)
        object.__setattr__(self, "observable", _frozen_array(obs))
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    @cached_property
    def is_su2_invariant(self) -> bool:
        spin = _collective_spin(len(self.wires))
        o = self.observable
        return bool(np.abs(np.einsum("ij,ajk->aik", o, spin) - spin @ o).max() < 1e-10)


@dataclass(frozen=True)
class Layer:
    """A named range ``[start, stop)`` of operations (for drawings and layerwise studies)."""

    name: str
    start: int
    stop: int
    block_size: int = 0
    """Qubits per block of the layer's gates (0 when mixed)."""


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
