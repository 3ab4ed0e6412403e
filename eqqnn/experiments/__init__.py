"""Experiments built on the library: the main quantum-vs-classical comparison."""

from eqqnn.experiments._compare import (
    RECORD_FIELDS,
    CompareConfig,
    plot_generalization,
    preset,
    run_compare,
    summarize,
)
from eqqnn.experiments._families import (
    ModelFamily,
    default_families,
    eqcnn_family,
    family_by_name,
    qcnn_family,
)
from eqqnn.experiments._task import PhaseTask, build_task

__all__ = [
    "RECORD_FIELDS",
    "CompareConfig",
    "ModelFamily",
    "PhaseTask",
    "build_task",
    "default_families",
    "eqcnn_family",
    "family_by_name",
    "plot_generalization",
    "preset",
    "qcnn_family",
    "run_compare",
    "summarize",
]
