"""The input forms of the models and backends (the bottom of the import graph: models,
backends, data and the trainer all name them)."""

from __future__ import annotations

import enum

__all__ = ["InputKind"]


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
