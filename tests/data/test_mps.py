"""Tests of MPS ground states as data (correlators, shadows, dense vector) against dense references.

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

# A symmetry-broken model whose ground state is magnetized (M = -3): non-trivial z
# marginals and unequal xx+yy vs zz correlators.
FIELD_RATIO, FIELD = 0.7, 1.5


@functools.cache
def mps(n: int, ratio: float, **kwargs: float) -> MPSGroundState:
    return mps_ground_state(n, ratio, **kwargs)


@functools.cache
def exact(n: int, ratio: float, method: str = "sector", **kwargs: float) -> GroundState:
    return BondAlternatingHeisenberg(n, ratio, **kwargs).ground_state(method, compute_gap=False)


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
