"""The tasks of study 5 (:func:`eqqnn.studies.run_nas`): a chirality ring (classical), a
teacher QCNN (quantum) and the Heisenberg phase task with a symmetry-breaking knob, each
with its models for the fixed, free, learned-degree, evolutionary and DARTS methods (see
:mod:`eqqnn.studies._nas` for the study)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from eqqnn.data import ChainSpec
from eqqnn.errors import InvalidParameterError
from eqqnn.studies._nas_config import NasConfig
from eqqnn.training import TensorData

__all__ = ["RingNet", "chirality_data", "ring_net"]


class RingNet(nn.Module):
    r"""Two linear layers over the sites of a ring, :math:`\tanh` between, a sigmoid
    readout: ``(B, n)`` values to ``(B,)`` probabilities.  ``layers[0]`` maps the
    permutation representation to ``hidden`` copies of it, ``layers[1]`` those to a
    scalar."""

    def __init__(self, layers: list[nn.Module]) -> None:
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.layers[0](x[:, None, :]))
        return torch.sigmoid(4 * self.layers[1](h)[:, 0, 0])


def _ring(n_sites: int) -> tuple[Any, Any, Any, np.ndarray]:
    """:math:`D_n`, its permutation and trivial representations, and :math:`C_n`."""
    from eqqnn.studies._degree_classical import _rotation_subgroup
    from eqqnn.symmetry import PermutationRepresentation, TrivialRepresentation, dihedral_group

    group = dihedral_group(n_sites)
    rotations = _rotation_subgroup(group)
    return group, PermutationRepresentation(group), TrivialRepresentation(group), rotations


#: A ring layer: ``(rep_in, rep_out, in_channels, out_channels, seed) -> module``.
RingLayer = Callable[[Any, Any, int, int, torch.Generator], nn.Module]


def constrained_layer(level: int) -> RingLayer:
    r"""Linear layers at ``level`` of :math:`D_n \supset C_n \supset \{e\}` (0: the
    :math:`D_n`-equivariant space, 1: :math:`C_n`, 2: unconstrained)."""
    from eqqnn.classical import EquivariantLinear, SubgroupLinear

    if level not in (0, 1, 2):
        raise InvalidParameterError(f"level must be 0, 1 or 2, got {level!r}")

    def layer(rep_in: Any, rep_out: Any, c_in: int, c_out: int, seed: torch.Generator) -> nn.Module:
        args: dict[str, Any] = {"in_channels": c_in, "out_channels": c_out, "seed": seed}
        if level == 0:
            return EquivariantLinear(rep_in, rep_out, dtype=torch.float64, **args)
        subgroup = _ring(rep_in.group.n_points)[3] if level == 1 else [0]
        return SubgroupLinear(rep_in, rep_out, subgroup, dtype=torch.float64, **args)

    return layer


def mixed_layer(
    rep_in: Any, rep_out: Any, c_in: int, c_out: int, seed: torch.Generator
) -> nn.Module:
    r"""A [G]-mixed layer over :math:`D_n \supset C_n \supset \{e\}` (for DARTS)."""
    from eqqnn.classical import GroupMixtureLinear

    rotations = _ring(rep_in.group.n_points)[3]
    return GroupMixtureLinear(
        rep_in,
        rep_out,
        subgroups=[rotations],
        in_channels=c_in,
        out_channels=c_out,
        seed=seed,
        dtype=torch.float64,
    )


def learned_degree_layer(
    rep_in: Any, rep_out: Any, c_in: int, c_out: int, seed: torch.Generator
) -> nn.Module:
    r"""A layer with a learned degree of :math:`D_n`-equivariance per irrep type."""
    from eqqnn.classical import LearnedDegreeLinear

    return LearnedDegreeLinear(
        rep_in, rep_out, in_channels=c_in, out_channels=c_out, seed=seed, dtype=torch.float64
    )


def ring_net(
    seed: int, layer: RingLayer | None = None, *, n_sites: int = 5, hidden: int = 4
) -> RingNet:
    r"""A two-layer :class:`RingNet` over :math:`D_n` (permutation → ``hidden`` channels →
    trivial), each layer made by ``layer`` (default: :func:`constrained_layer` ``(0)``,
    the :math:`D_n`-equivariant one)."""
    _, perm, triv, _ = _ring(n_sites)
    make = constrained_layer(0) if layer is None else layer
    gen = torch.Generator().manual_seed(seed)
    return RingNet([make(perm, perm, 1, hidden, gen), make(perm, triv, hidden, 1, gen)])


def chirality_data(m: int, rng: np.random.Generator, n_sites: int = 5) -> TensorData:
    r"""``m`` Gaussian rings, label :math:`[\sum_i x_i x_{i+1}^2 - x_i^2 x_{i+1} > 0]`."""
    x = rng.normal(size=(m, n_sites))
    c = (x * np.roll(x, -1, 1) ** 2 - x**2 * np.roll(x, -1, 1)).sum(1)
    return TensorData(torch.as_tensor(x), torch.as_tensor((c > 0).astype(float)))


# ------------------------------------------------------------------ one task


@dataclass(frozen=True)
class _Task:
    """What the four methods need of one task and seed."""

    name: str
    truth: tuple[int, ...]
    splits: tuple[TensorData, TensorData, TensorData]
    """Training, validation, test."""
    fixed: Callable[[int], nn.Module]
    """Every layer at the given level."""
    initial: Callable[[int], nn.Module]
    """The search's ``k``-th fully constrained start."""
    moves: Any
    mixed: Callable[[], nn.Module] | None
    """A [G]-mixed model for DARTS (None: the task has no [G]-mixed layers, no DARTS)."""
    discretize: Callable[[nn.Module], nn.Module]
    weights: Callable[[nn.Module], torch.Tensor]
    epochs: int
    learned: Callable[[], nn.Module] | None
    """A learned-degree model (starts exactly G-equivariant; None: not offered)."""
    learned_levels: Callable[[nn.Module], tuple[int, ...] | None]
    """The levels a trained learned-degree model uses, or None where they do not map onto
    the chain."""


def _ring_task(
    name: str, truth: tuple[int, ...], splits: tuple[TensorData, ...], cfg: NasConfig, seed: int
) -> _Task:
    r"""A task on the 5-site ring whose models are :func:`ring_net` stacks over
    :math:`D_5 \supset C_5 \supset \{e\}`; the learned degree's degrees are per
    :math:`D_5` irrep type, not a :math:`C_5` / :math:`\{e\}` level, so none is reported."""
    from eqqnn.classical import LinearStackMoves, discretize_mixture_stack, mixture_stack_weights

    _, _, _, rotations = _ring(5)
    return _Task(
        name=name,
        truth=truth,
        splits=splits,  # type: ignore[arg-type]
        fixed=lambda level: ring_net(seed, constrained_layer(level)),
        initial=lambda k: ring_net(1000 * seed + k),
        moves=LinearStackMoves([rotations, [0]]),
        mixed=lambda: ring_net(seed, mixed_layer),
        discretize=discretize_mixture_stack,
        weights=mixture_stack_weights,
        epochs=cfg.epochs,
        learned=lambda: ring_net(seed, learned_degree_layer),
        learned_levels=lambda model: None,
    )


def _chirality_task(cfg: NasConfig, seed: int) -> _Task:
    rng = np.random.default_rng(seed)
    sizes = (cfg.ring_train, cfg.ring_validation, cfg.ring_test)
    splits = tuple(chirality_data(m, rng) for m in sizes)
    return _ring_task("chirality", (1, 0), splits, cfg, seed)


def _degree_teacher_task(cfg: NasConfig, seed: int) -> _Task:
    r"""The learned-degree study's classical teacher (:func:`~eqqnn.studies._degree_classical
    .degree_net`) on the 5-site ring: layer degrees ``cfg.degree_teacher``; degree 1 is a
    free layer (level 2 of :math:`D_5 \supset C_5 \supset \{e\}`), degree 0 a
    :math:`D_5`-equivariant one (level 0). Labels: the teacher's output above its median
    on the training inputs."""
    from eqqnn.studies._degree_classical import degree_net

    teacher = degree_net("learned_degree", 5, 2, 4, seed=10_000 + seed, degrees=cfg.degree_teacher)
    rng = np.random.default_rng(seed)
    inputs = [
        torch.as_tensor(rng.normal(size=(m, 5)))
        for m in (cfg.ring_train, cfg.ring_validation, cfg.ring_test)
    ]
    with torch.no_grad():
        scores = [teacher(x) for x in inputs]
    threshold = scores[0].median()
    splits = tuple(
        TensorData(x, (p > threshold).double()) for x, p in zip(inputs, scores, strict=True)
    )
    truth = tuple(2 if f == 1.0 else 0 if f == 0.0 else 1 for f in cfg.degree_teacher)
    return _ring_task("degree teacher", truth, splits, cfg, seed)


def _trunk_task(cfg: NasConfig, seed: int) -> _Task:
    r"""The phase task on exact correlators with a :class:`~eqqnn.classical.CorrelatorGCNN`
    whose lift and group convolution move along :math:`G_{chain} \supset \{e, R\}
    \supset \{e\}` (:class:`~eqqnn.classical.GcnnTrunkMoves`). The open chain's exact
    symmetry is the reflection :math:`R: i \mapsto n - 1 - i` alone; the unit-cell
    translations of :math:`G_{chain}` hold only in the bulk. So the truth is the
    reflection group in every layer (level 1). DARTS mixes the trunk's layers over the
    chain (:func:`~eqqnn.classical.mix_gcnn_trunk`); no learned-degree G-CNN layers
    exist, so the learned degree does not run here."""
    from eqqnn.classical import (
        CorrelatorGCNN,
        GcnnTrunkMoves,
        discretize_gcnn_trunk,
        gcnn_trunk_mixture_weights,
        mix_gcnn_trunk,
    )
    from eqqnn.data import exact_correlators
    from eqqnn.models import InputKind
    from eqqnn.studies._common import phase_split
    from eqqnn.symmetry import generated_subgroup

    n = cfg.trunk_sites
    tr, grid = phase_split(
        n, cfg.heisenberg_train, cfg.heisenberg_grid, cache=cfg.cache, dtype=torch.complex128
    )

    def correlators(data: TensorData) -> TensorData:
        c = np.stack([exact_correlators(s) for s in data.inputs.numpy()])
        return TensorData(torch.as_tensor(c), data.labels)

    tr, grid = correlators(tr), correlators(grid)
    va = TensorData(grid.inputs[0::2], grid.labels[0::2])
    te = TensorData(grid.inputs[1::2], grid.labels[1::2])
    kw = {"n_sites": n, "input_kind": InputKind.EXACT_CORRELATORS, "dtype": torch.float64}

    def model(k: int) -> nn.Module:
        return CorrelatorGCNN(seed=k, lift_channels=4, conv_channels=4, hidden=8, **kw)

    group = model(0).group
    reflection = np.flatnonzero((group.permutations == np.arange(n)[::-1]).all(axis=1))
    chain = [np.arange(group.order), generated_subgroup(group, [int(reflection[0])]), [0]]
    moves = GcnnTrunkMoves(chain)

    def fixed(level: int) -> nn.Module:
        net = model(seed)
        for _ in range(level):
            for layer in range(2):
                net = moves.relax(net, layer)
        return net

    return _Task(
        name=f"correlator trunk n={n}",
        truth=(1, 1),
        splits=(tr, va, te),
        fixed=fixed,
        initial=lambda k: model(1000 * seed + k),
        moves=moves,
        mixed=lambda: mix_gcnn_trunk(model(seed), chain),
        discretize=discretize_gcnn_trunk,
        weights=gcnn_trunk_mixture_weights,
        epochs=cfg.epochs,
        learned=None,
        learned_levels=lambda m: None,
    )


def _teacher_task(cfg: NasConfig, seed: int) -> _Task:
    from eqqnn.circuits import graded_qcnn, symmetry_graded_generators
    from eqqnn.models import (
        AffineSigmoid,
        GroupMixture,
        LayerSymmetry,
        LearnedDegree,
        QuantumClassifier,
        QuantumLayerMoves,
        discretize_group_mixture,
    )
    from eqqnn.testing import random_state_batch

    circuit = graded_qcnn(cfg.qubits, symmetry_graded_generators(2))
    n_layers = int(circuit.metadata["n_layers"])
    levels = tuple(cfg.teacher_levels[:n_layers])
    truth = levels + (0,) * (n_layers - len(levels))
    teacher = QuantumClassifier(circuit, param_map=LayerSymmetry(circuit, truth), seed=7 + seed)
    raw = []
    with torch.no_grad():
        for k, m in enumerate((cfg.quantum_train, cfg.quantum_validation, cfg.quantum_test)):
            x = random_state_batch(cfg.qubits, m, seed=10 * seed + k + 1)
            raw.append((x, teacher(x)))
    threshold = raw[0][1].median()
    splits = tuple(TensorData(x, (p > threshold).double()) for x, p in raw)

    def student(k: int, param_map: nn.Module) -> QuantumClassifier:
        return QuantumClassifier(
            circuit, param_map=param_map, seed=100 + k, output_map=AffineSigmoid()
        )

    return _Task(
        name="teacher QCNN",
        truth=truth,
        splits=splits,  # type: ignore[arg-type]
        fixed=lambda level: student(1000 * seed, LayerSymmetry(circuit, (level,) * n_layers)),
        initial=lambda k: student(1000 * seed + k, LayerSymmetry(circuit)),
        moves=QuantumLayerMoves(),
        mixed=lambda: student(1000 * seed, GroupMixture(circuit)),
        discretize=discretize_group_mixture,
        weights=lambda m: m.param_map.mixture_weights(),
        epochs=cfg.quantum_epochs,
        learned=lambda: student(1000 * seed, LearnedDegree(circuit)),
        learned_levels=_levels_used,
    )


def _chain_name(spec: ChainSpec) -> str:
    """``"Heisenberg staggered_field=0.5"``: the knobs that differ from the SU(2) chain."""
    default = ChainSpec()
    knobs = [
        f"{f.name}={getattr(spec, f.name):g}"
        for f in dataclasses.fields(spec)
        if getattr(spec, f.name) != getattr(default, f.name)
    ]
    return " ".join(["Heisenberg", *knobs])


def _heisenberg_task(cfg: NasConfig, seed: int, spec: ChainSpec) -> _Task:
    """The phase task of the bond-alternating chain with symmetry-breaking knobs (SU(2)
    broken to U(1)); "truth" is the data's symmetry, U(1), in every layer."""
    from eqqnn.circuits import graded_qcnn, symmetry_graded_generators
    from eqqnn.models import (
        AffineSigmoid,
        GroupMixture,
        LayerSymmetry,
        LearnedDegree,
        QuantumClassifier,
        QuantumLayerMoves,
        discretize_group_mixture,
    )
    from eqqnn.studies._common import phase_split

    n = cfg.heisenberg_qubits
    circuit = graded_qcnn(n, symmetry_graded_generators(2))
    n_layers = int(circuit.metadata["n_layers"])
    tr, grid = phase_split(
        n, cfg.heisenberg_train, cfg.heisenberg_grid, cache=cfg.cache, **dataclasses.asdict(spec)
    )
    va = TensorData(grid.inputs[0::2], grid.labels[0::2])
    te = TensorData(grid.inputs[1::2], grid.labels[1::2])

    def student(k: int, param_map: nn.Module) -> QuantumClassifier:
        return QuantumClassifier(
            circuit, param_map=param_map, seed=100 + k, output_map=AffineSigmoid()
        )

    return _Task(
        name=_chain_name(spec),
        truth=(1,) * n_layers,
        splits=(tr, va, te),
        fixed=lambda level: student(1000 * seed, LayerSymmetry(circuit, (level,) * n_layers)),
        initial=lambda k: student(1000 * seed + k, LayerSymmetry(circuit)),
        moves=QuantumLayerMoves(),
        mixed=lambda: student(1000 * seed, GroupMixture(circuit)),
        discretize=discretize_group_mixture,
        weights=lambda m: m.param_map.mixture_weights(),
        epochs=cfg.quantum_epochs,
        learned=lambda: student(1000 * seed, LearnedDegree(circuit)),
        learned_levels=_levels_used,
    )


#: A grade counts as used by a learned-degree layer when its degree is at least this.
DEGREE_IN_USE = 0.1


def _levels_used(model: nn.Module) -> tuple[int, ...]:
    """Per layer the highest grade whose learned degree :math:`|f|` is at least
    :data:`DEGREE_IN_USE` (grade 0, SU(2), always counts)."""
    degrees = model.param_map.degrees().detach().abs()
    used = degrees >= DEGREE_IN_USE
    grades = torch.arange(degrees.shape[1])
    return tuple(int((grades * used[i]).max()) for i in range(degrees.shape[0]))


# ------------------------------------------------------------------ the study
