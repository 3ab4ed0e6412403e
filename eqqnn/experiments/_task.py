r"""The phase-classification task: ground states on a training grid and a test grid,
turned — lazily, and only on request — into the input each model family consumes.

Training ratios are ``train_size`` points placed symmetrically about the transition
:math:`r = 1` (:func:`eqqnn.data.train_ratios`); the test grid has ``test_points``
uniform ratios in :math:`[0, 2]` excluding :math:`r = 1` (:func:`eqqnn.data.test_ratios`).
Labels are :math:`[r > 1]` (:func:`eqqnn.data.phase_label`).

Each form of the inputs is built the first time a family asks for it, and never
otherwise:

* ``SECTOR_STATE``: singlet-sector coordinates (:math:`d_0` amplitudes; n = 28 has
  :math:`d_0` = 2 674 440), from the sector solver and the dataset cache;
* ``STATE``: :math:`2^n` amplitudes, refused with :class:`~eqqnn.errors.ProblemTooLargeError`
  before any work when they would not fit the memory budget;
* ``SHADOWS`` / ``CORRELATORS``: seeded classical shadows (``shots`` randomized Pauli
  measurements per state).  Up to :data:`DENSE_SHADOW_MAX_QUBITS` they are sampled from
  the dense ground state; beyond, from a DMRG matrix-product state
  (:mod:`eqqnn.data._mps`), which scales to n = 64.  Both samplers draw from the exact
  Born distribution of the same state;
* ``EXACT_CORRELATORS``: :math:`\langle\vec\sigma_i\cdot\vec\sigma_j\rangle`, dense or MPS
  likewise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from eqqnn._validation import check_even_int, check_int
from eqqnn.errors import InvalidParameterError, ProblemTooLargeError
from eqqnn.models import InputKind
from eqqnn.training import TensorData

__all__ = [
    "DENSE_SHADOW_MAX_QUBITS",
    "STATE_MEMORY_BUDGET",
    "PhaseTask",
    "SplitInputs",
    "TaskSpec",
    "build_task",
]

#: Largest chain whose shadows are sampled from dense ground states; larger chains use
#: matrix-product states.
DENSE_SHADOW_MAX_QUBITS = 16
#: Bytes the qubit-basis states of one split may take before they are refused.
STATE_MEMORY_BUDGET = 8 * 2**30


@dataclass(frozen=True)
class TaskSpec:
    """Which split of the phase task: chain length, training size, test grid, shadows."""

    n_qubits: int
    """Chain length (even)."""
    train_size: int
    """Training points (even, symmetric about r = 1)."""
    test_points: int = 101
    """Points of the test grid (r = 1 excluded)."""
    shots: int = 1000
    """Classical-shadow snapshots per state."""
    shadow_seed: int = 1234
    """Seed of the training shadows (the test shadows use ``shadow_seed + 1``)."""

    def __post_init__(self) -> None:
        check_even_int("n_qubits", self.n_qubits, minimum=4)
        check_int("train_size", self.train_size, minimum=2)
        check_int("test_points", self.test_points, minimum=2)
        check_int("shots", self.shots, minimum=1)
        check_int("shadow_seed", self.shadow_seed, minimum=0)


@dataclass
class SplitInputs:
    """One split (training or test grid) of one chain length, its input forms built on
    first request and kept."""

    n_qubits: int
    ratios: np.ndarray
    grid: Any
    """The :class:`~eqqnn.data.DatasetConfig` of the split (qubit form)."""
    shots: int
    shadow_seed: int
    cache: object = True
    precision: str = "double"
    """``"single"`` keeps the complex states as complex64 (half the memory)."""
    _memo: dict = field(default_factory=dict, repr=False)

    @property
    def labels(self) -> torch.Tensor:
        """0/1 labels, float64."""
        from eqqnn.data import phase_label

        return torch.tensor([float(phase_label(float(r))) for r in self.ratios])

    @property
    def built(self) -> tuple[str, ...]:
        """Names of the forms built so far (for tests and progress reports)."""
        return tuple(sorted(self._memo))

    def _once(self, key: str, make: Any) -> Any:
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def _dataset_states(self, form: str) -> torch.Tensor:
        from eqqnn.data import build_dataset

        config = self.grid.replace(state_form=form)
        dtype = torch.complex64 if self.precision == "single" else torch.complex128
        data = build_dataset(config, cache=self.cache, dtype=dtype, progress=False)
        return data.states

    def sector_states(self) -> torch.Tensor:
        """``(N, d_0)`` singlet-sector coordinates (complex128, complex64 in single precision)."""
        return self._once("sector_state", lambda: self._dataset_states("sector"))

    def qubit_states(self) -> torch.Tensor:
        """``(N, 2^n)`` state vectors, complex128 (refused beyond the memory budget)."""
        need = len(self.ratios) * (8 if self.precision == "single" else 16) * 2**self.n_qubits
        if need > STATE_MEMORY_BUDGET:
            raise ProblemTooLargeError(
                f"{len(self.ratios)} qubit-basis states at n = {self.n_qubits} need "
                f"{need / 2**30:.1f} GiB (budget {STATE_MEMORY_BUDGET / 2**30:.0f} GiB); "
                "use the spin-sector family (EQCNN-sector, sector coordinates) or a smaller n"
            )
        return self._once("state", lambda: self._dataset_states("qubit"))

    def _mps_states(self) -> list[Any]:
        def make() -> list[Any]:
            from eqqnn.data import mps_ground_state

            return [mps_ground_state(self.n_qubits, float(r)) for r in self.ratios]

        return self._once("mps", make)

    def _uses_mps(self) -> bool:
        return self.n_qubits > DENSE_SHADOW_MAX_QUBITS

    def _mps_cached(self, form: str, make: Any) -> torch.Tensor:
        """MPS-derived inputs, kept in the cache folder (namespace ``mps_inputs``): DMRG at
        n = 64 takes seconds per state, so a resumed sweep should not redo it."""
        from eqqnn.data import DatasetCache, as_cache

        cache = as_cache(self.cache)
        if cache is None:
            return make()
        store = DatasetCache(cache.root, namespace="mps_inputs")
        params = {
            "form": form,
            "n_qubits": self.n_qubits,
            "ratios": [float(r) for r in self.ratios],
            "shots": self.shots,
            "seed": self.shadow_seed,
            "grid": self.grid.cache_params(),
        }
        arrays = store.get_or_create(params, lambda: {"inputs": make().numpy()})
        return torch.as_tensor(arrays["inputs"])

    def inputs(self, kind: InputKind) -> torch.Tensor:
        """The split's inputs in the form ``kind`` (built now if not yet built)."""
        if kind is InputKind.SECTOR_STATE:
            return self.sector_states()
        if kind is InputKind.STATE:
            return self.qubit_states()
        if kind is InputKind.SHADOWS:
            return self._once(kind.value, lambda: self._shadow_form("snapshot"))
        if kind is InputKind.CORRELATORS:
            return self._once(kind.value, lambda: self._shadow_form("correlator"))
        if kind is InputKind.EXACT_CORRELATORS:
            return self._once(kind.value, self._exact_correlators)
        raise InvalidParameterError(f"unsupported input kind {kind!r}")

    def _shadow_form(self, form: str) -> torch.Tensor:
        from eqqnn import data

        if self._uses_mps():
            make_mps = (
                data.mps_shadow_snapshot_tensor
                if form == "snapshot"
                else data.mps_shadow_correlator_tensor
            )
            return self._mps_cached(
                form,
                lambda: make_mps(
                    self._mps_states(), self.shots, seed=self.shadow_seed, dtype=torch.float64
                ),
            )
        make = data.shadow_snapshot_tensor if form == "snapshot" else data.shadow_correlator_tensor
        return make(self.qubit_states(), self.shots, seed=self.shadow_seed, dtype=torch.float64)

    def _exact_correlators(self) -> torch.Tensor:
        from eqqnn import data

        if self._uses_mps():
            return self._mps_cached(
                "exact_correlator",
                lambda: data.mps_exact_correlator_tensor(self._mps_states(), dtype=torch.float64),
            )
        return torch.as_tensor(
            np.stack([data.exact_correlators(s) for s in self.qubit_states().numpy()])
        )


class PhaseTask:
    """Training and test splits of one :class:`TaskSpec`; inputs built on request.

    Examples
    --------
    >>> task = PhaseTask(TaskSpec(4, 2, test_points=5), cache=False)
    >>> train, test = task.data_for(InputKind.SECTOR_STATE)
    >>> tuple(train.inputs.shape), tuple(test.inputs.shape), task.test.built
    ((2, 2), (5, 2), ('sector_state',))
    """

    def __init__(
        self,
        spec: TaskSpec,
        *,
        cache: object = True,
        precision: str = "double",
        test: SplitInputs | None = None,
    ) -> None:
        from eqqnn.data import DatasetConfig

        if not isinstance(spec, TaskSpec):
            raise InvalidParameterError(f"spec must be a TaskSpec, got {spec!r}")
        self.spec = spec
        n = spec.n_qubits
        train_grid = DatasetConfig.train_grid(n, spec.train_size, diagnostics=False)
        self.train = SplitInputs(
            n,
            train_grid.ratio_values(),
            train_grid,
            spec.shots,
            spec.shadow_seed,
            cache,
            precision,
        )
        if test is None:
            test = self.test_split(spec, cache=cache, precision=precision)
        self.test = test

    @staticmethod
    def test_split(
        spec: TaskSpec, *, cache: object = True, precision: str = "double"
    ) -> SplitInputs:
        """The test split of ``spec`` (shared by every training size of one n)."""
        from eqqnn.data import DatasetConfig

        grid = DatasetConfig.test_grid(spec.n_qubits, spec.test_points, diagnostics=False)
        return SplitInputs(
            spec.n_qubits,
            grid.ratio_values(),
            grid,
            spec.shots,
            spec.shadow_seed + 1,
            cache,
            precision,
        )

    @property
    def n_qubits(self) -> int:
        return self.spec.n_qubits

    def data_for(self, kind: InputKind) -> tuple[TensorData, TensorData]:
        """Training and test data in the form ``kind``."""
        return (
            TensorData(self.train.inputs(kind), self.train.labels),
            TensorData(self.test.inputs(kind), self.test.labels),
        )


def build_task(
    n_qubits: int,
    train_size: int,
    *,
    test_points: int = 101,
    shots: int = 1000,
    shadow_seed: int = 1234,
    cache: object = True,
) -> PhaseTask:
    """A :class:`PhaseTask` for one split (nothing is built until ``data_for``)."""
    spec = TaskSpec(n_qubits, train_size, test_points, shots, shadow_seed)
    return PhaseTask(spec, cache=cache)
