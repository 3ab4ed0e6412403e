r"""Preprocess: compile a circuit into a program of sector steps, relabelling chosen by cost.

:func:`_compile` validates every operation (gates on at most :data:`MAX_GATE_WIRES` wires
whose generators are combinations of the permutations of their wires, discards, an
SU(2)-invariant readout; anything else raises, naming the operation), chooses at which
pooling events to relabel the surviving wires by an exact count of gathers
(:func:`_simulate`, :func:`_gate_cost`), and emits a :class:`_Program` of
:class:`_GateStep` (gates in sorted frame positions, with their permutation
coefficients) and :class:`_Relabel` steps.  :class:`_ProgramCache` keeps one program per
circuit.  Nothing here touches a state.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from eqqnn.circuits import ChannelPool, Circuit, Discard, ExpGate, FixedGate
from eqqnn.errors import BackendError, NotEquivariantError
from eqqnn.sim._kernels import ExpStep
from eqqnn.sim._sector._algebra import _Algebra, _algebra, _sorting_operator, _spectral_map

#: Largest number of wires of one gate or readout (``k!`` permutations, ``4^k`` entries).
MAX_GATE_WIRES = 5

_MEMBERSHIP_TOL = 1e-8


@dataclass(eq=False)
class _GateStep:
    """An equivariant gate (or the readout) in the current frame, in sorted positions."""

    index: int  # operation index in the circuit (-1 for the readout)
    label: str
    positions: tuple[int, ...]  # sorted frame positions
    algebra: _Algebra
    gate: ExpGate | None  # reordered gate (generators in sorted-position order)
    params: tuple[int, ...]
    constant: np.ndarray | None  # coefficients of a fixed unitary / the observable
    x_const: np.ndarray | None  # (m, nb) coefficients of -i G_a for commuting generators
    spectral: tuple[np.ndarray, np.ndarray] | None = None  # eigenvalues (m, D), map (nb, D)
    _steps: dict = field(default_factory=dict)

    @property
    def is_pair(self) -> bool:
        return self.algebra.k == 2

    def exp_step(self, device: torch.device, dtype: torch.dtype) -> ExpStep:
        key = (str(device), dtype)
        step = self._steps.get(key)
        if step is None:
            assert self.gate is not None
            step = ExpStep(self.gate, device, dtype)
            self._steps[key] = step
        return step

    # -- numeric coefficients (adjoint path, complex128 on CPU)
    def coefficients(self, theta: torch.Tensor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(c, d, x)``: coefficients of ``U``, of ``U^\\dagger`` and of ``∂_a U U^\\dagger``."""
        alg = self.algebra
        if self.gate is None:
            c = self.constant
            assert c is not None
            u = alg.span @ c
            udag = u.reshape(2**alg.k, -1).conj().T
            return c, alg.coefficients(udag), np.zeros((0, alg.size), dtype=np.complex128)
        if self.spectral is not None and self.x_const is not None:
            # commuting generators: U = Σ_j exp(-i Σ_a θ_a λ_aj) |v_j><v_j|
            evals, phase_map = self.spectral
            phases = np.exp(-1j * (theta.numpy()[list(self.params)] @ evals))
            return phase_map @ phases, phase_map @ phases.conj(), self.x_const
        step = self.exp_step(torch.device("cpu"), torch.complex128)
        with torch.no_grad():
            u_t = step.unitary(theta)
            u = u_t.numpy()
            c = alg.coefficients(u)
            d = alg.coefficients(u.conj().T)
            if self.x_const is not None:
                x = self.x_const
            else:
                derivs = step.derivatives(theta, u_t).numpy()
                x = np.stack([alg.coefficients(dv @ u.conj().T) for dv in derivs])
        return c, d, x

    # -- differentiable coefficients (autograd path)
    def coefficients_torch(
        self, theta: torch.Tensor, device: torch.device, dtype: torch.dtype
    ) -> torch.Tensor:
        pinv = self._pinv(device, dtype)
        if self.gate is None:
            assert self.constant is not None
            return torch.as_tensor(self.constant, dtype=dtype, device=device)
        u = self.exp_step(device, dtype).unitary(theta)
        return pinv @ u.reshape(-1)

    def _pinv(self, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
        key = ("pinv", str(device), dtype)
        t = self._steps.get(key)
        if t is None:
            t = torch.as_tensor(np.array(self.algebra.pinv), dtype=dtype, device=device)
            self._steps[key] = t
        return t


@dataclass(frozen=True)
class _Relabel:
    """Adjacent transpositions ``s_k`` applied in order (a change of frame)."""

    ks: tuple[int, ...]


@dataclass(eq=False)
class _Program:
    n: int
    steps: list[_GateStep | _Relabel]
    readout: _GateStep
    frame: tuple[int, ...]  # every relabelling transposition, in order
    cost: float  # estimated gathers (forward + adjoint backward)
    cost_without_relabel: float


def _compact(pos: dict[int, int], active: Sequence[int]) -> list[int]:
    """Adjacent swaps making the ``active`` wires contiguous (order kept); updates ``pos``."""
    where = {p: w for w, p in pos.items()}
    act = sorted(active, key=lambda w: pos[w])
    p = [pos[w] for w in act]
    offsets = sorted(pi - i for i, pi in enumerate(p))
    s = offsets[(len(offsets) - 1) // 2] if offsets else 0
    target = [s + i for i in range(len(act))]
    moves: list[int] = []

    def swap(k: int) -> None:
        a, b = where[k], where[k + 1]
        where[k], where[k + 1] = b, a
        pos[a], pos[b] = k + 1, k
        moves.append(k)

    for i in reversed(range(len(act))):  # right movers, rightmost first
        while pos[act[i]] < target[i]:
            swap(pos[act[i]])
    for i in range(len(act)):  # left movers, leftmost first
        while pos[act[i]] > target[i]:
            swap(pos[act[i]] - 1)
    return moves


def _chain_length(positions: Sequence[int]) -> int:
    """Gathers of one traversal edge set: transpositions of neighbouring sorted positions."""
    return sum(2 * (b - a) - 1 for a, b in itertools.pairwise(positions))


def _gate_cost(k: int, positions: Sequence[int]) -> float:
    """Forward + backward gathers of one gate (pair: fused; generic: tree traversals)."""
    if k <= 1:
        return 3.0
    if k == 2:
        span = positions[1] - positions[0]
        return 4.0 * (2 * span - 1)
    alg = _algebra(k)
    gaps = [2 * (b - a) - 1 for a, b in itertools.pairwise(positions)]
    edges = sum(gaps[alg.generator[node]] for node in alg.dfs_order()[1:])
    return 3.0 * (edges + alg.size)


@dataclass(frozen=True)
class _OpInfo:
    kind: str  # "gate" | "discard"
    index: int
    wires: tuple[int, ...]


def _simulate(
    n: int, infos: list[_OpInfo], readout_wires: tuple[int, ...], relabel_at: frozenset[int]
) -> tuple[list[tuple[int, tuple[int, ...]] | _Relabel], tuple[int, ...], float]:
    """Positions of every gate for one choice of relabelling events, and the cost."""
    pos = {w: w for w in range(n)}
    discarded: set[int] = set()
    out: list[tuple[int, tuple[int, ...]] | _Relabel] = []
    frame: list[int] = []
    cost = 0.0
    event = -1
    pending = False
    for info in infos:
        if info.kind == "discard":
            discarded.update(info.wires)
            if not pending:
                event += 1
                pending = True
            continue
        if pending:
            pending = False
            if event in relabel_at:
                active = [w for w in range(n) if w not in discarded]
                moves = _compact(pos, active)
                if moves:
                    out.append(_Relabel(tuple(moves)))
                    frame.extend(moves)
                    cost += 3.0 * len(moves)
        positions = tuple(pos[w] for w in info.wires)
        cost += _gate_cost(len(positions), sorted(positions))
        out.append((info.index, positions))
    if pending and event in relabel_at:
        active = [w for w in range(n) if w not in discarded]
        moves = _compact(pos, active)
        if moves:
            out.append(_Relabel(tuple(moves)))
            frame.extend(moves)
            cost += 3.0 * len(moves)
    ro = tuple(pos[w] for w in readout_wires)
    cost += _gate_cost(len(ro), sorted(ro)) / 2  # forward only (λ = O ψ)
    out.append((-1, ro))
    return out, tuple(frame), cost


def _not_equivariant(index: int, label: str, wires: tuple[int, ...], why: str) -> str:
    return (
        f"operation {index} ({label!r} on wires {wires}) cannot run on SpinSectorBackend: "
        f"{why}; the spin-sector simulator runs SU(2)-equivariant circuits only "
        "(use StatevectorBackend or DensityMatrixBackend)"
    )


def _compile(circuit: Circuit) -> _Program:
    n = circuit.n_qubits
    infos: list[_OpInfo] = []
    ops: dict[int, ExpGate | FixedGate] = {}
    for i, op in enumerate(circuit.operations):
        if isinstance(op, Discard):
            infos.append(_OpInfo("discard", i, op.wires))
            continue
        if isinstance(op, ChannelPool):
            raise BackendError(
                f"operation {i} ({op.label!r} on wires {op.wires_in}) is a ChannelPool, a "
                "non-unitary channel; SpinSectorBackend simulates pure states (use "
                "DensityMatrixBackend)"
            )
        wires = op.all_wires
        if len(wires) > MAX_GATE_WIRES:
            raise BackendError(
                f"operation {i} ({op.label!r}) acts on {len(wires)} wires; SpinSectorBackend "
                f"supports gates on at most {MAX_GATE_WIRES} wires"
            )
        alg = _algebra(len(wires))
        if isinstance(op, ExpGate):
            if op.controls:
                raise NotEquivariantError(
                    _not_equivariant(
                        i,
                        op.label,
                        wires,
                        f"it is controlled on wires {op.controls} (a control projector is not "
                        "a combination of permutations)",
                    )
                )
            mats = list(op.full_generators)
            what = "generator"
        else:
            mats = [op.matrix]
            what = "matrix"
        for a, mat in enumerate(mats):
            res = alg.residual(mat)
            if res > _MEMBERSHIP_TOL * max(1.0, float(np.linalg.norm(mat))):
                raise NotEquivariantError(
                    _not_equivariant(
                        i,
                        op.label,
                        wires,
                        f"its {what} {a} is not a combination of permutations of its wires "
                        f"(distance {res:.3g} from their span), i.e. it does not commute with "
                        "global SU(2) rotations",
                    )
                )
        ops[i] = op
        infos.append(_OpInfo("gate", i, wires))
    ro = circuit.readout
    if len(ro.wires) > MAX_GATE_WIRES:
        raise BackendError(
            f"the readout {ro.label!r} acts on {len(ro.wires)} wires; SpinSectorBackend "
            f"supports at most {MAX_GATE_WIRES}"
        )
    ro_alg = _algebra(len(ro.wires))
    res = ro_alg.residual(ro.observable)
    if res > _MEMBERSHIP_TOL * max(1.0, float(np.linalg.norm(ro.observable))):
        raise NotEquivariantError(
            f"the readout {ro.label!r} on wires {ro.wires} is not SU(2)-invariant (distance "
            f"{res:.3g} from the span of the permutations of its wires); SpinSectorBackend "
            "runs SU(2)-equivariant circuits only (use StatevectorBackend)"
        )

    # choose the relabelling events by exact cost
    n_events = 0
    pending = False
    for info in infos:
        if info.kind == "discard":
            if not pending:
                n_events += 1
            pending = True
        else:
            pending = False
    choices: Iterable[frozenset[int]]
    if n_events <= 10:
        choices = (
            frozenset(e for e in range(n_events) if mask >> e & 1) for mask in range(2**n_events)
        )
    else:
        choices = (frozenset(), frozenset(range(n_events)))
    best = None
    baseline = None
    for choice in choices:
        plan = _simulate(n, infos, ro.wires, choice)
        if not choice:
            baseline = plan[2]
        if best is None or plan[2] < best[2] - 1e-9:
            best = plan
    assert best is not None and baseline is not None
    layout, frame, cost = best

    steps: list[_GateStep | _Relabel] = []
    readout_step: _GateStep | None = None
    for item in layout:
        if isinstance(item, _Relabel):
            steps.append(item)
            continue
        index, positions = item
        q, sorted_pos = _sorting_operator(positions)
        alg = _algebra(len(positions))
        if index < 0:
            obs = q @ ro.observable @ q.conj().T
            readout_step = _GateStep(
                -1, ro.label, sorted_pos, alg, None, (), alg.coefficients(obs), None
            )
            continue
        op = ops[index]
        if isinstance(op, FixedGate):
            mat = q @ op.matrix @ q.conj().T
            steps.append(
                _GateStep(index, op.label, sorted_pos, alg, None, (), alg.coefficients(mat), None)
            )
            continue
        gens = np.einsum("ij,ajk,lk->ail", q, op.full_generators, q.conj())
        gate = ExpGate(sorted_pos, gens, op.params, op.label)
        x_const = None
        spectral = None
        if op.commuting:
            x_const = np.stack([-1j * alg.coefficients(g) for g in gens])
            x_const[np.abs(x_const) < 1e-13] = 0.0
            spectral = _spectral_map(gens, alg)
        steps.append(
            _GateStep(index, op.label, sorted_pos, alg, gate, op.params, None, x_const, spectral)
        )
    assert readout_step is not None
    return _Program(n, steps, readout_step, frame, cost, baseline)


class _ProgramCache:
    def __init__(self) -> None:
        self._cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get(self, circuit: Circuit) -> _Program:
        prog = self._cache.get(circuit)
        if prog is None:
            prog = _compile(circuit)
            self._cache[circuit] = prog
        return prog
