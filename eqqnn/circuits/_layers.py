r"""Layer builders: SU(2)-equivariant convolutions and poolings, baseline QCNN blocks, readouts.

Every builder appends operations to a :class:`~eqqnn.circuits.CircuitBuilder`.

Equivariant generators on ``k`` qubits are the traceless Hermitian elements of the
commutant of :math:`U^{\otimes k}`, obtained by one of three methods
(:class:`GeneratorMethod`) that give the same space:

* ``PERMUTATIONS`` — Hermitian orthonormal basis of :math:`\mathrm{span}\{P_\pi\}`;
* ``NULLSPACE`` — the kernel of :math:`G \mapsto [G, S^a]`;
* ``TWIRL`` — exact Haar twirls of seeded random Hermitian operators (not orthonormal).

The identity direction (a global phase) is removed, leaving :math:`\sum_J m_J^2 - 1`
generators: 1, 4, 13 for k = 2, 3, 4.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from eqqnn._validation import check_int
from eqqnn.circuits._gates import (
    CNOT,
    PAULI,
    SINGLET_PROJECTOR,
    SWAP,
    heisenberg_exchange,
)
from eqqnn.circuits._ir import CircuitBuilder, ParamRole, Readout
from eqqnn.errors import InvalidParameterError

__all__ = [
    "GeneratorMethod",
    "block_convolution",
    "choi_pooling",
    "controlled_rotation_pooling",
    "discard_pooling",
    "equivariant_generators",
    "heisenberg_readout",
    "measurement_pooling",
    "pauli_z_readout",
    "singlet_readout",
    "su4_convolution",
    "swap_convolution",
]


class GeneratorMethod(enum.Enum):
    """How the equivariant generators of a k-qubit block are constructed."""

    PERMUTATIONS = "permutations"
    NULLSPACE = "nullspace"
    TWIRL = "twirl"


@lru_cache(maxsize=32)
def _generators(k: int, method: GeneratorMethod, seed: int) -> np.ndarray:
    from eqqnn.symmetry import qubit_representation, su2_commutant_basis, twirl

    dim = 2**k
    ident = np.eye(dim) / np.sqrt(dim)
    if method is GeneratorMethod.TWIRL:
        from eqqnn.symmetry import commutant_dimension

        rng = np.random.default_rng(seed)
        count = commutant_dimension(k) - 1
        x = rng.standard_normal((count, dim, dim)) + 1j * rng.standard_normal((count, dim, dim))
        herm = (x + np.swapaxes(x, 1, 2).conj()) / 2
        gens = twirl(herm, qubit_representation(k))
        gens = gens - np.einsum("kii->k", gens)[:, None, None] / dim * np.eye(dim)
    else:
        basis = su2_commutant_basis(k, method.value)
        traceless = basis - np.einsum("kij,ij->k", basis, ident.conj())[:, None, None] * ident
        # re-orthonormalize over the reals (the span is Hermitian) and drop the null direction
        flat = traceless.reshape(len(basis), -1)
        real = np.concatenate([flat.real, flat.imag], axis=1)
        _, s, vh = np.linalg.svd(real, full_matrices=False)
        rank = int((s > 1e-9).sum())
        half = flat.shape[1]
        gens = (vh[:rank, :half] + 1j * vh[:rank, half:]).reshape(rank, dim, dim)
    gens = (gens + np.swapaxes(gens, 1, 2).conj()) / 2
    gens.setflags(write=False)
    return gens


def equivariant_generators(
    k: int, method: GeneratorMethod = GeneratorMethod.PERMUTATIONS, *, seed: int = 0
) -> np.ndarray:
    r"""Traceless Hermitian generators spanning the SU(2)-equivariant gates on ``k`` qubits.

    Returns
    -------
    ``(\sum_J m_J^2 - 1, 2^k, 2^k)`` array.

    Examples
    --------
    >>> [len(equivariant_generators(k)) for k in (2, 3, 4)]
    [1, 4, 13]
    """
    k = check_int("k", k, minimum=2, maximum=5)
    if not isinstance(method, GeneratorMethod):
        raise InvalidParameterError(f"method must be a GeneratorMethod, got {method!r}")
    return _generators(k, method, int(seed))


def _brick_pairs(wires: Sequence[int], offset: int, size: int = 2) -> list[tuple[int, ...]]:
    return [tuple(wires[i : i + size]) for i in range(offset, len(wires) - size + 1, size)]


def swap_convolution(
    builder: CircuitBuilder, wires: Sequence[int], *, offset: int = 0, share: bool = True
) -> int:
    r"""Brickwork sublayer of :math:`e^{-i\theta\,\mathrm{SWAP}}` on neighbouring ``wires``.

    Pairs start at ``offset`` (0 or 1).  With ``share`` one parameter serves the whole
    sublayer (a translation-invariant convolution), otherwise one per gate.  Returns the
    number of gates.
    """
    pairs = _brick_pairs(list(wires), offset)
    shared = builder.new_params(1) if share and pairs else None
    for pair in pairs:
        builder.exp_gate(pair, SWAP, shared, label="SWAP^t")
    return len(pairs)


def block_convolution(
    builder: CircuitBuilder,
    wires: Sequence[int],
    generators: np.ndarray,
    *,
    offset: int = 0,
    share: bool = True,
    label: str = "EQ",
    role: ParamRole = ParamRole.EQUIVARIANT,
) -> int:
    """k-qubit blocks :math:`e^{-i\\sum_a\\theta_a G_a}` on consecutive ``wires`` from ``offset``.

    ``k`` is read off the generators.  Returns the number of blocks.
    """
    gens = np.asarray(generators)
    k = int(np.log2(gens.shape[-1]))
    blocks = _brick_pairs(list(wires), offset, k)
    shared = builder.new_params(len(gens), role) if share and blocks else None
    for block in blocks:
        builder.exp_gate(block, gens, shared, label=f"{label}{k}", roles=[role] * len(gens))
    return len(blocks)


def discard_pooling(
    builder: CircuitBuilder, pairs: Sequence[tuple[int, int]], *, share: bool = True
) -> list[int]:
    r"""SU(2) pooling (a): :math:`e^{-i\theta\,\mathrm{SWAP}}` on each (discarded, kept) pair,
    then the first qubit of each pair is discarded.  Returns the kept wires."""
    shared = builder.new_params(1) if share and pairs else None
    for pair in pairs:
        builder.exp_gate(pair, SWAP, shared, label="SWAP^t")
    for gone, _ in pairs:
        builder.discard(gone)
    return [kept for _, kept in pairs]


def choi_pooling(
    builder: CircuitBuilder,
    pairs: Sequence[tuple[int, int]],
    *,
    rank: int = 2,
    share: bool = True,
) -> list[int]:
    r"""SU(2) pooling (b): an equivariant 2→1 channel per (discarded, kept) pair.

    The channel family is the twirled-Kraus parametrization of
    :class:`~eqqnn.circuits.ChannelPool` (Choi method): CPTP and equivariant for every
    parameter value; all-zero parameters give the plain partial trace.  The reachable
    Choi operators form a 3-dimensional family (5-dimensional equivariant Choi space minus
    2 trace-preservation constraints).  Needs a density-matrix backend.
    """
    count = 2 * rank * 2**3
    shared = builder.new_params(count) if share and pairs else None
    for gone, kept in pairs:
        builder.channel_pool((gone, kept), (kept,), shared, rank=rank, label="Φ_eq")
    return [kept for _, kept in pairs]


def measurement_pooling(
    builder: CircuitBuilder, quads: Sequence[tuple[int, int, int, int]], *, share: bool = True
) -> list[int]:
    r"""SU(2) pooling (c): measure the total spin of a pair, act on its neighbours accordingly.

    For each ``(a, b, c, d)`` the invariant measurement :math:`\{\Pi_s, \Pi_t\}` of
    :math:`(a, b)` (singlet / triplet) conditions an equivariant gate on :math:`(c, d)`;
    by deferred measurement this is the equivariant 4-qubit gate

    .. math:: \exp\!\big(-i(\theta_s\, \Pi_s \otimes \mathrm{SWAP}
              + \theta_t\, \Pi_t \otimes \mathrm{SWAP})\big),

    after which ``a`` and ``b`` are discarded.  Returns the kept wires ``c, d``.
    """
    triplet = np.eye(4) - SINGLET_PROJECTOR
    gens = np.stack([np.kron(SINGLET_PROJECTOR, SWAP), np.kron(triplet, SWAP)])
    shared = builder.new_params(2) if share and quads else None
    kept: list[int] = []
    for quad in quads:
        builder.exp_gate(quad, gens, shared, label="M(S²)→SWAP^t")
    for a, b, c, d in quads:
        builder.discard(a, b)
        kept += [c, d]
    return kept


def su4_convolution(
    builder: CircuitBuilder,
    wires: Sequence[int],
    *,
    offset: int = 0,
    share: bool = True,
    readout_wire: int | None = None,
) -> int:
    r"""Symmetry-agnostic brickwork of general two-qubit blocks (15 parameters each).

    Each block is the native decomposition of an arbitrary SU(4) element:
    :math:`(U3\otimes U3)\,\mathrm{CNOT}\,(R_Y\otimes R_Z)\,\mathrm{CNOT}_{ba}\,(R_Y\otimes I)\,
    \mathrm{CNOT}\,(U3 \otimes U3)` with :math:`U3 = R_Z R_Y R_Z`.

    With ``readout_wire`` (the last block before a :math:`Z` readout of that wire) the
    rotations that commute with the readout are left out — the final :math:`R_Z` on the
    readout wire and the final :math:`U3` on the other — so no parameter has an
    identically zero gradient: 11 parameters per block.
    """
    pairs = _brick_pairs(list(wires), offset)
    if readout_wire is not None and len(pairs) != 1:
        raise InvalidParameterError(
            f"readout_wire needs exactly one block, got {len(pairs)} pairs on wires {wires!r}"
        )
    count = 15 if readout_wire is None else 11
    slots = builder.new_params(count, ParamRole.FREE) if share and pairs else None
    for a, b in pairs:
        it = iter(slots if slots is not None else builder.new_params(count, ParamRole.FREE))

        def rot(wire: int, axis: str, it=it) -> None:
            builder.exp_gate(
                (wire,), PAULI[axis] / 2, (next(it),), label=f"R{axis}", roles=[ParamRole.FREE]
            )

        for w in (a, b):
            rot(w, "Z"), rot(w, "Y"), rot(w, "Z")
        builder.fixed_gate((a, b), CNOT, "CNOT")
        rot(a, "Y"), rot(b, "Z")
        builder.fixed_gate((b, a), CNOT, "CNOT")
        rot(a, "Y")
        builder.fixed_gate((a, b), CNOT, "CNOT")
        if readout_wire is None:
            for w in (a, b):
                rot(w, "Z"), rot(w, "Y"), rot(w, "Z")
        else:
            rot(readout_wire, "Z"), rot(readout_wire, "Y")
    return len(pairs)


def controlled_rotation_pooling(
    builder: CircuitBuilder, pairs: Sequence[tuple[int, int]], *, share: bool = True
) -> list[int]:
    r"""Cong-style pooling: measure the first qubit of each pair in Z and rotate the second.

    By deferred measurement: a U3 on the kept qubit controlled on the measured one being
    :math:`|1\rangle` and another controlled on :math:`|0\rangle` (6 parameters), then
    the measured qubit is discarded.
    """
    slots = builder.new_params(6, ParamRole.FREE) if share and pairs else None
    for gone, kept in pairs:
        it = iter(slots if slots is not None else builder.new_params(6, ParamRole.FREE))
        for value in (1, 0):
            for axis in "ZYZ":
                builder.exp_gate(
                    (kept,),
                    PAULI[axis] / 2,
                    (next(it),),
                    label=f"R{axis}",
                    controls=(gone,),
                    control_values=(value,),
                    roles=[ParamRole.FREE],
                )
    for gone, _ in pairs:
        builder.discard(gone)
    return [kept for _, kept in pairs]


def singlet_readout(wires: tuple[int, int]) -> Readout:
    r"""Probability of label 1 = :math:`\langle \Pi_s \rangle`, the singlet weight of a pair."""
    return Readout(tuple(wires), SINGLET_PROJECTOR, label="Π_singlet", low=0.0, high=1.0)


def heisenberg_readout(wires: Sequence[int]) -> Readout:
    r""":math:`\sum_{i<j}\vec S_i\cdot\vec S_j` on the survivors, mapped by its eigenvalue range.

    The map is decreasing in energy: :math:`p = (o_{max} - \langle H\rangle)/(o_{max} - o_{min})`
    is obtained with the negated observable.
    """
    k = len(wires)
    return Readout(tuple(wires), -heisenberg_exchange(k), label="-ΣS·S")


def pauli_z_readout(wire: int) -> Readout:
    r""":math:`p = (1 + \langle Z\rangle)/2` on one qubit (the baseline's readout)."""
    return Readout((wire,), PAULI["Z"], label="Z", low=-1.0, high=1.0)
