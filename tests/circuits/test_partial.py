from __future__ import annotations

import numpy as np
import pytest

from eqqnn.circuits import graded_qcnn, spin_graded_generators, symmetry_graded_generators
from eqqnn.symmetry import qubit_representation, total_spin_operators, twirl


def _gram(gens: np.ndarray) -> np.ndarray:
    return np.einsum("aij,bij->ab", gens.conj(), gens)


@pytest.mark.parametrize("k", [2, 3])
class TestSpinGrades:
    def test_sizes_and_orthonormality(self, k: int) -> None:
        grades = spin_graded_generators(k)
        assert sum(len(g) for g in grades) == 4**k - 1
        allg = np.concatenate(grades)
        np.testing.assert_allclose(_gram(allg), np.eye(len(allg)), atol=1e-10)
        np.testing.assert_allclose(allg, np.swapaxes(allg, 1, 2).conj(), atol=1e-12)

    def test_casimir_eigenvalues(self, k: int) -> None:
        spin = total_spin_operators(k)
        for big_l, gens in enumerate(spin_graded_generators(k)):
            for g in gens:
                cas = sum(s @ (s @ g - g @ s) - (s @ g - g @ s) @ s for s in spin)
                np.testing.assert_allclose(cas, big_l * (big_l + 1) * g, atol=1e-9)

    def test_haar_twirl_keeps_only_spin_zero(self, k: int) -> None:
        rep = qubit_representation(k)
        grades = spin_graded_generators(k)
        np.testing.assert_allclose(twirl(grades[0], rep), grades[0], atol=1e-10)
        for gens in grades[1:]:
            assert np.abs(twirl(gens, rep)).max() < 1e-10


def test_symmetry_grades() -> None:
    su2, u1, free = symmetry_graded_generators(2)
    assert (len(su2), len(u1), len(free)) == (1, 4, 10)
    allg = np.concatenate([su2, u1, free])
    np.testing.assert_allclose(_gram(allg), np.eye(15), atol=1e-10)
    sx, _, sz = total_spin_operators(2)
    for g in u1:
        assert np.abs(g @ sz - sz @ g).max() < 1e-10
        assert np.abs(g @ sx - sx @ g).max() > 1e-3
    for g in free:
        assert np.abs(g @ sz - sz @ g).max() > 1e-3


def test_graded_qcnn_tags() -> None:
    c = graded_qcnn(6, spin_graded_generators(2))
    grades = np.array(c.metadata["slot_grade"])
    layers = np.array(c.metadata["slot_layer"])
    assert len(grades) == len(layers) == c.n_params
    assert set(grades.tolist()) == {0, 1, 2} and layers.max() == c.metadata["n_layers"] - 1
    assert not c.is_su2_equivariant
