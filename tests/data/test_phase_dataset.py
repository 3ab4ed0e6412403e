"""Tests of PhaseDataset (conversion, subsets, DataLoader)."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader

from eqqnn.data._dataset import build_dataset
from eqqnn.data._dataset_config import DatasetConfig


class TestTensors:
    def test_to_and_subset(self) -> None:
        data = build_dataset(DatasetConfig(4, [0.2, 0.6, 1.4, 1.8]), cache=None)
        wide = data.to(dtype=torch.complex128, label_dtype=torch.long)
        assert wide.states.dtype == torch.complex128 and wide.labels.dtype == torch.int64
        assert data.states.dtype == torch.complex64  # original untouched
        sub = data.subset([3, 0])
        assert sub.ratios.tolist() == [1.8, 0.2] and sub.labels.tolist() == [1.0, 0.0]
        assert sub.diagnostics["energy"].shape == (2,)
        assert "PhaseDataset(n=4" in repr(data)

    def test_dataloader(self) -> None:
        data = build_dataset(DatasetConfig(4, [0.2, 0.6, 1.4, 1.8]), cache=None)
        batches = list(DataLoader(data, batch_size=3))
        assert batches[0][0].shape == (3, 16) and batches[1][1].tolist() == [1.0]
