"""Equivariance-aware architecture search on two tasks with a known answer.

(``eqqnn study nas`` runs the same tasks with baselines and a test set; this script prints
one row per search and seed.)

* **Classical, chirality on a ring of 5** (D_5 ⊃ C_5 ⊃ {e}; the label flips under
  reflections, so the hidden layer must break them and the readout need not): evolution
  with relaxation morphisms and first-order DARTS over [G]-mixed layers, per seed.
* **Quantum, a teacher QCNN** (n = 4 graded QCNN, SU(2) ⊃ U(1) ⊃ {e}; the teacher's
  first convolution is U(1)-only, every other layer SU(2)): evolution from the fully
  SU(2) student.  Labels: the teacher's output above its training median.

Prints, per seed, the architecture found, its validation accuracy, the fully constrained
start's accuracy, models trained and seconds.

    python benchmarks/bench_search.py --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from eqqnn.circuits import graded_qcnn, symmetry_graded_generators
from eqqnn.classical import LinearStackMoves, discretize_mixture_stack, mixture_stack_weights
from eqqnn.models import AffineSigmoid, LayerSymmetry, QuantumClassifier, QuantumLayerMoves
from eqqnn.studies import chirality_data, ring_net
from eqqnn.studies._nas_tasks import _ring, mixed_layer
from eqqnn.testing import random_state_batch
from eqqnn.training import DartsConfig, EvolutionConfig, TensorData, darts_search, evolve

_, _, _, ROTATIONS = _ring(5)


def _ring_net(seed: int, mixed: bool) -> torch.nn.Module:
    return ring_net(seed, mixed_layer if mixed else None)


_chirality = chirality_data


def _level_names(levels: tuple[int, ...], names: tuple[str, ...]) -> str:
    return "(" + ", ".join(names[v] for v in levels) + ")"


def classical(seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    train_data, validation = _chirality(300, rng), _chirality(300, rng)
    names = ("D5", "C5", "{e}")
    t = time.perf_counter()
    evo = evolve(
        lambda k: _ring_net(100 * seed + k, mixed=False),
        LinearStackMoves([ROTATIONS, [0]]),
        train_data,
        validation,
        EvolutionConfig(population=2, steps=6, epochs=60, seed=seed),
    )
    t_evo = time.perf_counter() - t
    start = max(c.validation_accuracy for c in evo.candidates if c.step == 0)
    rows = [
        f"| chirality (classical) | evolution | {seed} | "
        f"{_level_names(evo.best.architecture, names)} | {evo.best.validation_accuracy:.3f} | "
        f"{start:.3f} | {evo.models_trained} | {t_evo:.0f} |"
    ]
    t = time.perf_counter()
    darts = darts_search(
        _ring_net(seed, mixed=True),
        discretize_mixture_stack,
        mixture_stack_weights,
        train_data,
        validation,
        DartsConfig(epochs=60, retrain_epochs=30, seed=seed),
    )
    chosen = tuple(int(np.argmax(w)) for w in darts.weights_history[-1])
    rows.append(
        f"| chirality (classical) | DARTS | {seed} | {_level_names(chosen, names)} | "
        f"{darts.validation_accuracy:.3f} | — | 1 + 1 | {time.perf_counter() - t:.0f} |"
    )
    return rows


def quantum(seed: int) -> list[str]:
    circuit = graded_qcnn(4, symmetry_graded_generators(2))
    n_layers = int(circuit.metadata["n_layers"])
    truth = (1,) + (0,) * (n_layers - 1)
    teacher = QuantumClassifier(circuit, param_map=LayerSymmetry(circuit, truth), seed=7 + seed)
    with torch.no_grad():
        xt, xv = (
            random_state_batch(4, 200, seed=1 + 10 * seed),
            random_state_batch(4, 200, seed=2 + 10 * seed),
        )
        pt, pv = teacher(xt), teacher(xv)
    threshold = pt.median()
    train_data = TensorData(xt, (pt > threshold).double())
    validation = TensorData(xv, (pv > threshold).double())
    t = time.perf_counter()
    evo = evolve(
        lambda k: QuantumClassifier(
            circuit, param_map=LayerSymmetry(circuit), seed=100 + k, output_map=AffineSigmoid()
        ),
        QuantumLayerMoves(),
        train_data,
        validation,
        EvolutionConfig(population=2, steps=8, epochs=40, seed=seed),
    )
    start = max(c.validation_accuracy for c in evo.candidates if c.step == 0)
    names = ("SU2", "U1", "{e}")
    return [
        f"| teacher QCNN n = 4, truth {_level_names(truth, names)} | evolution | {seed} | "
        f"{_level_names(evo.best.architecture, names)} | {evo.best.validation_accuracy:.3f} | "
        f"{start:.3f} | {evo.models_trained} | {time.perf_counter() - t:.0f} |"
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args()
    print(
        "| task | search | seed | architecture found (per layer) | validation accuracy | "
        "fully constrained start | models trained | seconds |"
    )
    print("|---|---|---:|---|---:|---:|---:|---:|")
    for seed in args.seeds:
        for row in classical(seed) + quantum(seed):
            print(row, flush=True)


if __name__ == "__main__":
    main()
