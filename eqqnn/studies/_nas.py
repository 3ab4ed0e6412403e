r"""Study 5: equivariance-aware architecture search (Maile et al., arXiv 2210.05484).

Three tasks: two where the right group per layer is known, one per side, and the phase
task with a symmetry-breaking field:

* **chirality** (classical): five values on a ring, :math:`D_5 \supset C_5 \supset \{e\}`.
  The label :math:`\operatorname{sign}\sum_i (x_i x_{i+1}^2 - x_i^2 x_{i+1})` flips under
  a reflection and is kept by a rotation. So the hidden layer of a two-layer network
  must be :math:`C_5`, and the readout can stay :math:`D_5` (truth ``(1, 0)``);
* **teacher QCNN** (quantum): an n-qubit graded QCNN whose layers sit at known levels
  of SU(2) :math:`\supset` U(1) :math:`\supset \{e\}` (default: the first convolution
  U(1)-only, every other layer SU(2)), labels = its output above the training median;
* **Heisenberg with a symmetry-breaking knob** (quantum): the phase task of the
  bond-alternating chain with, by default, a staggered field :math:`h_s = 0.5` or XXZ
  anisotropy :math:`\Delta = 0.5`; each breaks SU(2) to U(1) and changes the ground
  states.  A uniform field is a poor knob at the study's n = 6: it commutes with the
  Hamiltonian, so it either leaves the singlet untouched or (r > 1, h = 0.5; every
  r > 0, h = 1) selects the M = -1 member of the edge-state triplet, and the
  magnetization alone then separates the phases (every method scored 0.975).  Training
  ratios symmetric about r = 1, a grid split into validation (even points) and test
  (odd points).  Its "truth" is the data's symmetry, U(1) in every layer: sufficient,
  not necessarily the best architecture.

For each task and seed it trains the fully constrained model (every layer at level 0),
the unconstrained one (every layer at the last level), the evolutionary search
(:func:`eqqnn.training.evolve`, mutations = relaxation morphisms) and DARTS
(:func:`eqqnn.training.darts_search` over [G]-mixed layers). Searches select on a
validation set; every model is scored on a separate test set. It reports test
accuracy, the architecture chosen against the true one (layers right), and the cost
(models trained, seconds).

A third baseline is the learned degree of equivariance (Veefkind & Cesa): one model whose
layers start exactly G-equivariant and learn how far to leave it. On the quantum side its
"architecture" is the highest grade per layer with a learned degree of at least
:data:`DEGREE_IN_USE`. On the classical side its degrees are per irrep type of
:math:`D_5` and do not name a level of the chain, so none is reported.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from eqqnn._validation import check_int, check_real, check_seeds
from eqqnn.data import ChainSpec
from eqqnn.errors import InvalidParameterError
from eqqnn.studies._common import (
    advance,
    config_dict,
    finish_result,
    progress_bar,
)
from eqqnn.training import DartsConfig, EvolutionConfig, TensorData, darts_search, evolve, train

__all__ = ["NasConfig", "RingNet", "chirality_data", "ring_net", "run_nas"]


@dataclass(frozen=True)
class NasConfig:
    """Settings of :func:`run_nas`."""

    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    """Seeds (data, initial weights, search choices)."""
    ring_train: int = 300
    ring_validation: int = 300
    ring_test: int = 1000
    """Chirality task: inputs per split."""
    qubits: int = 4
    """Teacher QCNN task: qubits (4 gives 4 layers)."""
    teacher_levels: tuple[int, ...] = (1, 0, 0, 0)
    """The teacher's level per layer (0 SU(2), 1 U(1), 2 free)."""
    quantum_train: int = 200
    quantum_validation: int = 200
    quantum_test: int = 400
    """Teacher task: states per split."""
    heisenberg_qubits: int = 6
    """Heisenberg task: qubits (6 gives 7 layers)."""
    heisenberg_chains: tuple[ChainSpec, ...] = (
        ChainSpec(staggered_field=0.5),
        ChainSpec(anisotropy=0.5),
    )
    """Heisenberg tasks: one per chain, each breaking SU(2) to U(1) (see the module
    docstring for why not a uniform field)."""
    heisenberg_train: int = 8
    """Heisenberg task: training ground states (ratios symmetric about r = 1)."""
    heisenberg_grid: int = 80
    """Heisenberg task: grid points; the even ones validate, the odd ones test."""
    cache: object = True
    """Dataset cache for the Heisenberg ground states (``None``: in memory only)."""
    population: int = 2
    """Evolution: population."""
    steps: int = 8
    """Evolution: mutations."""
    epochs: int = 60
    """Evolution: epochs per candidate (classical); the quantum task uses ``quantum_epochs``."""
    quantum_epochs: int = 40
    """Evolution: epochs per candidate on the quantum task."""
    baseline_factor: int = 3
    """The fixed and free baselines train ``baseline_factor`` times a candidate's epochs."""
    darts_epochs: int = 60
    """DARTS: search epochs."""
    retrain_epochs: int = 30
    """DARTS: epochs of the discretised model."""
    lr: float = 0.05
    """Adam learning rate (weights)."""
    workers: int = 1
    """Evolution: processes that train each round's candidates (``eqqnn compare``'s
    machinery, :func:`eqqnn.training.run_parallel`)."""
    ray_address: str | None = None
    """Evolution: train the candidates on this Ray cluster instead (``"local"``)."""

    def __post_init__(self) -> None:
        check_seeds(self.seeds)
        for name in ("ring_train", "ring_validation", "ring_test", "quantum_train"):
            check_int(name, getattr(self, name), minimum=4)
        check_int("quantum_validation", self.quantum_validation, minimum=4)
        check_int("quantum_test", self.quantum_test, minimum=4)
        check_int("qubits", self.qubits, minimum=4, maximum=8)
        check_int("heisenberg_qubits", self.heisenberg_qubits, minimum=4, maximum=10)
        for spec in self.heisenberg_chains:
            if not isinstance(spec, ChainSpec):
                raise InvalidParameterError(
                    f"heisenberg_chains must hold ChainSpec values, got {spec!r}"
                )
        check_int("workers", self.workers, minimum=1)
        check_int("heisenberg_train", self.heisenberg_train, minimum=2)
        check_int("heisenberg_grid", self.heisenberg_grid, minimum=4)
        check_int("population", self.population, minimum=1)
        check_int("steps", self.steps, minimum=0)
        for name in ("epochs", "quantum_epochs", "darts_epochs", "retrain_epochs"):
            check_int(name, getattr(self, name), minimum=0)
        check_int("baseline_factor", self.baseline_factor, minimum=1)
        check_real("lr", self.lr, minimum=0.0, allow_equal=False)
        for v in self.teacher_levels:
            check_int("teacher level", v, minimum=0, maximum=2)

    @classmethod
    def quick(cls) -> NasConfig:
        """Three seeds, shorter searches (a few minutes on 2 cores)."""
        return cls(seeds=(0, 1, 2), steps=6, ring_test=500, quantum_test=200)

    @classmethod
    def tiny(cls) -> NasConfig:
        """One seed, a few epochs: for tests."""
        return cls(
            seeds=(0,),
            ring_train=40,
            ring_validation=40,
            ring_test=40,
            quantum_train=12,
            quantum_validation=12,
            quantum_test=12,
            heisenberg_qubits=4,
            heisenberg_train=4,
            heisenberg_grid=8,
            heisenberg_chains=(ChainSpec(staggered_field=0.5),),
            cache=None,
            steps=2,
            epochs=3,
            quantum_epochs=2,
            darts_epochs=3,
            retrain_epochs=2,
            baseline_factor=1,
        )


# ------------------------------------------------------------------ the classical task
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


def ring_net(
    seed: int, *, kind: str = "equivariant", n_sites: int = 5, hidden: int = 4, level: int = 0
) -> RingNet:
    """A :class:`RingNet` over :math:`D_n`: ``kind="equivariant"`` (both layers at
    ``level`` of :math:`D_n \\supset C_n \\supset \\{e\\}`), ``"mixed"`` ([G]-mixed layers
    over that chain, for DARTS) or ``"learned_degree"`` (learned degree of
    :math:`D_n`-equivariance per irrep type)."""
    from eqqnn.classical import (
        EquivariantLinear,
        GroupMixtureLinear,
        LearnedDegreeLinear,
        SubgroupLinear,
    )

    _, perm, triv, rotations = _ring(n_sites)
    common: dict[str, Any] = {"seed": torch.Generator().manual_seed(seed), "dtype": torch.float64}
    shapes = ((perm, 1, hidden), (triv, hidden, 1))
    layers: list[nn.Module] = []
    for rep_out, c_in, c_out in shapes:
        channels = {"in_channels": c_in, "out_channels": c_out}
        if kind == "learned_degree":
            layers.append(LearnedDegreeLinear(perm, rep_out, **channels, **common))
        elif kind == "mixed":
            layers.append(
                GroupMixtureLinear(perm, rep_out, subgroups=[rotations], **channels, **common)
            )
        elif kind == "equivariant" and level == 0:
            layers.append(EquivariantLinear(perm, rep_out, **channels, **common))
        elif kind == "equivariant":
            subgroup = rotations if level == 1 else [0]
            layers.append(SubgroupLinear(perm, rep_out, subgroup, **channels, **common))
        else:
            raise InvalidParameterError(
                f"kind must be 'equivariant', 'mixed' or 'learned_degree', got {kind!r}"
            )
    return RingNet(layers)


def chirality_data(m: int, rng: np.random.Generator, n_sites: int = 5) -> TensorData:
    r"""``m`` Gaussian rings, label :math:`[\sum_i x_i x_{i+1}^2 - x_i^2 x_{i+1} > 0]`."""
    x = rng.normal(size=(m, n_sites))
    c = (x * np.roll(x, -1, 1) ** 2 - x**2 * np.roll(x, -1, 1)).sum(1)
    return TensorData(torch.as_tensor(x), torch.as_tensor((c > 0).astype(float)))


# ------------------------------------------------------------------ one task
def _test_accuracy(model: nn.Module, test: TensorData) -> float:
    from eqqnn.training import evaluate

    return float(evaluate(model, test)["accuracy"])


def _fit(model: nn.Module, data: TensorData, epochs: int, lr: float, seed: int) -> nn.Module:
    from eqqnn.training import TrainConfig

    if epochs:
        train(model, data, None, TrainConfig(epochs=epochs, lr=lr, seed=seed), progress=False)
    return model


def _record(task: str, seed: int, method: str, truth: tuple[int, ...], **values: Any) -> dict:
    found = values.pop("architecture")
    arch = None if found is None else [int(v) for v in found]
    right = None if arch is None else int(sum(a == t for a, t in zip(arch, truth, strict=True)))
    return {
        "task": task,
        "seed": seed,
        "method": method,
        "architecture": arch,
        "truth": list(truth),
        "layers_right": right,
        **values,
    }


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
    mixed: Callable[[], nn.Module]
    """A [G]-mixed model for DARTS."""
    discretize: Callable[[nn.Module], nn.Module]
    weights: Callable[[nn.Module], torch.Tensor]
    epochs: int
    learned: Callable[[], nn.Module]
    """A learned-degree model (starts exactly G-equivariant)."""
    learned_levels: Callable[[nn.Module], tuple[int, ...] | None]
    """The levels a trained learned-degree model uses, or None where they do not map onto
    the chain."""


def _run_methods(task: _Task, cfg: NasConfig, seed: int) -> list[dict]:
    """Fixed G, free, evolution and DARTS on one task: one record each."""
    tr, va, te = task.splits
    n_layers = len(task.truth)
    out = []

    def add(
        method: str, architecture: tuple[int, ...] | None, model: nn.Module, trained: int, t: float
    ) -> None:
        out.append(
            _record(
                task.name,
                seed,
                method,
                task.truth,
                architecture=architecture,
                test_accuracy=_test_accuracy(model, te),
                models_trained=trained,
                seconds=time.perf_counter() - t,
            )
        )

    for method, level in (("fixed G", 0), ("free", 2)):
        t = time.perf_counter()
        model = _fit(task.fixed(level), tr, task.epochs * cfg.baseline_factor, cfg.lr, seed)
        add(method, (level,) * n_layers, model, 1, t)
    t = time.perf_counter()
    model = _fit(task.learned(), tr, task.epochs * cfg.baseline_factor, cfg.lr, seed)
    add("learned degree", task.learned_levels(model), model, 1, t)
    t = time.perf_counter()
    search = EvolutionConfig(
        population=cfg.population,
        steps=cfg.steps,
        epochs=task.epochs,
        lr=cfg.lr,
        seed=seed,
        workers=cfg.workers,
        ray_address=cfg.ray_address,
    )
    evo = evolve(task.initial, task.moves, tr, va, search)
    add("evolution", evo.best.architecture, evo.best.model, evo.models_trained, t)
    t = time.perf_counter()
    darts_cfg = DartsConfig(
        epochs=cfg.darts_epochs, lr=cfg.lr, retrain_epochs=cfg.retrain_epochs, seed=seed
    )
    darts = darts_search(task.mixed(), task.discretize, task.weights, tr, va, darts_cfg)
    chosen = tuple(task.weights(darts.mixture).detach().argmax(dim=1).tolist())
    add("DARTS", chosen, darts.model, 2, t)
    return out


def _chirality_task(cfg: NasConfig, seed: int) -> _Task:
    from eqqnn.classical import LinearStackMoves, discretize_mixture_stack, mixture_stack_weights

    rng = np.random.default_rng(seed)
    sizes = (cfg.ring_train, cfg.ring_validation, cfg.ring_test)
    splits = tuple(chirality_data(m, rng) for m in sizes)
    _, _, _, rotations = _ring(5)
    return _Task(
        name="chirality",
        truth=(1, 0),
        splits=splits,  # type: ignore[arg-type]
        fixed=lambda level: ring_net(seed, level=level),
        initial=lambda k: ring_net(1000 * seed + k),
        moves=LinearStackMoves([rotations, [0]]),
        mixed=lambda: ring_net(seed, kind="mixed"),
        discretize=discretize_mixture_stack,
        weights=mixture_stack_weights,
        epochs=cfg.epochs,
        learned=lambda: ring_net(seed, kind="learned_degree"),
        learned_levels=lambda model: None,  # degrees per D5 irrep type, not a C5 / {e} level
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
METHODS = ("fixed G", "free", "learned degree", "evolution", "DARTS")


def run_nas(
    config: NasConfig | None = None,
    out: str | Path = "runs/studies",
    *,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Run the study (see the module docstring); writes ``out/nas.json`` and ``out/nas.png``."""
    cfg = config or NasConfig()
    start = time.perf_counter()
    bar = progress_bar(progress, (2 + len(cfg.heisenberg_chains)) * len(cfg.seeds), "nas")
    records: list[dict] = []
    try:
        for seed in cfg.seeds:
            tasks = [
                partial(_chirality_task, cfg, seed),
                partial(_teacher_task, cfg, seed),
                *(partial(_heisenberg_task, cfg, seed, spec) for spec in cfg.heisenberg_chains),
            ]
            for make in tasks:
                records += _run_methods(make(), cfg, seed)
                advance(bar)
    finally:
        if bar is not None:
            bar.stop()
    rows = []
    findings = []
    tasks = list(dict.fromkeys(r["task"] for r in records))
    for task in tasks:
        for method in METHODS:
            rs = [r for r in records if r["task"] == task and r["method"] == method]
            acc = np.array([r["test_accuracy"] for r in rs])
            scored = [r for r in rs if r["layers_right"] is not None]
            exact = sum(r["layers_right"] == len(r["truth"]) for r in scored)
            rows.append(
                [
                    task,
                    method,
                    float(acc.mean()),
                    float(acc.std()),
                    exact,
                    len(rs),
                    float(np.mean([r["layers_right"] for r in scored])) if scored else "—",
                    float(np.mean([r["models_trained"] for r in rs])),
                    float(np.mean([r["seconds"] for r in rs])),
                ]
            )
            if method in ("evolution", "DARTS"):
                findings.append(
                    f"{task}, {method}: the true architecture in {exact} of {len(rs)} seeds; "
                    f"test accuracy {acc.mean():.3f} "
                    f"(fixed G {_mean(records, task, 'fixed G'):.3f}, "
                    f"free {_mean(records, task, 'free'):.3f})."
                )
    result = {
        "study": "nas",
        "paper": "Maile et al., arXiv 2210.05484",
        "claim": "searching the group per layer finds constraints that fit the task and "
        "beats both the fully constrained and the unconstrained model",
        "config": config_dict(cfg),
        "records": records,
        "tables": [
            {
                "title": "test accuracy and architecture found, per task and method",
                "columns": [
                    "task",
                    "method",
                    "test acc",
                    "std",
                    "true arch",
                    "seeds",
                    "layers right",
                    "models trained",
                    "seconds",
                ],
                "rows": rows,
            }
        ],
        "findings": findings,
        "seconds": time.perf_counter() - start,
    }
    return finish_result(result, out, _plot)


def _mean(records: list[dict], task: str, method: str) -> float:
    return float(
        np.mean(
            [r["test_accuracy"] for r in records if r["task"] == task and r["method"] == method]
        )
    )


def _plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = list(dict.fromkeys(r["task"] for r in result["records"]))
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.5 * len(tasks), 3.4), sharey=True)
    for ax, task in zip(np.atleast_1d(axes), tasks, strict=True):
        for i, method in enumerate(METHODS):
            accs = [
                r["test_accuracy"]
                for r in result["records"]
                if r["task"] == task and r["method"] == method
            ]
            ax.scatter([i] * len(accs), accs, alpha=0.6)
            ax.plot([i - 0.25, i + 0.25], [np.mean(accs)] * 2, color="k")
        ax.set_xticks(range(len(METHODS)), METHODS, rotation=20)
        ax.set_title(task)
    np.atleast_1d(axes)[0].set_ylabel("test accuracy")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
