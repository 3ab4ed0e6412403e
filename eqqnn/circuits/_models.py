r"""Whole models: the SU(2)-equivariant QCNN, the symmetry-agnostic baseline, relaxations.

Both QCNNs follow one depth pattern.  While more than two qubits are active:

1. ``conv_layers`` convolutions, each a brickwork of blocks at offsets 0 and 1 of the
   active wires (parameters shared per sublayer, as in a translation-invariant
   convolution, unless ``share_parameters=False``);
2. a pooling that halves the active wires (pairs ``(active[2i], active[2i+1])``; an odd
   wire out is kept).

Then the readout on the final pair (the baseline first applies a last convolution there;
the EQCNN does not, since an equivariant gate on the readout pair commutes with every
invariant readout).  For ``n = 8`` the active wires go 8 → 4 → 2.

Parameter counts with the defaults (shared parameters, one convolution per level, SWAP
convolution and discard pooling): the EQCNN has ``3`` parameters per level (two
sublayers, one pooling): 6 at n = 8.  The baseline
has ``2·15 + 6 = 36`` per level plus 11 for the final block (its rotations that commute
with the Z readout left out): 83 at n = 8.  One parameter per level of the baseline stays
without effect: the final :math:`R_Z` of the second sublayer on a wire that the pooling
then measures in Z (Cong et al.'s design; kept for fidelity to it).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

import numpy as np

from eqqnn._validation import check_int
from eqqnn.circuits._gates import PAULI
from eqqnn.circuits._ir import Circuit, CircuitBuilder, ExpGate, ParamRole
from eqqnn.circuits._layers import (
    GeneratorMethod,
    block_convolution,
    choi_pooling,
    controlled_rotation_pooling,
    discard_pooling,
    equivariant_generators,
    heisenberg_readout,
    measurement_pooling,
    pauli_z_readout,
    singlet_readout,
    su4_convolution,
    swap_convolution,
)
from eqqnn.errors import InvalidParameterError

__all__ = [
    "EQCNNConfig",
    "Pooling",
    "QCNNConfig",
    "ReadoutKind",
    "equivariant_parameter_count",
    "qcnn",
    "relax",
    "su2_qcnn",
]


class Pooling(enum.Enum):
    """SU(2)-equivariant pooling kinds."""

    DISCARD = "discard"
    """(a) SWAP-exponential on each pair, then discard one qubit."""
    MEASURE = "measure"
    """(c) pair total-spin measurement controlling a SWAP-exponential on the next pair."""
    CHOI = "choi"
    """(b) equivariant 2→1 channel from the Choi method (density-matrix backends only)."""


class ReadoutKind(enum.Enum):
    """SU(2)-invariant readouts of the EQCNN."""

    SINGLET = "singlet"
    """Singlet weight of the final pair."""
    HEISENBERG = "heisenberg"
    """Negated Heisenberg energy of the survivors, mapped to [0, 1]."""


@dataclass(frozen=True)
class EQCNNConfig:
    """Hyperparameters of :func:`su2_qcnn`."""

    conv_block: int = 2
    """Qubits per convolution block: 2 (SWAP-exponentials) or 3, 4 (commutant blocks)."""
    conv_layers: int = 1
    """Convolutions (each two brickwork sublayers) before every pooling."""
    generator_method: GeneratorMethod = GeneratorMethod.PERMUTATIONS
    """How k-qubit commutant generators are built (same span for every method)."""
    pooling: Pooling = Pooling.DISCARD
    """Pooling kind."""
    readout: ReadoutKind = ReadoutKind.SINGLET
    """Invariant readout."""
    share_parameters: bool = True
    """One parameter set per sublayer (convolution) instead of one per gate."""
    seed: int = 0
    """Seed of the random operators of the twirl generator method."""


@dataclass(frozen=True)
class QCNNConfig:
    """Hyperparameters of the symmetry-agnostic :func:`qcnn` baseline."""

    conv_layers: int = 1
    """Convolutions (each two brickwork sublayers) before every pooling."""
    share_parameters: bool = True
    """One parameter set per sublayer instead of one per block."""


def _pairs(active: list[int]) -> tuple[list[tuple[int, int]], list[int]]:
    pairs = [(active[i], active[i + 1]) for i in range(0, len(active) - 1, 2)]
    leftover = [active[-1]] if len(active) % 2 else []
    return pairs, leftover


def _check_n(n_qubits: int) -> int:
    return check_int("n_qubits", n_qubits, minimum=2, maximum=64)


def su2_qcnn(n_qubits: int, config: EQCNNConfig | None = None, **overrides: object) -> Circuit:
    r"""The SU(2)-equivariant QCNN (EQCNN) of Nguyen et al. (arXiv 2210.08566).

    Every gate commutes with :math:`U^{\otimes n}` and the readout is invariant, so the
    output probability is invariant under global rotations of the input state.

    Parameters
    ----------
    n_qubits
        Register size (>= 2).
    config
        :class:`EQCNNConfig`; keyword ``overrides`` replace its fields.

    Examples
    --------
    >>> c = su2_qcnn(8)
    >>> c.n_params, c.active_wires()
    (6, (3, 7))
    """
    n = _check_n(n_qubits)
    cfg = replace(config or EQCNNConfig(), **overrides)  # type: ignore[arg-type]
    k = check_int("conv_block", cfg.conv_block, minimum=2, maximum=4)
    check_int("conv_layers", cfg.conv_layers, minimum=1)
    if not isinstance(cfg.pooling, Pooling) or not isinstance(cfg.readout, ReadoutKind):
        raise InvalidParameterError(
            f"pooling must be a Pooling and readout a ReadoutKind, got {cfg.pooling!r}, "
            f"{cfg.readout!r}"
        )
    gens = None if k == 2 else equivariant_generators(k, cfg.generator_method, seed=cfg.seed)
    b = CircuitBuilder(n, name="su2_qcnn")
    active = list(range(n))
    level = 0

    def convolve(tag: str) -> None:
        for rep in range(cfg.conv_layers):
            for offset in (0, 1):
                with b.layer(f"{tag}.{rep}.{offset}", block_size=k):
                    if gens is None:
                        swap_convolution(b, active, offset=offset, share=cfg.share_parameters)
                    else:
                        block_convolution(
                            b, active, gens, offset=offset, share=cfg.share_parameters
                        )

    min_active = 4 if cfg.pooling is Pooling.MEASURE else 2
    while len(active) > 2:
        convolve(f"conv{level}")
        with b.layer(f"pool{level}", block_size=4 if cfg.pooling is Pooling.MEASURE else 2):
            if cfg.pooling is Pooling.CHOI:
                pairs, rest = _pairs(active)
                active = choi_pooling(b, pairs, share=cfg.share_parameters) + rest
            elif cfg.pooling is Pooling.MEASURE and len(active) >= min_active:
                quads = [tuple(active[i : i + 4]) for i in range(0, len(active) - 3, 4)]
                rest = active[4 * len(quads) :]
                active = measurement_pooling(b, quads, share=cfg.share_parameters) + rest
            else:
                pairs, rest = _pairs(active)
                active = discard_pooling(b, pairs, share=cfg.share_parameters) + rest
        level += 1
    # No convolution on the final pair: every SU(2)-invariant observable on two qubits is
    # a combination of I and SWAP, so a SWAP-exponential there commutes with the readout
    # and its parameter would have an identically zero gradient.
    readout = (
        singlet_readout((active[0], active[1]))
        if cfg.readout is ReadoutKind.SINGLET
        else heisenberg_readout(active)
    )
    return b.build(readout, config=cfg)


def qcnn(n_qubits: int, config: QCNNConfig | None = None, **overrides: object) -> Circuit:
    """The symmetry-agnostic QCNN baseline in the style of Cong, Choi & Lukin (1810.03787).

    General two-qubit (SU(4)) convolution blocks, measurement-controlled pooling, the same
    depth pattern as :func:`su2_qcnn`, and a Pauli-Z readout of the last qubit.

    Examples
    --------
    >>> qcnn(8).n_params
    83
    """
    n = _check_n(n_qubits)
    cfg = replace(config or QCNNConfig(), **overrides)  # type: ignore[arg-type]
    check_int("conv_layers", cfg.conv_layers, minimum=1)
    b = CircuitBuilder(n, name="qcnn")
    active = list(range(n))
    level = 0
    while len(active) > 2:
        for rep in range(cfg.conv_layers):
            for offset in (0, 1):
                with b.layer(f"conv{level}.{rep}.{offset}", block_size=2):
                    su4_convolution(b, active, offset=offset, share=cfg.share_parameters)
        with b.layer(f"pool{level}", block_size=2):
            pairs, rest = _pairs(active)
            active = controlled_rotation_pooling(b, pairs, share=cfg.share_parameters) + rest
        level += 1
    with b.layer("final", block_size=2):
        su4_convolution(b, active, share=cfg.share_parameters, readout_wire=active[-1])
    return b.build(pauli_z_readout(active[-1]), config=cfg)


def relax(circuit: Circuit, axes: tuple[str, ...] = ("X", "Y", "Z")) -> Circuit:
    r"""The relaxed circuit: each equivariant gate gains symmetry-breaking generators.

    A gate :math:`e^{-i\theta G}` on wires :math:`W` becomes
    :math:`\exp(-i(\theta G + \sum_{w\in W,\,a} \epsilon_{w,a}\, \sigma^a_w/2))` with new
    :attr:`ParamRole.BREAKING` parameters :math:`\epsilon`, initialised at zero by
    :class:`~eqqnn.QuantumClassifier`: at :math:`\epsilon = 0` the relaxed circuit *is* the
    equivariant one.  Single-qubit Paulis twirl to zero, so each breaking generator is
    orthogonal to the commutant.  ``axes=("Z",)`` keeps U(1) symmetry (mixed symmetry).
    Breaking parameters are not shared between gates.
    """
    bad = [a for a in axes if a not in ("X", "Y", "Z")]
    if bad or not axes:
        raise InvalidParameterError(f"axes must be a non-empty subset of X, Y, Z, got {axes}")
    roles = list(circuit.param_roles)
    ops = []
    for op in circuit.operations:
        if isinstance(op, ExpGate) and op.is_su2_equivariant and not op.controls:
            k = len(op.wires)
            extra = []
            for pos in range(k):
                for a in axes:
                    mats = [np.eye(2)] * k
                    mats[pos] = PAULI[a] / 2
                    out = mats[0]
                    for m in mats[1:]:
                        out = np.kron(out, m)
                    extra.append(out)
            slots = tuple(range(len(roles), len(roles) + len(extra)))
            roles.extend([ParamRole.BREAKING] * len(extra))
            op = ExpGate(
                op.wires,
                np.concatenate([op.generators, np.stack(extra)]),
                op.params + slots,
                op.label + "+ε",
                roles=op.roles + (ParamRole.BREAKING,) * len(extra),
            )
        ops.append(op)
    return Circuit(
        circuit.n_qubits,
        tuple(ops),
        circuit.readout,
        len(roles),
        tuple(roles),
        circuit.layers,
        f"relaxed_{circuit.name}",
        {**circuit.metadata, "relaxed_axes": tuple(axes)},
    )


def equivariant_parameter_count(k: int) -> int:
    r"""Real dimension of the SU(2)-equivariant unitaries on ``k`` qubits, modulo phase.

    In Fourier space an equivariant unitary is :math:`\bigoplus_J I_{V_J} \otimes W_J`
    with :math:`W_J \in U(m_J)`, so the count is :math:`\sum_J m_J^2 - 1` (Nguyen et al.).

    Examples
    --------
    >>> [equivariant_parameter_count(k) for k in (2, 3, 4, 5)]
    [1, 4, 13, 41]
    """
    from eqqnn.symmetry import commutant_dimension

    return commutant_dimension(check_int("k", k, minimum=1)) - 1
