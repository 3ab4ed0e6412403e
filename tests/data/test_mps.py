"""Tests of the MPS ground states and MPS shadows against independent dense references.

References: the SU(2) singlet-sector solver (``method="sector"``), the dense / S^z
solvers for symmetry-broken models, :func:`exact_correlators` on dense vectors and the
dense shadow sampler :func:`shadow_snapshot_tensor`.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import scipy.stats
import torch

from eqqnn.data import (
    BondAlternatingHeisenberg,
    DMRGSettings,
    MPSGroundState,
    estimate_bloch_vectors,
    estimate_correlators,
    exact_bloch_vectors,
    exact_correlators,
    mps_exact_correlator_tensor,
    mps_ground_state,
    mps_shadow_correlator_tensor,
    mps_shadow_snapshot_tensor,
    shadow_correlator_tensor,
    shadow_snapshot_tensor,
)
from eqqnn.data._ground_state import GroundState
from eqqnn.errors import DimensionError, InvalidParameterError, ProblemTooLargeError

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


class TestCorrelators:
    @pytest.mark.parametrize(
        ("n", "ratio", "params"),
        [
            (8, 1.5, {}),
            (12, 0.95, {}),
            (8, FIELD_RATIO, {"field": FIELD}),
            (8, 0.7, {"anisotropy": 0.5, "field": 0.3}),
        ],
    )
    def test_equal_dense_correlators_of_the_same_state(
        self, n: int, ratio: float, params: dict[str, float]
    ) -> None:
        gs = mps(n, ratio, **params)
        np.testing.assert_allclose(
            gs.correlators(), exact_correlators(gs.to_vector()), rtol=0, atol=1e-10
        )

    @pytest.mark.parametrize(("n", "ratio"), [(8, 0.5), (12, 1.05)])
    def test_close_to_exact_ground_state_correlators(self, n: int, ratio: float) -> None:
        # |<O>_psi - <O>_phi| <= 2 ||O|| sqrt(1 - F) for pure states, ||sigma_i.sigma_j|| = 3.
        gs = mps(n, ratio)
        psi = exact(n, ratio).vector()
        bound = 6.0 * np.sqrt(max(1.0 - abs(gs.overlap(psi)) ** 2, 0.0)) + 1e-12
        assert np.abs(gs.correlators() - exact_correlators(psi)).max() <= bound

    def test_tensor_shape_dtype_and_symmetry(self) -> None:
        states = [mps(8, 0.5), mps(8, 1.5)]
        out = mps_exact_correlator_tensor(states)
        assert out.shape == (2, 8, 8) and out.dtype == torch.float64
        np.testing.assert_array_equal(out.numpy(), out.numpy().transpose(0, 2, 1))
        np.testing.assert_array_equal(np.diagonal(out.numpy(), axis1=1, axis2=2), 3.0)
        np.testing.assert_array_equal(out[1].numpy(), states[1].correlators())
        assert mps_exact_correlator_tensor(states, dtype=torch.float32).dtype == torch.float32


def site_counts(snaps: torch.Tensor) -> np.ndarray:
    """Counts of the six (basis, outcome) pairs per site: shape (n, 6)."""
    arr = snaps.numpy()
    basis = np.argmax(np.abs(arr), axis=-1)
    outcome = (np.take_along_axis(arr, basis[..., None], axis=-1)[..., 0] < 0).astype(int)
    code = 2 * basis + outcome  # (T, n)
    return np.stack([np.bincount(code[:, i], minlength=6) for i in range(code.shape[1])])


class TestSnapshots:
    def test_shape_dtype_and_values(self) -> None:
        states = [mps(8, 0.5), mps(8, 1.5)]
        out = mps_shadow_snapshot_tensor(states, 40, seed=0)
        assert out.shape == (2, 40, 8, 3) and out.dtype == torch.float64
        assert mps_shadow_snapshot_tensor(states, 4, seed=0, dtype=torch.float32).dtype == (
            torch.float32
        )
        # exactly one non-zero entry per site, equal to +-3
        nonzero = out != 0
        assert torch.all(nonzero.sum(dim=-1) == 1)
        assert set(out[nonzero].unique().tolist()) == {-3.0, 3.0}
        assert mps(8, 0.5).snapshots(7, seed=1).shape == (7, 8, 3)

    def test_seeded_reproducibility_and_batch_independence(self) -> None:
        states = [mps(8, 0.5), mps(8, 1.5)]
        a = mps_shadow_snapshot_tensor(states, 100, seed=5)
        b = mps_shadow_snapshot_tensor(states, 100, seed=5)
        c = mps_shadow_snapshot_tensor(states, 100, seed=6)
        assert torch.equal(a, b)
        assert not torch.equal(a, c)
        # state k uses child k of SeedSequence(seed), whatever else is in the batch
        assert torch.equal(mps_shadow_snapshot_tensor(states[:1], 100, seed=5)[0], a[0])
        gen = np.random.default_rng(3)
        assert torch.equal(
            mps_shadow_snapshot_tensor(states, 10, seed=np.random.default_rng(3)),
            mps_shadow_snapshot_tensor(states, 10, seed=gen),
        )

    @pytest.mark.parametrize(("ratio", "params"), [(1.5, {}), (FIELD_RATIO, {"field": FIELD})])
    def test_same_draws_as_dense_sampler(self, ratio: float, params: dict[str, float]) -> None:
        # Both samplers consume the random numbers identically, so with the same seed they
        # agree shot by shot on the same state (the dense one on the MPS's own vector).
        gs = mps(8, ratio, **params)
        vec = gs.to_vector()[None]
        a = mps_shadow_snapshot_tensor([gs], 3000, seed=11)
        b = shadow_snapshot_tensor(vec, 3000, seed=11, dtype=torch.float64)
        assert torch.equal(a, b)
        a = mps_shadow_correlator_tensor([gs], 3000, seed=11, n_groups=5)
        b = shadow_correlator_tensor(vec, 3000, seed=11, n_groups=5, dtype=torch.float64)
        assert torch.equal(a, b)

    def test_site_marginals_agree_with_dense_sampler(self) -> None:
        # Independent samples (different seeds) of the magnetized ground state: per site a
        # two-sample chi-square test of the six (basis, outcome) frequencies, and each
        # sampler against the exact marginal p(a, s) = (1 + s <sigma^a_i>) / 6.
        gs = mps(8, FIELD_RATIO, field=FIELD)
        ref = exact(8, FIELD_RATIO, "dense", field=FIELD)
        shots = 20_000
        m = site_counts(mps_shadow_snapshot_tensor([gs], shots, seed=21)[0])
        d = site_counts(shadow_snapshot_tensor(ref.vector()[None], shots, seed=22)[0].double())
        bloch = exact_bloch_vectors(ref.vector())
        assert np.abs(bloch[:, 2]).min() > 0.2  # the z marginals are far from uniform
        p_exact = np.stack([(1 + np.array([1, -1])[None] * b[:, None]) / 6 for b in bloch])
        p_exact = p_exact.reshape(8, 6)
        alpha = 1e-4  # per test; seeds are fixed, so the outcome is deterministic anyway
        for i in range(8):
            _, p_two, _, _ = scipy.stats.chi2_contingency(np.stack([m[i], d[i]]))
            assert p_two > alpha, (i, m[i], d[i])
            for counts in (m[i], d[i]):
                assert scipy.stats.chisquare(counts, shots * p_exact[i]).pvalue > alpha

    def test_snapshot_means_estimate_exact_correlators(self) -> None:
        gs = mps(8, 1.5)
        shadows = gs.shadows(20_000, seed=2)
        est = estimate_correlators(shadows)
        exact_c = gs.correlators()
        off = ~np.eye(8, dtype=bool)
        z = (est.values - exact_c)[off] / est.stderr[off]
        assert np.abs(z).max() < 4.5  # 56 entries, false alarm ~ 4e-4
        assert np.abs(est.values[off] - exact_c[off]).max() > 0  # a real estimate
        # Bloch vectors of the singlet vanish
        bloch = estimate_bloch_vectors(shadows)
        assert np.all(np.abs(bloch.values) < 4.5 * bloch.stderr)


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

    def test_bad_batches(self) -> None:
        gs = mps(8, 0.5)
        with pytest.raises(InvalidParameterError, match="sequence of MPSGroundState"):
            mps_shadow_snapshot_tensor(gs, 10, seed=0)
        with pytest.raises(InvalidParameterError, match="at least one state"):
            mps_shadow_snapshot_tensor([], 10, seed=0)
        with pytest.raises(InvalidParameterError, match=r"ground_states\[1\] must be"):
            mps_exact_correlator_tensor([gs, np.zeros(256)])
        with pytest.raises(DimensionError, match=r"same n_qubits.*\[8, 12\]"):
            mps_shadow_correlator_tensor([gs, mps(12, 0.5)], 10, seed=0)
        with pytest.raises(InvalidParameterError, match="n_shots must be >= 1, got 0"):
            mps_shadow_snapshot_tensor([gs], 0, seed=0)
        with pytest.raises(InvalidParameterError, match="seed must be >= 0"):
            mps_shadow_snapshot_tensor([gs], 5, seed=-2)
        with pytest.raises(InvalidParameterError, match="n_groups must be <= n_shots"):
            mps_shadow_correlator_tensor([gs], 5, seed=0, n_groups=6)
        with pytest.raises(InvalidParameterError, match="real floating torch dtype"):
            mps_shadow_snapshot_tensor([gs], 5, seed=0, dtype=torch.int64)

    def test_dense_vector_limits(self) -> None:
        big = mps_ground_state(26, 0.0)  # decoupled dimers: a product of singlets
        assert big.bond_dim == 2
        np.testing.assert_allclose(big.energy, -0.75 * 13, rtol=1e-12)
        with pytest.raises(ProblemTooLargeError, match=r"n_qubits <= 24 .*got n_qubits=26"):
            big.to_vector()
        with pytest.raises(DimensionError, match=r"shape \(256,\).*got \(255,\)"):
            mps(8, 0.5).overlap(np.zeros(255))
