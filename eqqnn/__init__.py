"""eqqnn: equivariant quantum neural networks and their classical group-equivariant mirror."""

from __future__ import annotations

__version__ = "0.1.0.dev0"

__all__ = ["__version__"]
