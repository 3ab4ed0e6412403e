r"""Evolutionary architecture search whose mutations are equivariance relaxation morphisms.

Maile et al. (arXiv 2210.05484) search over which group each layer is constrained to.
A mutation takes a *trained* parent and applies a morphism to one layer: a relaxation to
the next smaller group of the layer's subgroup chain (which keeps the parent's function
exactly, so the child continues from the parent's point), or with probability
``p_inverse`` the inverse, a projection onto the next larger group.  The child is
trained for ``epochs`` more epochs and scored by its validation accuracy.

The loop is regularized evolution (Real et al., arXiv 1802.01548): a population of
``population`` candidates; each step picks the best of ``tournament`` random members,
mutates it, trains the child, adds it and drops the *oldest* member.

**Why a short loop and not Optuna.**  Optuna's samplers (TPE, NSGA-II, CMA-ES) propose
parameter values for a fresh trial; they cannot hand a child its parent's trained weights,
which is what the function-preserving morphism is for.  The loop is about forty lines and
seeded end to end (one ``numpy`` generator for the choices, ``seed`` for every training
run), so a search is reproducible.

The search works with any model family through :class:`ArchitectureMoves`: it asks for a
model's architecture (one level per layer along its chain) and for the relaxed or
restricted child of a layer.  :class:`eqqnn.models.QuantumLayerMoves` moves the layers of
a graded QCNN along SU(2) :math:`\supset` U(1) :math:`\supset \{e\}`;
:class:`eqqnn.classical.LinearStackMoves` the layers of a stack of linear layers along a
chain of subgroups.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from torch import nn

from eqqnn._validation import check_int, check_real
from eqqnn.training._loop import TensorData, TrainConfig, evaluate, train
from eqqnn.training._parallel import ray_session, run_parallel

__all__ = ["ArchitectureMoves", "Candidate", "EvolutionConfig", "SearchResult", "evolve"]


class ArchitectureMoves(Protocol):
    """What the search needs of a model family: levels per layer and the two morphisms."""

    def architecture(self, model: nn.Module) -> tuple[int, ...]:
        """One level per layer (0: the largest group of the layer's chain)."""
        ...

    def relax(self, model: nn.Module, layer: int) -> nn.Module | None:
        """A copy with ``layer`` one level down the chain and the same function, or
        ``None`` when the layer is at the bottom."""
        ...

    def restrict(self, model: nn.Module, layer: int) -> nn.Module | None:
        """A copy with ``layer`` projected one level up, or ``None`` at the top."""
        ...


@dataclass(frozen=True)
class EvolutionConfig:
    """Settings of :func:`evolve`."""

    population: int = 4
    """Candidates alive at once (the first ones are the seeds' fully constrained models)."""
    steps: int = 8
    """Mutations after the initial population (each trains one child)."""
    tournament: int = 2
    """Members compared to pick a parent."""
    epochs: int = 20
    """Training epochs of an initial candidate and of each child."""
    lr: float = 0.05
    """Adam learning rate."""
    p_inverse: float = 0.25
    """Probability that a mutation projects a layer up instead of relaxing it."""
    seed: int = 0
    """Seed of the choices and of every training run."""
    workers: int = 1
    """Processes that train candidates at once: the initial population together, then
    ``workers`` children per round, all picked from the same population (with 1 the
    loop is the serial one above; a given ``workers`` always gives the same search).
    Candidates train through :func:`eqqnn.training.run_parallel`, the machinery of
    ``eqqnn compare``."""
    ray_address: str | None = None
    """Train each round's candidates on this Ray cluster (``"local"``: start one here)
    instead of local processes, connecting once for the whole search; ``workers`` still
    sets the size of a round (so the search is the same as with local workers)."""

    def __post_init__(self) -> None:
        check_int("population", self.population, minimum=1)
        check_int("workers", self.workers, minimum=1)
        check_int("steps", self.steps, minimum=0)
        check_int("tournament", self.tournament, minimum=1, maximum=self.population)
        check_int("epochs", self.epochs, minimum=0)
        check_real("lr", self.lr, minimum=0.0)
        check_real("p_inverse", self.p_inverse, minimum=0.0, maximum=1.0)
        check_int("seed", self.seed, minimum=0)


@dataclass
class Candidate:
    """One trained architecture."""

    model: nn.Module
    architecture: tuple[int, ...]
    validation_accuracy: float
    step: int
    """0 for the initial population, then the mutation step that made it."""
    parent: int | None = None
    """Index (in :attr:`SearchResult.candidates`) of the parent, if any."""
    move: tuple[str, int] | None = None
    """``("relax" | "restrict", layer)``."""


@dataclass
class SearchResult:
    """What :func:`evolve` returns."""

    candidates: list[Candidate] = field(default_factory=list)
    """Every trained candidate, in training order."""
    seconds: float = 0.0
    validation_size: int = 0
    """Examples in the validation set (0: accuracies are taken as exact)."""

    @property
    def best(self) -> Candidate:
        r"""The most constrained architecture (lowest level sum; then the earlier
        candidate) among those whose validation accuracy is within one binomial standard
        error of the highest, :math:`\hat p - \sqrt{\hat p(1-\hat p)/N}`.

        Accuracies closer than that are not told apart by the validation set, and a
        symmetry that the data do not ask to break is kept: with 300 validation examples,
        0.963 and 0.970 (2 examples apart) count as equal.
        """
        top = max(c.validation_accuracy for c in self.candidates)
        n = self.validation_size
        margin = (top * (1.0 - top) / n) ** 0.5 if n > 0 else 0.0
        level = top - margin - 1e-12
        return min(
            (c for c in self.candidates if c.validation_accuracy >= level),
            key=lambda c: (sum(c.architecture), self.candidates.index(c)),
        )

    @property
    def models_trained(self) -> int:
        return len(self.candidates)

    def table(self) -> list[dict[str, Any]]:
        """One row per candidate (no model): for records and plots."""
        return [
            {k: v for k, v in dataclasses.asdict(c).items() if k != "model"}
            for c in self.candidates
        ]


def _train(
    model: nn.Module, train_data: TensorData, validation: TensorData, cfg: EvolutionConfig, k: int
) -> tuple[nn.Module, float]:
    """Train candidate ``k`` (seed ``cfg.seed + k``); the trained model and its validation
    accuracy (a worker process sends the model back)."""
    if cfg.workers > 1 or cfg.ray_address is not None:
        import torch

        torch.set_num_threads(1)
    if cfg.epochs == 0:
        return model, float(evaluate(model, validation)["accuracy"])
    config = TrainConfig(epochs=cfg.epochs, lr=cfg.lr, seed=cfg.seed + k, eval_every=cfg.epochs)
    acc = float(train(model, train_data, validation, config, progress=False).test_accuracy)
    return model, acc


def _train_all(
    models: list[nn.Module],
    train_data: TensorData,
    validation: TensorData,
    cfg: EvolutionConfig,
    first: int,
) -> list[tuple[nn.Module, float]]:
    """Train candidates ``first, first + 1, ...`` (in ``cfg.workers`` spawned processes
    or on ``cfg.ray_address``), in their order."""
    args = [(m, train_data, validation, cfg, first + i) for i, m in enumerate(models)]
    workers = min(cfg.workers, max(1, len(models)))
    done = dict(run_parallel(_train, args, workers=workers, ray_address=cfg.ray_address))
    return [done[i] for i in range(len(args))]


def evolve(
    initial: Callable[[int], nn.Module],
    moves: ArchitectureMoves,
    train_data: TensorData,
    validation: TensorData,
    config: EvolutionConfig | None = None,
) -> SearchResult:
    r"""Regularized evolution with relaxation morphisms (see the module docstring).

    Parameters
    ----------
    initial
        ``initial(k)`` builds the ``k``-th initial model (seed ``k``), normally fully
        constrained (every layer at level 0).
    moves
        The family's :class:`ArchitectureMoves`.
    train_data, validation
        Training set, and the validation set that scores candidates (never the test set).
    config
        :class:`EvolutionConfig`.
    """
    cfg = config or EvolutionConfig()
    with ray_session(cfg.ray_address):
        return _evolve(initial, moves, train_data, validation, cfg)


def _evolve(
    initial: Callable[[int], nn.Module],
    moves: ArchitectureMoves,
    train_data: TensorData,
    validation: TensorData,
    cfg: EvolutionConfig,
) -> SearchResult:
    rng = np.random.default_rng(cfg.seed)
    start = time.perf_counter()
    result = SearchResult(validation_size=len(validation.labels))
    first = _train_all([initial(k) for k in range(cfg.population)], train_data, validation, cfg, 0)
    for model, acc in first:
        result.candidates.append(Candidate(model, moves.architecture(model), acc, 0))
    alive = list(range(len(result.candidates)))
    step = 0
    while step < cfg.steps:
        batch: list[tuple[nn.Module, int, tuple[str, int], int]] = []
        for _ in range(min(cfg.workers, cfg.steps - step)):
            step += 1
            contenders = rng.choice(alive, size=cfg.tournament, replace=False)
            parent = int(
                max(contenders, key=lambda i: (result.candidates[i].validation_accuracy, -i))
            )
            tried = {c.move for c in result.candidates if c.parent == parent}
            tried |= {m for _, p, m, _ in batch if p == parent}
            child, move = _mutate(result.candidates[parent].model, moves, rng, cfg.p_inverse, tried)
            if child is not None and move is not None:
                batch.append((child, parent, move, step))
        trained = _train_all(
            [c for c, _, _, _ in batch], train_data, validation, cfg, len(result.candidates)
        )
        for (model, acc), (_, parent, move, made_at) in zip(trained, batch, strict=True):
            result.candidates.append(
                Candidate(model, moves.architecture(model), acc, made_at, parent, move)
            )
            alive.append(len(result.candidates) - 1)
            alive.pop(0)  # the oldest member leaves
    result.seconds = time.perf_counter() - start
    return result


def _mutate(
    model: nn.Module,
    moves: ArchitectureMoves,
    rng: np.random.Generator,
    p_inverse: float,
    tried: set[tuple[str, int] | None],
) -> tuple[nn.Module | None, tuple[str, int] | None]:
    """A random applicable morphism of a random layer that this parent has not had yet
    (relax first with probability ``1 - p_inverse``, else the other direction)."""
    n_layers = len(moves.architecture(model))
    first = "restrict" if rng.random() < p_inverse else "relax"
    for kind in (first, "relax" if first == "restrict" else "restrict"):
        for layer in rng.permutation(n_layers):
            if (kind, int(layer)) in tried:
                continue
            child = getattr(moves, kind)(model, int(layer))
            if child is not None:
                return child, (kind, int(layer))
    return None, None
