"""The one-pass Schur–Weyl transform against the per-sector projection and the isometry."""

from __future__ import annotations

import numpy as np
import pytest

from eqqnn.errors import DimensionError, ProblemTooLargeError
from eqqnn.symmetry import (
    append_singlet_pairs,
    coupling_isometry,
    irrep_dimension,
    sector_to_qubit,
)
from eqqnn.symmetry._schur_transform import _slice_weights, qubit_to_sectors
from eqqnn.symmetry._spin_coupling import qubit_to_sector


def _random_states(n: int, batch: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=(batch, 2**n)) + 1j * rng.normal(size=(batch, 2**n))
    return psi / np.linalg.norm(psi, axis=1, keepdims=True)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8])
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_every_sector_projection(n: int, seed: int) -> None:
    psi = _random_states(n, 3, seed)
    out = qubit_to_sectors(psi, n)
    assert sorted(out) == list(range(n % 2, n + 1, 2))
    for two_j, block in out.items():
        assert block.shape == (
            3,
            two_j + 1,
            coupling_isometry(n, two_j / 2).shape[1] // (two_j + 1),
        )
        for a, two_m in enumerate(range(two_j, -two_j - 1, -2)):
            ref = qubit_to_sector(psi, n, two_j / 2, two_m / 2)
            np.testing.assert_allclose(block[:, a, :], ref, atol=1e-13)
    # unitary: the coordinates keep the norm
    total = sum(float(np.sum(np.abs(b) ** 2)) for b in out.values())
    assert total == pytest.approx(3.0, abs=1e-12)


def test_matches_the_dense_isometry() -> None:
    n = 6
    psi = _random_states(n, 2, 5)
    for two_j, block in qubit_to_sectors(psi, n).items():
        v = coupling_isometry(n, two_j / 2)  # columns: (J - m) d + t
        ref = (v.conj().T @ psi.T).T.reshape(2, two_j + 1, -1)
        np.testing.assert_allclose(block, ref, atol=1e-13)


def test_singlets_cost_one_slice_and_one_spin() -> None:
    n = 10
    rng = np.random.default_rng(3)
    coords = rng.normal(size=(2, 42))
    coords /= np.linalg.norm(coords, axis=1, keepdims=True)
    psi = sector_to_qubit(coords, n, 0)
    weights = _slice_weights(psi.astype(complex), n)
    assert weights[n // 2] == pytest.approx(2.0) and weights.sum() == pytest.approx(2.0)
    out = qubit_to_sectors(psi, n)
    assert sorted(out) == [0]  # no other spin computed
    np.testing.assert_allclose(out[0][:, 0, :], coords, atol=1e-13)


def test_spin_filter_and_triplet_weight() -> None:
    n = 4
    psi = _random_states(n, 2, 9)
    only = qubit_to_sectors(psi, n, [2])
    assert sorted(only) == [2]
    np.testing.assert_allclose(only[2], qubit_to_sectors(psi, n)[2], atol=1e-14)
    # a fully polarized state lives in J = n/2 alone
    up = np.zeros((1, 2**n))
    up[0, 0] = 1.0
    out = qubit_to_sectors(up, n)
    assert sorted(out) == [n]
    assert abs(out[n][0, 0, 0]) == pytest.approx(1.0)


def test_bad_input() -> None:
    with pytest.raises(DimensionError, match=r"\(B, 16\)"):
        qubit_to_sectors(np.zeros((2, 15)), 4)
    with pytest.raises(ProblemTooLargeError):
        qubit_to_sectors(np.zeros((1, 1)), 40)


@pytest.mark.parametrize(("m", "pairs"), [(2, 1), (4, 1), (4, 2), (6, 2), (8, 1)])
def test_append_singlet_pairs_is_the_product_with_singlets(m: int, pairs: int) -> None:
    rng = np.random.default_rng(m + 10 * pairs)
    d = irrep_dimension(m, 0)
    c = rng.normal(size=(2, d)) + 1j * rng.normal(size=(2, d))
    psi = sector_to_qubit(c, m, 0)
    singlet = np.array([0.0, 1.0, -1.0, 0.0]) / np.sqrt(2)
    for _ in range(pairs):
        psi = np.stack([np.kron(p, singlet) for p in psi])
    expected = qubit_to_sector(psi, m + 2 * pairs, 0)
    np.testing.assert_allclose(append_singlet_pairs(c, m, pairs), expected, atol=1e-12)


def test_append_singlet_pairs_rejects_bad_input() -> None:
    with pytest.raises(DimensionError, match="even"):
        append_singlet_pairs(np.ones(1), 3)
    with pytest.raises(DimensionError, match="last axis of 2"):
        append_singlet_pairs(np.ones(5), 4)


def test_reused_read_buffers_never_mix_results_across_calls_or_threads() -> None:
    """The slice read by ``gather_slice`` comes from a pool and goes back to it: two calls
    in a row and two threads at once give what fresh buffers give."""
    import threading

    from eqqnn.symmetry import _coupling_kernels

    n = 10
    rng = np.random.default_rng(5)
    batches = []
    for _ in range(4):
        psi = rng.standard_normal((6, 2**n)) + 1j * rng.standard_normal((6, 2**n))
        batches.append(psi / np.linalg.norm(psi, axis=1, keepdims=True))
    fresh = []
    for psi in batches:
        _coupling_kernels.SLICES.clear()  # no buffer kept: a fresh read
        fresh.append(qubit_to_sectors(psi, n))
    again = [qubit_to_sectors(psi, n) for psi in batches]  # buffers reused in a row
    results: dict[int, list] = {}

    def work(k: int) -> None:
        results[k] = [qubit_to_sectors(batches[j], n) for j in (k, k + 2, k)]

    threads = [threading.Thread(target=work, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in (0, 1):
        for got, j in zip(results[k], (k, k + 2, k), strict=True):
            assert got.keys() == fresh[j].keys()
            for two_j in got:
                np.testing.assert_array_equal(got[two_j], fresh[j][two_j])
    for got, want in zip(again, fresh, strict=True):
        for two_j in want:
            np.testing.assert_array_equal(got[two_j], want[two_j])
