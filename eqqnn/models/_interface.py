"""The interface every trainable model shares (quantum or classical).

A model is a ``torch.nn.Module`` with

* ``forward(batch) -> (B,)`` probabilities of label 1 (Haldane phase);
* ``n_parameters`` — trainable real parameters;
* ``kind`` — ``"quantum"`` or ``"classical"``;
* ``input_kind`` — an :class:`InputKind` naming what ``batch`` is, so the trainer feeds
  each model the representation of the data it consumes;
* ``input_description`` — one human-readable line.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch

from eqqnn._input_kind import InputKind

__all__ = ["InputKind", "PhaseClassifier"]


@runtime_checkable
class PhaseClassifier(Protocol):
    """Structural type of the models the shared trainer runs."""

    kind: str
    input_kind: InputKind

    @property
    def n_parameters(self) -> int: ...

    @property
    def input_description(self) -> str: ...

    def __call__(self, batch: torch.Tensor) -> torch.Tensor: ...
