"""G-CNN layers: the chain group, lifting and group convolutions, pooling."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eqqnn.classical import (
    GroupConv,
    GroupPool,
    LiftingConv,
    cached_equivariant_basis,
    chain_group,
    chain_octahedral_group,
    correlator_representation,
    group_table,
    shadow_representation,
)
from eqqnn.errors import DimensionError, InvalidParameterError, RepresentationError
from eqqnn.symmetry import (
    MatrixRepresentation,
    OuterProduct,
    PermutationRepresentation,
    RegularRepresentation,
    Representation,
    SO3Vector,
    SpinIrrep,
    TensorProduct,
    TrivialRepresentation,
    octahedral_group,
    same_span,
)
from eqqnn.testing import assert_equivariant

TOL = {torch.float32: 1e-6, torch.float64: 1e-12}
DTYPES = pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
O = octahedral_group()
CHAIN4, CHAIN6 = chain_group(4), chain_group(6)
PRODUCT4 = chain_octahedral_group(4)


def unit_rows(batch: int, dim: int, dtype: torch.dtype, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, dim, generator=gen, dtype=torch.float64)
    return (x / x.norm(dim=1, keepdim=True)).to(dtype)


def copies(rep: Representation, channels: int) -> Representation:
    return TensorProduct(TrivialRepresentation(rep.group, channels), rep)


def lifting_reps() -> dict[str, Representation]:
    return {
        "chain-sites": PermutationRepresentation(CHAIN6),
        "chain-correlators": correlator_representation(PermutationRepresentation(CHAIN4)),
        "O-vectors": MatrixRepresentation(O),
        "chain×O-site-vectors": OuterProduct(
            PRODUCT4, PermutationRepresentation(CHAIN4), MatrixRepresentation(O)
        ),
    }


LIFTS = lifting_reps()


class TestChainGroup:
    @pytest.mark.parametrize("n", [2, 4, 6, 12])
    def test_order_and_free_transitive_action(self, n: int) -> None:
        g = chain_group(n)
        assert g.order == n
        # every site is reached from site 0 by exactly one element
        assert sorted(g.permutations[:, 0].tolist()) == list(range(n))

    @pytest.mark.parametrize("n", [4, 8, 12])
    def test_preserves_bond_pattern(self, n: int) -> None:
        g = chain_group(n, translations=True, reflection=True)
        for perm in g.permutations:
            for i in range(n - 1):  # bond (i, i+1) has J1 iff i is even
                a, b = sorted((perm[i], perm[i + 1]))
                if b - a == 1:  # bonds that stay inside the open chain
                    assert a % 2 == i % 2

    def test_open_chain_exact_group(self) -> None:
        g = chain_group(12, translations=False)
        assert g.order == 2 and g.permutations[1].tolist() == list(range(11, -1, -1))
        assert chain_group(12, reflection=False).order == 6

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"n_sites": 5}, "n_sites must be even"),
            ({"n_sites": 0}, "n_sites must be >= 2"),
            ({"n_sites": 6, "translations": False, "reflection": False}, "needs translations"),
        ],
    )
    def test_bad_arguments(self, kwargs: dict, match: str) -> None:
        with pytest.raises(InvalidParameterError, match=match):
            chain_group(**kwargs)

    def test_shadow_representation_layout(self) -> None:
        t, n = 2, 4
        rep = shadow_representation(
            t,
            n,
            site_rep=PermutationRepresentation(CHAIN4),
            vector_rep=MatrixRepresentation(O),
        )
        assert rep.group == PRODUCT4 and rep.dim == t * n * 3
        g = PRODUCT4.sample(0)
        x = np.arange(t * n * 3, dtype=float).reshape(t, n, 3)
        y = (rep.matrix(g).real @ x.ravel()).reshape(t, n, 3)
        perm, rot = CHAIN4.permutations[g[0]], O.matrices[g[1]]
        expected = np.empty_like(x)
        expected[:, perm, :] = x @ rot.T  # site i moves to perm[i], vectors rotate
        np.testing.assert_allclose(y, expected)
        with pytest.raises(RepresentationError, match="n_sites = 5"):
            shadow_representation(1, 5, site_rep=PermutationRepresentation(CHAIN4))
        with pytest.raises(RepresentationError, match="3-vectors"):
            shadow_representation(1, 4, vector_rep=SpinIrrep(2))


class TestGroupTable:
    def test_product_table_matches_regular_representation(self) -> None:
        table = group_table(PRODUCT4)
        assert table.order == 96 and group_table(PRODUCT4) is table
        g = PRODUCT4.sample(1, 5)
        mats = table.regular_representation().matrix(g).real
        flat = table.flat_index(g)
        for b in range(5):
            np.testing.assert_array_equal(mats[b].argmax(axis=0), table.cayley[flat[b]])
        np.testing.assert_array_equal(table.cayley[np.arange(96), table.inverse], 0)

    @pytest.mark.parametrize(
        "rep",
        [
            PermutationRepresentation(CHAIN6),
            RegularRepresentation(CHAIN6),
            correlator_representation(PermutationRepresentation(CHAIN4)),
            TensorProduct(PermutationRepresentation(CHAIN4), RegularRepresentation(CHAIN4)),
        ],
        ids=["sites", "regular", "sites⊗sites", "sites⊗regular"],
    )
    def test_permutation_tables_are_read_without_matrices(self, rep: Representation) -> None:
        table = group_table(rep.group)
        perms = table.permutation_table(rep)
        mats = table.real_matrices(rep)
        # rho(g) e_x = e_{p[g, x]}: column x of rho(g) is the basis vector p[g, x]
        expected = np.zeros_like(mats)
        g, x = np.meshgrid(np.arange(table.order), np.arange(rep.dim), indexing="ij")
        expected[g, perms, x] = 1.0
        np.testing.assert_array_equal(mats, expected)

    def test_signed_permutations_are_not_permutations(self) -> None:
        assert group_table(O).permutation_table(MatrixRepresentation(O)) is None


class TestSpans:
    """The layers span exactly the equivariant maps of the symmetry core."""

    @pytest.mark.parametrize("group", [CHAIN6, O], ids=["chain", "O"])
    def test_group_conv_is_the_commutant_of_the_regular_rep(self, group) -> None:
        reg = RegularRepresentation(group)
        core = cached_equivariant_basis(reg, reg)
        assert core.method == "nullspace"
        assert same_span(GroupConv(group).basis(), core.matrices)

    @pytest.mark.parametrize("name", list(LIFTS))
    def test_lifting_spans_hom_to_regular(self, name: str) -> None:
        rep = LIFTS[name]
        if rep.group == PRODUCT4:  # a smaller chain keeps the dense nullspace small
            product = chain_octahedral_group(2)
            chain = PermutationRepresentation(product.factors[0])
            rep = OuterProduct(product, chain, MatrixRepresentation(O))
        lift = LiftingConv(rep)
        reg = group_table(rep.group).regular_representation()
        core = cached_equivariant_basis(rep, reg)
        assert core.size == rep.dim  # Frobenius reciprocity
        assert same_span(lift.basis(), core.matrices)


class TestEquivariance:
    @DTYPES
    @pytest.mark.parametrize("name", list(LIFTS))
    def test_lifting(self, name: str, dtype: torch.dtype) -> None:
        rep = LIFTS[name]
        lift = LiftingConv(rep, in_channels=2, out_channels=3, seed=1, dtype=dtype)
        with torch.no_grad():
            lift.bias.normal_(generator=torch.Generator().manual_seed(0))
        reg = group_table(rep.group).regular_representation()

        def f(x: torch.Tensor) -> torch.Tensor:
            return lift(x.reshape(-1, 2, rep.dim)).reshape(len(x), -1)

        x = unit_rows(3, 2 * rep.dim, dtype)
        assert_equivariant(f, copies(rep, 2), copies(reg, 3), x, seed=3, atol=TOL[dtype])

    @DTYPES
    @pytest.mark.parametrize(
        ("group", "separable"),
        [(CHAIN6, False), (O, False), (PRODUCT4, False), (PRODUCT4, True)],
        ids=["chain", "O", "chain×O", "chain×O-separable"],
    )
    def test_group_conv(self, group, separable: bool, dtype: torch.dtype) -> None:
        table = group_table(group)
        conv = GroupConv(
            group, in_channels=2, out_channels=2, separable=separable, seed=2, dtype=dtype
        )
        reg = copies(table.regular_representation(), 2)

        def f(x: torch.Tensor) -> torch.Tensor:
            return conv(x.reshape(-1, 2, table.order)).reshape(len(x), -1)

        x = unit_rows(3, reg.dim, dtype)
        assert_equivariant(f, reg, reg, x, seed=4, atol=TOL[dtype])

    @DTYPES
    def test_pool_is_invariant(self, dtype: torch.dtype) -> None:
        reg = copies(RegularRepresentation(O), 2)
        for reduce in (torch.mean, torch.amax, torch.logsumexp):
            pool = GroupPool(reduce)

            def f(x: torch.Tensor, pool: GroupPool = pool) -> torch.Tensor:
                return pool(x.reshape(-1, 2, 24))

            assert_equivariant(
                f,
                reg,
                TrivialRepresentation(O, 2),
                unit_rows(3, 48, dtype),
                seed=5,
                atol=TOL[dtype],
            )


class TestImplementation:
    def test_separable_matches_dense_kernel(self) -> None:
        conv = GroupConv(PRODUCT4, in_channels=3, out_channels=2, separable=True)
        conv = conv.double()
        x = torch.randn(4, 3, 96, dtype=torch.float64)
        dense = (x.reshape(4, -1) @ conv.full_weight().T).reshape(4, 2, 96) + conv.bias[:, None]
        torch.testing.assert_close(conv(x), dense)
        n_params = sum(p.numel() for p in conv.parameters())
        assert n_params == 3 * 2 * (4 + 24) + 2

    def test_lifting_of_a_snapshot_reads_it_in_every_frame(self) -> None:
        lift = LiftingConv(MatrixRepresentation(O), bias=False, dtype=torch.float64)
        v = torch.tensor([[[0.0, 0.0, 3.0]]], dtype=torch.float64)  # outcome +z
        values = lift(v)[0, 0]
        psi = lift.kernel[0, 0]
        # R_g^T e_z runs over the six axes, four frames each
        expected = sorted(
            3 * s * psi[a].item() for a in range(3) for s in (1, -1) for _ in range(4)
        )
        torch.testing.assert_close(
            values.sort().values, torch.tensor(expected, dtype=torch.float64)
        )

    def test_permutation_lift_gathers_what_the_matrices_give(self) -> None:
        rep = correlator_representation(PermutationRepresentation(CHAIN6))
        lift = LiftingConv(rep, in_channels=2, out_channels=3, seed=4, dtype=torch.float64)
        assert lift.rho is None and tuple(lift.gather.shape) == (CHAIN6.order, rep.dim)
        mats = torch.from_numpy(group_table(CHAIN6).real_matrices(rep))
        dense = torch.einsum("gij,ocj->ogci", mats, lift.kernel.detach())
        torch.testing.assert_close(
            lift.full_weight().detach(),
            dense.reshape(3 * CHAIN6.order, 2 * rep.dim),
            atol=0,
            rtol=0,
        )

    def test_gradients_flow(self) -> None:
        lift = LiftingConv(PermutationRepresentation(CHAIN6), out_channels=2)
        conv = GroupConv(CHAIN6, in_channels=2, out_channels=2)
        GroupPool()(conv(torch.relu(lift(torch.randn(5, 1, 6))))).sum().backward()
        for p in [*lift.parameters(), *conv.parameters()]:
            assert p.grad is not None and torch.isfinite(p.grad).all()
        assert lift.kernel.grad.abs().sum() > 0

    def test_seeded(self) -> None:
        a, b = GroupConv(O, seed=3), GroupConv(O, seed=3)
        assert torch.equal(a.kernel, b.kernel)
        assert not torch.equal(a.kernel, GroupConv(O, seed=4).kernel)


class TestInputs:
    def test_lifting_shape_error(self) -> None:
        lift = LiftingConv(MatrixRepresentation(O), in_channels=2)
        with pytest.raises(DimensionError, match=r"\(\.\.\., 2, 3\)"):
            lift(torch.randn(4, 3))

    def test_group_conv_shape_error(self) -> None:
        conv = GroupConv(O)
        with pytest.raises(DimensionError, match=r"\(\.\.\., 1, 24\)"):
            conv(torch.randn(4, 1, 23))

    def test_pool_shape_error(self) -> None:
        with pytest.raises(DimensionError, match="channels, \\|G\\|"):
            GroupPool()(torch.randn(4))
        with pytest.raises(InvalidParameterError, match="callable"):
            GroupPool("mean")  # type: ignore[arg-type]

    def test_lifting_needs_real_finite_representation(self) -> None:
        with pytest.raises(RepresentationError, match="real"):
            LiftingConv(SpinIrrep(1))
        with pytest.raises(RepresentationError, match="FiniteGroup"):
            LiftingConv(SO3Vector())
        with pytest.raises(RepresentationError, match="Representation"):
            LiftingConv("sites")  # type: ignore[arg-type]

    def test_bad_channels(self) -> None:
        with pytest.raises(InvalidParameterError, match="out_channels must be >= 1"):
            GroupConv(O, out_channels=0)
