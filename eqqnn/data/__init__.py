"""Spin-chain data: the bond-alternating Heisenberg chain, exact ground states, phase
labels and diagnostics, dataset grids, the on-disk cache and classical shadows."""

from eqqnn.data._cache import CacheWarning, DatasetCache, as_cache, cache_key, default_cache_dir
from eqqnn.data._chain import ChainSpec
from eqqnn.data._dataset import build_dataset
from eqqnn.data._dataset_config import DatasetConfig, RatioGrid
from eqqnn.data._diagnostics import (
    PhaseDiagnostics,
    bond_correlation,
    diagnostics,
    phase_label,
    string_correlator,
)
from eqqnn.data._dmrg import mps_ground_state
from eqqnn.data._grids import random_ratios, test_ratios, train_ratios
from eqqnn.data._ground_state import GroundState, ground_state
from eqqnn.data._hamiltonian import BondAlternatingHeisenberg, sz_sector_basis
from eqqnn.data._mps import (
    DMRGSettings,
    MPSGroundState,
    mps_exact_correlator_tensor,
    mps_shadow_correlator_tensor,
    mps_shadow_snapshot_tensor,
)
from eqqnn.data._phase_dataset import PhaseDataset
from eqqnn.data._shadows import (
    CorrelatorEstimate,
    ShadowData,
    estimate_bloch_vectors,
    estimate_correlators,
    exact_bloch_vectors,
    exact_correlators,
    sample_shadows,
    sample_shadows_batch,
    shadow_correlator_tensor,
    shadow_snapshot_tensor,
)

__all__ = [
    "BondAlternatingHeisenberg",
    "CacheWarning",
    "ChainSpec",
    "CorrelatorEstimate",
    "DMRGSettings",
    "DatasetCache",
    "DatasetConfig",
    "GroundState",
    "MPSGroundState",
    "PhaseDataset",
    "PhaseDiagnostics",
    "RatioGrid",
    "ShadowData",
    "as_cache",
    "bond_correlation",
    "build_dataset",
    "cache_key",
    "default_cache_dir",
    "diagnostics",
    "estimate_bloch_vectors",
    "estimate_correlators",
    "exact_bloch_vectors",
    "exact_correlators",
    "ground_state",
    "mps_exact_correlator_tensor",
    "mps_ground_state",
    "mps_shadow_correlator_tensor",
    "mps_shadow_snapshot_tensor",
    "phase_label",
    "random_ratios",
    "sample_shadows",
    "sample_shadows_batch",
    "shadow_correlator_tensor",
    "shadow_snapshot_tensor",
    "string_correlator",
    "sz_sector_basis",
    "test_ratios",
    "train_ratios",
]
