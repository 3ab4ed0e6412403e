"""Tests of phase labels and diagnostics (eqqnn.data._diagnostics)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import expm

from eqqnn.data._chain import HeisenbergChain
from eqqnn.data._diagnostics import (
    PhaseDiagnostics,
    bond_correlation,
    default_string_sites,
    diagnostics,
    phase_label,
    string_correlator,
)
from eqqnn.data._hamiltonian import BondAlternatingHeisenberg
from eqqnn.errors import DimensionError, InvalidParameterError

SX = np.array([[0.0, 1.0], [1.0, 0.0]]) / 2
SY = np.array([[0.0, -1.0j], [1.0j, 0.0]]) / 2
SZ = np.array([[1.0, 0.0], [0.0, -1.0]]) / 2
SINGLET = np.array([0.0, 1.0, -1.0, 0.0]) / math.sqrt(2)


def site_op(op: np.ndarray, site: int, n: int) -> np.ndarray:
    return np.kron(np.kron(np.eye(2**site), op), np.eye(2 ** (n - site - 1)))


def random_state(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    psi = rng.standard_normal(2**n) + 1j * rng.standard_normal(2**n)
    return psi / np.linalg.norm(psi)


def has_sector() -> bool:
    try:
        import eqqnn.symmetry._spin_sector  # noqa: F401
    except ImportError:
        return False
    return True


METHOD = "sector" if has_sector() else "sz"


class TestLabel:
    @pytest.mark.parametrize(
        ("ratio", "label"), [(0.0, 0), (0.5, 0), (1.0, 0), (1.0 + 1e-12, 1), (2.0, 1), (7, 1)]
    )
    def test_values(self, ratio: float, label: int) -> None:
        assert phase_label(ratio) == label

    def test_strict_critical_point(self) -> None:
        with pytest.raises(InvalidParameterError, match=r"ratio=1.0 is the critical point"):
            phase_label(1.0, strict=True)
        assert phase_label(1.5, strict=True) == 1

    @pytest.mark.parametrize(
        ("ratio", "match"),
        [(-0.1, r"ratio must be >= 0.0, got -0.1"), (math.nan, r"ratio must be finite")],
    )
    def test_bad_ratio(self, ratio: float, match: str) -> None:
        with pytest.raises(InvalidParameterError, match=match):
            phase_label(ratio)


class TestCorrelators:
    @pytest.mark.parametrize(("n", "i", "j"), [(2, 0, 1), (4, 0, 3), (5, 1, 3), (6, 2, 3)])
    def test_bond_correlation_vs_kron(self, n: int, i: int, j: int) -> None:
        psi = random_state(n, seed=10 * n + j)
        op = sum(site_op(s, i, n) @ site_op(s, j, n) for s in (SX, SY, SZ))
        expected = np.vdot(psi, op @ psi).real
        assert bond_correlation(psi, i, j) == pytest.approx(expected, abs=1e-13)

    def test_bond_correlation_known_states(self) -> None:
        assert bond_correlation(SINGLET, 0, 1) == pytest.approx(-0.75)
        triplet0 = np.abs(SINGLET)
        assert bond_correlation(triplet0, 0, 1) == pytest.approx(0.25)
        assert bond_correlation(np.array([1.0, 0, 0, 0]), 0, 1) == pytest.approx(0.25)

    @pytest.mark.parametrize(("n", "a", "b"), [(2, 0, 1), (4, 0, 3), (5, 1, 4), (6, 1, 4)])
    def test_string_correlator_vs_kron(self, n: int, a: int, b: int) -> None:
        psi = random_state(n, seed=7 * n + b)
        string = np.eye(2**n, dtype=np.complex128)
        for k in range(a + 1, b):
            string = string @ expm(1j * np.pi * site_op(SZ, k, n))
        op = site_op(SZ, a, n) @ string @ site_op(SZ, b, n)
        expected = np.vdot(psi, op @ psi)
        assert abs(expected.imag) < 1e-12
        assert string_correlator(psi, a, b) == pytest.approx(expected.real, abs=1e-13)

    def test_string_of_singlet_products(self) -> None:
        # |s(0,1) s(2,3) s(4,5)>: O(0, 5) = -1/4 (string spans whole singlets), O(1, 4) = 0
        psi = np.kron(np.kron(SINGLET, SINGLET), SINGLET)
        assert string_correlator(psi, 0, 5) == pytest.approx(-0.25)
        assert string_correlator(psi, 1, 4) == pytest.approx(0.0, abs=1e-15)
        assert string_correlator(psi, 0, 3) == pytest.approx(-0.25)

    @pytest.mark.parametrize(
        ("args", "error", "match"),
        [
            ((0, 2), InvalidParameterError, r"b - a odd .* got a=0, b=2"),
            ((3, 1), InvalidParameterError, r"expected a < b, got 3 and 1"),
            ((0, 4), InvalidParameterError, r"b must be <= 3, got 4"),
        ],
    )
    def test_string_bad_sites(self, args: tuple, error: type, match: str) -> None:
        with pytest.raises(error, match=match):
            string_correlator(random_state(4, 0), *args)

    def test_bad_vector(self) -> None:
        with pytest.raises(DimensionError, match=r"length 2\^n .* got shape \(6,\)"):
            bond_correlation(np.ones(6), 0, 1)
        with pytest.raises(DimensionError, match=r"got shape \(2, 4\)"):
            bond_correlation(np.ones((2, 4)), 0, 1)

    @pytest.mark.parametrize("n", [4, 6, 8, 12, 16, 20, 24, 9])
    def test_default_sites(self, n: int) -> None:
        (a, b), (c, d) = default_string_sites(n)
        assert a % 2 == 1 and b % 2 == 0 and 0 < a < b < n
        assert c % 2 == 0 and d % 2 == 1 and 0 <= c < d < n
        if n % 2 == 0 and n >= 8:
            assert a + b == n - 1 and c + d == n - 1 and b - a >= 3

    def test_default_sites_too_small(self) -> None:
        with pytest.raises(InvalidParameterError, match=r"n_qubits must be >= 4, got 2"):
            default_string_sites(2)


class TestDiagnostics:
    def test_dimer_limit_exact(self) -> None:
        model = BondAlternatingHeisenberg(8, 0.0)
        d = diagnostics(model, model.ground_state(METHOD))
        assert isinstance(d, PhaseDiagnostics)
        assert d.bond_j1 == pytest.approx(-0.75) and d.bond_j2 == pytest.approx(0.0, abs=1e-14)
        assert d.dimerization == pytest.approx(-0.75)
        assert d.singlet_fraction_j1 == pytest.approx(1.0)
        assert d.string_order == pytest.approx(0.0, abs=1e-14)
        assert d.string_order_dual == pytest.approx(1.0)
        assert d.label == 0 and d.predicted_label == 0
        assert d.gap == pytest.approx(1.0) and d.energy == pytest.approx(-3.0)

    def test_strong_j2_limit(self) -> None:
        model = BondAlternatingHeisenberg(12, 50.0)
        d = diagnostics(model, model.ground_state(METHOD))
        assert d.string_order > 0.99 and abs(d.string_order_dual) < 0.01
        assert d.bond_j2 == pytest.approx(-0.75, abs=1e-3)
        assert d.label == 1 and d.predicted_label == 1

    @pytest.mark.parametrize("n", [8, 12])
    @pytest.mark.parametrize("ratio", [0.0, 0.2, 0.5, 0.8, 1.5, 2.0, 3.0, 5.0])
    def test_labels_agree_with_diagnostics(self, n: int, ratio: float) -> None:
        # finite open chains cross over at r ~ 1.2-1.4 (edge J1 bonds); away from that,
        # the sign of the dimerization and the larger string order give the label
        model = BondAlternatingHeisenberg(n, ratio)
        d = diagnostics(model, model.ground_state(METHOD))
        assert d.label == phase_label(ratio)
        assert d.predicted_label == d.label
        assert (d.dimerization > 0) == bool(d.label)

    def test_critical_point_on_dimer_side(self) -> None:
        model = BondAlternatingHeisenberg(12, 1.0)
        d = diagnostics(model, model.ground_state(METHOD))
        assert d.label == 0 and d.dimerization < 0 and d.predicted_label == 0

    @pytest.mark.parametrize("n", [8, 10])
    def test_periodic_self_dual_at_r1(self, n: int) -> None:
        # the uniform ring is translation invariant: no dimerization; a translation by one
        # site maps the string onto the dual string (same length), so they coincide
        model = BondAlternatingHeisenberg(n, 1.0, boundary="periodic")
        d = diagnostics(model, model.ground_state(METHOD))
        assert d.dimerization == pytest.approx(0.0, abs=1e-10)
        (a, b), (c, e) = d.string_sites, d.dual_sites
        if b - a == e - c:
            assert d.string_order == pytest.approx(d.string_order_dual, abs=1e-10)

    def test_bare_vector(self) -> None:
        model = BondAlternatingHeisenberg(8, 1.5, anisotropy=0.8)
        gs = model.ground_state("sz")
        from_state = diagnostics(model, gs)
        from_vector = diagnostics(model, gs.vector())
        assert from_vector.gap is None and from_state.gap == gs.gap
        assert from_vector.energy == pytest.approx(gs.energy, abs=1e-10)
        assert from_vector.string_order == pytest.approx(from_state.string_order)

    def test_two_sites(self) -> None:
        model = BondAlternatingHeisenberg(2, 1.0)
        d = diagnostics(model, model.ground_state("dense"))
        assert d.bond_j1 == pytest.approx(-0.75) and math.isnan(d.bond_j2)
        assert math.isnan(d.string_order) and d.string_sites is None

    def test_bare_chain(self) -> None:
        model = BondAlternatingHeisenberg(8, 1.6)
        gs = model.ground_state("sz")
        bare = HeisenbergChain(8, 1.6)
        assert diagnostics(bare, gs) == diagnostics(model, gs)

    def test_dimension_mismatch(self) -> None:
        model = BondAlternatingHeisenberg(6, 1.0)
        with pytest.raises(DimensionError, match=r"n_qubits=6 \(expected 64\)"):
            diagnostics(model, random_state(4, 0))
        with pytest.raises(InvalidParameterError, match=r"BondAlternatingHeisenberg, got str"):
            diagnostics("model", random_state(4, 0))  # type: ignore[arg-type]
