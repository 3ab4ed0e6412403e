r"""The operations of the circuit IR: gates, channels, discards, the readout, layers.

* :class:`ExpGate` — :math:`U(\theta) = \exp(-i \sum_a \theta_{p_a} G_a)` for Hermitian
  generators :math:`G_a` on ``wires``, optionally controlled on ``controls`` taking
  ``control_values``; the full generator is then :math:`|c\rangle\langle c| \otimes G_a`.
* :class:`FixedGate` — a constant unitary (CNOT, H, ...).
* :class:`ChannelPool` — an equivariant pooling channel (Choi form).
* :class:`Discard` — qubits leave the computation (pooling).
* :class:`Readout` — an observable on surviving wires with its eigenvalue range.
* :class:`Layer` — a named range of operations.

:mod:`eqqnn.circuits._ir` assembles them into a :class:`~eqqnn.circuits.Circuit`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from eqqnn._validation import check_int
from eqqnn.errors import DimensionError, InvalidParameterError

__all__ = [
    "ChannelPool",
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
