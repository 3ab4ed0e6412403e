"""Tests of the DMRG ground states (mps_ground_state) against independent dense references.

References: the SU(2) singlet-sector solver (``method="sector"``) and the dense solvers for
symmetry-broken models.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from eqqnn.data import BondAlternatingHeisenberg, DMRGSettings, MPSGroundState, mps_ground_state
from eqqnn.data._ground_state import GroundState
from eqqnn.errors import InvalidParameterError

# (n, r): gapped dimer, gapped Haldane, and the two sides of the critical point r = 1.
FAST_POINTS = [(8, 0.5), (8, 1.5), (8, 0.95), (8, 1.05), (12, 0.5), (12, 1.5), (12, 0.95)]
FAST_POINTS += [(12, 1.05)]
SLOW_POINTS = [(n, r) for n in (16, 20, 24) for r in (1.5, 0.95, 1.05)]
# A symmetry-broken model whose ground state is magnetized (M = -3): non-trivial z
# marginals and unequal xx+yy vs zz correlators.
FIELD_RATIO, FIELD = 0.7, 1.5
ENERGY_RTOL = 1e-9
FIDELITY_LOSS = 1e-8


@functools.cache
def mps(n: int, ratio: float, **kwargs: float) -> MPSGroundState:
    return mps_ground_state(n, ratio, **kwargs)


@functools.cache
def exact(n: int, ratio: float, method: str = "sector", **kwargs: float) -> GroundState:
    return BondAlternatingHeisenberg(n, ratio, **kwargs).ground_state(method, compute_gap=False)


def check_against_exact(n: int, ratio: float) -> None:
    gs = mps(n, ratio)
    ref = exact(n, ratio)
    psi = ref.vector()
    assert abs(gs.energy - ref.energy) <= ENERGY_RTOL * abs(ref.energy)
    assert 1.0 - abs(gs.overlap(psi)) ** 2 <= FIDELITY_LOSS
    assert gs.magnetization == 0
    assert abs(gs.spin_squared) < 1e-8  # total singlet
    assert gs.converged
    assert gs.bond_dim <= gs.settings.max_bond


class TestGroundState:
    @pytest.mark.parametrize(("n", "ratio"), FAST_POINTS)
    def test_energy_and_fidelity_against_singlet_sector(self, n: int, ratio: float) -> None:
        check_against_exact(n, ratio)

    @pytest.mark.slow
    @pytest.mark.parametrize(("n", "ratio"), SLOW_POINTS)
    def test_energy_and_fidelity_against_singlet_sector_large(self, n: int, ratio: float) -> None:
        check_against_exact(n, ratio)

    @pytest.mark.parametrize(("n", "ratio"), [(8, 1.5), (12, 0.95)])
    def test_vector_matches_exact_entrywise(self, n: int, ratio: float) -> None:
        # Same global-phase convention as GroundState.vector(): entrywise, not up to a sign.
        vec = mps(n, ratio).to_vector()
        assert vec.dtype == np.complex128 and vec.shape == (2**n,)
        np.testing.assert_allclose(np.linalg.norm(vec), 1.0, atol=1e-12)
        np.testing.assert_allclose(vec, exact(n, ratio).vector(), atol=1e-5)

    def test_energy_is_expectation_of_the_dense_hamiltonian(self) -> None:
        # Normalization check independent of every solver: <psi|H|psi> with H's matrix.
        gs = mps(8, 1.5)
        psi = gs.to_vector()
        matrix = BondAlternatingHeisenberg(8, 1.5).sparse_matrix()
        np.testing.assert_allclose(gs.energy, np.vdot(psi, matrix @ psi).real, atol=1e-12)

    @pytest.mark.parametrize(
        "params",
        [
            {"ratio": 0.7, "anisotropy": 0.5, "field": 0.3},
            {"ratio": FIELD_RATIO, "field": FIELD},
            {"ratio": 1.3, "field": -1.2},
            {"ratio": 1.2, "anisotropy": 1.8, "j1": 0.7},
        ],
    )
    def test_symmetry_broken_models_against_dense(self, params: dict[str, float]) -> None:
        params = dict(params)
        ratio = params.pop("ratio")
        gs = mps(8, ratio, **params)
        ref = exact(8, ratio, "dense", **params)
        np.testing.assert_allclose(gs.energy, ref.energy, rtol=ENERGY_RTOL)
        assert gs.magnetization == ref.sz
        assert 1.0 - abs(gs.overlap(ref.vector())) ** 2 <= FIDELITY_LOSS

    def test_seed_changes_start_not_result(self) -> None:
        a, b = mps(12, 1.05), mps(12, 1.05, seed=7)
        np.testing.assert_allclose(a.energy, b.energy, rtol=ENERGY_RTOL)
        assert abs(np.vdot(a.to_vector(), b.to_vector())) ** 2 >= 1.0 - FIDELITY_LOSS

    def test_settings_recorded(self) -> None:
        gs = mps_ground_state(8, 0.5, max_bond=8, cutoff=1e-10, tol=1e-9)
        assert gs.settings == DMRGSettings(max_bond=8, cutoff=1e-10, tol=1e-9)
        assert gs.bond_dim == 8  # the exact state needs 16: the cap binds
        assert gs.truncation_error > 0.0
        assert gs.n_qubits == 8 and gs.ratio == 0.5 and len(gs.tensors) == 8


def test_beyond_basis_indexing_decoupled_dimers() -> None:
    """n = 64 (above the 62 sites whose basis strings fit in int64): at r = 0 the chain is
    32 decoupled dimers, so the energy is 16 times that of n = 4 at r = 0 (exact)."""
    gs = mps_ground_state(64, 0.0, max_bond=8)
    assert gs.n_qubits == 64 and gs.converged
    np.testing.assert_allclose(gs.energy, 16 * exact(4, 0.0).energy, rtol=ENERGY_RTOL)
    assert abs(gs.spin_squared) < 1e-8


class TestInputs:
    @pytest.mark.parametrize(
        ("args", "kwargs", "match"),
        [
            ((7, 1.0), {}, "n_qubits must be even, got 7"),
            ((2, 1.0), {}, "n_qubits must be >= 4, got 2"),
            ((8.0, 1.0), {}, "n_qubits must be an integer"),
            ((True, 1.0), {}, "n_qubits must be an integer"),
            ((8, -0.5), {}, "ratio must be >= 0.0, got -0.5"),
            ((8, float("nan")), {}, "ratio must be finite"),
            ((8, 1.0), {"j1": 0.0}, "j1 must be > 0.0, got 0.0"),
            ((8, 1.0), {"anisotropy": "1"}, "anisotropy must be a real number"),
            ((8, 1.0), {"field": float("inf")}, "field must be finite"),
            ((8, 1.0), {"max_bond": 1}, "max_bond must be >= 2, got 1"),
            ((8, 1.0), {"cutoff": -1e-3}, "cutoff must be >= 0.0"),
            ((8, 1.0), {"tol": 0.0}, "tol must be > 0.0, got 0.0"),
            ((8, 1.0), {"max_sweeps": 1}, "max_sweeps must be >= 2, got 1"),
            ((8, 1.0), {"penalty": -1.0}, "penalty must be >= 0.0"),
            ((8, 1.0), {"seed": -1}, "seed must be >= 0, got -1"),
        ],
    )
    def test_bad_ground_state_arguments(
        self, args: tuple[object, ...], kwargs: dict[str, object], match: str
    ) -> None:
        with pytest.raises(InvalidParameterError, match=match):
            mps_ground_state(*args, **kwargs)
