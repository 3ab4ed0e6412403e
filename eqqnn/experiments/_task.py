r"""The phase-classification task: ground states on a training grid and a test grid,
turned into the input each model family consumes.

Training ratios are ``train_size`` points placed symmetrically about the transition
:math:`r = 1` (:func:`eqqnn.data.train_ratios`); the test grid has ``test_points``
uniform ratios in :math:`[0, 2]` excluding :math:`r = 1` (:func:`eqqnn.data.test_ratios`).
Classical inputs come from seeded classical shadows (``shots`` randomized Pauli
measurements per state) or from exact correlators.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from eqqnn.models import InputKind
from eqqnn.training import TensorData

__all__ = ["PhaseTask", "build_task"]


@dataclass(frozen=True)
class PhaseTask:
    """States, labels and ratios of one (n_qubits, train_size) split."""

    n_qubits: int
    train_states: torch.Tensor
    train_labels: torch.Tensor
    train_ratios: np.ndarray
    test_states: torch.Tensor
    test_labels: torch.Tensor
    test_ratios: np.ndarray
    shots: int
    shadow_seed: int
    train_sector: torch.Tensor | None = None
    test_sector: torch.Tensor | None = None

    def data_for(self, kind: InputKind) -> tuple[TensorData, TensorData]:
        """Training and test data in the form ``kind``."""
        return (
            TensorData(self._inputs(kind, "train"), self.train_labels),
            TensorData(self._inputs(kind, "test"), self.test_labels),
        )

    def _inputs(self, kind: InputKind, split: str) -> torch.Tensor:
        from eqqnn.data import exact_correlators, shadow_correlator_tensor, shadow_snapshot_tensor

        states = self.train_states if split == "train" else self.test_states
        seed = self.shadow_seed + (0 if split == "train" else 1)
        if kind is InputKind.STATE:
            return states
        if kind is InputKind.SECTOR_STATE:
            sector = self.train_sector if split == "train" else self.test_sector
            if sector is None:
                raise ValueError("this task was built without sector states (sector=False)")
            return sector
        if kind is InputKind.SHADOWS:
            return shadow_snapshot_tensor(states, self.shots, seed=seed, dtype=torch.float64)
        if kind is InputKind.CORRELATORS:
            return shadow_correlator_tensor(states, self.shots, seed=seed, dtype=torch.float64)
        if kind is InputKind.EXACT_CORRELATORS:
            return torch.as_tensor(np.stack([exact_correlators(s) for s in states.numpy()]))
        raise ValueError(f"unsupported input kind {kind!r}")


def build_task(
    n_qubits: int,
    train_size: int,
    *,
    test_points: int = 101,
    shots: int = 1000,
    shadow_seed: int = 1234,
    sector: bool = False,
    cache: object = True,
) -> PhaseTask:
    """Ground states of the bond-alternating Heisenberg chain for one split (cached)."""
    from eqqnn.data import DatasetConfig, build_dataset

    kwargs = {"cache": cache, "dtype": torch.complex128, "progress": False}
    train = build_dataset(
        DatasetConfig.train_grid(n_qubits, train_size, diagnostics=False), **kwargs
    )
    test = build_dataset(
        DatasetConfig.test_grid(n_qubits, test_points, diagnostics=False), **kwargs
    )
    train_sector = test_sector = None
    if sector:
        train_sector = build_dataset(
            DatasetConfig.train_grid(n_qubits, train_size, diagnostics=False, state_form="sector"),
            **kwargs,
        ).states
        test_sector = build_dataset(
            DatasetConfig.test_grid(n_qubits, test_points, diagnostics=False, state_form="sector"),
            **kwargs,
        ).states
    return PhaseTask(
        n_qubits=n_qubits,
        train_states=train.states,
        train_labels=train.labels.double(),
        train_ratios=train.ratios.numpy(),
        test_states=test.states,
        test_labels=test.labels.double(),
        test_ratios=test.ratios.numpy(),
        shots=shots,
        shadow_seed=shadow_seed,
        train_sector=train_sector,
        test_sector=test_sector,
    )
