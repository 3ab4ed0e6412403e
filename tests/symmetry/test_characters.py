"""Conjugacy classes, character tables, isotypic projectors and partial twirls."""

from __future__ import annotations

import numpy as np
import pytest

from eqqnn.classical import chain_group, chain_octahedral_group, group_table
from eqqnn.errors import DimensionError, RepresentationError
from eqqnn.symmetry import (
    SU2,
    DirectSum,
    FiniteGroup,
    MatrixRepresentation,
    OuterProduct,
    PermutationRepresentation,
    RegularRepresentation,
    SpinIrrep,
    TensorProduct,
    TrivialRepresentation,
    character_table,
    conjugacy_classes,
    cyclic_group,
    dihedral_group,
    equivariant_basis,
    group_elements,
    isotypic_measures,
    isotypic_projectors,
    measure_twirl,
    octahedral_group,
    partial_twirl,
    project_onto_span,
    symmetric_group,
    twirl,
)

O = octahedral_group()
PRODUCT4 = chain_octahedral_group(4)
GROUPS = {
    "C4": cyclic_group(4),
    "C5": cyclic_group(5),
    "D4": dihedral_group(4),
    "D5": dihedral_group(5),
    "S3": symmetric_group(3),
    "S4": symmetric_group(4),
    "O": O,
    "chain6": chain_group(6),
    "chain4×O": PRODUCT4,
}
ALL_GROUPS = pytest.mark.parametrize("group", list(GROUPS.values()), ids=list(GROUPS))

# (number of classes, sorted irrep dimensions)
EXPECTED = {
    "C4": (4, [1, 1, 1, 1]),
    "C5": (5, [1, 1, 1, 1, 1]),
    "D4": (5, [1, 1, 1, 1, 2]),
    "D5": (4, [1, 1, 2, 2]),
    "S3": (3, [1, 1, 2]),
    "S4": (5, [1, 1, 2, 3, 3]),
    "O": (5, [1, 1, 2, 3, 3]),
    "chain6": (3, [1, 1, 2]),  # D_3
}

REPS = {
    "C4-regular": RegularRepresentation(cyclic_group(4)),
    "C5-regular": RegularRepresentation(cyclic_group(5)),
    "D4-points": PermutationRepresentation(dihedral_group(4)),
    "O-vectors": MatrixRepresentation(O),
    "O-axes": PermutationRepresentation(O),
    "O-vectors⊗2": TensorProduct(MatrixRepresentation(O), MatrixRepresentation(O)),
    "chain4×O-site-vectors": OuterProduct(
        PRODUCT4, PermutationRepresentation(chain_group(4)), MatrixRepresentation(O)
    ),
}
ALL_REPS = pytest.mark.parametrize("rep", list(REPS.values()), ids=list(REPS))
REAL = pytest.mark.parametrize("real", [True, False], ids=["real", "complex"])


class TestInputs:
    def test_rejects_infinite_group(self) -> None:
        with pytest.raises(RepresentationError, match="FiniteGroup"):
            character_table(SU2())

    def test_rejects_rep_of_infinite_group(self) -> None:
        rep = SpinIrrep(1)
        with pytest.raises(RepresentationError, match="FiniteGroup"):
            isotypic_projectors(rep)

    def test_wrong_number_of_degrees(self) -> None:
        rep = MatrixRepresentation(O)
        with pytest.raises(DimensionError, match=r"1a.*3b"):
            partial_twirl(np.eye(3), [1.0, 0.0], rep)

    def test_wrong_operator_shape(self) -> None:
        rep = MatrixRepresentation(O)
        with pytest.raises(DimensionError, match=r"\(\.\.\., 3, 3\)"):
            measure_twirl(np.eye(4), np.full(24, 1 / 24), rep)

    def test_wrong_measure_shape(self) -> None:
        rep = MatrixRepresentation(O)
        with pytest.raises(DimensionError, match=r"\(24,\)"):
            measure_twirl(np.eye(3), np.ones(5), rep)

    def test_group_elements_row_major(self) -> None:
        g = PRODUCT4
        a, b = group_elements(g)
        table = group_table(g)
        assert np.array_equal(table.flat_index((a, b)), np.arange(g.order))


class TestCharacterTable:
    @pytest.mark.parametrize("name", list(EXPECTED))
    def test_classes_and_dimensions(self, name: str) -> None:
        table = character_table(GROUPS[name])
        n_classes, dims = EXPECTED[name]
        assert table.n_classes == n_classes == len(table.dims)
        assert sorted(table.dims.tolist()) == dims

    def test_octahedral_is_s4(self) -> None:
        o, s4 = character_table(O), character_table(symmetric_group(4))
        assert sorted(o.class_sizes.tolist()) == sorted(s4.class_sizes.tolist())
        # same table up to the order of the classes
        key = np.argsort(o.class_sizes, kind="stable")
        key4 = np.argsort(s4.class_sizes, kind="stable")
        assert sorted(map(tuple, o.characters[:, key].real.round(8))) == sorted(
            map(tuple, s4.characters[:, key4].real.round(8))
        )

    def test_cyclic_characters_are_roots_of_unity(self) -> None:
        table = character_table(cyclic_group(5))
        values = set(np.round(table.characters[:, 1], 8).tolist())
        roots = set(np.round(np.exp(2j * np.pi * np.arange(5) / 5), 8).tolist())
        assert values == roots
        assert table.indicators.tolist() == [1, 0, 0, 0, 0]
        assert table.real_type_labels[0] == "1a" and len(table.real_types) == 3

    @ALL_GROUPS
    def test_orthogonality(self, group) -> None:
        table = character_table(group)
        chars, sizes = table.characters, table.class_sizes
        rows = (chars * sizes) @ chars.conj().T
        assert np.abs(rows - table.order * np.eye(len(chars))).max() < 1e-9
        cols = chars.T @ chars.conj()
        assert np.abs(cols - np.diag(table.order / sizes)).max() < 1e-9
        assert int((table.dims**2).sum()) == table.order
        assert np.allclose(table.characters[0], 1) and table.labels[0].startswith("1a")

    @ALL_GROUPS
    def test_classes_are_conjugacy_classes(self, group) -> None:
        classes = conjugacy_classes(group)
        t = group_table(group)
        assert classes[0].tolist() == [0]
        assert sorted(np.concatenate(classes).tolist()) == list(range(t.order))
        for c in classes:
            g = c[0]
            orbit = np.unique(t.cayley[t.cayley[:, g], t.inverse])
            assert np.array_equal(orbit, c)

    @ALL_GROUPS
    def test_characters_are_traces_of_the_regular_rep_decomposition(self, group) -> None:
        # the regular representation contains every irrep d_sigma times
        table = character_table(group)
        reg = group_table(group).regular_representation()
        p = isotypic_projectors(reg, real=False)
        traces = np.trace(p, axis1=1, axis2=2).real
        assert np.allclose(traces, table.dims**2)


class TestProjectors:
    @ALL_REPS
    @REAL
    def test_resolution_of_identity(self, rep, real: bool) -> None:
        p = isotypic_projectors(rep, real=real)
        eye = np.eye(rep.dim)
        assert np.abs(p.sum(axis=0) - eye).max() < 1e-10
        prod = np.einsum("sij,tjk->stik", p, p)
        expected = np.einsum("st,sik->stik", np.eye(len(p)), p)
        assert np.abs(prod - expected).max() < 1e-10
        assert np.abs(p - np.swapaxes(p, 1, 2).conj()).max() < 1e-10  # orthogonal projectors
        assert np.isrealobj(p) == real

    @ALL_REPS
    def test_projectors_commute_with_the_group(self, rep) -> None:
        p = isotypic_projectors(rep)
        mats = np.asarray(rep.matrix(group_elements(rep.group, np.arange(4)))).real
        assert (
            np.abs(np.einsum("sij,gjk->sgik", p, mats) - np.einsum("gij,sjk->sgik", mats, p)).max()
            < 1e-10
        )

    def test_measures_sum_to_delta(self) -> None:
        m = isotypic_measures(O)
        delta = np.zeros(24)
        delta[0] = 1.0
        assert np.allclose(m.sum(axis=0), delta)
        assert np.allclose(m[0], 1 / 24)


class TestPartialTwirl:
    @pytest.mark.parametrize(
        ("rep_in", "rep_out"),
        [
            (MatrixRepresentation(O), MatrixRepresentation(O)),
            (PermutationRepresentation(O), MatrixRepresentation(O)),
            (RegularRepresentation(cyclic_group(5)), RegularRepresentation(cyclic_group(5))),
            (REPS["chain4×O-site-vectors"], REPS["chain4×O-site-vectors"]),
        ],
        ids=["O-vec", "O-axes→vec", "C5-regular", "chain4×O"],
    )
    def test_limits(self, rep_in, rep_out, rng: np.random.Generator) -> None:
        w = rng.standard_normal((2, rep_out.dim, rep_in.dim))
        n = len(character_table(rep_in.group).real_types)
        f = np.zeros(n)
        f[0] = 1.0
        full = partial_twirl(w, f, rep_in, rep_out)
        assert np.abs(full - twirl(w, rep_in, rep_out).real).max() < 1e-10
        if rep_in.dim * rep_out.dim <= 256:
            basis = equivariant_basis(rep_in, rep_out, real=True)
            assert np.abs(full - project_onto_span(w, basis)).max() < 1e-10
        assert np.abs(partial_twirl(w, np.ones(n), rep_in, rep_out) - w).max() < 1e-10

    def test_equals_sum_of_isotypic_projections(self, rng: np.random.Generator) -> None:
        rep_in, rep_out = PermutationRepresentation(O), MatrixRepresentation(O)
        w = rng.standard_normal((3, 6))
        f = rng.uniform(-1, 1, len(character_table(O).real_types))
        # projectors of the action W -> R_out W R_in^T on row-major vec(W)
        action = TensorProduct(rep_out, rep_in)
        p = isotypic_projectors(action)
        expected = np.einsum("s,sij,j->i", f, p, w.reshape(-1)).reshape(3, 6)
        assert np.abs(partial_twirl(w, f, rep_in, rep_out) - expected).max() < 1e-10

    def test_complex_degrees_for_conjugate_pairs(self, rng: np.random.Generator) -> None:
        rep = RegularRepresentation(cyclic_group(4))
        w = rng.standard_normal((4, 4))
        # irreps 1a, 1b, 1c (pair of 1b), 1d; tying f_1b = f_1c reproduces the real mode
        out_complex = partial_twirl(w, [1.0, 0.3, 0.3, -0.5], rep, real=False)
        out_real = partial_twirl(w, [1.0, 0.3, -0.5], rep)
        assert np.abs(out_complex - out_real).max() < 1e-10
        assert np.abs(out_complex.imag).max() < 1e-12

    def test_complex_representation_keeps_its_phases(self, rng: np.random.Generator) -> None:
        # C_4 acting on C by i^k: Re(A X B) != Re(A) X Re(B), so real inputs must not
        # drop the imaginary parts of the representation matrices
        group = FiniteGroup.from_generators(
            "C4 by i", [[1, 2, 3, 0]], matrix_generators=[np.array([[1j]])]
        )
        rep = DirectSum(MatrixRepresentation(group), TrivialRepresentation(group))
        x = rng.standard_normal((2, 2))
        uniform = np.full(group.order, 1 / group.order)
        assert np.abs(measure_twirl(x, uniform, rep) - twirl(x, rep)).max() < 1e-12
        for g in range(group.order):
            delta = np.eye(group.order)[g]
            r = np.asarray(rep.matrix(g))
            expected = r @ x @ r.conj().T
            assert np.abs(measure_twirl(x, delta, rep) - expected).max() < 1e-12

    def test_subgroup_measure_is_subgroup_twirl(self, rng: np.random.Generator) -> None:
        c4 = cyclic_group(4)
        rep = PermutationRepresentation(c4)
        w = rng.standard_normal((4, 4))
        mu = np.array([0.5, 0.0, 0.5, 0.0])  # {0, 2} = C_2
        out = measure_twirl(w, mu, rep)
        r2 = rep.matrix(2).real
        assert np.abs(r2 @ out @ r2.T - out).max() < 1e-12
        r1 = rep.matrix(1).real
        assert np.abs(r1 @ out @ r1.T - out).max() > 1e-3
        r0 = rep.matrix(0).real
        assert np.abs(out - 0.5 * (r0 @ w @ r0.T + r2 @ w @ r2.T)).max() < 1e-12
        assert np.abs(measure_twirl(out, mu, rep) - out).max() < 1e-12  # a projection
