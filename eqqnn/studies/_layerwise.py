r"""Study 3 — does symmetry emerge layer by layer when non-equivariant networks learn a
symmetric task? (Bökman & Kahl, arXiv 2305.17017.)

Bökman & Kahl find that networks trained on symmetric data tend to become equivariant
*layer by layer* (up to a re-labelling of hidden units), not only end to end.  Here the
non-equivariant models are the symmetry-agnostic QCNN (:func:`~eqqnn.circuits.qcnn`)
and the unconstrained spin-graded QCNN (:func:`~eqqnn.circuits.graded_qcnn`); the
exactly equivariant EQCNN (:func:`~eqqnn.circuits.su2_qcnn`) is the reference.  They are
trained on symmetric data:

* ``singlet`` — ground states of the SU(2) chain, total singlets (:math:`u^{\otimes n}
  \psi = \psi`): every model is invariant *on the data*;
* ``augmented_triplet`` — Haar-rotated lowest :math:`S^z = 1` states with a fresh Haar
  rotation per sample and epoch: a group-invariant data distribution on which SU(2)
  acts non-trivially, the setting of the paper (training with augmentation).

Each layer's equivariance error (:func:`~eqqnn.metrics.layerwise_equivariance_errors`),

.. math:: e_L = \mathbb E_\psi\,\mathbb E_u\,\|U_L u^{\otimes n}\psi_L - u^{\otimes n}
          U_L\psi_L\|_2 ,

with :math:`\psi_L` the state reaching layer :math:`L`, is measured before and after
training on the training inputs and on seeded Haar-random probe states, together with
the end-to-end invariance error.  A random layer has :math:`e_L \approx 1.2`–1.4; 0 is
exact equivariance.  The measure uses the canonical action :math:`u^{\otimes n}` on every
layer: equivariance with respect to another (conjugated) representation of SU(2) on the
hidden qubits — Bökman & Kahl's "up to permutation" — is not detected.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from eqqnn._validation import check_choice, check_even_int, check_int, check_real, check_seeds
from eqqnn.circuits import Circuit
from eqqnn.errors import InvalidParameterError
from eqqnn.studies._common import (
    HaarRotation,
    advance,
    config_dict,
    finish_result,
    phase_split,
    progress_bar,
    pyplot,
    random_states,
)

__all__ = ["CircuitFamily", "LayerwiseConfig", "run_layerwise"]

CONDITIONS = ("singlet", "augmented_triplet")


@dataclass(frozen=True)
class CircuitFamily:
    """A named circuit builder ``n_qubits -> Circuit``."""

    name: str
    """Label in tables and records."""
    build: Callable[[int], Circuit]
    """Builds the circuit for a chain length."""

    def __post_init__(self) -> None:
        if not callable(self.build):
            raise InvalidParameterError(f"build must be callable, got {self.build!r}")


def _qcnn(n: int) -> Circuit:
    from eqqnn.circuits import qcnn

    return qcnn(n)


def _graded(n: int) -> Circuit:
    from eqqnn.circuits import graded_qcnn, spin_graded_generators

    return graded_qcnn(n, spin_graded_generators(2))


def _su2(n: int) -> Circuit:
    from eqqnn.circuits import su2_qcnn

    return su2_qcnn(n)


def _default_families() -> tuple[CircuitFamily, ...]:
    return (
        CircuitFamily("qcnn", _qcnn),
        CircuitFamily("graded_qcnn", _graded),
        CircuitFamily("su2_qcnn", _su2),
    )


@dataclass(frozen=True)
class LayerwiseConfig:
    """Settings of :func:`run_layerwise`."""

    n_qubits: int = 8
    """Chain length (even)."""
    families: tuple[CircuitFamily, ...] = field(default_factory=_default_families)
    """Circuits to train (non-equivariant ones and an equivariant reference)."""
    conditions: tuple[str, ...] = CONDITIONS
    """Symmetric training data: ``singlet`` and/or ``augmented_triplet``."""
    train_size: int = 8
    """Training points."""
    test_points: int = 60
    """Test grid size."""
    seeds: tuple[int, ...] = (0, 1, 2)
    """Seeds of model initialization."""
    epochs: int = 100
    """Adam epochs (full batch, BCE)."""
    lr: float = 0.05
    """Learning rate."""
    probe_states: int = 16
    """Haar-random probe states."""
    ee_samples: int = 4
    """Haar rotations per equivariance-error estimate."""
    cache: bool = True
    """Use the on-disk dataset cache."""

    def __post_init__(self) -> None:
        check_even_int("n_qubits", self.n_qubits, minimum=4, maximum=12)
        if not self.families or not all(isinstance(f, CircuitFamily) for f in self.families):
            raise InvalidParameterError(
                f"families must be a non-empty tuple of CircuitFamily, got {self.families!r}"
            )
        if not self.conditions:
            raise InvalidParameterError("conditions must hold at least one entry, got none")
        for c in self.conditions:
            check_choice("condition", c, CONDITIONS)
        check_int("train_size", self.train_size, minimum=2)
        check_int("test_points", self.test_points, minimum=2)
        check_seeds(self.seeds)
        check_int("epochs", self.epochs, minimum=1)
        check_real("lr", self.lr, minimum=0.0, allow_equal=False)
        check_int("probe_states", self.probe_states, minimum=1)
        check_int("ee_samples", self.ee_samples, minimum=1)

    @classmethod
    def quick(cls) -> LayerwiseConfig:
        """n = 6, one seed, 60 epochs, 40 test points (about a minute on 2 cores)."""
        return cls(n_qubits=6, seeds=(0,), epochs=60, test_points=40)

    @classmethod
    def tiny(cls) -> LayerwiseConfig:
        """Seconds: n = 4, one seed, 3 epochs (for tests)."""
        return cls(
            n_qubits=4,
            train_size=4,
            seeds=(0,),
            epochs=3,
            test_points=6,
            probe_states=4,
            ee_samples=2,
        )


def run_layerwise(
    config: LayerwiseConfig | None = None,
    out: Path | str = Path("runs/studies"),
    *,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Measure every layer's equivariance error before and after training on symmetric
    data; write ``out/layerwise.json`` and ``out/layerwise.png``; return the result dict.

    Examples
    --------
    >>> import dataclasses, tempfile
    >>> from eqqnn.circuits import su2_qcnn
    >>> cfg = dataclasses.replace(LayerwiseConfig.tiny(), cache=False, conditions=("singlet",),
    ...                           families=(CircuitFamily("su2", su2_qcnn),), epochs=1)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     result = run_layerwise(cfg, d, progress=False)
    >>> max(result["records"][0]["after_probe"]) < 1e-10
    True
    """
    from eqqnn import QuantumClassifier
    from eqqnn.metrics import layerwise_equivariance_errors, quantum_invariance_error
    from eqqnn.training import TrainConfig, train

    cfg = config or LayerwiseConfig()
    if not isinstance(cfg, LayerwiseConfig):
        raise InvalidParameterError(f"config must be a LayerwiseConfig, got {type(cfg).__name__}")
    start = time.perf_counter()
    n = cfg.n_qubits
    probe = random_states(n, cfg.probe_states, seed=54321)
    circuits = {f.name: f.build(n) for f in cfg.families}
    records: list[dict[str, Any]] = []
    total = len(cfg.conditions) * len(cfg.families) * len(cfg.seeds)
    bar = progress_bar(progress, total, "layerwise")
    ee_kw = {"n_samples": cfg.ee_samples, "seed": 1}
    try:
        for condition in cfg.conditions:
            rotation = "none" if condition == "singlet" else "haar_triplet"
            train_data, test_data = phase_split(
                n, cfg.train_size, cfg.test_points, rotation=rotation, cache=cfg.cache
            )
            augment = HaarRotation() if condition == "augmented_triplet" else None
            for family in cfg.families:
                circuit = circuits[family.name]
                for seed in cfg.seeds:
                    torch.manual_seed(seed)
                    model = QuantumClassifier(circuit, seed=seed)

                    def measure(states: torch.Tensor, model: Any = model, c: Any = circuit) -> dict:
                        return layerwise_equivariance_errors(
                            c, model.slot_values(), states, **ee_kw
                        )

                    before_data, before_probe = measure(train_data.inputs), measure(probe)
                    inv_before = quantum_invariance_error(model, probe, **ee_kw)
                    inv_test_before = quantum_invariance_error(model, test_data.inputs, **ee_kw)
                    result = train(
                        model,
                        train_data,
                        test_data,
                        TrainConfig(
                            epochs=cfg.epochs,
                            lr=cfg.lr,
                            seed=seed,
                            eval_every=cfg.epochs,
                            augment=augment,
                        ),
                        progress=False,
                    )
                    after_data, after_probe = measure(train_data.inputs), measure(probe)
                    records.append(
                        {
                            "condition": condition,
                            "family": family.name,
                            "seed": seed,
                            "equivariant_circuit": bool(circuit.is_su2_equivariant),
                            "layers": list(before_probe),
                            "before_data": list(before_data.values()),
                            "after_data": list(after_data.values()),
                            "before_probe": list(before_probe.values()),
                            "after_probe": list(after_probe.values()),
                            "invariance_probe_before": inv_before,
                            "invariance_probe_after": quantum_invariance_error(
                                model, probe, **ee_kw
                            ),
                            "invariance_test_before": inv_test_before,
                            "invariance_test_after": quantum_invariance_error(
                                model, test_data.inputs, **ee_kw
                            ),
                            "train_accuracy": result.train_accuracy,
                            "test_accuracy": result.test_accuracy,
                        }
                    )
                    advance(bar)
    finally:
        if bar is not None:
            bar.stop()
    result = _summarize(cfg, records)
    result["seconds"] = time.perf_counter() - start
    return finish_result(result, out, _plot)


def _ratio(after: float, before: float) -> float:
    """after / before, nan when before is at round-off level (an equivariant layer)."""
    return float(after / before) if before > 1e-12 else float("nan")


def _summarize(cfg: LayerwiseConfig, records: list[dict[str, Any]]) -> dict[str, Any]:
    rows, inv_rows, findings = [], [], []
    for condition in cfg.conditions:
        for family in cfg.families:
            rs = [r for r in records if r["condition"] == condition and r["family"] == family.name]
            if not rs:
                continue
            keys = ("before_data", "after_data", "before_probe", "after_probe")
            mean = {k: np.mean([r[k] for r in rs], axis=0) for k in keys}
            for i, layer in enumerate(rs[0]["layers"]):
                rows.append(
                    [
                        condition,
                        family.name,
                        layer,
                        *[float(mean[k][i]) for k in keys],
                        _ratio(mean["after_probe"][i], mean["before_probe"][i]),
                    ]
                )
            inv = {
                k: float(np.mean([r[k] for r in rs]))
                for k in (
                    "invariance_probe_before",
                    "invariance_probe_after",
                    "invariance_test_before",
                    "invariance_test_after",
                    "test_accuracy",
                )
            }
            inv_rows.append([condition, family.name, *inv.values()])
            if rs[0]["equivariant_circuit"]:
                worst = max(max(r[k]) for r in rs for k in ("before_data", "after_data", *keys[2:]))
                findings.append(
                    f"{condition}/{family.name} (equivariant reference): every layer's error "
                    f"≤ {worst:.1e} before and after training"
                )
                continue
            ratios = mean["after_probe"] / np.maximum(mean["before_probe"], 1e-300)
            halved = int(np.sum(ratios <= 0.5))
            b, a = mean["before_probe"], mean["after_probe"]
            verdict = (
                "symmetry emerges layer by layer"
                if halved == len(ratios)
                else "symmetry does not emerge layer by layer"
                if halved == 0
                else "partial emergence"
            )
            findings.append(
                f"{condition}/{family.name}: layer errors on probes {b.min():.2f}–{b.max():.2f} "
                f"before, {a.min():.2f}–{a.max():.2f} after (after/before {ratios.min():.2f}–"
                f"{ratios.max():.2f}; {halved} of {len(ratios)} layers at least halved): "
                f"{verdict}; end-to-end invariance error on test inputs "
                f"{inv['invariance_test_before']:.3f} → {inv['invariance_test_after']:.3f}, "
                f"on probes {inv['invariance_probe_before']:.3f} → "
                f"{inv['invariance_probe_after']:.3f}; test accuracy {inv['test_accuracy']:.3f}"
            )
    return {
        "study": "layerwise",
        "paper": "Bökman & Kahl, arXiv 2305.17017",
        "claim": "networks trained on symmetric data become equivariant layer by layer",
        "config": config_dict(cfg),
        "records": records,
        "tables": [
            {
                "title": "layerwise equivariance error (mean over seeds), on training inputs "
                "and on Haar-random probes",
                "columns": [
                    "data",
                    "model",
                    "layer",
                    "data before",
                    "data after",
                    "probe before",
                    "probe after",
                    "after/before",
                ],
                "rows": rows,
            },
            {
                "title": "end-to-end invariance error and test accuracy",
                "columns": [
                    "data",
                    "model",
                    "probe before",
                    "probe after",
                    "test before",
                    "test after",
                    "test acc",
                ],
                "rows": inv_rows,
            },
        ],
        "findings": findings,
    }


def _plot(result: dict[str, Any], path: Path) -> None:
    plt = pyplot()
    records = result["records"]
    conditions = list(dict.fromkeys(r["condition"] for r in records))
    fig, axes = plt.subplots(
        1, len(conditions), figsize=(5.5 * len(conditions), 3.8), squeeze=False
    )
    for ax, cond in zip(axes[0], conditions, strict=True):
        families = list(dict.fromkeys(r["family"] for r in records if r["condition"] == cond))
        for k, fam in enumerate(families):
            rs = [r for r in records if r["condition"] == cond and r["family"] == fam]
            before = np.mean([r["before_probe"] for r in rs], axis=0)
            after = np.mean([r["after_probe"] for r in rs], axis=0)
            x = np.arange(len(before))
            color = f"C{k}"
            ax.plot(x, before, ":o", color=color, label=f"{fam} before")
            ax.plot(x, after, "-s", color=color, label=f"{fam} after")
            ax.set_xticks(x, rs[0]["layers"], rotation=45, fontsize=7)
        ax.set(ylabel="layer equivariance error (probes)", title=cond)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
