"""Tests of classical-shadow sampling and estimators (seeded, exact references)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from eqqnn.data import _shadows as sh
from eqqnn.data._hamiltonian import BondAlternatingHeisenberg
from eqqnn.errors import DimensionError, InvalidParameterError


def random_state(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    return psi / np.linalg.norm(psi)


def product_state(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A random product state and its Bloch vectors."""
    rng = np.random.default_rng(seed)
    psi = np.ones(1, dtype=complex)
    bloch = np.empty((n, 3))
    for i in range(n):
        theta, phi = rng.uniform(0, np.pi), rng.uniform(0, 2 * np.pi)
        q = np.array([np.cos(theta / 2), np.exp(1j * phi) * np.sin(theta / 2)])
        psi = np.kron(psi, q)
        bloch[i] = (np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta))
    return psi, bloch


def within(estimate: np.ndarray, exact: np.ndarray, stderr: np.ndarray, k: float = 4.0) -> bool:
    return bool(np.all(np.abs(estimate - exact) <= k * stderr + 1e-12))


class TestSampling:
    def test_shapes_dtypes_and_values(self) -> None:
        s = sh.sample_shadows(random_state(5, 0), 200, seed=1)
        assert s.bases.shape == s.outcomes.shape == (200, 5)
        assert s.bases.dtype == s.outcomes.dtype == np.int8
        assert set(np.unique(s.bases)) <= {0, 1, 2}
        assert set(np.unique(s.outcomes)) <= {-1, 1}
        assert (s.n_shots, s.n_qubits) == (200, 5)
        assert not s.bases.flags.writeable

    def test_reproducible_and_seed_dependent(self) -> None:
        psi = random_state(4, 2)
        a = sh.sample_shadows(psi, 100, seed=5)
        b = sh.sample_shadows(psi, 100, seed=5)
        c = sh.sample_shadows(psi, 100, seed=6)
        np.testing.assert_array_equal(a.bases, b.bases)
        np.testing.assert_array_equal(a.outcomes, b.outcomes)
        assert not np.array_equal(a.bases, c.bases)

    def test_bases_uniform(self) -> None:
        s = sh.sample_shadows(random_state(4, 0), 6000, seed=0)
        freq = np.bincount(s.bases.ravel(), minlength=3) / s.bases.size
        np.testing.assert_allclose(freq, 1 / 3, atol=0.01)

    @pytest.mark.parametrize("index", [0, 5, 7])
    def test_computational_state_is_deterministic_in_z(self, index: int) -> None:
        n = 3
        psi = np.zeros(2**n)
        psi[index] = 1.0
        s = sh.sample_shadows(psi, 300, seed=0)
        bits = (index >> (n - 1 - np.arange(n))) & 1  # qubit 0 = most significant bit
        expected = np.broadcast_to(1 - 2 * bits, s.outcomes.shape)
        z = s.bases == 2
        np.testing.assert_array_equal(s.outcomes[z], expected[z])

    @pytest.mark.parametrize("basis_codes", [(2, 2, 2), (0, 1, 2), (1, 0, 0)])
    def test_joint_distribution_is_born_rule(self, basis_codes: tuple[int, ...]) -> None:
        n, shots = 3, 40_000
        psi = random_state(n, 11)
        bases = np.tile(np.array(basis_codes, dtype=np.intp), (shots, 1))
        idx = sh._sample_outcomes(psi, n, bases, np.random.default_rng(0))
        codes = (idx.astype(np.int64) << (n - 1 - np.arange(n))).sum(axis=1)
        freq = np.bincount(codes, minlength=2**n) / shots
        # exact: rotate each qubit to the eigenbasis of its Pauli
        rot = np.ones((1, 1), dtype=complex)
        for a in basis_codes:
            rot = np.kron(rot, sh._EIG_CONJ[a])
        probs = np.abs(rot @ psi) ** 2
        se = np.sqrt(probs * (1 - probs) / shots)
        assert within(freq, probs, se, k=4.5)

    def test_fast_enough_at_twelve_qubits(self) -> None:
        psi = random_state(12, 0)
        sh.sample_shadows(psi, 10, seed=0)  # warm-up
        start = time.perf_counter()
        sh.sample_shadows(psi, 1000, seed=0)
        assert time.perf_counter() - start < 1.0

    def test_torch_input(self) -> None:
        psi = random_state(3, 1)
        a = sh.sample_shadows(torch.from_numpy(psi), 50, seed=2)
        b = sh.sample_shadows(psi, 50, seed=2)
        np.testing.assert_array_equal(a.outcomes, b.outcomes)


class TestSnapshots:
    def test_snapshot_vectors_layout(self) -> None:
        s = sh.ShadowData(np.array([[0, 1, 2]]), np.array([[1, -1, -1]]))
        v = s.snapshot_vectors()
        np.testing.assert_array_equal(v[0], [[3, 0, 0], [0, -3, 0], [0, 0, -3]])
        assert v.shape == (1, 3, 3)

    @pytest.mark.parametrize("seed", [0, 1])
    def test_mean_converges_to_bloch_vector(self, seed: int) -> None:
        psi, bloch = product_state(4, seed)
        np.testing.assert_allclose(sh.exact_bloch_vectors(psi), bloch, atol=1e-12)
        est = sh.estimate_bloch_vectors(sh.sample_shadows(psi, 20_000, seed=seed))
        assert within(est.values, bloch, est.stderr)
        assert np.all(est.stderr < 0.02)

    def test_median_of_means_bloch(self) -> None:
        psi, bloch = product_state(3, 5)
        s = sh.sample_shadows(psi, 12_000, seed=5)
        est = sh.estimate_bloch_vectors(s, n_groups=10)
        assert within(est.values, bloch, est.stderr, k=6.0)


class TestCorrelators:
    def test_exact_correlators_of_singlet_pairs(self) -> None:
        singlet = np.array([0.0, 1.0, -1.0, 0.0]) / np.sqrt(2)
        psi = np.kron(singlet, singlet)
        c = sh.exact_correlators(psi)
        assert c[0, 1] == pytest.approx(-3.0) and c[2, 3] == pytest.approx(-3.0)
        assert c[0, 2] == pytest.approx(0.0, abs=1e-12)
        np.testing.assert_allclose(np.diag(c), 3.0)

    def test_exact_correlators_of_product_state(self) -> None:
        psi, bloch = product_state(5, 3)
        c = sh.exact_correlators(psi)
        expected = bloch @ bloch.T
        np.fill_diagonal(expected, 3.0)
        np.testing.assert_allclose(c, expected, atol=1e-12)

    @pytest.mark.parametrize("seed", [0, 4])
    def test_product_state_estimate_within_four_se(self, seed: int) -> None:
        psi, _ = product_state(6, seed)
        s = sh.sample_shadows(psi, 6000, seed=seed)
        est = sh.estimate_correlators(s)
        assert est.values.shape == est.stderr.shape == (6, 6)
        np.testing.assert_array_equal(est.values, est.values.T)
        assert within(est.values, sh.exact_correlators(psi), est.stderr)

    @pytest.mark.parametrize(("n", "ratio"), [(6, 0.4), (6, 1.6), (8, 0.5), (8, 1.5)])
    def test_heisenberg_ground_state_within_four_se(self, n: int, ratio: float) -> None:
        psi = BondAlternatingHeisenberg(n, ratio).ground_state(method="dense").vector()
        exact = sh.exact_correlators(psi)
        # an SU(2) singlet: sum of all correlators = 4 <S^2> = 0, Bloch vectors vanish
        assert exact.sum() == pytest.approx(0.0, abs=1e-9)
        np.testing.assert_allclose(sh.exact_bloch_vectors(psi), 0.0, atol=1e-9)
        s = sh.sample_shadows(psi, 6000, seed=n)
        est = sh.estimate_correlators(s)
        assert within(est.values, exact, est.stderr)
        # strong bonds are visibly antiferromagnetic
        strong = (0, 1) if ratio < 1 else (1, 2)
        assert est.values[strong] < -1.5

    def test_median_of_means(self) -> None:
        psi = BondAlternatingHeisenberg(6, 0.5).ground_state(method="dense").vector()
        s = sh.sample_shadows(psi, 6000, seed=1)
        mom = sh.estimate_correlators(s, n_groups=12)
        assert within(mom.values, sh.exact_correlators(psi), mom.stderr, k=6.0)

    def test_single_shot_has_infinite_stderr(self) -> None:
        est = sh.estimate_correlators(sh.sample_shadows(random_state(2, 0), 1, seed=0))
        assert np.isinf(est.stderr[0, 1]) and est.stderr[0, 0] == 0.0


class TestBatched:
    def test_snapshot_tensor_dtype_device_and_prefix_stability(self) -> None:
        states = np.stack([random_state(4, k) for k in range(3)])
        full = sh.shadow_snapshot_tensor(states, 20, seed=9, dtype=torch.float64)
        assert full.shape == (3, 20, 4, 3)
        assert full.dtype == torch.float64 and full.device.type == "cpu"
        head = sh.shadow_snapshot_tensor(torch.from_numpy(states[:2]), 20, seed=9)
        assert head.dtype == torch.float32
        torch.testing.assert_close(head, full[:2].float())

    @pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
    def test_correlator_tensor(self, dtype: torch.dtype) -> None:
        psi = BondAlternatingHeisenberg(4, 0.3).ground_state(method="dense").vector()
        out = sh.shadow_correlator_tensor(np.stack([psi, psi]), 500, seed=0, dtype=dtype)
        assert out.shape == (2, 4, 4) and out.dtype == dtype
        assert not torch.equal(out[0], out[1])  # independent child seeds
        torch.testing.assert_close(
            torch.diagonal(out, dim1=1, dim2=2), torch.full((2, 4), 3.0, dtype=dtype)
        )

    @pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
    def test_cuda_device(self) -> None:
        out = sh.shadow_snapshot_tensor(np.eye(4)[:1], 5, seed=0, device="cuda")
        assert out.device.type == "cuda"


class TestBadInput:
    @pytest.mark.parametrize(
        ("state", "error", "match"),
        [
            (np.ones(4), InvalidParameterError, "must be normalized.*got norm 2"),
            (np.ones(3) / np.sqrt(3), DimensionError, "length 2\\^n.*got length 3"),
            (np.ones(1), DimensionError, "got length 1"),
            (np.eye(4), DimensionError, "1-D of length 2\\^n, got shape \\(4, 4\\)"),
            (np.array([np.nan, 0.0]), InvalidParameterError, "must be finite"),
        ],
    )
    def test_bad_state(self, state: np.ndarray, error: type, match: str) -> None:
        with pytest.raises(error, match=match):
            sh.sample_shadows(state, 10, seed=0)
        with pytest.raises(error, match=match):
            sh.exact_correlators(state)

    def test_bad_shots_seed_groups(self) -> None:
        psi = random_state(2, 0)
        with pytest.raises(InvalidParameterError, match="n_shots must be >= 1, got 0"):
            sh.sample_shadows(psi, 0, seed=0)
        with pytest.raises(InvalidParameterError, match="seed must be an integer, got None"):
            sh.sample_shadows(psi, 5, seed=None)  # type: ignore[arg-type]
        s = sh.sample_shadows(psi, 5, seed=0)
        with pytest.raises(InvalidParameterError, match="n_groups must be <= n_shots \\(5\\)"):
            sh.estimate_correlators(s, n_groups=6)

    def test_bad_shadow_data(self) -> None:
        with pytest.raises(InvalidParameterError, match="bases must be codes in"):
            sh.ShadowData(np.array([[3]]), np.array([[1]]))
        with pytest.raises(InvalidParameterError, match="outcomes must be \\+1 or -1"):
            sh.ShadowData(np.array([[0]]), np.array([[0]]))
        with pytest.raises(DimensionError, match="shape \\(n_shots, n_qubits\\)"):
            sh.ShadowData(np.zeros((2, 2)), np.ones((2, 3)))

    def test_bad_tensor_dtype(self) -> None:
        with pytest.raises(InvalidParameterError, match="real floating torch dtype"):
            sh.shadow_snapshot_tensor(np.eye(2)[:1], 3, seed=0, dtype=torch.complex64)

    def test_bad_batch(self) -> None:
        with pytest.raises(DimensionError, match="states must have shape \\(N, 2\\^n\\)"):
            sh.sample_shadows_batch(np.ones(4) / 2, 3, seed=0)
