from __future__ import annotations

import numpy as np
import pytest

from eqqnn.errors import DimensionError, InvalidParameterError, ProblemTooLargeError
from eqqnn.symmetry import (
    SU2,
    DirectProduct,
    DirectSum,
    FactorRepresentation,
    MatrixRepresentation,
    OuterProduct,
    PermutationRepresentation,
    RegularRepresentation,
    Representation,
    SO3Vector,
    SpinIrrep,
    TensorProduct,
    cyclic_group,
    dihedral_group,
    equivariant_basis,
    haar_quadrature,
    octahedral_group,
    project_onto_span,
    qubit_representation,
    same_span,
    twirl,
    twirl_monte_carlo,
)

O = octahedral_group()
_PROD = DirectProduct(SU2(), cyclic_group(2))
PAIRS = [
    (qubit_representation(3), qubit_representation(3)),
    (SpinIrrep(1), SO3Vector()),
    (TensorProduct(SpinIrrep(1), SpinIrrep(1)), SpinIrrep(1)),
    (TensorProduct(SpinIrrep(0.5), SpinIrrep(1)), DirectSum(SpinIrrep(0.5), SpinIrrep(1.5))),
    (RegularRepresentation(O), MatrixRepresentation(O)),
    (PermutationRepresentation(dihedral_group(6)), PermutationRepresentation(dihedral_group(6))),
    (
        OuterProduct(_PROD, SpinIrrep(0.5), RegularRepresentation(cyclic_group(2))),
        FactorRepresentation(_PROD, 0, SpinIrrep(0.5)),
    ),
]
EXPECTED_DIMS = [5, 1, 1, 2, 3, 4, 1]


def _commutes(x: np.ndarray, rep_in: Representation, rep_out: Representation) -> float:
    g = rep_in.group.sample(99, 6)
    r_in, r_out = rep_in.matrix(g), rep_out.matrix(g)
    return float(np.abs(x[None] @ r_in - r_out @ x[None]).max())


@pytest.mark.parametrize(
    ("pair", "dim"),
    list(zip(PAIRS, EXPECTED_DIMS, strict=True)),
    ids=[f"{a!r}->{b!r}" for a, b in PAIRS],
)
class TestEquivariantBasis:
    def test_dimension_and_orthonormality(self, pair: tuple, dim: int) -> None:
        basis = equivariant_basis(*pair)
        assert basis.shape == (dim, pair[1].dim, pair[0].dim)
        gram = np.einsum("kij,lij->kl", basis.conj(), basis)
        np.testing.assert_allclose(gram, np.eye(dim), atol=1e-10)

    def test_basis_is_equivariant(self, pair: tuple, dim: int) -> None:
        for b in equivariant_basis(*pair):
            assert _commutes(b, *pair) < 1e-10

    def test_twirl_and_nullspace_agree(self, pair: tuple, dim: int) -> None:
        assert same_span(equivariant_basis(*pair), equivariant_basis(*pair, method="twirl"))

    def test_twirl_is_projection_onto_basis(
        self, pair: tuple, dim: int, rng: np.random.Generator
    ) -> None:
        rep_in, rep_out = pair
        x = rng.standard_normal((3, rep_out.dim, rep_in.dim)) + 1j * rng.standard_normal(
            (3, rep_out.dim, rep_in.dim)
        )
        t = twirl(x, *pair)
        np.testing.assert_allclose(t, project_onto_span(x, equivariant_basis(*pair)), atol=1e-10)
        np.testing.assert_allclose(twirl(t, *pair), t, atol=1e-10)  # idempotent
        for ti in t:
            assert _commutes(ti, *pair) < 1e-10


class TestRealBases:
    def test_cross_product_is_the_only_real_bilinear(self) -> None:
        vec = SO3Vector()
        basis = equivariant_basis(TensorProduct(vec, vec), vec, real=True)
        assert basis.shape == (1, 3, 9) and basis.dtype == np.float64
        eps = np.zeros((3, 3, 3))
        for a, b, c in [(0, 1, 2), (1, 2, 0), (2, 0, 1)]:
            eps[a, b, c], eps[a, c, b] = 1, -1
        eps = eps.reshape(3, 9) / np.sqrt(6)
        assert abs(abs(np.sum(basis[0] * eps)) - 1) < 1e-10

    @pytest.mark.parametrize("rep", [MatrixRepresentation(O), PermutationRepresentation(O)])
    def test_hom_from_regular_has_dim_of_target(self, rep: Representation) -> None:
        basis = equivariant_basis(RegularRepresentation(O), rep, real=True)
        assert len(basis) == rep.dim
        assert np.isrealobj(basis)


class TestTwirl:
    @pytest.mark.parametrize("degree", [0.5, 1, 2.5, 4])
    def test_quadrature_integrates_wigner_functions(self, degree: float) -> None:
        elems, w = haar_quadrature(SU2(), degree)
        assert abs(w.sum() - 1) < 1e-12
        j = 0.5
        while j <= degree:
            mean = np.einsum("q,qij->ij", w, SpinIrrep(j).matrix(elems))
            assert np.abs(mean).max() < 1e-12, j
            j += 0.5

    def test_matches_monte_carlo(self, rng: np.random.Generator) -> None:
        rep = qubit_representation(2)
        x = rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4))
        mean, err = twirl_monte_carlo(x, rep, n_samples=4000, seed=1)
        exact = twirl(x, rep)
        assert np.all(np.abs(mean - exact) < 5 * err + 1e-12)
        assert np.abs(mean - exact).max() > 1e-6  # it is a Monte-Carlo estimate, not exact

    def test_shape_mismatch(self) -> None:
        with pytest.raises(DimensionError, match=r"expected \(\.\.\., 3, 2\)"):
            twirl(np.eye(2), SpinIrrep(0.5), SpinIrrep(1))


class TestBadInput:
    def test_too_large(self) -> None:
        with pytest.raises(ProblemTooLargeError, match="max_dim"):
            equivariant_basis(qubit_representation(7))

    def test_unknown_method(self) -> None:
        with pytest.raises(InvalidParameterError, match="nullspace"):
            equivariant_basis(SpinIrrep(1), method="magic")

    def test_different_groups(self) -> None:
        with pytest.raises(DimensionError, match="different groups"):
            equivariant_basis(SpinIrrep(1), RegularRepresentation(O))
