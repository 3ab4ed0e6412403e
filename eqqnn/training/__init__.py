"""The shared trainer: one loop for quantum and classical models."""

from eqqnn.training._checkpoint import load_checkpoint, save_checkpoint
from eqqnn.training._darts import DartsConfig, DartsResult, darts_search
from eqqnn.training._evolution import (
    ArchitectureMoves,
    Candidate,
    EvolutionConfig,
    SearchResult,
    evolve,
)
from eqqnn.training._family import (
    MODEL_KINDS,
    CosineSchedule,
    ModelFamily,
    check_families,
    screening,
)
from eqqnn.training._loop import (
    BreakingPenalty,
    TensorData,
    TrainConfig,
    TrainResult,
    accuracy,
    bce_loss,
    cast_precision,
    evaluate,
    mse_loss,
    predict_probabilities,
    resolve_device,
    train,
)
from eqqnn.training._parallel import ray_session, run_parallel

__all__ = [
    "MODEL_KINDS",
    "ArchitectureMoves",
    "BreakingPenalty",
    "Candidate",
    "CosineSchedule",
    "DartsConfig",
    "DartsResult",
    "EvolutionConfig",
    "ModelFamily",
    "SearchResult",
    "TensorData",
    "TrainConfig",
    "TrainResult",
    "accuracy",
    "bce_loss",
    "cast_precision",
    "check_families",
    "darts_search",
    "evaluate",
    "evolve",
    "load_checkpoint",
    "mse_loss",
    "predict_probabilities",
    "ray_session",
    "resolve_device",
    "run_parallel",
    "save_checkpoint",
    "screening",
    "train",
]
