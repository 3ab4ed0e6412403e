"""Tests of the Heisenberg singlet-sector solver (eqqnn.symmetry._spin_sector)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from eqqnn.errors import InvalidParameterError, ProblemTooLargeError
from eqqnn.symmetry import _spin_sector
from eqqnn.symmetry._spin_coupling import coupling_isometry, sector_to_qubit
from eqqnn.symmetry._spin_sector import exchange_sector_matrix, sector_ground_states
from eqqnn.symmetry._tableaux import irrep_dimension

ATOL = 1e-10


def heisenberg(n: int, bonds) -> sp.csr_matrix:
    """Sparse 2^n Heisenberg matrix sum w S_i.S_j from bit operations (qubit 0 = MSB)."""
    dim = 2**n
    x = np.arange(dim)
    diag = np.zeros(dim)
    rows, cols, vals = [x], [x], []
    for bond in bonds:
        i, j = bond[0], bond[1]
        w = bond[2] if len(bond) == 3 else 1.0
        bi = (x >> (n - 1 - i)) & 1
        bj = (x >> (n - 1 - j)) & 1
        diag += 0.25 * w * np.where(bi == bj, 1.0, -1.0)
        flip = bi != bj
        rows.append(x[flip])
        cols.append(x[flip] ^ ((1 << (n - 1 - i)) | (1 << (n - 1 - j))))
        vals.append(np.full(flip.sum(), 0.5 * w))
    vals.insert(0, diag)
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(dim, dim)
    )


def alternating_chain(n: int, ratio: float, periodic: bool = False) -> list[tuple]:
    bonds = [(i, i + 1, 1.0 if i % 2 == 0 else ratio) for i in range(n - 1)]
    if periodic:
        bonds.append((0, n - 1, 1.0 if (n - 1) % 2 == 0 else ratio))
    return bonds


def random_bonds(n: int, rng: np.random.Generator, kind: str) -> list[tuple]:
    bonds = [(i, i + 1, rng.uniform(-1, 2)) for i in range(n - 1)]
    if kind in ("periodic", "long"):
        bonds.append((0, n - 1, rng.uniform(-1, 2)))
    if kind == "long" and n >= 5:
        bonds += [(0, n // 2, rng.uniform(-1, 1)), (n - 2, 1, rng.uniform(-1, 1)), (2, 3, 0.3)]
    return bonds


def spins(n: int) -> list[float]:
    return [t / 2 for t in range(n % 2, n + 1, 2)]


class TestExchangeMatrix:
    @pytest.mark.parametrize("kind", ["open", "periodic", "long"])
    @pytest.mark.parametrize("n", [2, 3, 5, 6, 8, 9, 10])
    def test_restriction_of_dense_hamiltonian(self, n, kind):
        rng = np.random.default_rng(100 * n + len(kind))
        bonds = random_bonds(n, rng, kind) if n > 2 else [(0, 1, 0.7)]
        h = heisenberg(n, bonds).toarray()
        for spin in spins(n):
            v = coupling_isometry(n, spin)
            hj = exchange_sector_matrix(n, spin, bonds)
            assert isinstance(hj, sp.csr_matrix) and hj.dtype == np.float64
            assert abs(hj - hj.T).max() < 1e-13
            expect = np.kron(np.eye(round(2 * spin) + 1), hj.toarray())
            np.testing.assert_allclose(v.T @ h @ v, expect, atol=ATOL)

    def test_bond_formats(self):
        ref = exchange_sector_matrix(6, 0, [(0, 1, 1.0), (1, 2, 1.0), (0, 5, 2.0)]).toarray()
        same = [
            [(0, 1), (2, 1), (5, 0, 1.0), (0, 5, 1.0)],
            np.array([[0, 1, 1.0], [1, 2, 1.0], [0, 5, 2.0]]),
            [(np.int64(0), np.int32(1)), [1, 2], (0, 5, np.float32(2.0))],
        ]
        for bonds in same:
            np.testing.assert_allclose(exchange_sector_matrix(6, 0, bonds).toarray(), ref)

    def test_no_bonds_is_zero(self):
        assert exchange_sector_matrix(6, 1, []).count_nonzero() == 0

    def test_open_chain_sparsity(self):
        n = 14
        hj = exchange_sector_matrix(n, 0, alternating_chain(n, 1.5))
        row_nnz = np.diff(hj.indptr)
        assert row_nnz.max() <= n  # diagonal + one partner per adjacent bond
        assert hj.has_sorted_indices


class TestGroundStates:
    @pytest.mark.parametrize("periodic", [False, True])
    @pytest.mark.parametrize(("n", "ratio"), [(6, 0.5), (8, 1.5), (10, 1.0), (10, 2.0)])
    def test_singlet_is_the_ground_state(self, n, ratio, periodic):
        bonds = alternating_chain(n, ratio, periodic)
        h = heisenberg(n, bonds)
        exact = np.linalg.eigvalsh(h.toarray())[0]
        energies, vectors = sector_ground_states(n, 0, bonds)
        assert energies.shape == (1,) and vectors.shape == (irrep_dimension(n, 0), 1)
        assert abs(energies[0] - exact) < 1e-9
        psi = sector_to_qubit(vectors[:, 0], n, 0)
        assert abs(np.linalg.norm(psi) - 1) < ATOL
        assert np.linalg.norm(h @ psi - energies[0] * psi) < 1e-8

    @pytest.mark.parametrize(("n", "spin"), [(7, 0.5), (8, 1), (9, 1.5)])
    def test_other_sectors_match_dense_spectrum(self, n, spin):
        rng = np.random.default_rng(n)
        bonds = random_bonds(n, rng, "long")
        h = heisenberg(n, bonds).toarray()
        v = coupling_isometry(n, spin)
        d = irrep_dimension(n, spin)
        block = v[:, :d]
        k = min(4, d)
        energies, vectors = sector_ground_states(n, spin, bonds, k=k)
        expect = np.linalg.eigvalsh(block.T @ h @ block)[:k]
        np.testing.assert_allclose(energies, expect, atol=1e-9)
        assert np.all(np.diff(energies) >= 0)
        for a in range(k):
            for m in (spin, -spin):
                psi = sector_to_qubit(vectors[:, a], n, spin, m)
                assert np.linalg.norm(h @ psi - energies[a] * psi) < 1e-8

    @pytest.mark.parametrize("periodic", [False, True])
    @pytest.mark.parametrize(("n", "spin"), [(10, 0), (11, 0.5), (12, 1)])
    def test_lanczos_path_matches_dense_path(self, monkeypatch, n, spin, periodic):
        bonds = alternating_chain(n, 1.3, periodic)
        if periodic:
            bonds.append((2, 7, 0.4))  # a long bond on top of the ring
        dense_e, dense_v = sector_ground_states(n, spin, bonds, k=2)
        monkeypatch.setattr(_spin_sector, "DENSE_SECTOR_LIMIT", 0)
        e, v = sector_ground_states(n, spin, bonds, k=2)
        np.testing.assert_allclose(e, dense_e, atol=1e-9)
        if dense_e[1] - dense_e[0] > 1e-6:
            np.testing.assert_allclose(v[:, 0], dense_v[:, 0], atol=1e-7)
        h = heisenberg(n, bonds)
        psi = sector_to_qubit(v[:, 0], n, spin)
        assert np.linalg.norm(h @ psi - e[0] * psi) < 1e-8

    def test_sign_convention_and_determinism(self):
        bonds = alternating_chain(12, 1.5, periodic=True)
        e1, v1 = sector_ground_states(12, 0, bonds, k=3)
        e2, v2 = sector_ground_states(12, 0, bonds, k=3)
        np.testing.assert_array_equal(e1, e2)
        np.testing.assert_array_equal(v1, v2)
        pivot = np.argmax(np.abs(v1), axis=0)
        assert np.all(v1[pivot, np.arange(3)] > 0)
        np.testing.assert_allclose(v1.T @ v1, np.eye(3), atol=ATOL)

    def test_relabeling_shortens_a_ring(self):
        n = 12
        ring = {(i, (i + 1) % n): 1.0 for i in range(n)}
        ring = {(min(p), max(p)): w for p, w in ring.items()}
        pi = _spin_sector._bandwidth_relabeling(n, ring)
        assert pi is not None and sorted(pi.tolist()) == list(range(n))
        assert max(abs(int(pi[i]) - int(pi[j])) for i, j in ring) <= 2
        assert (
            _spin_sector._bandwidth_relabeling(n, {(i, i + 1): 1.0 for i in range(n - 1)}) is None
        )

    @pytest.mark.slow
    def test_n20_singlet_against_full_lanczos(self):
        n = 20
        bonds = alternating_chain(n, 1.5)
        energies, vectors = sector_ground_states(n, 0, bonds)
        h = heisenberg(n, bonds)
        full = spla.eigsh(h, k=1, which="SA", tol=1e-12)[0][0]
        assert abs(energies[0] - full) < 1e-9
        psi = sector_to_qubit(vectors[:, 0], n, 0)
        assert np.linalg.norm(h @ psi - energies[0] * psi) < 1e-8


class TestErrors:
    @pytest.mark.parametrize(
        ("bonds", "match"),
        [
            ([(0, 0, 1.0)], r"two different sites, got \(0, 0\)"),
            ([(0, 6)], r"bond site j must be <= 5, got 6"),
            ([(-1, 2)], r"bond site i must be >= 0, got -1"),
            ([(0, 1, 2, 3)], r"\(i, j\) or \(i, j, weight\)"),
            ([5], r"\(i, j\) or \(i, j, weight\), got 5"),
            ([(0, 1, float("nan"))], r"bond weight must be finite"),
            ([(0.5, 1)], r"bond site i must be an integer"),
            (3, r"iterable of \(i, j\)"),
        ],
    )
    def test_bad_bonds(self, bonds, match):
        with pytest.raises(InvalidParameterError, match=match):
            exchange_sector_matrix(6, 0, bonds)

    def test_bad_k_and_spin(self):
        bonds = alternating_chain(6, 1.0)
        with pytest.raises(InvalidParameterError, match=r"k must be <= 5, got 6"):
            sector_ground_states(6, 0, bonds, k=6)
        with pytest.raises(InvalidParameterError, match=r"k must be >= 1, got 0"):
            sector_ground_states(6, 0, bonds, k=0)
        with pytest.raises(InvalidParameterError, match=r"tol must be >= 0"):
            sector_ground_states(6, 0, bonds, tol=-1)
        with pytest.raises(InvalidParameterError, match=r"wrong parity for n_qubits=6"):
            exchange_sector_matrix(6, 0.5, bonds)

    def test_long_bond_fill_in_is_refused(self, monkeypatch):
        from eqqnn.symmetry import _young_form

        monkeypatch.setattr(_young_form, "MAX_SPARSE_ENTRIES", 2000)
        with pytest.raises(ProblemTooLargeError, match=r"transposition \(0, 11\)"):
            exchange_sector_matrix(12, 0, [(0, 11)])
