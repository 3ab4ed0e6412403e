"""Tests of lowest_sz1_state: the Marshall-signed lowest S^z = +1 state."""

from __future__ import annotations

import numpy as np
import pytest

from eqqnn.data import _triplet
from eqqnn.data._hamiltonian import BondAlternatingHeisenberg
from eqqnn.data._shadows import exact_correlators
from eqqnn.data._triplet import lowest_sz1_state


def total_spin_squared(psi: np.ndarray) -> float:
    """<S^2> = (1/4) sum_ij <sigma_i . sigma_j>."""
    return float(exact_correlators(psi).sum() / 4)


def sz_total(psi: np.ndarray) -> float:
    n = psi.shape[0].bit_length() - 1
    ones = np.array([bin(k).count("1") for k in range(psi.shape[0])])
    return float(np.sum(np.abs(psi) ** 2 * (n / 2 - ones)))


class TestLowestSz1State:
    @pytest.mark.parametrize(("n", "ratio"), [(4, 0.0), (6, 0.0), (6, 0.7), (8, 1.4)])
    def test_lowest_sz1_state(self, n: int, ratio: float) -> None:
        model = BondAlternatingHeisenberg(n, ratio)
        psi, energy = lowest_sz1_state(model)
        assert sz_total(psi) == pytest.approx(1.0)
        assert total_spin_squared(psi) == pytest.approx(2.0, abs=1e-9)
        h = model.sparse_matrix()
        assert np.linalg.norm(h @ psi - energy * psi) < 1e-9
        evals = np.linalg.eigvalsh(model.sz_sector_matrix(1).toarray())
        assert energy == pytest.approx(evals[0], abs=1e-10)

    @pytest.mark.parametrize("dense_max", [4, 10_000])
    def test_degenerate_level_is_marshall_projection(self, dense_max: int, monkeypatch) -> None:
        # r = 0: three decoupled dimers; the lowest S^z = 1 level is 3-fold degenerate (one
        # dimer in |up up>, the others singlets).  The Marshall projection weighs them equally,
        # whichever eigensolver runs.
        monkeypatch.setattr(_triplet, "_DENSE_SECTOR_MAX", dense_max)
        psi, energy = lowest_sz1_state(BondAlternatingHeisenberg(6, 0.0))
        assert energy == pytest.approx(0.25 - 2 * 0.75)
        probs = np.abs(psi.reshape(2, 2, 2, 2, 2, 2)) ** 2
        up_up = [probs[(slice(None),) * (2 * d) + (0, 0)].sum() for d in range(3)]
        np.testing.assert_allclose(up_up, 1 / 3, atol=1e-10)
        np.testing.assert_allclose(psi.imag, 0.0, atol=0)

    def test_sparse_and_dense_solvers_agree(self, monkeypatch: pytest.MonkeyPatch) -> None:
        model = BondAlternatingHeisenberg(8, 0.6)
        dense, e_dense = lowest_sz1_state(model)
        monkeypatch.setattr(_triplet, "_DENSE_SECTOR_MAX", 4)
        sparse, e_sparse = lowest_sz1_state(model)
        assert e_dense == pytest.approx(e_sparse, abs=1e-10)
        np.testing.assert_allclose(sparse, dense, atol=1e-8)
