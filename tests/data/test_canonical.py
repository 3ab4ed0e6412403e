"""Tests of the canonical state choice (eqqnn.data._canonical): quantum numbers inside a
(nearly) degenerate ground level, and the global phase."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from eqqnn.data._ground_state import GroundState
from eqqnn.data._hamiltonian import BondAlternatingHeisenberg


def _sector_available() -> bool:
    try:
        importlib.import_module("eqqnn.symmetry._spin_sector")
        importlib.import_module("eqqnn.symmetry._spin_coupling")
    except ImportError:
        return False
    return True


needs_sector = pytest.mark.skipif(
    not _sector_available(),
    reason="eqqnn.symmetry._spin_sector / _spin_coupling not importable yet (SU(2) sector method)",
)


def total_s2(psi: np.ndarray, n: int) -> float:
    r"""<S^2> from S^2 = S^- S^+ + S^z (S^z + 1), by explicit bit flips (independent code)."""
    idx = np.arange(2**n)
    raised = np.zeros_like(psi)
    sz = np.zeros(2**n)
    for i in range(n):
        bit = 1 << (n - 1 - i)
        down = (idx & bit) != 0
        raised[idx[down] ^ bit] += psi[down]
        sz += np.where(down, -0.5, 0.5)
    return float(np.vdot(raised, raised).real + np.vdot(psi, sz * (sz + 1) * psi).real)


def fidelity(a: GroundState, b: GroundState) -> float:
    return float(abs(np.vdot(a.vector(), b.vector())))


METHODS_SMALL = ["dense", "sparse", "sz", pytest.param("sector", marks=needs_sector)]


class TestDegenerateLevels:
    def test_odd_chain_is_degenerate(self) -> None:
        gs = BondAlternatingHeisenberg(7, 1.0).ground_state("sparse")
        assert gs.sz == 0.5 and gs.total_spin == 0.5
        assert gs.gap == pytest.approx(0.0, abs=1e-9)

    @pytest.mark.parametrize("method", ["sparse", "sz", pytest.param("sector", marks=needs_sector)])
    def test_nearly_degenerate_singlet_is_selected(self, method: str) -> None:
        # at r = 300 the singlet-triplet splitting is ~1e-12: below what eigsh resolves
        model = BondAlternatingHeisenberg(12, 300.0)
        gs = model.ground_state(method)
        assert gs.gap < 1e-9
        psi = gs.vector()
        assert abs(total_s2(psi, 12)) < 1e-8
        assert gs.total_spin == 0.0
        ref = model.ground_state("sz")
        assert fidelity(gs, ref) >= 1 - 1e-8
        np.testing.assert_allclose(psi, ref.vector(), atol=1e-8)  # same global phase too

    def test_dense_nearly_degenerate(self) -> None:
        model = BondAlternatingHeisenberg(8, 3000.0)  # splitting ~5e-12 of |E0| ~ 7e3
        dense, sz = model.ground_state("dense"), model.ground_state("sz")
        assert dense.gap < 1e-9
        assert abs(total_s2(dense.vector(), 8)) < 1e-8
        np.testing.assert_allclose(dense.vector(), sz.vector(), atol=1e-8)


class TestPhase:
    @pytest.mark.parametrize("method", METHODS_SMALL)
    def test_deterministic_real_phase(self, method: str) -> None:
        model = BondAlternatingHeisenberg(8, 1.3)
        a, b = model.ground_state(method).vector(), model.ground_state(method).vector()
        np.testing.assert_array_equal(a, b)
        assert np.all(a.imag == 0.0)
        mags = np.abs(a)
        first = int(np.argmax(mags >= (1 - 1e-6) * mags.max()))
        assert a[first].real > 0
        np.testing.assert_allclose(a, model.ground_state("dense").vector(), atol=1e-9)
