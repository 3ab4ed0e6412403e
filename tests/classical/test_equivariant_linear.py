"""EquivariantLinear: bases from the symmetry core, channels, bias, caching, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eqqnn.classical import (
    EquivariantLinear,
    RealSpinIrrep,
    cached_equivariant_basis,
    chain_group,
    chain_octahedral_group,
    clear_basis_cache,
    group_table,
)
from eqqnn.errors import DimensionError, InvalidParameterError, RepresentationError
from eqqnn.symmetry import (
    SU2,
    DirectProduct,
    FiniteGroup,
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
    equivariant_basis,
    octahedral_group,
    same_span,
)
from eqqnn.testing import assert_equivariant

TOL = {torch.float32: 1e-6, torch.float64: 1e-12}
O = octahedral_group()
CHAIN6 = chain_group(6)
CHAIN4_O = chain_octahedral_group(4)


def _pairs() -> dict[str, tuple[Representation, Representation, int]]:
    """name -> (rep_in, rep_out, expected number of basis maps)."""
    vec = SO3Vector()
    chain_o = chain_octahedral_group(4)
    sites_o = OuterProduct(
        chain_o, PermutationRepresentation(chain_o.factors[0]), MatrixRepresentation(O)
    )
    regular_product = group_table(chain_o).regular_representation()
    return {
        "so3-vector": (vec, vec, 1),
        "real-spin-2": (RealSpinIrrep(2), RealSpinIrrep(2), 1),
        "vec⊗vec->spin2": (TensorProduct(vec, vec), RealSpinIrrep(2), 1),
        "vec⊗vec->scalar": (TensorProduct(vec, vec), TrivialRepresentation(SU2()), 1),
        "chain-sites": (PermutationRepresentation(CHAIN6), PermutationRepresentation(CHAIN6), 6),
        "O-regular": (RegularRepresentation(O), RegularRepresentation(O), 24),
        "O-matrix->regular": (MatrixRepresentation(O), RegularRepresentation(O), 3),
        "O-points->matrix": (PermutationRepresentation(O), MatrixRepresentation(O), 1),
        "chain×O-site-vectors": (sites_o, sites_o, 4),
        "chain×O-regular (orbits)": (regular_product, regular_product, 96),
    }


PAIRS = _pairs()


def unit_rows(batch: int, dim: int, dtype: torch.dtype, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, dim, generator=gen, dtype=torch.float64)
    return (x / x.norm(dim=1, keepdim=True)).to(dtype)


def channel_rep(rep: Representation, channels: int) -> Representation:
    return TensorProduct(TrivialRepresentation(rep.group, channels), rep)


class TestBasis:
    @pytest.mark.parametrize("name", list(PAIRS))
    def test_dimension(self, name: str) -> None:
        rep_in, rep_out, expected = PAIRS[name]
        basis = cached_equivariant_basis(rep_in, rep_out)
        assert basis.size == expected
        flat = basis.matrices.reshape(basis.size, -1)
        np.testing.assert_allclose(flat @ flat.T, np.eye(basis.size), atol=1e-10)

    def test_cached_once(self) -> None:
        rep = PermutationRepresentation(cyclic_group(5))
        a = cached_equivariant_basis(rep, rep)
        b = cached_equivariant_basis(PermutationRepresentation(cyclic_group(5)), rep)
        assert a is b
        assert clear_basis_cache() >= 1
        assert cached_equivariant_basis(rep, rep) is not a

    @pytest.mark.parametrize(
        "rep",
        [
            PermutationRepresentation(CHAIN6),
            RegularRepresentation(chain_group(4)),
            TensorProduct(
                PermutationRepresentation(chain_group(4)), PermutationRepresentation(chain_group(4))
            ),
            PermutationRepresentation(O),
        ],
        ids=["chain-sites", "chain-regular", "chain-pairs", "O-points"],
    )
    def test_orbit_basis_matches_nullspace(self, rep: Representation) -> None:
        nullspace = equivariant_basis(rep, rep, real=True, max_dim=rep.dim**2)
        orbits = cached_equivariant_basis(rep, rep, max_dim=0)  # force the orbit path
        assert orbits.method == "orbits"
        assert same_span(orbits.matrices, nullspace)

    def test_orbit_basis_needs_permutations(self) -> None:
        rep = MatrixRepresentation(O)  # signed permutations: no orbit basis
        with pytest.raises(DimensionError, match="not permutation representations"):
            cached_equivariant_basis(rep, rep, max_dim=0)

    def test_orbit_basis_of_product_is_group_convolution_span(self) -> None:
        reg = group_table(CHAIN4_O).regular_representation()
        basis = cached_equivariant_basis(reg, reg)
        assert basis.method == "orbits" and basis.size == CHAIN4_O.order

    def test_real_spin_irrep(self) -> None:
        su2 = SU2()
        for j in (1, 2, 3):
            rep = RealSpinIrrep(j)
            g, h = su2.sample(0, 4), su2.sample(1, 4)
            m = rep.matrix(g)
            assert np.abs(m.imag).max() < 1e-12
            np.testing.assert_allclose(
                m @ np.swapaxes(m, 1, 2), np.broadcast_to(np.eye(2 * j + 1), m.shape), atol=1e-12
            )
            np.testing.assert_allclose(rep.matrix(g @ h), m @ rep.matrix(h), atol=1e-12)
            # same character as the complex irrep
            np.testing.assert_allclose(
                np.trace(m, axis1=1, axis2=2), np.trace(SpinIrrep(j).matrix(g), axis1=1, axis2=2)
            )
        # spin 1 in the real basis is equivalent to SO3Vector: a 1-dim intertwiner space
        assert cached_equivariant_basis(SO3Vector(), RealSpinIrrep(1)).size == 1
        with pytest.raises(InvalidParameterError, match="integer spins"):
            RealSpinIrrep(0.5)  # type: ignore[arg-type]


class TestEquivariance:
    @pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
    @pytest.mark.parametrize("name", list(PAIRS))
    def test_layer(self, name: str, dtype: torch.dtype) -> None:
        rep_in, rep_out, _ = PAIRS[name]
        c_in, c_out = 2, 3
        layer = EquivariantLinear(
            rep_in, rep_out, in_channels=c_in, out_channels=c_out, seed=1, dtype=dtype
        )
        if layer.bias is not None:  # a non-zero invariant bias stays equivariant
            with torch.no_grad():
                layer.bias.normal_(generator=torch.Generator().manual_seed(3))

        def f(x: torch.Tensor) -> torch.Tensor:
            return layer(x.reshape(-1, c_in, rep_in.dim)).reshape(len(x), -1)

        x = unit_rows(3, c_in * rep_in.dim, dtype)
        assert_equivariant(
            f,
            channel_rep(rep_in, c_in),
            channel_rep(rep_out, c_out),
            x,
            n_samples=6,
            seed=2,
            atol=TOL[dtype],
        )

    def test_bias_only_where_invariants_exist(self) -> None:
        vec = SO3Vector()
        assert EquivariantLinear(vec, vec).bias is None  # no invariant 3-vector
        sites = PermutationRepresentation(CHAIN6)
        layer = EquivariantLinear(sites, sites, out_channels=2)
        assert layer.bias is not None and tuple(layer.bias.shape) == (1, 2)
        assert torch.allclose(layer.bias_basis.abs(), torch.full((1, 6), 6**-0.5))

    def test_full_weight_matches_basis_expansion(self) -> None:
        rep = MatrixRepresentation(O)
        layer = EquivariantLinear(rep, rep, in_channels=2, out_channels=2, dtype=torch.float64)
        w = layer.full_weight().detach().numpy().reshape(2, 3, 2, 3)
        for o in range(2):
            for c in range(2):  # each channel block commutes with O's matrices
                m = w[o, :, c, :]
                np.testing.assert_allclose(m, m[0, 0] * np.eye(3), atol=1e-12)


class TestInitAndGradients:
    def test_seeded(self) -> None:
        rep = RegularRepresentation(cyclic_group(4))
        a = EquivariantLinear(rep, rep, in_channels=2, out_channels=2, seed=5)
        b = EquivariantLinear(rep, rep, in_channels=2, out_channels=2, seed=5)
        c = EquivariantLinear(rep, rep, in_channels=2, out_channels=2, seed=6)
        assert torch.equal(a.weight, b.weight) and not torch.equal(a.weight, c.weight)

    def test_gradients_flow(self) -> None:
        rep = PermutationRepresentation(CHAIN6)
        layer = EquivariantLinear(rep, rep, in_channels=2, out_channels=3)
        layer(torch.randn(4, 2, 6)).pow(2).sum().backward()
        assert layer.weight.grad is not None and layer.weight.grad.abs().sum() > 0
        assert layer.bias is not None and layer.bias.grad is not None

    def test_dtype_and_repr(self) -> None:
        rep = SO3Vector()
        layer = EquivariantLinear(rep, rep, dtype=torch.float64)
        assert layer.weight.dtype == torch.float64 and layer.basis.dtype == torch.float64
        assert "nullspace" in repr(layer)


class TestInputs:
    def test_wrong_shape(self) -> None:
        rep = SO3Vector()
        layer = EquivariantLinear(rep, rep, in_channels=2)
        with pytest.raises(DimensionError, match=r"\(\.\.\., 2, 3\)"):
            layer(torch.randn(4, 3))

    def test_complex_representation_rejected(self) -> None:
        with pytest.raises(RepresentationError, match="RealSpinIrrep"):
            EquivariantLinear(SpinIrrep(1), SpinIrrep(1))

    def test_different_groups(self) -> None:
        with pytest.raises(RepresentationError, match="different groups"):
            EquivariantLinear(SO3Vector(), MatrixRepresentation(O))

    def test_no_equivariant_map(self) -> None:
        with pytest.raises(RepresentationError, match="no non-zero equivariant"):
            EquivariantLinear(SO3Vector(), TrivialRepresentation(SU2()))

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"in_channels": 0}, "in_channels must be >= 1"),
            ({"out_channels": 1.5}, "out_channels must be an integer"),
            ({"dtype": torch.int64}, "torch.float32 or torch.float64"),
            ({"gain": -1.0}, "gain must be >= 0"),
            ({"seed": -2}, "seed must be >= 0"),
        ],
    )
    def test_bad_arguments(self, kwargs: dict, match: str) -> None:
        with pytest.raises(InvalidParameterError, match=match):
            EquivariantLinear(SO3Vector(), SO3Vector(), **kwargs)

    def test_not_a_representation(self) -> None:
        with pytest.raises(RepresentationError, match="must be Representations"):
            EquivariantLinear("vector", SO3Vector())  # type: ignore[arg-type]

    def test_group_tables_need_finite_groups(self) -> None:
        with pytest.raises(RepresentationError, match="FiniteGroup"):
            group_table(SU2())
        with pytest.raises(RepresentationError, match="FiniteGroup"):
            group_table(DirectProduct(O, SU2()))
        assert isinstance(O, FiniteGroup)
