r"""One definition of a *model family*: how to build a model and how to train it.

A family is data — a frozen dataclass holding a picklable builder and its training
settings — so the main comparison, the studies and ``eqqnn train`` share one type, and
sweeps can ship families to worker processes or a Ray cluster.  Every family has a
distinct :attr:`ModelFamily.name`, the key of its rows in tables and records.

Learning-rate schedules are frozen dataclasses too (:class:`CosineSchedule`), called
with the optimizer and the number of epochs, so a family's schedule follows its epochs
when a sweep changes them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from eqqnn._validation import check_int, check_real
from eqqnn.errors import InvalidParameterError
from eqqnn.models import InputKind
from eqqnn.training._loop import TrainConfig

__all__ = ["MODEL_KINDS", "CosineSchedule", "ModelFamily", "check_families", "screening"]

#: Allowed values of :attr:`ModelFamily.kind`.
MODEL_KINDS = ("quantum", "classical")


@dataclass(frozen=True)
class CosineSchedule:
    r"""Cosine decay of the learning rate over the run, stepped once per epoch.

    .. math:: \eta_t = \eta_{min} + \tfrac12(\eta_0 - \eta_{min})(1 + \cos(\pi t / T))

    with :math:`\eta_{min} = \texttt{floor}\cdot\eta_0` and :math:`T` the epochs.
    """

    floor: float = 0.0
    """Final learning rate as a fraction of the initial one."""

    def __post_init__(self) -> None:
        check_real("floor", self.floor, minimum=0.0)
        if self.floor > 1:
            raise InvalidParameterError(f"floor must lie in [0, 1], got {self.floor!r}")

    def __call__(self, optimizer: torch.optim.Optimizer, epochs: int) -> Any:
        lr0 = optimizer.param_groups[0]["lr"]
        return torch.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=max(1, epochs), eta_min=self.floor * lr0
        )


#: Most epochs a screened candidate trains: 30 sufficed to tell the poor minima at n = 20
#: apart, and a length that stops growing with the run lets a finished run of >= 150
#: epochs be extended (``eqqnn train --resume --epochs M``) to exactly the result of an
#: uninterrupted M-epoch run.
SCREENING_EPOCHS_CAP = 30


def screening(epochs: int, restarts: int, fraction: float = 0.2) -> dict[str, int]:
    """``restarts`` and ``restart_epochs`` for a run of ``epochs``: each candidate trains
    ``fraction`` of the run (at least one epoch, at most :data:`SCREENING_EPOCHS_CAP`);
    runs too short to split screen nothing.

    >>> screening(150, 3), screening(300, 3)
    ({'restarts': 3, 'restart_epochs': 30}, {'restarts': 3, 'restart_epochs': 30})
    >>> screening(3, 3)
    {'restarts': 1, 'restart_epochs': 1}
    """
    share = min(SCREENING_EPOCHS_CAP, int(epochs * fraction))
    if restarts <= 1 or share < 1 or share >= epochs:
        return {"restarts": 1, "restart_epochs": max(1, share)}
    return {"restarts": restarts, "restart_epochs": share}


@dataclass(frozen=True)
class _EpochBoundSchedule:
    """A family schedule with its epochs bound: the one-argument factory of TrainConfig
    (a dataclass, so its repr — and the config fingerprint — is stable across processes)."""

    schedule: Callable[[torch.optim.Optimizer, int], Any]
    epochs: int

    def __call__(self, optimizer: torch.optim.Optimizer) -> Any:
        return self.schedule(optimizer, self.epochs)


@dataclass(frozen=True)
class ModelFamily:
    """One kind of model in a comparison or a study: builder plus training settings.

    Examples
    --------
    >>> def build(n_qubits, seed):
    ...     return nn.Linear(n_qubits, 1)
    >>> fam = ModelFamily("Linear", "classical", InputKind.CORRELATORS, build)
    >>> fam.with_training(epochs=5).epochs, fam.train_config(seed=1).lr
    (5, 0.01)
    """

    name: str
    """Label in tables, plots and records; distinct within a comparison."""
    kind: str
    """``"quantum"`` or ``"classical"``."""
    input_kind: InputKind
    """What the models consume (the task prepares only this form of the data)."""
    build: Callable[[int, int], nn.Module]
    """``(n_qubits, seed) -> model``; picklable (module-level function or partial)."""
    backend: str = "torch"
    """Simulator or hardware description recorded with the results."""
    lr: float = 0.01
    """Learning rate (Adam)."""
    epochs: int = 100
    """Training epochs (full batch)."""
    schedule: Callable[[torch.optim.Optimizer, int], Any] | None = None
    """Optional LR schedule ``(optimizer, epochs) -> scheduler`` (e.g. :class:`CosineSchedule`)."""
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None
    """Optional per-batch transform of the training inputs ``(inputs, generator) -> inputs``."""
    role: str = ""
    """What the family stands for in a study (``equivariant``, ``augmented``, ...)."""
    max_qubits: int | None = None
    """Largest chain the family's simulator runs within a sweep's budget (None: no limit);
    presets skip larger n for this family."""
    restarts: int = 1
    """Initializations screened per run: each trains ``restart_epochs`` epochs, the one
    with the lowest training loss continues (1: no screening)."""
    restart_epochs: int = 30
    """Epochs of each screened initialization (they count towards :attr:`epochs`)."""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidParameterError(f"name must be a non-empty string, got {self.name!r}")
        if self.kind not in MODEL_KINDS:
            raise InvalidParameterError(f"kind must be one of {MODEL_KINDS}, got {self.kind!r}")
        if not isinstance(self.input_kind, InputKind):
            raise InvalidParameterError(f"input_kind must be an InputKind, got {self.input_kind!r}")
        for field_name in ("build", "schedule", "augment"):
            value = getattr(self, field_name)
            if value is not None and not callable(value):
                raise InvalidParameterError(f"{field_name} must be callable, got {value!r}")
        if self.build is None:
            raise InvalidParameterError("build must be callable, got None")
        check_real("lr", self.lr, minimum=0.0, allow_equal=False)
        if not math.isfinite(self.lr):
            raise InvalidParameterError(f"lr must be finite, got {self.lr!r}")
        check_int("epochs", self.epochs, minimum=0)
        if self.max_qubits is not None:
            check_int("max_qubits", self.max_qubits, minimum=2)
        check_int("restarts", self.restarts, minimum=1)
        check_int("restart_epochs", self.restart_epochs, minimum=1)
        if self.restarts > 1 and self.restart_epochs >= self.epochs:
            raise InvalidParameterError(
                f"restart_epochs must be < epochs when restarts > 1, got "
                f"restart_epochs={self.restart_epochs}, epochs={self.epochs}"
            )

    def with_training(
        self,
        *,
        epochs: int | None = None,
        lr: float | None = None,
        schedule: Callable[[torch.optim.Optimizer, int], Any] | None = None,
    ) -> ModelFamily:
        """A copy with other training settings (``None`` keeps the current one)."""
        changes: dict[str, Any] = {}
        if epochs is not None:
            changes["epochs"] = epochs
            if self.restarts > 1:  # screen for the same fraction of the run
                changes.update(screening(epochs, self.restarts, self.restart_epochs / self.epochs))
        if lr is not None:
            changes["lr"] = lr
        if schedule is not None:
            changes["schedule"] = schedule
        return dataclasses.replace(self, **changes)

    def supports(self, n_qubits: int) -> bool:
        """Whether ``n_qubits`` is within :attr:`max_qubits`."""
        return self.max_qubits is None or n_qubits <= self.max_qubits

    def train_config(self, seed: int, **overrides: Any) -> TrainConfig:
        """The :class:`~eqqnn.training.TrainConfig` of one run of this family (all of
        :attr:`epochs`; with restarts the caller splits them, see
        :func:`eqqnn.experiments.run_job`)."""
        schedule = (
            None if self.schedule is None else _EpochBoundSchedule(self.schedule, self.epochs)
        )
        settings: dict[str, Any] = {
            "epochs": self.epochs,
            "lr": self.lr,
            "seed": seed,
            "eval_every": max(1, self.epochs),
            "augment": self.augment,
            "schedule": schedule,
        }
        settings.update(overrides)
        return TrainConfig(**settings)


_INPUT_NAMES = {
    InputKind.SHADOWS: "shadow snapshots",
    InputKind.STATE: "dense states",
    InputKind.SECTOR_STATE: "sector states",
    InputKind.CORRELATORS: "shadow correlators",
    InputKind.EXACT_CORRELATORS: "exact correlators",
}


def check_families(
    name: str,
    families: object,
    *,
    kind: str,
    input_kind: InputKind,
    allow_empty: bool = True,
) -> None:
    """Raise :class:`~eqqnn.errors.InvalidParameterError` unless ``families`` is a tuple (or
    list) of :class:`ModelFamily` of ``kind`` on ``input_kind``; the message names the bad
    value."""
    if not isinstance(families, tuple | list) or (not allow_empty and not families):
        what = "a tuple" if allow_empty else "a non-empty tuple"
        raise InvalidParameterError(f"{name} must be {what} of ModelFamily, got {families!r}")
    for f in families:
        if not isinstance(f, ModelFamily):
            raise InvalidParameterError(f"{name} must be a tuple of ModelFamily, got {f!r}")
        if f.kind != kind:
            raise InvalidParameterError(
                f"{name} must hold {kind} families, got {f.name!r} of kind {f.kind!r}"
            )
        if f.input_kind is not input_kind:
            raise InvalidParameterError(
                f"{name} must hold families on {_INPUT_NAMES[input_kind]} ({input_kind}), got "
                f"{f.name!r} on {f.input_kind}"
            )
