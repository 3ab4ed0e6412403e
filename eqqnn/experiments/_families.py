"""Model families that the comparison trains: a builder plus its training settings.

A family is data (a frozen dataclass holding a picklable builder), so sweeps can ship it
to worker processes or a Ray cluster.  The CLI maps short names to families here; the
library API takes the family objects themselves.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

from eqqnn.models import InputKind

__all__ = [
    "ModelFamily",
    "ShotSubsample",
    "default_families",
    "eqcnn_family",
    "family_by_name",
    "qcnn_family",
]


@dataclass(frozen=True)
class ModelFamily:
    """One kind of model in a comparison."""

    name: str
    """Label in tables and plots."""
    kind: str
    """``"quantum"`` or ``"classical"``."""
    input_kind: InputKind
    """What the models consume (the comparison prepares it from the states)."""
    build: Callable[[int, int], nn.Module]
    """``(n_qubits, seed) -> model``; must be picklable (module-level function or partial)."""
    backend: str = ""
    """Simulator or hardware description recorded with the results."""
    lr: float = 0.05
    """Learning rate (Adam)."""
    epochs: int = 100
    """Training epochs (full batch)."""
    augment: Callable | None = None
    """Optional per-batch transform of the training inputs (e.g. :class:`ShotSubsample`)."""


@dataclass(frozen=True)
class ShotSubsample:
    """Train shadow models on a seeded random subset of ``shots`` snapshots per step.

    Inputs ``(B, T, n, 3)``; evaluation still uses all ``T`` shots.  A cheap, unbiased
    stochastic estimate of the shot average that also acts as augmentation.
    """

    shots: int = 64
    """Snapshots kept per state and step."""

    def __call__(self, inputs: Any, generator: Any) -> Any:
        import torch

        t = inputs.shape[1]
        if self.shots >= t:
            return inputs
        idx = torch.randperm(t, generator=generator)[: self.shots].to(inputs.device)
        return inputs[:, idx]


def _build_quantum(
    n_qubits: int, seed: int, *, circuit_fn: Callable, backend_fn: Callable
) -> nn.Module:
    from eqqnn.models import QuantumClassifier

    return QuantumClassifier(circuit_fn(n_qubits), backend_fn(), seed=seed)


def _statevector_adjoint() -> object:
    from eqqnn.sim import StatevectorBackend

    return StatevectorBackend(gradient="adjoint")


def _spin_sector() -> object:
    from eqqnn.sim import SpinSectorBackend  # type: ignore[attr-defined]

    return SpinSectorBackend()


def _su2_qcnn(n: int) -> object:
    from eqqnn.circuits import su2_qcnn

    return su2_qcnn(n)


def _qcnn(n: int) -> object:
    from eqqnn.circuits import qcnn

    return qcnn(n)


def eqcnn_family(*, sector: bool = False, epochs: int = 100, lr: float = 0.05) -> ModelFamily:
    """The SU(2)-equivariant QCNN (dense statevector, or the spin-sector engine)."""
    return ModelFamily(
        name="EQCNN",
        kind="quantum",
        input_kind=InputKind.SECTOR_STATE if sector else InputKind.STATE,
        build=functools.partial(
            _build_quantum,
            circuit_fn=_su2_qcnn,
            backend_fn=_spin_sector if sector else _statevector_adjoint,
        ),
        backend="spin-sector" if sector else "statevector(adjoint)",
        lr=lr,
        epochs=epochs,
    )


def qcnn_family(*, epochs: int = 100, lr: float = 0.05) -> ModelFamily:
    """The symmetry-agnostic QCNN baseline (dense statevector)."""
    return ModelFamily(
        name="QCNN",
        kind="quantum",
        input_kind=InputKind.STATE,
        build=functools.partial(_build_quantum, circuit_fn=_qcnn, backend_fn=_statevector_adjoint),
        backend="statevector(adjoint)",
        lr=lr,
        epochs=epochs,
    )


#: Classical families of the quick comparison: one equivariant G-CNN per input kind and
#: the non-equivariant MLP.
QUICK_CLASSICAL = ("ShadowGCNN", "CorrelatorGCNN", "MLP")


def default_families(epochs: int = 100, *, quick: bool = False) -> list[ModelFamily]:
    """EQCNN, the QCNN baseline and the classical models of :mod:`eqqnn.classical`
    (with ``quick``: only :data:`QUICK_CLASSICAL`)."""
    from eqqnn.experiments._classical_families import classical_families

    names = QUICK_CLASSICAL if quick else None
    return [
        eqcnn_family(epochs=epochs),
        qcnn_family(epochs=epochs),
        *classical_families(epochs=epochs, names=names),
    ]


def family_by_name(name: str, epochs: int = 100) -> ModelFamily:
    """Look a family up by its (case-insensitive) name; for the CLI."""
    from eqqnn.errors import InvalidParameterError

    families = {f.name.lower(): f for f in default_families(epochs)}
    families["eqcnn-sector"] = eqcnn_family(sector=True, epochs=epochs)
    if name.lower() not in families:
        raise InvalidParameterError(f"unknown model {name!r}; choose from {sorted(families)}")
    return families[name.lower()]
