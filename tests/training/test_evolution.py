"""Evolutionary architecture search with relaxation morphisms, quantum and classical."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from torch import nn

from eqqnn.circuits import graded_qcnn, symmetry_graded_generators
from eqqnn.classical import EquivariantLinear, LinearStackMoves
from eqqnn.errors import InvalidParameterError
from eqqnn.models import LayerSymmetry, QuantumClassifier, QuantumLayerMoves
from eqqnn.testing import random_state_batch
from eqqnn.training import EvolutionConfig, TensorData, evolve


class _ChainNet(nn.Module):
    """Two linear layers over D_5 on the sites of a ring, tanh between, sigmoid out."""

    def __init__(self, seed: int, ring) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        common = {"seed": g, "dtype": torch.float64}
        self.layers = nn.ModuleList(
            [
                EquivariantLinear(ring.perm, ring.perm, in_channels=1, out_channels=4, **common),
                EquivariantLinear(ring.perm, ring.triv, in_channels=4, out_channels=1, **common),
            ]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.layers[0](x[:, None, :]))
        return torch.sigmoid(4 * self.layers[1](h)[:, 0, 0])


def test_search_finds_the_one_layer_that_must_break_reflections(ring) -> None:  # type: ignore[no-untyped-def]
    """A D_5-invariant network cannot tell a ring from its mirror image, so it is at chance
    on a chirality label. The search relaxes the first layer to C_5, which is needed, and
    keeps the readout D_5-invariant, which is enough."""
    rng = np.random.default_rng(0)
    train_data, validation = ring.chirality(300, rng), ring.chirality(300, rng)
    net = functools.partial(_ChainNet, ring=ring)
    cfg = EvolutionConfig(population=2, steps=6, epochs=60, lr=0.05, seed=0)
    result = evolve(net, LinearStackMoves([ring.rotations, [0]]), train_data, validation, cfg)
    initial = [c for c in result.candidates if c.step == 0]
    assert all(c.architecture == (0, 0) and c.validation_accuracy < 0.6 for c in initial)
    assert result.best.architecture == (1, 0)
    assert result.best.validation_accuracy > 0.9
    assert result.models_trained == 2 + 6
    again = evolve(net, LinearStackMoves([ring.rotations, [0]]), train_data, validation, cfg)
    assert again.table() == result.table()  # seeded: the same search


def _quantum_model(k: int) -> QuantumClassifier:
    circuit = graded_qcnn(4, symmetry_graded_generators(2))
    return QuantumClassifier(circuit, param_map=LayerSymmetry(circuit), seed=k)


def test_quantum_children_start_from_their_parents_function() -> None:
    """With no training a relaxed child scores exactly what its parent scores."""
    states = random_state_batch(4, 12, seed=1)
    labels = torch.as_tensor(np.random.default_rng(2).integers(0, 2, 12).astype(float))
    data = TensorData(states, labels)
    cfg = EvolutionConfig(population=2, steps=5, epochs=0, p_inverse=0.0, seed=3)
    result = evolve(_quantum_model, QuantumLayerMoves(), data, data, cfg)
    children = [c for c in result.candidates if c.parent is not None]
    assert children and all(c.move[0] == "relax" for c in children)
    for child in children:
        parent = result.candidates[child.parent]
        assert child.validation_accuracy == parent.validation_accuracy
        changed = [a != b for a, b in zip(child.architecture, parent.architecture, strict=True)]
        assert sum(changed) == 1  # one layer moved one level
        with torch.no_grad():
            torch.testing.assert_close(
                child.model(states), parent.model(states), atol=1e-12, rtol=0
            )
    moves = [(c.parent, c.move) for c in children]
    assert len(set(moves)) == len(moves)  # no parent gets the same morphism twice


@pytest.mark.parametrize(
    ("field", "value"), [("population", 0), ("tournament", 9), ("p_inverse", 1.5), ("steps", -1)]
)
def test_bad_search_settings(field: str, value: object) -> None:
    with pytest.raises(InvalidParameterError, match=field):
        EvolutionConfig(**{field: value})


def test_parallel_workers_train_the_same_candidates(ring) -> None:  # type: ignore[no-untyped-def]
    """Two worker processes: the initial population is the serial one, candidate for
    candidate; every later round trains two children of the same population."""
    rng = np.random.default_rng(5)
    train_data, validation = ring.chirality(120, rng), ring.chirality(120, rng)
    net = functools.partial(_ChainNet, ring=ring)
    serial = evolve(
        net,
        LinearStackMoves([ring.rotations, [0]]),
        train_data,
        validation,
        EvolutionConfig(population=2, steps=0, epochs=10, seed=1),
    )
    parallel = evolve(
        net,
        LinearStackMoves([ring.rotations, [0]]),
        train_data,
        validation,
        EvolutionConfig(population=2, steps=2, epochs=10, seed=1, workers=2),
    )
    assert parallel.table()[:2] == serial.table()
    children = parallel.candidates[2:]
    assert len(children) == 2 and [c.step for c in children] == [1, 2]
    assert children[0].move != children[1].move or children[0].parent != children[1].parent


@pytest.mark.slow
def test_ray_trains_the_same_candidates_as_local_workers(ring) -> None:  # type: ignore[no-untyped-def]
    """The search on a local Ray cluster: the same rounds, the same candidates."""
    pytest.importorskip("ray")
    rng = np.random.default_rng(5)
    train_data, validation = ring.chirality(120, rng), ring.chirality(120, rng)
    net = functools.partial(_ChainNet, ring=ring)
    results = [
        evolve(
            net,
            LinearStackMoves([ring.rotations, [0]]),
            train_data,
            validation,
            EvolutionConfig(population=2, steps=2, epochs=5, seed=1, workers=2, **extra),
        ).table()
        for extra in ({}, {"ray_address": "local"})
    ]
    assert results[0] == results[1]


def test_best_keeps_the_symmetry_that_the_validation_set_cannot_ask_to_break() -> None:
    """Within one binomial standard error of the top accuracy, the most constrained
    architecture wins; beyond it, accuracy does."""
    from eqqnn.training import SearchResult
    from eqqnn.training._evolution import Candidate

    def result(rows: list[tuple[tuple[int, ...], float]], size: int) -> SearchResult:
        cands = [Candidate(nn.Identity(), arch, acc, k) for k, (arch, acc) in enumerate(rows)]
        return SearchResult(candidates=cands, validation_size=size)

    rows = [((0, 0), 0.5), ((1, 1), 0.97), ((1, 0), 0.9633), ((2, 1), 0.92)]
    assert result(rows, 300).best.architecture == (1, 0)  # 2 of 300 apart: one SE is 0.0098
    assert result(rows, 30000).best.architecture == (1, 1)  # one SE is 0.001: told apart
    assert result(rows, 0).best.architecture == (1, 1)  # exact accuracies
    tie = [((1, 1), 0.9), ((0, 1), 0.9), ((1, 0), 0.9)]
    assert result(tie, 0).best.architecture == (0, 1)  # equal sums: the earlier one
