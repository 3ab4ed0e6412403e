"""Tests of Young's orthogonal form of two-row irreps (eqqnn.symmetry._young_form)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from eqqnn.errors import DimensionError, InvalidParameterError
from eqqnn.symmetry._tableaux import tableau_index
from eqqnn.symmetry._young_form import (
    OFFDIAGONAL_SIGN,
    YoungOrthogonalForm,
    young_orthogonal_form,
)

ATOL = 1e-10


def spins(n: int) -> list[float]:
    return [t / 2 for t in range(n % 2, n + 1, 2)]


def cases(max_n: int, min_n: int = 1) -> list[tuple[int, float]]:
    return [(n, j) for n in range(min_n, max_n + 1) for j in spins(n)]


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


# ----------------------------------------------------------------------------- errors
class TestErrors:
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
