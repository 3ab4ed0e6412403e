"""The shared trainer: one loop for quantum and classical models."""

from eqqnn.training._checkpoint import load_checkpoint, save_checkpoint
from eqqnn.training._loop import (
    BreakingPenalty,
    TensorData,
    TrainConfig,
    TrainResult,
    accuracy,
    bce_loss,
    evaluate,
    mse_loss,
    train,
)

__all__ = [
    "BreakingPenalty",
    "TensorData",
    "TrainConfig",
    "TrainResult",
    "accuracy",
    "bce_loss",
    "evaluate",
    "load_checkpoint",
    "mse_loss",
    "save_checkpoint",
    "train",
]
