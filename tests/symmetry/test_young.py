"""Tests of the two-row Young machinery and the spin-coupling basis (eqqnn.symmetry._young)."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pytest
import torch

from eqqnn.errors import DimensionError, InvalidParameterError, ProblemTooLargeError
from eqqnn.symmetry._young import (
    OFFDIAGONAL_SIGN,
    YoungOrthogonalForm,
    coupling_isometry,
    irrep_dimension,
    qubit_to_sector,
    sector_to_qubit,
    tableau_index,
    two_row_tableaux,
    young_orthogonal_form,
)

ATOL = 1e-10


def spins(n: int) -> list[float]:
    return [t / 2 for t in range(n % 2, n + 1, 2)]


def cases(max_n: int, min_n: int = 1) -> list[tuple[int, float]]:
    return [(n, j) for n in range(min_n, max_n + 1) for j in spins(n)]


# ----------------------------------------------------------------------------- helpers
def qubit_permutation(perm: list[int]) -> np.ndarray:
    """P |x_0..x_{n-1}> = |y> with y_{perm[i]} = x_i (qubit 0 = most significant bit)."""
    n = len(perm)
    out = np.zeros((2**n, 2**n))
    for x in range(2**n):
        bits = [(x >> (n - 1 - i)) & 1 for i in range(n)]
        y_bits = [0] * n
        for i, p in enumerate(perm):
            y_bits[p] = bits[i]
        y = sum(b << (n - 1 - i) for i, b in enumerate(y_bits))
        out[y, x] = 1.0
    return out


def total_spin(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(S^2, S^z) on n qubits from Pauli matrices, |0> = spin up."""
    paulis = [
        np.array([[0, 1], [1, 0]], dtype=complex),
        np.array([[0, -1j], [1j, 0]]),
        np.array([[1, 0], [0, -1]], dtype=complex),
    ]
    comps = []
    for p in paulis:
        s = np.zeros((2**n, 2**n), dtype=complex)
        for i in range(n):
            s += np.kron(np.kron(np.eye(2**i), p / 2), np.eye(2 ** (n - i - 1)))
        comps.append(s)
    return sum(c @ c for c in comps), comps[2]


def adjacent_swap(n: int, k: int) -> list[int]:
    perm = list(range(n))
    perm[k], perm[k + 1] = perm[k + 1], perm[k]
    return perm


# ----------------------------------------------------------------------------- dimensions
class TestDimensions:
    @pytest.mark.parametrize(
        ("n", "spin", "expected"),
        [
            (4, 0, 2),
            (4, 1, 3),
            (4, 2, 1),
            (12, 0, 132),
            (20, 0, 16796),
            (24, 0, 208012),
            (28, 0, 2674440),
            (3, 0.5, 2),
            (3, 1.5, 1),
            (1, 0.5, 1),
        ],
    )
    def test_known_values(self, n, spin, expected):
        assert irrep_dimension(n, spin) == expected

    @pytest.mark.parametrize("n", range(1, 15))
    def test_schur_weyl_count(self, n):
        assert sum((2 * j + 1) * irrep_dimension(n, j) for j in spins(n)) == 2**n

    @pytest.mark.parametrize(("n", "expected"), [(2, 2), (3, 5), (4, 14), (5, 42), (6, 132)])
    def test_commutant_dimension(self, n, expected):
        assert sum(irrep_dimension(n, j) ** 2 for j in spins(n)) == expected

    def test_exact_for_large_n(self):
        assert irrep_dimension(100, 0) == math.comb(100, 50) // 51

    def test_accepts_fraction_and_numpy(self):
        from fractions import Fraction

        assert irrep_dimension(np.int64(5), Fraction(3, 2)) == irrep_dimension(5, 1.5) == 4


# ----------------------------------------------------------------------------- tableaux
class TestTableaux:
    @pytest.mark.parametrize(("n", "spin"), cases(12))
    def test_valid_distinct_complete(self, n, spin):
        words = two_row_tableaux(n, spin)
        d = irrep_dimension(n, spin)
        assert words.shape == (d, n) and words.dtype == np.uint8
        ones = np.cumsum(words, axis=1)
        zeros = np.arange(1, n + 1) - ones
        assert np.all(ones <= zeros)
        assert np.all(ones[:, -1] == n / 2 - spin)
        assert len({w.tobytes() for w in words}) == d
        # every ballot word is there (brute force for small n)
        if n <= 10:
            b = round(n / 2 - spin)
            brute = [
                w
                for w in itertools.product((0, 1), repeat=n)
                if sum(w) == b and all(2 * sum(w[: i + 1]) <= i + 1 for i in range(n))
            ]
            assert len(brute) == d

    @pytest.mark.parametrize(("n", "spin"), cases(12))
    def test_colexicographic_order(self, n, spin):
        words = two_row_tableaux(n, spin).astype(np.int64)
        keys = (words[:, ::-1] << np.arange(n - 1, -1, -1)).sum(axis=1)
        assert np.all(np.diff(keys) > 0)

    @pytest.mark.parametrize(("n", "spin"), cases(12))
    def test_ranking_inverts_enumeration(self, n, spin):
        words = two_row_tableaux(n, spin)
        np.testing.assert_array_equal(tableau_index(words, n, spin), np.arange(len(words)))

    def test_ranking_batches(self):
        words = two_row_tableaux(8, 1)
        rng = np.random.default_rng(3)
        pick = rng.integers(0, len(words), size=(4, 5))
        np.testing.assert_array_equal(tableau_index(words[pick], 8, 1), pick)

    def test_read_only(self):
        words = two_row_tableaux(6, 0)
        with pytest.raises(ValueError, match="read-only"):
            words[0, 0] = 1

    @pytest.mark.slow
    def test_large_enumeration_is_fast(self):
        from eqqnn.symmetry._young import _words

        start = time.perf_counter()
        _words.__wrapped__(28, 0)  # uncached build
        elapsed = time.perf_counter() - start
        words = two_row_tableaux(28, 0)
        assert words.shape == (2674440, 28)
        assert elapsed < 10.0
        idx = tableau_index(words[::997], 28, 0)
        np.testing.assert_array_equal(idx, np.arange(0, len(words), 997))

    def test_invalid_words(self):
        with pytest.raises(InvalidParameterError, match=r"not a standard tableau"):
            tableau_index([1, 0, 0, 1], 4, 0)
        with pytest.raises(InvalidParameterError, match=r"not a standard tableau"):
            tableau_index([0, 0, 0, 1], 4, 0)
        with pytest.raises(InvalidParameterError, match="0 or 1"):
            tableau_index([0, 2, 0, 1], 4, 0)
        with pytest.raises(DimensionError, match="length n_qubits=4"):
            tableau_index([0, 1, 0], 4, 0)


# ----------------------------------------------------------------------------- Young form
def mat(form: YoungOrthogonalForm, k: int) -> np.ndarray:
    return form.transposition_matrix(k).toarray()


class TestYoungOrthogonalForm:
    @pytest.mark.parametrize(("n", "spin"), cases(9, min_n=2))
    def test_coxeter_relations(self, n, spin):
        form = YoungOrthogonalForm(n, spin)
        eye = np.eye(form.dim)
        s = [mat(form, k) for k in range(n - 1)]
        for k in range(n - 1):
            np.testing.assert_allclose(s[k] @ s[k], eye, atol=ATOL)
            np.testing.assert_allclose(s[k], s[k].T, atol=0)
            np.testing.assert_allclose(s[k].T @ s[k], eye, atol=ATOL)
            if k + 1 < n - 1:
                braid = s[k] @ s[k + 1]
                np.testing.assert_allclose(np.linalg.matrix_power(braid, 3), eye, atol=ATOL)
            for m in range(k + 2, n - 1):
                np.testing.assert_allclose(s[k] @ s[m], s[m] @ s[k], atol=ATOL)

    @pytest.mark.parametrize(("n", "spin"), [(6, 0), (7, 1.5), (8, 1), (10, 0)])
    def test_gather_data_matches_axial_distance(self, n, spin):
        form = YoungOrthogonalForm(n, spin)
        words = form.tableaux
        for k in range(n - 1):
            diag, partner, off = form.adjacent_transposition(k)
            assert diag.dtype == np.float64 and off.dtype == np.float64
            assert partner.dtype == np.int64 and partner.shape == (form.dim,)
            for t, w in enumerate(words):
                row = [int(x) for x in w]
                col = [row[:i].count(row[i]) for i in range(n)]
                rho = (col[k + 1] - row[k + 1]) - (col[k] - row[k])
                assert diag[t] == pytest.approx(1 / rho, abs=1e-15)
                if abs(rho) == 1:
                    assert partner[t] == t and off[t] == 0
                else:
                    swapped = row.copy()
                    swapped[k], swapped[k + 1] = row[k + 1], row[k]
                    assert partner[t] == tableau_index(swapped, n, spin)
                    assert off[t] == pytest.approx(
                        OFFDIAGONAL_SIGN * math.sqrt(1 - 1 / rho**2), abs=1e-15
                    )

    @pytest.mark.parametrize(("n", "spin"), [(5, 0.5), (6, 1), (7, 0.5)])
    def test_permutation_matrix_is_a_homomorphism(self, n, spin):
        form = YoungOrthogonalForm(n, spin)
        rng = np.random.default_rng(7)
        for _ in range(5):
            sigma, tau = rng.permutation(n), rng.permutation(n)
            comp = sigma[tau]  # (sigma o tau)(i) = sigma[tau[i]]
            lhs = form.permutation_matrix(comp).toarray()
            rhs = form.permutation_matrix(sigma).toarray() @ form.permutation_matrix(tau).toarray()
            np.testing.assert_allclose(lhs, rhs, atol=ATOL)
        np.testing.assert_allclose(
            form.permutation_matrix(range(n)).toarray(), np.eye(form.dim), atol=0
        )

    @pytest.mark.parametrize(("n", "spin"), [(6, 0), (7, 1.5)])
    def test_transposition_matches_permutation(self, n, spin):
        form = YoungOrthogonalForm(n, spin)
        for i, j in itertools.combinations(range(n), 2):
            perm = list(range(n))
            perm[i], perm[j] = j, i
            np.testing.assert_allclose(
                form.transposition(i, j).toarray(),
                form.permutation_matrix(perm).toarray(),
                atol=ATOL,
            )

    @pytest.mark.parametrize("dtype", [np.float64, np.complex128, np.complex64, np.float32])
    def test_apply_numpy(self, dtype):
        form = YoungOrthogonalForm(8, 1)
        rng = np.random.default_rng(1)
        v = rng.normal(size=(3, form.dim, 2)).astype(dtype)
        if np.dtype(dtype).kind == "c":
            v = v + 1j * rng.normal(size=v.shape).astype(dtype)
        tol = 1e-10 if np.finfo(dtype).bits >= 64 else 1e-5
        for k in range(7):
            out = form.apply_adjacent_transposition(k, v, axis=1)
            assert out.dtype == v.dtype and out.shape == v.shape
            expect = np.einsum("ij,ajb->aib", mat(form, k), v)
            np.testing.assert_allclose(out, expect, atol=tol)
        perm = [3, 0, 7, 1, 5, 2, 6, 4]
        np.testing.assert_allclose(
            form.apply_permutation(perm, v, axis=-2),
            np.einsum("ij,ajb->aib", form.permutation_matrix(perm).toarray(), v),
            atol=tol,
        )

    @pytest.mark.parametrize("dtype", [torch.float64, torch.complex128, torch.complex64])
    def test_apply_torch_with_autograd(self, dtype):
        form = YoungOrthogonalForm(7, 0.5)
        gen = torch.Generator().manual_seed(0)
        v = torch.randn(4, form.dim, dtype=dtype, generator=gen, requires_grad=True)
        out = form.apply_adjacent_transposition(2, v)
        assert out.dtype == dtype and out.shape == v.shape
        expect = v.detach().numpy() @ mat(form, 2).T
        tol = 1e-10 if dtype != torch.complex64 else 1e-5
        np.testing.assert_allclose(out.detach().numpy(), expect, atol=tol)
        out.real.sum().backward()
        grad_expect = np.ones((4, form.dim)) @ mat(form, 2)
        np.testing.assert_allclose(v.grad.real.numpy(), grad_expect, atol=tol)

    def test_immutable_and_cached(self):
        form = young_orthogonal_form(6, 1)
        assert form is young_orthogonal_form(6, 1.0)
        assert form == YoungOrthogonalForm(6, 1) and hash(form) == hash(YoungOrthogonalForm(6, 1))
        assert (form.n_qubits, form.spin, form.dim) == (6, 1.0, 9)
        with pytest.raises(AttributeError, match="immutable"):
            form.spin = 2  # type: ignore[misc]
        data = form.adjacent_transposition(1)
        assert data[0] is form.adjacent_transposition(1)[0]
        with pytest.raises(ValueError, match="read-only"):
            data[0][0] = 3.0
        assert "dim=9" in repr(form)


# ----------------------------------------------------------------------------- qubits
class TestCouplingBasis:
    @pytest.mark.parametrize(("n", "spin"), cases(8))
    def test_isometry_and_spin_quantum_numbers(self, n, spin):
        v = coupling_isometry(n, spin)
        d = irrep_dimension(n, spin)
        assert v.shape == (2**n, (round(2 * spin) + 1) * d)
        np.testing.assert_allclose(v.T @ v, np.eye(v.shape[1]), atol=ATOL)
        s2, sz = total_spin(n)
        np.testing.assert_allclose(s2 @ v, spin * (spin + 1) * v, atol=ATOL)
        ms = np.repeat(spin - np.arange(round(2 * spin) + 1), d)
        np.testing.assert_allclose(sz @ v, v * ms, atol=ATOL)

    @pytest.mark.parametrize(("n", "spin"), cases(8, min_n=2))
    def test_swaps_act_as_young_form(self, n, spin):
        v = coupling_isometry(n, spin)
        form = YoungOrthogonalForm(n, spin)
        eye = np.eye(round(2 * spin) + 1)
        for k in range(n - 1):
            lhs = qubit_permutation(adjacent_swap(n, k)) @ v
            np.testing.assert_allclose(lhs, v @ np.kron(eye, mat(form, k)), atol=ATOL)

    @pytest.mark.parametrize(("n", "spin"), cases(7, min_n=3))
    def test_permutations_act_as_young_form(self, n, spin):
        v = coupling_isometry(n, spin)
        form = YoungOrthogonalForm(n, spin)
        eye = np.eye(round(2 * spin) + 1)
        rng = np.random.default_rng(11)
        for _ in range(3):
            perm = rng.permutation(n).tolist()
            d_perm = form.permutation_matrix(perm).toarray()
            np.testing.assert_allclose(
                qubit_permutation(perm) @ v, v @ np.kron(eye, d_perm), atol=ATOL
            )

    def test_other_offdiagonal_sign_fails(self):
        """The sign of the off-diagonal entries is forced by the coupling basis."""
        form = YoungOrthogonalForm(3, 0.5)
        diag, partner, off = form.adjacent_transposition(1)
        flipped = np.diag(diag)
        flipped[np.arange(form.dim), partner] -= off
        v = coupling_isometry(3, 0.5)
        lhs = qubit_permutation(adjacent_swap(3, 1)) @ v
        assert np.abs(lhs - v @ np.kron(np.eye(2), flipped)).max() > 0.1

    @pytest.mark.parametrize("n", range(1, 9))
    def test_sectors_fill_the_register(self, n):
        full = np.hstack([coupling_isometry(n, j) for j in spins(n)])
        np.testing.assert_allclose(full.T @ full, np.eye(2**n), atol=ATOL)

    def test_singlet_of_two_qubits(self):
        v = coupling_isometry(2, 0)[:, 0]
        np.testing.assert_allclose(v, np.array([0, 1, -1, 0]) / np.sqrt(2), atol=1e-15)


class TestSectorMaps:
    @pytest.mark.parametrize(("n", "spin"), cases(10))
    def test_agree_with_dense_isometry(self, n, spin):
        v = coupling_isometry(n, spin)
        d = irrep_dimension(n, spin)
        rng = np.random.default_rng(n)
        two_j = round(2 * spin)
        for a, two_m in enumerate(range(two_j, -two_j - 1, -2)):
            block = v[:, a * d : (a + 1) * d]
            c = rng.normal(size=(2, d)) + 1j * rng.normal(size=(2, d))
            np.testing.assert_allclose(
                sector_to_qubit(c, n, spin, two_m / 2), c @ block.T, atol=ATOL
            )
            psi = rng.normal(size=(3, 2**n)) + 1j * rng.normal(size=(3, 2**n))
            np.testing.assert_allclose(
                qubit_to_sector(psi, n, spin, two_m / 2), psi @ block, atol=ATOL
            )

    @pytest.mark.parametrize(("n", "spin", "m"), [(9, 1.5, -0.5), (10, 1, 0), (10, 0, None)])
    def test_adjoint(self, n, spin, m):
        rng = np.random.default_rng(5)
        d = irrep_dimension(n, spin)
        c = rng.normal(size=d) + 1j * rng.normal(size=d)
        psi = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
        lhs = np.vdot(psi, sector_to_qubit(c, n, spin, m))
        rhs = np.vdot(qubit_to_sector(psi, n, spin, m), c)
        assert abs(lhs - rhs) < ATOL
        np.testing.assert_allclose(
            qubit_to_sector(sector_to_qubit(c, n, spin, m), n, spin, m), c, atol=ATOL
        )

    def test_default_m_and_shapes(self):
        c = np.random.default_rng(0).normal(size=(2, 3, 9))
        psi = sector_to_qubit(c, 6, 1)
        assert psi.shape == (2, 3, 64) and psi.dtype == np.float64
        np.testing.assert_allclose(psi, sector_to_qubit(c, 6, 1, m=1), atol=0)
        assert qubit_to_sector(psi, 6, 1).shape == (2, 3, 9)

    def test_n20_singlet_is_fast(self):
        d = irrep_dimension(20, 0)
        c = np.random.default_rng(2).normal(size=d)
        c /= np.linalg.norm(c)
        start = time.perf_counter()
        psi = sector_to_qubit(c, 20, 0)
        elapsed = time.perf_counter() - start
        assert psi.shape == (2**20,)
        assert abs(np.linalg.norm(psi) - 1) < ATOL
        np.testing.assert_allclose(qubit_to_sector(psi, 20, 0), c, atol=ATOL)
        assert elapsed < 5.0


# ----------------------------------------------------------------------------- errors
class TestErrors:
    @pytest.mark.parametrize(
        ("n", "spin", "match"),
        [
            (0, 0, r"n_qubits must be >= 1, got 0"),
            (-3, 0.5, r"n_qubits must be >= 1"),
            (4, -1, r"spin must be >= 0"),
            (4, 0.25, r"multiple of 1/2, got 0.25"),
            (4, 0.5, r"wrong parity for n_qubits=4.*\{0, 1, 2\}"),
            (3, 1, r"wrong parity for n_qubits=3.*\{1/2, 3/2\}"),
            (4, 3, r"spin must be <= n_qubits/2 = 2, got 3"),
            (2.0, 0, r"n_qubits must be an integer"),
            (4, "1", r"spin must be a real number"),
        ],
    )
    def test_bad_shape(self, n, spin, match):
        for fn in (irrep_dimension, two_row_tableaux, YoungOrthogonalForm, young_orthogonal_form):
            with pytest.raises(InvalidParameterError, match=match):
                fn(n, spin)

    def test_bad_k_and_perm(self):
        form = YoungOrthogonalForm(5, 0.5)
        with pytest.raises(InvalidParameterError, match=r"k must be <= 3, got 4"):
            form.adjacent_transposition(4)
        with pytest.raises(InvalidParameterError, match=r"k must be >= 0, got -1"):
            form.transposition_matrix(-1)
        with pytest.raises(InvalidParameterError, match=r"permutation of 0..4, got \[0, 1, 1"):
            form.permutation_matrix([0, 1, 1, 2, 3])
        with pytest.raises(InvalidParameterError, match=r"sequence of 5 integers"):
            form.permutation_matrix([0, 1, 2])
        with pytest.raises(InvalidParameterError, match=r"needs i < j, got i=3, j=1"):
            form.transposition(3, 1)
        with pytest.raises(InvalidParameterError, match="need n >= 2"):
            YoungOrthogonalForm(1, 0.5).adjacent_transposition(0)
        with pytest.raises(DimensionError, match=r"length 5 \(dim of M_J\) along axis 0"):
            form.apply_adjacent_transposition(0, np.zeros((4, 5)), axis=0)

    def test_bad_sector_maps(self):
        with pytest.raises(InvalidParameterError, match=r"m must be one of \{1, 0, -1\}"):
            sector_to_qubit(np.zeros(9), 6, 1, m=2)
        with pytest.raises(InvalidParameterError, match=r"m must be one of \{3/2, 1/2"):
            qubit_to_sector(np.zeros(32), 5, 1.5, m=0)
        with pytest.raises(DimensionError, match=r"length 9"):
            sector_to_qubit(np.zeros(8), 6, 1)
        with pytest.raises(DimensionError, match=r"2\*\*n_qubits = 64"):
            qubit_to_sector(np.zeros(63), 6, 1)

    def test_state_too_large(self):
        with pytest.raises(ProblemTooLargeError, match=r"n_qubits <= 30"):
            sector_to_qubit(np.ones(1), 32, 16)

    def test_isometry_too_large(self):
        with pytest.raises(ProblemTooLargeError, match=r"the limit is 67108864"):
            coupling_isometry(20, 0)
