"""eqqnn: equivariant quantum neural networks and their classical group-equivariant mirror."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0.dev0"

__all__ = ["QuantumClassifier", "__version__"]


def __getattr__(name: str) -> Any:
    # imported lazily so that `import eqqnn` stays light (no torch import)
    if name == "QuantumClassifier":
        from eqqnn.models import QuantumClassifier

        return QuantumClassifier
    raise AttributeError(f"module 'eqqnn' has no attribute {name!r}")
