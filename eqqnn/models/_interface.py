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

import enum
from typing import Protocol, runtime_checkable

import torch

__all__ = ["InputKind", "PhaseClassifier"]


class InputKind(enum.Enum):
    """What a model consumes from a quantum state."""

    STATE = "state"
    """State vectors ``(B, 2^n)`` complex (qubit basis) — quantum models."""
    SECTOR_STATE = "sector_state"
    """Singlet-sector coordinates ``(B, d_0)`` — the spin-sector quantum backend."""
    SHADOWS = "shadows"
    """Classical-shadow snapshot vectors ``(B, T, n, 3)`` real: ``3 s e_axis`` per site."""
    CORRELATORS = "correlators"
    """Estimated two-point correlators ``(B, n, n)`` real from shadows."""
    EXACT_CORRELATORS = "exact_correlators"
    """Exact ``<σ_i·σ_j>`` ``(B, n, n)`` real (an upper bound no learner would have)."""


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
