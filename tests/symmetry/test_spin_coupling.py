"""Tests of the spin-coupling basis and the sector maps (eqqnn.symmetry._spin_coupling)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from eqqnn.errors import DimensionError, InvalidParameterError, ProblemTooLargeError
from eqqnn.symmetry._spin_coupling import coupling_isometry, qubit_to_sector, sector_to_qubit
from eqqnn.symmetry._tableaux import irrep_dimension
from eqqnn.symmetry._young_form import YoungOrthogonalForm

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


def mat(form: YoungOrthogonalForm, k: int) -> np.ndarray:
    return form.transposition_matrix(k).toarray()


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
