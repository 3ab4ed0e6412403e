"""Settings of the layerwise-symmetry study: :class:`LayerwiseConfig`, the conditions it
accepts and its default quantum and classical model families."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from eqqnn._validation import check_choice, check_even_int, check_int, check_real, check_seeds
from eqqnn.circuits import Circuit
from eqqnn.errors import InvalidParameterError
from eqqnn.models import InputKind
from eqqnn.studies._classical import OctahedralRotation, _check_classical_families, _shadow_family
from eqqnn.training import ModelFamily, check_families

__all__ = ["LayerwiseConfig"]

CONDITIONS = ("singlet", "augmented_triplet")


def _qcnn(n: int) -> Circuit:
    from eqqnn.circuits import qcnn

    return qcnn(n)


def _graded(n: int) -> Circuit:
    from eqqnn.circuits import graded_qcnn, spin_graded_generators

    return graded_qcnn(n, spin_graded_generators(2))


def _su2(n: int) -> Circuit:
    from eqqnn.circuits import su2_qcnn

    return su2_qcnn(n)


def _circuit_family(name: str, circuit: Callable[[int], Circuit]) -> ModelFamily:
    """A quantum family of ``circuit`` on dense states: a
    :class:`~eqqnn.models.QuantumClassifier` on the
    default :class:`~eqqnn.sim.StatevectorBackend`, without output map."""
    from eqqnn.experiments import QuantumBuilder
    from eqqnn.sim import StatevectorBackend

    builder = QuantumBuilder(circuit, StatevectorBackend, output_map=False)
    return ModelFamily(name, "quantum", InputKind.STATE, builder, backend="statevector(autograd)")


def _default_families() -> tuple[ModelFamily, ...]:
    return (
        _circuit_family("qcnn", _qcnn),
        _circuit_family("graded_qcnn", _graded),
        _circuit_family("su2_qcnn", _su2),
    )


def _mlp(n: int, seed: int) -> nn.Module:
    from eqqnn.classical import MLPClassifier

    return MLPClassifier(n_sites=n, input_kind=InputKind.SHADOWS, seed=seed, dtype=torch.float64)


def _shadow_gcnn(n: int, seed: int) -> nn.Module:
    from eqqnn.classical import ShadowGCNN

    # the exact group of the open chain (reflection) x O; translations are only approximate
    return ShadowGCNN(n_sites=n, translations=False, seed=seed, dtype=torch.float64)


def _default_snapshot_families() -> tuple[ModelFamily, ...]:
    return (
        _shadow_family("MLP", _mlp, role="nominal"),
        _shadow_family("MLP+O-aug", _mlp, augment=OctahedralRotation(), role="O-augmented"),
        _shadow_family("ShadowGCNN", _shadow_gcnn, role="O-equivariant"),
    )


def _check_circuit_families(families: Any) -> None:
    """Raise unless ``families`` is a non-empty tuple of quantum families on dense states."""
    check_families(
        "families", families, kind="quantum", input_kind=InputKind.STATE, allow_empty=False
    )


@dataclass(frozen=True)
class LayerwiseConfig:
    """Settings of :func:`run_layerwise`."""

    n_qubits: int = 8
    """Chain length (even)."""
    families: tuple[ModelFamily, ...] = field(default_factory=_default_families)
    """Circuits to train (non-equivariant ones and an equivariant reference): families of
    kind ``"quantum"`` on :attr:`~eqqnn.models.InputKind.STATE` whose ``build(n, seed)``
    returns a :class:`~eqqnn.models.QuantumClassifier` (its ``circuit`` is measured layer by
    layer).  They are trained with :attr:`epochs` and :attr:`lr` of this config (and the
    condition's augmentation); the families' own training settings are not used."""
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
    classical: tuple[ModelFamily, ...] = field(default_factory=_default_snapshot_families)
    """Classical models on shadow snapshots of the same states (``()``: quantum side only):
    families of kind ``"classical"`` on :attr:`~eqqnn.models.InputKind.SHADOWS` (an
    MLPClassifier on shadows or a ShadowGCNN), trained with their own ``lr``, ``augment``
    and ``schedule`` for :attr:`classical_epochs` epochs."""
    shots: int = 100
    """Shadow snapshots per state for the classical models."""
    classical_epochs: int = 100
    """Adam epochs of the classical models (full batch, BCE)."""
    classical_elements: int = 6
    """Seeded non-identity elements of O, and Haar rotations, per classical measurement."""

    def __post_init__(self) -> None:
        check_even_int("n_qubits", self.n_qubits, minimum=4, maximum=12)
        _check_classical_families("classical", self.classical)
        check_int("shots", self.shots, minimum=1)
        check_int("classical_epochs", self.classical_epochs, minimum=1)
        check_int("classical_elements", self.classical_elements, minimum=1, maximum=23)
        _check_circuit_families(self.families)
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
        """n = 6, one seed, 60 epochs, 40 test points; classical: 200 shots, 300 epochs."""
        return cls(
            n_qubits=6, seeds=(0,), epochs=60, test_points=40, shots=200, classical_epochs=300
        )

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
            shots=8,
            classical_epochs=2,
            classical_elements=2,
        )
