"""Settings of the constraints-vs-augmentation study: the training arms (:class:`Arm`),
:class:`AugmentationConfig` and their defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from eqqnn._validation import check_choice, check_even_int, check_int, check_real, check_seeds
from eqqnn.errors import InvalidParameterError
from eqqnn.studies._classical import _check_classical_families, default_classical_families
from eqqnn.studies._common import OptimizerSpec
from eqqnn.training import ModelFamily

__all__ = ["Arm", "AugmentationConfig"]

TRAININGS = ("constrained", "augmented", "nominal", "exact")
INITS = ("generic", "equivariant", "perturbed")


@dataclass(frozen=True)
class Arm:
    """One training strategy started from one kind of initialization."""

    training: str
    """``constrained``, ``augmented``, ``nominal`` or ``exact`` (see the notes of
    :mod:`eqqnn.studies._augmentation`)."""
    init: str = "generic"
    """``generic``, ``equivariant`` (breaking grades 0) or ``perturbed`` (of size ε)."""

    def __post_init__(self) -> None:
        check_choice("training", self.training, TRAININGS)
        check_choice("init", self.init, INITS)

    @property
    def name(self) -> str:
        """``training@init``, e.g. ``exact@equivariant``."""
        return f"{self.training}@{self.init}"


def _default_arms() -> tuple[Arm, ...]:
    return (
        Arm("constrained"),
        Arm("augmented"),
        Arm("nominal"),
        Arm("augmented", "equivariant"),
        Arm("augmented", "perturbed"),
        Arm("nominal", "equivariant"),
        Arm("exact", "equivariant"),
        Arm("exact", "perturbed"),
    )


def _default_optimizers() -> tuple[OptimizerSpec, ...]:
    return (
        OptimizerSpec("adam", torch.optim.Adam, 0.05),
        OptimizerSpec("sgd", torch.optim.SGD, 0.5),
    )


@dataclass(frozen=True)
class AugmentationConfig:
    """Settings of :func:`run_augmentation`."""

    n_qubits: int = 8
    """Chain length (even)."""
    train_size: int = 8
    """Training points (Haar-rotated lowest S^z = 1 states)."""
    test_points: int = 60
    """Test grid size (other rotations than the training set's)."""
    seeds: tuple[int, ...] = (0, 1, 2)
    """Seeds of model initialization (and of the augmentation stream)."""
    epochs: int = 100
    """Full-batch steps."""
    optimizers: tuple[OptimizerSpec, ...] = field(default_factory=_default_optimizers)
    """Optimizers; every arm runs with each."""
    arms: tuple[Arm, ...] = field(default_factory=_default_arms)
    """Training strategies and initializations."""
    perturbation: float = 1e-3
    """Scale ε of the breaking weights of the ``perturbed`` initialization."""
    quadrature_degree: int = 4
    """Degree of the exact augmentation rule (4: exact for the MSE on spin-1 inputs)."""
    ee_samples: int = 8
    """Haar rotations of the final model-EE estimate."""
    cache: bool = True
    """Use the on-disk dataset cache."""
    classical_families: tuple[ModelFamily, ...] = field(
        default_factory=lambda: _classical_defaults()
    )
    """Classical models on shadow snapshots (empty: quantum side only): families of kind
    ``"classical"`` on :attr:`~eqqnn.models.InputKind.SHADOWS`, trained with their own
    ``lr``, ``augment`` and ``schedule`` for ``epochs`` epochs."""
    shots: int = 200
    """Shadow snapshots per state for the classical models."""

    def __post_init__(self) -> None:
        check_even_int("n_qubits", self.n_qubits, minimum=4, maximum=12)
        _check_classical_families("classical_families", self.classical_families)
        check_int("shots", self.shots, minimum=1)
        check_int("train_size", self.train_size, minimum=2)
        check_int("test_points", self.test_points, minimum=2)
        check_seeds(self.seeds)
        check_int("epochs", self.epochs, minimum=1)
        if not self.optimizers or not all(isinstance(o, OptimizerSpec) for o in self.optimizers):
            raise InvalidParameterError(
                f"optimizers must be a non-empty tuple of OptimizerSpec, got {self.optimizers!r}"
            )
        if not self.arms or not all(isinstance(a, Arm) for a in self.arms):
            raise InvalidParameterError(f"arms must be a non-empty tuple of Arm, got {self.arms!r}")
        check_real("perturbation", self.perturbation, minimum=0.0, allow_equal=False)
        check_int("quadrature_degree", self.quadrature_degree, minimum=0, maximum=32)
        check_int("ee_samples", self.ee_samples, minimum=1)

    @classmethod
    def quick(cls) -> AugmentationConfig:
        """n = 6, 2 seeds, 40 epochs, 40 test points, 100 shots (minutes on 2 cores)."""
        return cls(n_qubits=6, seeds=(0, 1), epochs=40, test_points=40, shots=100)

    @classmethod
    def tiny(cls) -> AugmentationConfig:
        """Seconds: n = 4, one seed, 3 epochs, the arms that test the theory (for tests)."""
        return cls(
            n_qubits=4,
            train_size=4,
            seeds=(0,),
            epochs=3,
            test_points=6,
            ee_samples=2,
            shots=8,
            arms=(
                Arm("constrained"),
                Arm("augmented", "equivariant"),
                Arm("nominal", "equivariant"),
                Arm("exact", "equivariant"),
            ),
        )


def _classical_defaults() -> tuple[ModelFamily, ...]:
    """VectorNet (equivariant), MLP+aug (augmented), MLP (nominal)."""
    return tuple(f for f in default_classical_families() if f.name != "ShadowGCNN")
