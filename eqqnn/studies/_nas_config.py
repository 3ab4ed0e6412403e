"""The settings of study 5 (:func:`eqqnn.studies.run_nas`): :class:`NasConfig`."""

from __future__ import annotations

from dataclasses import dataclass

from eqqnn._validation import check_int, check_real, check_seeds
from eqqnn.data import ChainSpec
from eqqnn.errors import InvalidParameterError

__all__ = ["NasConfig"]


@dataclass(frozen=True)
class NasConfig:
    """Settings of :func:`run_nas`."""

    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    """Seeds (data, initial weights, search choices)."""
    ring_train: int = 300
    ring_validation: int = 300
    ring_test: int = 1000
    """Chirality task: inputs per split."""
    degree_teacher: tuple[float, float] = (1.0, 0.0)
    """Degree-teacher task: the learned-degree study's classical teacher on the 5-site
    ring, one degree of :math:`D_5`-breaking per layer (1: free, truth {e}; 0:
    :math:`D_5`; in between: truth :math:`C_5`, the nearest level that can express it)."""
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
    trunk_sites: int = 12
    """Correlator-trunk task: chain length (exact correlators of dense ground states; the
    training and grid sizes are the Heisenberg task's)."""
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
        check_int("trunk_sites", self.trunk_sites, minimum=4, maximum=14)
        if self.trunk_sites % 2:
            raise InvalidParameterError(f"trunk_sites must be even, got {self.trunk_sites}")
        check_int("heisenberg_grid", self.heisenberg_grid, minimum=4)
        check_int("population", self.population, minimum=1)
        check_int("steps", self.steps, minimum=0)
        for name in ("epochs", "quantum_epochs", "darts_epochs", "retrain_epochs"):
            check_int(name, getattr(self, name), minimum=0)
        check_int("baseline_factor", self.baseline_factor, minimum=1)
        check_real("lr", self.lr, minimum=0.0, allow_equal=False)
        if len(self.degree_teacher) != 2:
            raise InvalidParameterError(
                f"degree_teacher needs one degree per layer of the ring network (2), got "
                f"{self.degree_teacher!r}"
            )
        for f in self.degree_teacher:
            check_real("degree_teacher", f, minimum=0.0, maximum=1.0)
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
            trunk_sites=6,
            cache=None,
            steps=2,
            epochs=3,
            quantum_epochs=2,
            darts_epochs=3,
            retrain_epochs=2,
            baseline_factor=1,
        )


# ------------------------------------------------------------------ the classical task
