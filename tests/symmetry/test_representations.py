from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from eqqnn.errors import GroupElementError, InvalidParameterError, RepresentationError
from eqqnn.symmetry import (
    SU2,
    DirectProduct,
    DirectSum,
    Dual,
    FactorRepresentation,
    MatrixRepresentation,
    OuterProduct,
    PermutationRepresentation,
    RegularRepresentation,
    Representation,
    SO3Vector,
    SpinIrrep,
    TensorProduct,
    TrivialRepresentation,
    cyclic_group,
    dihedral_group,
    octahedral_group,
    qubit_representation,
    spin_matrices,
    symmetric_group,
)

SU2_REPS = [
    SpinIrrep(0),
    SpinIrrep(0.5),
    SpinIrrep(1),
    SpinIrrep(1.5),
    SpinIrrep(3),
    SO3Vector(),
    qubit_representation(3),
    Dual(SpinIrrep(1.5)),
    TensorProduct(SpinIrrep(1), SpinIrrep(0.5)),
    DirectSum(SpinIrrep(0.5), SpinIrrep(2), TrivialRepresentation(SU2(), 2)),
]
O = octahedral_group()
FINITE_REPS = [
    PermutationRepresentation(dihedral_group(5)),
    RegularRepresentation(cyclic_group(4)),
    RegularRepresentation(O),
    MatrixRepresentation(O),
    PermutationRepresentation(O),
    TensorProduct(MatrixRepresentation(O), MatrixRepresentation(O)),
    PermutationRepresentation(symmetric_group(4)),
]
_PROD = DirectProduct(SU2(), cyclic_group(3))
PRODUCT_REPS = [
    OuterProduct(_PROD, SpinIrrep(1), RegularRepresentation(cyclic_group(3))),
    FactorRepresentation(_PROD, 0, SpinIrrep(0.5)),
]
ALL = SU2_REPS + FINITE_REPS + PRODUCT_REPS


@pytest.mark.parametrize("rep", ALL, ids=repr)
class TestHomomorphism:
    def test_multiplicative(self, rep: Representation) -> None:
        g = rep.group.sample(11, 6)
        h = rep.group.sample(12, 6)
        lhs = rep.matrix(rep.group.compose(g, h))
        np.testing.assert_allclose(lhs, rep.matrix(g) @ rep.matrix(h), atol=1e-12)

    def test_unitary_and_identity(self, rep: Representation) -> None:
        m = rep.matrix(rep.group.sample(5, 6))
        eye = np.broadcast_to(np.eye(rep.dim), m.shape)
        np.testing.assert_allclose(m @ np.swapaxes(m, 1, 2).conj(), eye, atol=1e-12)
        np.testing.assert_allclose(rep.matrix(rep.group.identity()), np.eye(rep.dim), atol=1e-12)

    def test_single_and_batch_agree(self, rep: Representation) -> None:
        g = rep.group.sample(2, 3)
        single = tuple(x[1] for x in g) if isinstance(g, tuple) else g[1]
        np.testing.assert_allclose(rep.matrix(g)[1], rep.matrix(single), atol=1e-14)

    def test_real_flag(self, rep: Representation) -> None:
        if rep.is_real:
            assert np.abs(rep.matrix(rep.group.sample(3, 4)).imag).max() < 1e-14


@pytest.mark.parametrize("rep", SU2_REPS + PRODUCT_REPS, ids=repr)
def test_algebra_integrates_to_group(rep: Representation, rng: np.random.Generator) -> None:
    for x in rep.group.lie_algebra_basis():
        t = rng.uniform(-2, 2)
        if isinstance(x, tuple):
            g = tuple(
                SU2().exp(xi, t) if xi is not None else f.identity()
                for xi, f in zip(x, rep.group.factors, strict=True)
            )
        else:
            g = SU2().exp(x, t)
        np.testing.assert_allclose(
            rep.matrix(g), scipy.linalg.expm(-1j * t * rep.algebra_matrix(x)), atol=1e-11
        )


class TestSpinIrreps:
    def test_spin_half_is_defining(self) -> None:
        u = SU2().sample(0, 5)
        np.testing.assert_allclose(SpinIrrep(0.5).matrix(u), u, atol=1e-15)

    @pytest.mark.parametrize("j", [0.5, 1, 1.5, 2, 3.5])
    def test_commutation_relations_and_casimir(self, j: float) -> None:
        jx, jy, jz = spin_matrices(j)
        np.testing.assert_allclose(jx @ jy - jy @ jx, 1j * jz, atol=1e-12)
        np.testing.assert_allclose(jy @ jz - jz @ jy, 1j * jx, atol=1e-12)
        cas = jx @ jx + jy @ jy + jz @ jz
        np.testing.assert_allclose(cas, j * (j + 1) * np.eye(int(2 * j + 1)), atol=1e-12)

    def test_characters_are_irreducible(self) -> None:
        # Haar average of |chi|^2 = 1 for an irrep (Monte Carlo, 4 sigma)
        u = SU2().sample(0, 20000)
        chi = np.trace(SpinIrrep(1.5).matrix(u), axis1=1, axis2=2)
        val = np.abs(chi) ** 2
        assert abs(val.mean() - 1) < 4 * val.std() / np.sqrt(len(val))

    def test_so3_vector_rotates_bloch_vectors(self) -> None:
        u = SU2().sample(4)
        psi = np.array([0.6, 0.8j])
        paulis = np.array([[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]])
        bloch = lambda s: np.real(np.einsum("i,aij,j->a", s.conj(), paulis, s))  # noqa: E731
        np.testing.assert_allclose(
            bloch(u @ psi), SO3Vector().matrix(u).real @ bloch(psi), atol=1e-12
        )

    def test_qubit_representation_is_tensor_power(self) -> None:
        u = SU2().sample(9)
        np.testing.assert_allclose(qubit_representation(2).matrix(u), np.kron(u, u), atol=1e-14)

    @pytest.mark.parametrize("bad", [-0.5, 0.25, 1.3, float("nan"), "1", True])
    def test_bad_spin(self, bad: object) -> None:
        with pytest.raises(InvalidParameterError, match="spin"):
            SpinIrrep(bad)  # type: ignore[arg-type]


class TestFiniteRepresentations:
    def test_regular_character(self) -> None:
        rep = RegularRepresentation(O)
        chars = np.trace(rep.matrix(O.elements()), axis1=1, axis2=2).real
        assert chars[0] == 24 and np.all(chars[1:] == 0)

    def test_permutation_matches_action(self) -> None:
        group = dihedral_group(5)
        rep = PermutationRepresentation(group)
        g = 3
        e = np.eye(5)
        for p in range(5):
            np.testing.assert_array_equal(rep.matrix(g).real @ e[p], e[group.permutations[g][p]])

    def test_no_lie_algebra(self) -> None:
        with pytest.raises(RepresentationError, match="without Lie algebra"):
            RegularRepresentation(O).algebra_matrix(np.eye(2))


class TestBadInput:
    def test_mixed_groups(self) -> None:
        with pytest.raises(RepresentationError, match="one group"):
            TensorProduct(SpinIrrep(1), RegularRepresentation(O))

    def test_wrong_element(self) -> None:
        with pytest.raises(GroupElementError):
            SpinIrrep(1).matrix(3)
        with pytest.raises(GroupElementError):
            RegularRepresentation(O).matrix(np.eye(2))

    def test_outer_product_mismatch(self) -> None:
        with pytest.raises(RepresentationError, match="factor"):
            OuterProduct(_PROD, SpinIrrep(1), SpinIrrep(1))

    def test_matrix_rep_needs_matrices(self) -> None:
        with pytest.raises(RepresentationError, match="matrices"):
            MatrixRepresentation(cyclic_group(3))
