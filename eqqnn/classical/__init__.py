"""The classical mirror: group-equivariant networks built from the same symmetry core.

* equivariant linear maps between any two representations (:class:`EquivariantLinear`,
  bases from :func:`eqqnn.symmetry.equivariant_basis`, cached);
* G-CNN layers on finite groups (:class:`LiftingConv`, :class:`GroupConv`,
  :class:`GroupPool`) for the chain group, the octahedral group O of the shadow
  snapshots and their product;
* vector-feature (steerable) layers for per-site SO(3) vectors (:class:`VectorLinear`,
  :class:`VectorGate`, :class:`NormActivation`, :func:`pair_invariants`);
* approximately / partially equivariant layers (:class:`RelaxedGroupConv`,
  :class:`ResidualPathway`, :class:`LearnedDegreeLinear`, :class:`GroupMixtureLinear`);
* subgroup-constrained layers and the exact equivariance relaxation morphism
  (:class:`SubgroupLinear`, :func:`relax_linear`, :func:`restrict_linear`);
* non-equivariant baselines and data augmentation by a group (:func:`augment`);
* complete classifiers with the common model interface (:class:`ShadowGCNN`,
  :class:`VectorNet`, :class:`CorrelatorGCNN`, :class:`MLPClassifier`,
  :class:`CNNClassifier`).
"""

from eqqnn.classical._augment import act, augment
from eqqnn.classical._base import SNAPSHOT_SCALE, ClassicalClassifier
from eqqnn.classical._baselines import CNNClassifier, CNNConfig, MLPClassifier, MLPConfig
from eqqnn.classical._chain import (
    chain_group,
    chain_octahedral_group,
    correlator_representation,
    shadow_representation,
)
from eqqnn.classical._gcnn import GroupConv, GroupPool, LiftingConv
from eqqnn.classical._gcnn_mixture import (
    GroupMixtureGcnnLayer,
    discretize_gcnn_trunk,
    gcnn_trunk_mixture_weights,
    mix_gcnn_trunk,
)
from eqqnn.classical._linear import (
    EquivariantBasis,
    EquivariantLinear,
    cached_equivariant_basis,
    clear_basis_cache,
)
from eqqnn.classical._models import (
    CorrelatorGCNN,
    CorrelatorGCNNConfig,
    ShadowGCNN,
    ShadowGCNNConfig,
    VectorNet,
    VectorNetConfig,
)
from eqqnn.classical._morphisms import (
    LinearStackMoves,
    SubgroupLinear,
    discretize_mixture_stack,
    mixture_stack_weights,
    relax_linear,
    restrict_linear,
)
from eqqnn.classical._penalized import RelaxedGroupConv, ResidualPathway
from eqqnn.classical._relaxed import GroupMixtureLinear, LearnedDegreeLinear
from eqqnn.classical._steerable import (
    NormActivation,
    VectorGate,
    VectorLinear,
    mean_pair_invariants,
    pair_invariants,
    shot_mean,
)
from eqqnn.classical._subgroup_gcnn import (
    GcnnTrunkMoves,
    SubgroupConv,
    SubgroupLift,
    relax_gcnn_layer,
    restrict_gcnn_layer,
)
from eqqnn.symmetry import (
    GroupTable,
    RealSpinIrrep,
    generated_subgroup,
    group_table,
    real_basis_change,
)

__all__ = [
    "SNAPSHOT_SCALE",
    "CNNClassifier",
    "CNNConfig",
    "ClassicalClassifier",
    "CorrelatorGCNN",
    "CorrelatorGCNNConfig",
    "EquivariantBasis",
    "EquivariantLinear",
    "GcnnTrunkMoves",
    "GroupConv",
    "GroupMixtureGcnnLayer",
    "GroupMixtureLinear",
    "GroupPool",
    "GroupTable",
    "LearnedDegreeLinear",
    "LiftingConv",
    "LinearStackMoves",
    "MLPClassifier",
    "MLPConfig",
    "NormActivation",
    "RealSpinIrrep",
    "RelaxedGroupConv",
    "ResidualPathway",
    "ShadowGCNN",
    "ShadowGCNNConfig",
    "SubgroupConv",
    "SubgroupLift",
    "SubgroupLinear",
    "VectorGate",
    "VectorLinear",
    "VectorNet",
    "VectorNetConfig",
    "act",
    "augment",
    "cached_equivariant_basis",
    "chain_group",
    "chain_octahedral_group",
    "clear_basis_cache",
    "correlator_representation",
    "discretize_gcnn_trunk",
    "discretize_mixture_stack",
    "gcnn_trunk_mixture_weights",
    "generated_subgroup",
    "group_table",
    "mean_pair_invariants",
    "mix_gcnn_trunk",
    "mixture_stack_weights",
    "pair_invariants",
    "real_basis_change",
    "relax_gcnn_layer",
    "relax_linear",
    "restrict_gcnn_layer",
    "restrict_linear",
    "shadow_representation",
    "shot_mean",
]
