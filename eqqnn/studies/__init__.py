"""Approximate and partial equivariance: five studies that put the seed papers' claims to
the test on the phase-classification task and on teacher-generated data.

* :func:`run_tradeoff` — approximation–generalization trade-off (Petrache & Trivedi);
* :func:`run_augmentation` — equivariance vs data augmentation (Nordenfors et al.);
* :func:`run_layerwise` — layerwise emergence of equivariance (Bökman & Kahl);
* :func:`run_learned_degree` — learned per-layer degree of equivariance (Veefkind & Cesa);
* :func:`run_nas` — equivariance-aware architecture search (Maile et al.): evolution with
  relaxation morphisms and DARTS, on a classical and a quantum task with a known answer.

Each takes a frozen config (``quick()`` and ``tiny()`` presets), writes
``out/<study>.json`` and ``out/<study>.png`` and returns the result dict;
:func:`format_result` renders its tables and findings as text.  Models are
:class:`~eqqnn.training.ModelFamily` data.  The classical mirror
(:func:`default_classical_families`: families of kind ``"classical"`` — models of
:mod:`eqqnn.classical` on classical-shadow snapshots, with SO(3) acting on the snapshot
vectors) runs inside the trade-off and augmentation studies; the layerwise study runs MLPs
(with and without octahedral augmentation) and the O-invariant ShadowGCNN on shadows with
permutation-aligned layer errors (:func:`eqqnn.metrics.feature_equivariance_errors`), and
the learned-degree study a :math:`D_n` network with
:class:`~eqqnn.classical.LearnedDegreeLinear` and :class:`~eqqnn.classical.GroupMixtureLinear`
students.
"""

from eqqnn.studies._augmentation import QuadratureAugmentation, run_augmentation
from eqqnn.studies._augmentation_config import Arm, AugmentationConfig
from eqqnn.studies._classical import (
    OctahedralRotation,
    ShadowRotation,
    classical_invariance_error,
    default_classical_families,
    rotate_snapshots,
    shadow_inputs,
)
from eqqnn.studies._common import (
    RESULT_KEYS,
    EpochProbe,
    HaarRotation,
    OptimizerSpec,
    SlotMask,
    fixed_degree,
    format_result,
    layer_distances,
    random_states,
)
from eqqnn.studies._degree import DegreeConfig, run_learned_degree
from eqqnn.studies._layerwise import run_layerwise
from eqqnn.studies._layerwise_classical import snapshot_layers
from eqqnn.studies._layerwise_config import LayerwiseConfig
from eqqnn.studies._nas import run_nas
from eqqnn.studies._nas_config import NasConfig
from eqqnn.studies._nas_tasks import RingNet, chirality_data, ring_net
from eqqnn.studies._tradeoff import ChainBreaking, TradeoffConfig, run_tradeoff

__all__ = [
    "RESULT_KEYS",
    "Arm",
    "AugmentationConfig",
    "ChainBreaking",
    "DegreeConfig",
    "EpochProbe",
    "HaarRotation",
    "LayerwiseConfig",
    "NasConfig",
    "OctahedralRotation",
    "OptimizerSpec",
    "QuadratureAugmentation",
    "RingNet",
    "ShadowRotation",
    "SlotMask",
    "TradeoffConfig",
    "chirality_data",
    "classical_invariance_error",
    "default_classical_families",
    "fixed_degree",
    "format_result",
    "layer_distances",
    "random_states",
    "ring_net",
    "rotate_snapshots",
    "run_augmentation",
    "run_layerwise",
    "run_learned_degree",
    "run_nas",
    "run_tradeoff",
    "shadow_inputs",
    "snapshot_layers",
]
