"""eqqnn: equivariant quantum neural networks and their classical group-equivariant mirror."""

from __future__ import annotations

from typing import Any

from eqqnn._version import __version__

__all__ = ["QuantumClassifier", "__version__", "load", "save"]


def __getattr__(name: str) -> Any:
    # imported lazily so that `import eqqnn` stays light (no torch import)
    if name == "QuantumClassifier":
        from eqqnn.models import QuantumClassifier

        return QuantumClassifier
    if name == "load":  # a saved model, a train run folder or a compare sweep folder
        from eqqnn.experiments import load

        return load
    if name == "save":  # write a model as a self-describing saved model
        from eqqnn.experiments import save_model

        return save_model
    raise AttributeError(f"module 'eqqnn' has no attribute {name!r}")
