"""The base of the classical classifiers and the checks their configs share."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import torch
from torch import nn

from eqqnn._validation import check_int
from eqqnn.classical._common import count_parameters
from eqqnn.errors import InvalidParameterError
from eqqnn.models import InputKind

__all__ = [
    "SNAPSHOT_SCALE",
    "ClassicalClassifier",
    "check_callables",
    "check_even_sites",
    "check_positive",
    "resolve_config",
]

#: Norm of a shadow snapshot vector ``3 s e_axis``; inputs are divided by it.
SNAPSHOT_SCALE = 3.0


def check_positive(config: object, *names: str) -> None:
    """Each named field of ``config`` is an integer >= 1."""
    for name in names:
        check_int(name, getattr(config, name), minimum=1)


def check_callables(config: object, *names: str) -> None:
    """Each named field of ``config`` is callable."""
    for name in names:
        if not callable(getattr(config, name)):
            raise InvalidParameterError(f"{name} must be callable, got {getattr(config, name)!r}")


def check_even_sites(n: int) -> None:
    """``n`` is an even integer >= 2."""
    check_int("n_sites", n, minimum=2)
    if n % 2:
        raise InvalidParameterError(f"n_sites must be even, got {n}")


def resolve_config(config_cls: type, config: Any, overrides: dict[str, Any]) -> Any:
    """``config`` (default ``config_cls()``) with the keyword ``overrides`` replaced."""
    config = config_cls() if config is None else config
    if not isinstance(config, config_cls):
        raise InvalidParameterError(
            f"config must be a {config_cls.__name__}, got {type(config).__name__}"
        )
    known = {f.name for f in fields(config_cls)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise InvalidParameterError(
            f"unknown {config_cls.__name__} fields {unknown}; expected some of {sorted(known)}"
        )
    return replace(config, **overrides) if overrides else config


class ClassicalClassifier(nn.Module):
    """Shared interface of the classical models: probabilities from logits, parameter count.

    Subclasses set ``input_kind`` and ``config`` and implement :meth:`logits`.
    """

    kind = "classical"
    input_kind: InputKind

    @property
    def n_parameters(self) -> int:
        """Number of trainable real parameters."""
        return count_parameters(self)

    def logits(self, batch: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        """Probabilities of label 1, shape ``(B,)``."""
        return torch.sigmoid(self.logits(batch))
