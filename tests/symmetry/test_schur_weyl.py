from __future__ import annotations

import itertools

import numpy as np
import pytest

from eqqnn.errors import InvalidParameterError, ProblemTooLargeError
from eqqnn.symmetry import (
    SU2,
    commutant_dimension,
    permutation_operator,
    qubit_representation,
    same_span,
    su2_commutant_basis,
    total_spin_operators,
    twirl,
)

METHODS = ["nullspace", "twirl", "permutations"]


@pytest.mark.parametrize(("k", "dim"), [(1, 1), (2, 2), (3, 5), (4, 14), (5, 42)])
class TestCommutant:
    def test_dimension_all_methods(self, k: int, dim: int) -> None:
        assert commutant_dimension(k) == dim
        for method in METHODS:
            assert len(su2_commutant_basis(k, method)) == dim

    def test_methods_agree(self, k: int, dim: int) -> None:
        ref = su2_commutant_basis(k, "permutations")
        assert same_span(ref, su2_commutant_basis(k, "nullspace"))
        assert same_span(ref, su2_commutant_basis(k, "twirl", seed=5))

    def test_basis_commutes_with_rotations_and_is_hermitian(self, k: int, dim: int) -> None:
        basis = su2_commutant_basis(k, "nullspace")
        np.testing.assert_allclose(basis, np.swapaxes(basis, 1, 2).conj(), atol=1e-12)
        u = qubit_representation(k).matrix(SU2().sample(3, 5))
        comm = basis[:, None] @ u[None] - u[None] @ basis[:, None]
        assert np.abs(comm).max() < 1e-10


@pytest.mark.slow
def test_six_qubits_twirl_and_permutations() -> None:
    assert same_span(su2_commutant_basis(6, "permutations"), su2_commutant_basis(6, "twirl"))


def test_twirled_random_generator_is_equivariant(rng: np.random.Generator) -> None:
    k = 4
    h = rng.standard_normal((16, 16)) + 1j * rng.standard_normal((16, 16))
    h = h + h.conj().T
    g = twirl(h, qubit_representation(k))
    np.testing.assert_allclose(g, g.conj().T, atol=1e-12)
    s = total_spin_operators(k)
    assert max(np.abs(g @ sa - sa @ g).max() for sa in s) < 1e-10
    # and it is a combination of the 24 permutations
    perms = np.stack([permutation_operator(p) for p in itertools.permutations(range(k))])
    coef, *_ = np.linalg.lstsq(perms.reshape(24, -1).T, g.ravel(), rcond=None)
    np.testing.assert_allclose(np.einsum("p,pij->ij", coef, perms), g, atol=1e-10)


def test_swap_is_heisenberg_exchange() -> None:
    # S_0 . S_1 = SWAP / 2 - 1/4
    s = total_spin_operators(1)[:, :2, :2]
    exchange = sum(np.kron(a, a) for a in s)
    np.testing.assert_allclose(exchange, permutation_operator([1, 0]) / 2 - np.eye(4) / 4)


def test_permutation_operator_moves_qubits(rng: np.random.Generator) -> None:
    perm = [2, 0, 1]
    p = permutation_operator(perm)
    mats = [rng.standard_normal((2, 2)) for _ in range(3)]
    moved = [None] * 3
    for i, m in enumerate(mats):
        moved[perm[i]] = m
    lhs = p @ np.kron(np.kron(*mats[:2]), mats[2]) @ p.conj().T
    np.testing.assert_allclose(lhs, np.kron(np.kron(*moved[:2]), moved[2]), atol=1e-12)


class TestBadInput:
    def test_too_many_qubits(self) -> None:
        with pytest.raises(ProblemTooLargeError, match="limit is 6"):
            su2_commutant_basis(7)

    def test_bad_method(self) -> None:
        with pytest.raises(InvalidParameterError, match="method must be one of"):
            su2_commutant_basis(3, "schur")

    def test_bad_permutation(self) -> None:
        with pytest.raises(InvalidParameterError, match="not a permutation"):
            permutation_operator([0, 0, 1])
