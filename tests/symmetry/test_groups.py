from __future__ import annotations

import numpy as np
import pytest

from eqqnn.errors import GroupElementError, InvalidParameterError
from eqqnn.symmetry import (
    SU2,
    DirectProduct,
    FiniteGroup,
    cyclic_group,
    dihedral_group,
    octahedral_group,
    symmetric_group,
)

FINITE = [
    cyclic_group(5),
    dihedral_group(4),
    dihedral_group(6),
    octahedral_group(),
    symmetric_group(4),
]


class TestSU2:
    def test_samples_are_special_unitary(self) -> None:
        u = SU2().sample(seed=3, size=50)
        assert u.shape == (50, 2, 2)
        np.testing.assert_allclose(
            u @ u.conj().transpose(0, 2, 1), np.broadcast_to(np.eye(2), u.shape), atol=1e-12
        )
        np.testing.assert_allclose(np.linalg.det(u), 1, atol=1e-12)

    def test_seeded_and_haar_moments(self) -> None:
        g = SU2()
        np.testing.assert_array_equal(g.sample(7, 3), g.sample(7, 3))
        u = g.sample(0, 20000)
        # Haar: E|U_00|^2 = 1/2, E U_00 = 0
        assert abs(np.mean(np.abs(u[:, 0, 0]) ** 2) - 0.5) < 0.01
        assert abs(np.mean(u[:, 0, 0])) < 0.02

    def test_exp_matches_matrix_exponential(self, rng: np.random.Generator) -> None:
        import scipy.linalg

        c = rng.standard_normal(3)
        h = sum(ci * b for ci, b in zip(c, SU2().lie_algebra_basis(), strict=True))
        np.testing.assert_allclose(SU2().exp(h, 0.8), scipy.linalg.expm(-0.8j * h), atol=1e-12)

    def test_group_axioms(self) -> None:
        g = SU2()
        a, b = g.sample(1, 2)
        np.testing.assert_allclose(g.compose(a, g.inverse(a)), np.eye(2), atol=1e-12)
        np.testing.assert_allclose(g.compose(g.identity(), b), b)

    @pytest.mark.parametrize("bad", [np.eye(3), 2 * np.eye(2), np.diag([1, -1]), 3, (1, 2)])
    def test_bad_elements(self, bad: object) -> None:
        with pytest.raises(GroupElementError, match="SU\\(2\\)"):
            SU2().validate(bad)

    def test_unseeded_sampling_refused(self) -> None:
        with pytest.raises(InvalidParameterError, match="seed"):
            SU2().sample(None)


class TestFiniteGroups:
    @pytest.mark.parametrize(
        ("group", "order"),
        [
            (cyclic_group(5), 5),
            (dihedral_group(4), 8),
            (dihedral_group(6), 12),
            (octahedral_group(), 24),
            (symmetric_group(4), 24),
        ],
    )
    def test_orders(self, group: FiniteGroup, order: int) -> None:
        assert group.order == order

    @pytest.mark.parametrize("group", FINITE, ids=lambda g: g.name)
    def test_axioms(self, group: FiniteGroup) -> None:
        table = group.cayley_table
        n = group.order
        # latin square, identity row/col, associativity on all triples (small groups)
        assert all(sorted(row) == list(range(n)) for row in table)
        np.testing.assert_array_equal(table[0], np.arange(n))
        np.testing.assert_array_equal(table[:, 0], np.arange(n))
        left = table[table[:, :, None], np.arange(n)[None, None, :]]  # (gh)k
        right = table[np.arange(n)[:, None, None], table[None, :, :]]  # g(hk)
        np.testing.assert_array_equal(left, right)
        inv = group.inverse(group.elements())
        np.testing.assert_array_equal(table[np.arange(n), inv], 0)

    @pytest.mark.parametrize("group", FINITE, ids=lambda g: g.name)
    def test_compose_matches_table(self, group: FiniteGroup) -> None:
        g, h = group.sample(0, 10), group.sample(1, 10)
        np.testing.assert_array_equal(group.compose(g, h), group.cayley_table[g, h])

    def test_octahedral_matrices_are_rotations(self) -> None:
        o = octahedral_group()
        m = o.matrices
        assert m.shape == (24, 3, 3)
        np.testing.assert_allclose(np.linalg.det(m), 1)
        np.testing.assert_allclose(m @ m.transpose(0, 2, 1), np.broadcast_to(np.eye(3), m.shape))
        # matrices are a homomorphic image of the permutation action
        t = o.cayley_table
        for g in range(24):
            for h in range(24):
                np.testing.assert_allclose(m[g] @ m[h], m[t[g, h]])
        assert len({mat.tobytes() for mat in m}) == 24

    @pytest.mark.parametrize("bad", [-1, 5, 2.0, True, np.array([[1]])])
    def test_bad_elements(self, bad: object) -> None:
        with pytest.raises(GroupElementError, match="C5"):
            cyclic_group(5).validate(bad)

    def test_bad_constructors(self) -> None:
        with pytest.raises(InvalidParameterError, match="n must be >= 3"):
            dihedral_group(2)
        with pytest.raises(InvalidParameterError, match="permutation"):
            FiniteGroup.from_generators("bad", [[0, 0, 1]])


class TestDirectProduct:
    def test_elements_and_generators(self) -> None:
        g = DirectProduct(SU2(), cyclic_group(3))
        a = g.sample(0, 4)
        assert a[0].shape == (4, 2, 2) and a[1].shape == (4,)
        e = g.compose(a, g.inverse(a))
        np.testing.assert_allclose(e[0], np.broadcast_to(np.eye(2), (4, 2, 2)), atol=1e-12)
        np.testing.assert_array_equal(e[1], 0)
        assert len(g.lie_algebra_basis()) == 3
        assert len(g.discrete_generators()) == 1
        assert not g.is_finite

    def test_finite_product_order(self) -> None:
        assert DirectProduct(cyclic_group(2), dihedral_group(3)).order == 12

    def test_bad(self) -> None:
        with pytest.raises(InvalidParameterError, match="two Group factors"):
            DirectProduct(SU2())
        with pytest.raises(GroupElementError, match="tuple of 2"):
            DirectProduct(SU2(), cyclic_group(2)).validate(np.eye(2))
