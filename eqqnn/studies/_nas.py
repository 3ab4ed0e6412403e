r"""Study 5: equivariance-aware architecture search (Maile et al., arXiv 2210.05484).

Tasks where the right group per layer is known (two classical, one quantum), a G-CNN
trunk on the open chain's correlators, and the phase task with a symmetry-breaking knob:

* **chirality** (classical): five values on a ring, :math:`D_5 \supset C_5 \supset \{e\}`.
  The label :math:`\operatorname{sign}\sum_i (x_i x_{i+1}^2 - x_i^2 x_{i+1})` flips under
  a reflection and is kept by a rotation. So the hidden layer of a two-layer network
  must be :math:`C_5`, and the readout can stay :math:`D_5` (truth ``(1, 0)``);
* **degree teacher** (classical): the learned-degree study's teacher on the same ring,
  one degree of :math:`D_5`-breaking per layer (default ``(1, 0)``: a free hidden layer,
  an invariant readout; truth ``(2, 0)``), labels = its output above the training
  median;
* **teacher QCNN** (quantum): an n-qubit graded QCNN whose layers sit at known levels
  of SU(2) :math:`\supset` U(1) :math:`\supset \{e\}` (default: the first convolution
  U(1)-only, every other layer SU(2)), labels = its output above the training median;
* **correlator trunk** (classical G-CNN): the phase task (n = 12) on exact correlators
  with a :class:`~eqqnn.classical.CorrelatorGCNN` whose lift and convolution move along
  :math:`G_{chain} \supset \{e, R\} \supset \{e\}`: the open chain keeps only the
  reflection :math:`R` exactly (truth ``(1, 1)``), its unit-cell translations hold in
  the bulk only; fixed, free, evolution and DARTS (no learned-degree G-CNN layers);
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
:data:`~eqqnn.studies._nas_tasks.DEGREE_IN_USE`. On the classical side its degrees are per
irrep type of :math:`D_5` and do not name a level of the chain, so none is reported.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from eqqnn.studies._common import (
    advance,
    config_dict,
    finish_result,
    progress_bar,
)
from eqqnn.studies._nas_config import NasConfig
from eqqnn.studies._nas_tasks import (
    _chirality_task,
    _degree_teacher_task,
    _heisenberg_task,
    _Task,
    _teacher_task,
    _trunk_task,
)
from eqqnn.training import DartsConfig, EvolutionConfig, TensorData, darts_search, evolve, train

__all__ = ["run_nas"]


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
    if task.learned is not None:
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
    if task.mixed is None:
        return out
    t = time.perf_counter()
    darts_cfg = DartsConfig(
        epochs=cfg.darts_epochs, lr=cfg.lr, retrain_epochs=cfg.retrain_epochs, seed=seed
    )
    darts = darts_search(task.mixed(), task.discretize, task.weights, tr, va, darts_cfg)
    chosen = tuple(task.weights(darts.mixture).detach().argmax(dim=1).tolist())
    add("DARTS", chosen, darts.model, 2, t)
    return out


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
    bar = progress_bar(progress, (4 + len(cfg.heisenberg_chains)) * len(cfg.seeds), "nas")
    records: list[dict] = []
    try:
        for seed in cfg.seeds:
            tasks = [
                partial(_chirality_task, cfg, seed),
                partial(_degree_teacher_task, cfg, seed),
                partial(_teacher_task, cfg, seed),
                partial(_trunk_task, cfg, seed),
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
            if not rs:  # a method the task does not offer
                continue
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
    cols = min(3, len(tasks))
    rows = -(-len(tasks) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.5 * cols, 3.4 * rows), squeeze=False)
    for ax, task in zip(axes.flat, tasks, strict=False):
        for i, method in enumerate(METHODS):
            accs = [
                r["test_accuracy"]
                for r in result["records"]
                if r["task"] == task and r["method"] == method
            ]
            if not accs:  # a method the task does not offer
                continue
            ax.scatter([i] * len(accs), accs, alpha=0.6)
            ax.plot([i - 0.25, i + 0.25], [np.mean(accs)] * 2, color="k")
        ax.set_xticks(range(len(METHODS)), METHODS, rotation=20)
        ax.set_title(task)
        ax.set_ylabel("test accuracy")
    for ax in list(axes.flat)[len(tasks) :]:
        ax.set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
