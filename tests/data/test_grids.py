"""Tests of the ratio grids (symmetry about r = 1, counts, exclusion of r = 1, errors)."""

from __future__ import annotations

import numpy as np
import pytest

from eqqnn.data import _grids as grids
from eqqnn.errors import InvalidParameterError


class TestTrainRatios:
    @pytest.mark.parametrize("m", [2, 4, 6, 10, 20, 64])
    def test_count_balance_and_mirror(self, m: int) -> None:
        r = grids.train_ratios(m)
        assert r.shape == (m,)
        assert r.dtype == np.float64
        assert np.all(np.diff(r) > 0)
        assert np.sum(r < 1) == np.sum(r > 1) == m // 2
        assert not np.any(r == 1.0)
        # exact mirror images r <-> 2 - r
        np.testing.assert_allclose(np.sort(2.0 - r), r, rtol=0, atol=4e-16)
        assert r.min() >= 0.0 and r.max() <= 2.0

    def test_midpoint_rule(self) -> None:
        np.testing.assert_allclose(grids.train_ratios(6), (2 * np.arange(6) + 1) / 6)

    def test_asymmetric_interval_keeps_balance(self) -> None:
        r = grids.train_ratios(8, low=0.5, high=3.0)
        assert np.sum(r < 1) == np.sum(r > 1) == 4
        assert r.min() > 0.5 and r.max() < 3.0

    @pytest.mark.parametrize("m", [3, 7, 101])
    def test_odd_size_rejected(self, m: int) -> None:
        with pytest.raises(InvalidParameterError, match=f"train_size must be even.*got {m}"):
            grids.train_ratios(m)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"train_size": 0}, "train_size must be >= 2, got 0"),
            ({"train_size": 2.0}, "train_size must be an integer"),
            ({"train_size": 4, "low": 1.2}, "low < 1 < high"),
            ({"train_size": 4, "high": 0.9}, "low < 1 < high"),
            ({"train_size": 4, "low": 2.0, "high": 1.0}, "high must be > low"),
            ({"train_size": 4, "low": -0.5}, "low must be >= 0.0, got -0.5"),
        ],
    )
    def test_bad_input(self, kwargs: dict, match: str) -> None:
        with pytest.raises(InvalidParameterError, match=match):
            grids.train_ratios(**kwargs)


class TestTestRatios:
    @pytest.mark.parametrize("n", [2, 3, 4, 11, 100, 101, 400, 1001])
    def test_count_and_no_critical_point(self, n: int) -> None:
        r = grids.test_ratios(n)
        assert r.shape == (n,)
        assert not np.any(np.isclose(r, 1.0, rtol=0, atol=1e-12))
        assert r[0] == 0.0
        steps = np.diff(r)
        np.testing.assert_allclose(steps, steps[0], rtol=1e-9)
        assert r[-1] <= 2.0

    def test_default_is_2k_over_101(self) -> None:
        r = grids.test_ratios()
        np.testing.assert_allclose(r, 2 * np.arange(101) / 101, rtol=0, atol=1e-15)
        assert np.sum(r < 1) == 51 and np.sum(r > 1) == 50

    def test_even_grid_is_closed_and_symmetric(self) -> None:
        r = grids.test_ratios(100)
        assert r[-1] == 2.0
        np.testing.assert_allclose(np.sort(2.0 - r), r, atol=1e-14)

    def test_interval_hitting_one_rejected(self) -> None:
        with pytest.raises(InvalidParameterError, match="contains r = 1"):
            grids.test_ratios(5, low=0.0, high=1.25)  # step 0.25 hits 1.0

    def test_not_collected_as_a_test(self) -> None:
        assert grids.test_ratios.__test__ is False

    @pytest.mark.parametrize("n", [0, 1, -3])
    def test_too_few_points(self, n: int) -> None:
        with pytest.raises(InvalidParameterError, match=f"n_points must be >= 2, got {n}"):
            grids.test_ratios(n)


class TestRandomRatios:
    def test_reproducible_and_seed_dependent(self) -> None:
        a = grids.random_ratios(50, seed=3)
        np.testing.assert_array_equal(a, grids.random_ratios(50, seed=3))
        assert not np.array_equal(a, grids.random_ratios(50, seed=4))
        assert np.all(np.diff(a) >= 0)

    def test_generator_accepted(self) -> None:
        a = grids.random_ratios(10, np.random.default_rng(7))
        np.testing.assert_array_equal(a, grids.random_ratios(10, 7))

    @pytest.mark.parametrize("gap", [0.0, 0.05, 0.5])
    def test_range_and_gap(self, gap: float) -> None:
        r = grids.random_ratios(2000, seed=0, low=0.2, high=1.8, gap=gap)
        assert r.min() >= 0.2 and r.max() <= 1.8
        assert np.all(np.abs(r - 1.0) >= gap)
        assert not np.any(r == 1.0)
        # uniform on the remaining set: both sides roughly equally populated
        assert abs(np.mean(r < 1) - 0.5) < 0.05

    def test_gap_swallowing_interval_rejected(self) -> None:
        with pytest.raises(InvalidParameterError, match=r"gap=1.0 removes the whole interval"):
            grids.random_ratios(3, seed=0, low=0.5, high=1.5, gap=1.0)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"n": 0, "seed": 0}, "n must be >= 1, got 0"),
            ({"n": 3, "seed": -1}, "seed must be >= 0, got -1"),
            ({"n": 3, "seed": 0, "gap": -0.1}, "gap must be >= 0.0, got -0.1"),
        ],
    )
    def test_bad_input(self, kwargs: dict, match: str) -> None:
        with pytest.raises(InvalidParameterError, match=match):
            grids.random_ratios(**kwargs)
