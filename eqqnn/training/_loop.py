r"""The shared training loop for every model (quantum or classical).

Minimizes the mean loss of predicted probabilities :math:`p_\theta(x_i)` against labels
:math:`y_i \in \{0, 1\}`:

.. math:: \mathcal L_{BCE} = -\frac1N\sum_i \big[y_i\log p_i + (1-y_i)\log(1-p_i)\big],
          \qquad \mathcal L_{MSE} = \frac1N\sum_i (p_i - y_i)^2 ,

with full-batch or seeded mini-batch steps, an optional learning-rate schedule, early
stopping on the training loss, evaluation on a test set, metrics per epoch as JSON lines
and atomic checkpoints that make a killed run resumable to the same final result.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from eqqnn._progress import progress_report
from eqqnn._validation import check_int, check_real
from eqqnn.errors import DimensionError, InvalidParameterError
from eqqnn.training._checkpoint import (
    capture_rng_state,
    load_checkpoint,
    restore_rng_state,
    save_checkpoint,
)

__all__ = [
    "BreakingPenalty",
    "TensorData",
    "TrainConfig",
    "TrainResult",
    "accuracy",
    "bce_loss",
    "cast_precision",
    "evaluate",
    "mse_loss",
    "resolve_device",
    "train",
]


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``"auto"``/``None``: CUDA when available, else CPU; otherwise the named device."""
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise InvalidParameterError(
            f"unknown device {device!r}; expected 'cpu', 'cuda', 'cuda:k' or 'auto'"
        ) from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InvalidParameterError(f"device {device!r} requested but CUDA is not available")
    return dev


def cast_precision(data: TensorData, precision: str) -> TensorData:
    """``"double"`` keeps complex128/float64; ``"single"`` casts to complex64/float32."""
    if precision not in ("double", "single"):
        raise InvalidParameterError(f"precision must be 'double' or 'single', got {precision!r}")
    x = data.inputs
    if precision == "single":
        x = x.to(torch.complex64) if x.is_complex() else x.to(torch.float32)
    else:
        x = x.to(torch.complex128) if x.is_complex() else x.to(torch.float64)
    return TensorData(x, data.labels)


def bce_loss(p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy on probabilities (clamped to ``[1e-7, 1 - 1e-7]``)."""
    p = p.clamp(1e-7, 1 - 1e-7)
    return -(y * torch.log(p) + (1 - y) * torch.log1p(-p)).mean()


def mse_loss(p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean squared error between probabilities and labels."""
    return ((p - y) ** 2).mean()


def accuracy(p: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of predictions ``p > 1/2`` equal to the labels."""
    return float(((p.detach() > 0.5).to(y.dtype) == y).to(torch.float64).mean())


@dataclass(frozen=True)
class TensorData:
    """Inputs and 0/1 labels for one model (inputs in the form the model consumes)."""

    inputs: torch.Tensor
    labels: torch.Tensor

    def __post_init__(self) -> None:
        if self.inputs.shape[0] != self.labels.shape[0]:
            raise DimensionError(f"{self.inputs.shape[0]} inputs but {self.labels.shape[0]} labels")

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def to(self, device: torch.device | str) -> TensorData:
        return TensorData(self.inputs.to(device), self.labels.to(device))


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of :func:`train`."""

    epochs: int = 100
    """Number of passes over the training data."""
    lr: float = 0.05
    """Learning rate."""
    optimizer: Callable[..., torch.optim.Optimizer] = torch.optim.Adam
    """Optimizer class (or factory ``(params, lr=...) -> Optimizer``)."""
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = bce_loss
    """Loss on (probabilities, labels)."""
    batch_size: int | None = None
    """Mini-batch size; ``None`` trains full-batch."""
    schedule: Callable[[torch.optim.Optimizer], Any] | None = None
    """Optional LR-scheduler factory, stepped once per epoch."""
    patience: int | None = None
    """Stop when the training loss has not improved by ``min_delta`` for this many epochs."""
    min_delta: float = 1e-6
    """Improvement threshold of early stopping."""
    seed: int = 0
    """Seed of mini-batch shuffling (and of the RNG state saved in checkpoints)."""
    eval_every: int = 1
    """Evaluate on the test data every this many epochs (and at the end)."""
    eval_batch_size: int = 4096
    """Inputs per forward pass of an evaluation (bounds its memory for large states)."""
    checkpoint_every: int = 0
    """Write a checkpoint every this many epochs (0: only at the end when a run dir is set)."""
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None
    """Optional data augmentation ``(inputs, generator) -> inputs`` applied to every training
    batch; the generator is seeded from ``seed`` and the epoch, so runs are reproducible."""
    regularizer: Callable[[nn.Module, int], torch.Tensor] | None = None
    """Optional penalty ``(model, epoch) -> scalar`` added to the loss (e.g. constraint
    relaxation: :class:`BreakingPenalty`)."""

    def __post_init__(self) -> None:
        check_int("epochs", self.epochs, minimum=0)
        check_real("lr", self.lr, minimum=0.0, allow_equal=False)
        if self.batch_size is not None:
            check_int("batch_size", self.batch_size, minimum=1)
        if self.patience is not None:
            check_int("patience", self.patience, minimum=1)
        check_int("seed", self.seed, minimum=0)
        check_int("eval_every", self.eval_every, minimum=1)
        check_int("eval_batch_size", self.eval_batch_size, minimum=1)
        check_int("checkpoint_every", self.checkpoint_every, minimum=0)

    def fingerprint(self, *, exclude: tuple[str, ...] = ()) -> str:
        """Stable hash of the settings (callables by qualified name), without ``exclude``."""
        items = {}
        for f in dataclasses.fields(self):
            if f.name in exclude:
                continue
            v = getattr(self, f.name)
            items[f.name] = getattr(v, "__qualname__", None) or repr(v) if callable(v) else v
        return hashlib.sha256(json.dumps(items, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class TrainResult:
    """What :func:`train` returns."""

    history: list[dict[str, float]] = field(default_factory=list)
    train_accuracy: float = math.nan
    test_accuracy: float = math.nan
    final_loss: float = math.nan
    epochs_run: int = 0
    stopped_early: bool = False
    seconds: float = 0.0
    test_probabilities: list[float] = field(default_factory=list)
    """The trained model's probability of label 1 on each test input, in order."""


@dataclass(frozen=True)
class BreakingPenalty:
    r"""Constraint relaxation (Pertigkiozoglou et al.): penalize symmetry-breaking parameters
    with a weight that grows during training, annealing the model back to equivariance.

    .. math:: R(\theta, t) = \lambda(t) \sum_{s \in \text{breaking}} \theta_s^2, \qquad
              \lambda(t) = \lambda_0\, \gamma^{t}

    Works with any model exposing ``circuit`` and ``weights`` (a relaxed
    :class:`~eqqnn.QuantumClassifier`).
    """

    start: float = 1e-3
    """Penalty weight at epoch 0."""
    growth: float = 1.1
    """Multiplicative growth per epoch (1: constant penalty)."""

    def __call__(self, model: nn.Module, epoch: int) -> torch.Tensor:
        from eqqnn.circuits import ParamRole

        slots = model.circuit.param_slots(ParamRole.BREAKING)  # type: ignore[union-attr]
        weights = model.weights  # type: ignore[union-attr]
        return self.start * self.growth**epoch * (weights[torch.as_tensor(slots)] ** 2).sum()


#: Settings a resumed run may change: the length, and how often the test set is watched
#: (evaluation does not touch the training trajectory).
_EXTENSIBLE = ("epochs", "eval_every")


def _check_resumable(state: dict, cfg: TrainConfig, path: Path) -> None:
    """A checkpoint resumes under the same config, or under a larger ``epochs`` alone
    (extending a run: with no epoch-dependent schedule, epoch ``k`` of the longer run is
    epoch ``k`` of the shorter one, so the result equals an uninterrupted longer run)."""
    if state["config_fingerprint"] == cfg.fingerprint():
        return
    base = state.get("config_fingerprint_base")
    if base is not None and base == cfg.fingerprint(exclude=_EXTENSIBLE):
        done = int(state["epoch"])
        if cfg.epochs < done:
            raise InvalidParameterError(
                f"checkpoint {path} is at epoch {done}; cannot resume it with epochs="
                f"{cfg.epochs} (ask for at least {done})"
            )
        return
    hint = (
        " (an epoch-dependent learning-rate schedule cannot be extended)"
        if cfg.schedule is not None
        else ""
    )
    raise InvalidParameterError(
        f"checkpoint {path} was written with a different training config{hint}; resume "
        "with the same settings, change only --epochs to extend, or start a new run folder"
    )


@torch.no_grad()
def evaluate(
    model: nn.Module, data: TensorData, loss: Callable = bce_loss, batch_size: int = 4096
) -> dict[str, float]:
    """Loss and accuracy of ``model`` on ``data`` (no gradients)."""
    probs = predict_probabilities(model, data, batch_size)
    labels = data.labels.to(probs.dtype)
    return {"loss": float(loss(probs, labels)), "accuracy": accuracy(probs, labels)}


@torch.no_grad()
def predict_probabilities(
    model: nn.Module, data: TensorData, batch_size: int = 4096
) -> torch.Tensor:
    """``model``'s probability of label 1 on every input of ``data``, in chunks of
    ``batch_size`` rows, in eval mode (no gradients)."""
    was_training = model.training
    model.eval()
    probs = torch.cat(
        [model(data.inputs[i : i + batch_size]) for i in range(0, len(data), batch_size)]
    )
    model.train(was_training)
    return probs


def train(
    model: nn.Module,
    train_data: TensorData,
    test_data: TensorData | None = None,
    config: TrainConfig | None = None,
    *,
    run_dir: str | Path | None = None,
    resume: bool = False,
    progress: bool | None = None,
    tensorboard: bool = False,
    label: str | None = None,
) -> TrainResult:
    """Train ``model`` (any :class:`~eqqnn.models.PhaseClassifier`) and evaluate it.

    Parameters
    ----------
    model
        Module mapping a batch of inputs to probabilities of label 1.
    train_data, test_data
        :class:`TensorData` in the form the model consumes.
    config
        :class:`TrainConfig`.
    run_dir
        Folder for ``metrics.jsonl`` and ``checkpoint.pt``; nothing is written when None.
    resume
        Continue from ``run_dir/checkpoint.pt`` (same config required); the resumed run
        reaches the same final parameters as an uninterrupted one with the same seed.
    progress
        Report progress on stderr: a bar on a terminal, elsewhere a line every 30 s of a
        long run (default); ``False``: nothing.
    tensorboard
        Also log scalars to ``run_dir/tensorboard`` (needs the ``tensorboard`` package).
    label
        Label of the progress bar (default: the model's ``name`` or class name).

    Examples
    --------
    >>> torch.manual_seed(0) and None
    >>> model = torch.nn.Sequential(torch.nn.Linear(1, 1), torch.nn.Sigmoid(),
    ...                             torch.nn.Flatten(0))
    >>> x = torch.linspace(-1, 1, 20)[:, None]; y = (x[:, 0] > 0).float()
    >>> result = train(model, TensorData(x, y), config=TrainConfig(epochs=200, lr=0.1))
    >>> result.train_accuracy
    1.0
    """
    cfg = config or TrainConfig()
    start = time.perf_counter()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = cfg.optimizer(params, lr=cfg.lr)
    scheduler = cfg.schedule(optimizer) if cfg.schedule is not None else None
    result = TrainResult()
    first_epoch = 0
    best, stale = math.inf, 0
    run_dir = Path(run_dir) if run_dir is not None else None
    ckpt_path = run_dir / "checkpoint.pt" if run_dir else None
    if resume:
        if ckpt_path is None:
            raise InvalidParameterError("resume=True needs a run_dir holding checkpoint.pt")
        if ckpt_path.exists():
            state = load_checkpoint(ckpt_path)
            _check_resumable(state, cfg, ckpt_path)
            try:
                model.load_state_dict(state["model"])
            except RuntimeError as exc:
                raise InvalidParameterError(
                    f"checkpoint {ckpt_path} was written for a different model (another "
                    f"family, size or configuration); start a new run folder. Details: {exc}"
                ) from None
            optimizer.load_state_dict(state["optimizer"])
            if scheduler is not None and state.get("scheduler"):
                scheduler.load_state_dict(state["scheduler"])
            restore_rng_state(state["rng"])
            first_epoch = int(state["epoch"])
            result.history = json.loads(state["history"])
            best, stale = float(state["best"]), int(state["stale"])
            result.stopped_early = bool(state["stopped_early"])
    metrics_fh = None
    writer = None
    if run_dir is not None:
        run_dir.mkdir(parents=True, exist_ok=True)
        metrics_path = run_dir / "metrics.jsonl"
        # rewrite the log from the (possibly resumed) history so nothing is duplicated
        metrics_path.write_text("".join(json.dumps(h) + "\n" for h in result.history))
        metrics_fh = metrics_path.open("a")
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            writer = SummaryWriter(str(run_dir / "tensorboard"))
    n = len(train_data)
    labels = train_data.labels
    bar = progress_report(
        progress, cfg.epochs, label or getattr(model, "name", type(model).__name__)
    )

    def checkpoint(epoch: int) -> None:
        if ckpt_path is None:
            return
        save_checkpoint(
            ckpt_path,
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict() if scheduler is not None else {},
                "rng": capture_rng_state(),
                "epoch": epoch,
                "history": json.dumps(result.history),
                "best": best,
                "stale": stale,
                "stopped_early": result.stopped_early,
                "config_fingerprint": cfg.fingerprint(),
                "config_fingerprint_base": cfg.fingerprint(exclude=_EXTENSIBLE),
            },
        )

    try:
        epoch = first_epoch
        for epoch in range(first_epoch + 1, cfg.epochs + 1):
            if result.stopped_early:
                break
            model.train()
            if cfg.batch_size is None or cfg.batch_size >= n:
                batches = [torch.arange(n)]
            else:
                gen = torch.Generator().manual_seed(cfg.seed * 1_000_003 + epoch)
                order = torch.randperm(n, generator=gen)
                batches = list(order.split(cfg.batch_size))
            total, correct = 0.0, 0.0
            for idx in batches:
                optimizer.zero_grad()
                idx = idx.to(train_data.inputs.device)
                inputs = train_data.inputs[idx]
                if cfg.augment is not None:
                    gen = torch.Generator().manual_seed(
                        cfg.seed * 7_919 + epoch * 104_729 + int(idx[0])
                    )
                    inputs = cfg.augment(inputs, gen)
                p = model(inputs)
                loss = cfg.loss(p, labels[idx].to(p.dtype))
                objective = (
                    loss if cfg.regularizer is None else loss + cfg.regularizer(model, epoch)
                )
                objective.backward()
                optimizer.step()
                total += float(loss.detach()) * len(idx)
                correct += accuracy(p, labels[idx].to(p.dtype)) * len(idx)
            if scheduler is not None:
                scheduler.step()
            epoch_loss = total / n
            record: dict[str, float] = {
                "epoch": epoch,
                "loss": epoch_loss,
                "train_accuracy": correct / n,
                "lr": optimizer.param_groups[0]["lr"],
            }
            if test_data is not None and (epoch % cfg.eval_every == 0 or epoch == cfg.epochs):
                ev = evaluate(model, test_data, cfg.loss, cfg.eval_batch_size)
                record["test_loss"], record["test_accuracy"] = ev["loss"], ev["accuracy"]
            record["seconds"] = time.perf_counter() - start
            result.history.append(record)
            if metrics_fh is not None:
                metrics_fh.write(json.dumps(record) + "\n")
                metrics_fh.flush()
            if writer is not None:
                for key, value in record.items():
                    writer.add_scalar(key, value, epoch)
            if epoch_loss < best - cfg.min_delta:
                best, stale = epoch_loss, 0
            else:
                stale += 1
                if cfg.patience is not None and stale >= cfg.patience:
                    result.stopped_early = True
            if cfg.checkpoint_every and epoch % cfg.checkpoint_every == 0:
                checkpoint(epoch)
            if bar is not None:
                bar.advance()
        result.epochs_run = len(result.history)
        checkpoint(max(epoch, first_epoch))
    finally:
        if bar is not None:
            bar.stop()
        if metrics_fh is not None:
            metrics_fh.close()
        if writer is not None:
            writer.close()
    final_train = evaluate(model, train_data, cfg.loss, cfg.eval_batch_size)
    result.train_accuracy = final_train["accuracy"]
    result.final_loss = final_train["loss"]
    if test_data is not None:
        probs = predict_probabilities(model, test_data, cfg.eval_batch_size)
        result.test_accuracy = accuracy(probs, test_data.labels.to(probs.dtype))
        result.test_probabilities = [float(p) for p in probs.detach().cpu()]
    result.seconds = time.perf_counter() - start
    return result
