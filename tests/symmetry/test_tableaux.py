"""Tests of two-row tableaux: dimensions, enumeration and ranking (eqqnn.symmetry._tableaux)."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pytest

from eqqnn.errors import DimensionError, InvalidParameterError
from eqqnn.symmetry._tableaux import irrep_dimension, tableau_index, two_row_tableaux
from eqqnn.symmetry._young_form import YoungOrthogonalForm, young_orthogonal_form


def spins(n: int) -> list[float]:
    return [t / 2 for t in range(n % 2, n + 1, 2)]


def cases(max_n: int, min_n: int = 1) -> list[tuple[int, float]]:
    return [(n, j) for n in range(min_n, max_n + 1) for j in spins(n)]


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
        from eqqnn.symmetry._tableaux import _words

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
