"""Experiments built on the library: the main quantum-vs-classical comparison.

A :class:`~eqqnn.training.ModelFamily` says what to build and how to train it, a
:class:`Job` pairs a family with a :class:`TaskSpec` split and a seed, :func:`run_job` turns
it into a :class:`JobRecord`; :func:`run_compare` sweeps a :class:`CompareConfig`.
"""

from eqqnn.experiments._budget import SweepEstimate, estimate_sweep, singlet_dimension
from eqqnn.experiments._compare import PRESETS, CompareConfig, preset, run_compare
from eqqnn.experiments._families import (
    DENSE_MAX_QUBITS,
    QCNN_MAX_QUBITS,
    ClassicalBuilder,
    QuantumBuilder,
    ShotSubsample,
    classical_families,
    default_families,
    eqcnn_family,
    family_by_name,
    family_names,
    qcnn_family,
)
from eqqnn.experiments._jobs import RECORD_FIELDS, Job, JobRecord, run_job
from eqqnn.experiments._saved import (
    SAVED_MODEL_FORMAT,
    SavedModelError,
    load,
    load_model,
    save_model,
)
from eqqnn.experiments._summary import (
    SummaryRow,
    plot_accuracy_vs_n,
    plot_generalization,
    summarize,
    write_outputs,
)
from eqqnn.experiments._task import (
    DENSE_SHADOW_MAX_QUBITS,
    PhaseTask,
    SplitInputs,
    TaskSpec,
    build_task,
)
from eqqnn.training import CosineSchedule, ModelFamily

__all__ = [
    "DENSE_MAX_QUBITS",
    "DENSE_SHADOW_MAX_QUBITS",
    "PRESETS",
    "QCNN_MAX_QUBITS",
    "RECORD_FIELDS",
    "SAVED_MODEL_FORMAT",
    "ClassicalBuilder",
    "CompareConfig",
    "CosineSchedule",
    "Job",
    "JobRecord",
    "ModelFamily",
    "PhaseTask",
    "QuantumBuilder",
    "SavedModelError",
    "ShotSubsample",
    "SplitInputs",
    "SummaryRow",
    "SweepEstimate",
    "TaskSpec",
    "build_task",
    "classical_families",
    "default_families",
    "eqcnn_family",
    "estimate_sweep",
    "family_by_name",
    "family_names",
    "load",
    "load_model",
    "plot_accuracy_vs_n",
    "plot_generalization",
    "preset",
    "qcnn_family",
    "run_compare",
    "run_job",
    "save_model",
    "singlet_dimension",
    "summarize",
    "write_outputs",
]
