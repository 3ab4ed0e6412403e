"""Approximately / partially equivariant classical layers by measure twirls: learned
degree of equivariance and [G]-mixed layers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eqqnn.classical import (
    GroupMixtureLinear,
    LearnedDegreeLinear,
    chain_group,
    chain_octahedral_group,
    generated_subgroup,
    group_table,
    shadow_representation,
)
from eqqnn.errors import (
    DimensionError,
    GroupElementError,
    InvalidParameterError,
    NotEquivariantError,
    ProblemTooLargeError,
    RepresentationError,
)
from eqqnn.symmetry import (
    MatrixRepresentation,
    OuterProduct,
    PermutationRepresentation,
    RegularRepresentation,
    Representation,
    SpinIrrep,
    TensorProduct,
    TrivialRepresentation,
    character_table,
    cyclic_group,
    dihedral_group,
    octahedral_group,
    partial_twirl,
)
from eqqnn.testing import assert_equivariant, equivariance_error

F64 = torch.float64
O = octahedral_group()
C4, D4 = cyclic_group(4), dihedral_group(4)
CHAIN6 = chain_group(6)
PRODUCT4 = chain_octahedral_group(4)
CIN, COUT = 2, 3

PAIRS = {
    "C4-regular": (RegularRepresentation(C4), RegularRepresentation(C4)),
    "D4-points": (PermutationRepresentation(D4), PermutationRepresentation(D4)),
    "O-vectors": (MatrixRepresentation(O), MatrixRepresentation(O)),
    "O-axes→vectors": (PermutationRepresentation(O), MatrixRepresentation(O)),
    "chain6-sites": (PermutationRepresentation(CHAIN6), PermutationRepresentation(CHAIN6)),
    "chain4×O-shadows": (
        shadow_representation(
            1,
            4,
            site_rep=PermutationRepresentation(chain_group(4)),
            vector_rep=MatrixRepresentation(O),
        ),
        OuterProduct(PRODUCT4, PermutationRepresentation(chain_group(4)), MatrixRepresentation(O)),
    ),
}
ALL_PAIRS = pytest.mark.parametrize(("rep_in", "rep_out"), list(PAIRS.values()), ids=list(PAIRS))


def copies(rep: Representation, channels: int) -> Representation:
    return TensorProduct(TrivialRepresentation(rep.group, channels), rep)


def inputs(batch: int, dim: int, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(batch, dim, generator=gen, dtype=F64)


def flat_fn(layer: torch.nn.Module, cin: int, din: int):
    def f(x: torch.Tensor) -> torch.Tensor:
        return layer(x.reshape(-1, cin, din)).reshape(len(x), -1).detach()

    return f


def check_layer(layer, rep_in, rep_out, cin: int = CIN, cout: int = COUT) -> float:
    """Equivariance error of a layer between channel copies (float64 inputs)."""
    x = inputs(3, cin * rep_in.dim)
    return equivariance_error(
        flat_fn(layer, cin, rep_in.dim), copies(rep_in, cin), copies(rep_out, cout), x, seed=1
    )


def perturb(params, scale: float = 0.5, seed: int = 7) -> None:
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in params:
            p.add_(scale * torch.randn(p.shape, generator=gen, dtype=p.dtype))


def learned(rep_in, rep_out, **kw) -> LearnedDegreeLinear:
    return LearnedDegreeLinear(
        rep_in, rep_out, in_channels=CIN, out_channels=COUT, dtype=F64, seed=3, **kw
    )


class TestInputs:
    def test_learned_degree_rejects_complex_rep(self) -> None:
        with pytest.raises(RepresentationError, match="not real"):
            LearnedDegreeLinear(SpinIrrep(0.5), SpinIrrep(0.5))

    def test_learned_degree_rejects_different_groups(self) -> None:
        with pytest.raises(RepresentationError, match="different groups"):
            LearnedDegreeLinear(PermutationRepresentation(C4), PermutationRepresentation(D4))

    def test_learned_degree_rejects_huge_twirl(self) -> None:
        reg = RegularRepresentation(O)
        with pytest.raises(ProblemTooLargeError, match="MAX_TWIRL_SIZE"):
            LearnedDegreeLinear(reg, reg, in_channels=64, out_channels=64)

    def test_input_shape_message(self) -> None:
        layer = learned(*PAIRS["O-vectors"])
        with pytest.raises(DimensionError, match=r"\(\.\.\., 2, 3\)"):
            layer(torch.zeros(4, 3, 3, dtype=F64))
        with pytest.raises(InvalidParameterError, match=r"torch\.Tensor"):
            layer(np.zeros((4, 2, 3)))

    def test_mixture_subgroup_checks(self) -> None:
        rep = PermutationRepresentation(D4)
        with pytest.raises(InvalidParameterError, match="not a subgroup"):
            GroupMixtureLinear(rep, rep, subgroups=[[0, 1]])
        with pytest.raises(GroupElementError, match=r"\[0, 8\)"):
            GroupMixtureLinear(rep, rep, subgroups=[[0, 9]])
        with pytest.raises(InvalidParameterError, match="sequence of subgroups"):
            GroupMixtureLinear(rep, rep, subgroups="rotations")
        with pytest.raises(DimensionError, match="one value per branch"):
            GroupMixtureLinear(rep, rep, init_logits=[0.0])
        with pytest.raises(InvalidParameterError, match="at least two branches"):
            GroupMixtureLinear(rep, rep, trivial=False)

    def test_generated_subgroup(self) -> None:
        assert generated_subgroup(D4, []).tolist() == [0]
        assert len(generated_subgroup(D4, D4.discrete_generators())) == 8
        chain = generated_subgroup(PRODUCT4, [(g, 0) for g in chain_group(4).discrete_generators()])
        table = group_table(PRODUCT4)
        assert len(chain) == 4 and np.all(np.asarray(table.elements(chain)[1]) == 0)

    def test_reprs(self) -> None:
        rep = PermutationRepresentation(D4)
        layers = [LearnedDegreeLinear(rep, rep), GroupMixtureLinear(rep, rep)]
        for layer, word in zip(layers, ["degrees", "subgroup orders"], strict=True):
            assert word in repr(layer)


class TestEquivariance:
    @ALL_PAIRS
    def test_learned_degree_exact_at_init(self, rep_in, rep_out) -> None:
        layer = learned(rep_in, rep_out)
        assert layer.degrees()[0] == 1 and torch.all(layer.degrees()[1:] == 0)
        assert check_layer(layer, rep_in, rep_out) < 1e-10
        assert float(layer.relaxation().detach()) < 1e-10

    @ALL_PAIRS
    def test_learned_degree_breaks_when_perturbed(self, rep_in, rep_out) -> None:
        layer = learned(rep_in, rep_out)
        with torch.no_grad():
            layer.logits.fill_(1.0)
            layer.bias.normal_()
        assert check_layer(layer, rep_in, rep_out) > 1e-3
        assert float(layer.relaxation().detach()) > 1e-3
        with pytest.raises(NotEquivariantError):
            assert_equivariant(
                flat_fn(layer, CIN, rep_in.dim),
                copies(rep_in, CIN),
                copies(rep_out, COUT),
                inputs(3, CIN * rep_in.dim),
            )

    def test_learned_degree_matches_partial_twirl(self) -> None:
        rep_in, rep_out = PAIRS["O-axes→vectors"]
        layer = learned(rep_in, rep_out, bias=False)
        f = np.array([1.0, 0.3, -0.7, 0.5, 0.9])
        with torch.no_grad():
            layer.logits.copy_(torch.atanh(torch.as_tensor(f[1:])))
        expected = partial_twirl(layer.weight.detach().numpy(), f, rep_in, rep_out)
        assert np.abs(layer.effective_weight().detach().numpy() - expected).max() < 1e-10
        # f = 1 everywhere: the free weight itself
        with torch.no_grad():
            layer.logits.fill_(40.0)
        assert torch.allclose(layer.effective_weight(), layer.weight, atol=1e-12)
        assert set(layer.degree_dict()) == set(character_table(O).real_type_labels)

    @pytest.mark.parametrize("shared", [False, True], ids=["separate", "shared"])
    @pytest.mark.parametrize(
        ("rep_in", "rep_out", "generators"),
        [
            (PermutationRepresentation(D4), PermutationRepresentation(D4), [1]),
            (PermutationRepresentation(O), MatrixRepresentation(O), [O.discrete_generators()[0]]),
            (*PAIRS["chain4×O-shadows"], [(g, 0) for g in chain_group(4).discrete_generators()]),
        ],
        ids=["D4-rotations", "O-C4", "chain4×O-chain"],
    )
    def test_mixture(self, rep_in, rep_out, generators, shared: bool) -> None:
        sub = generated_subgroup(rep_in.group, generators)
        logits = [40.0, 0.0, 0.0] if shared else None  # shared: all weight on G for exactness
        layer = GroupMixtureLinear(
            rep_in,
            rep_out,
            subgroups=[sub],
            shared_weight=shared,
            init_logits=logits,
            in_channels=CIN,
            out_channels=COUT,
            dtype=F64,
        )
        assert check_layer(layer, rep_in, rep_out) < 1e-10
        # all weight on the subgroup branch: H-equivariant but not G-equivariant
        perturb([layer.weight, layer.bias])
        with torch.no_grad():
            layer.logits.copy_(torch.tensor([-40.0, 40.0, -40.0], dtype=F64))
        assert check_layer(layer, rep_in, rep_out) > 1e-3
        table = group_table(rep_in.group)
        r_in = copies(rep_in, CIN).matrix(table.elements(sub)).real
        r_out = copies(rep_out, COUT).matrix(table.elements(sub)).real
        w = layer.full_weight().detach().numpy()
        assert np.abs(r_out @ w - w @ r_in).max() < 1e-10
        assert float(layer.relaxation().detach()) > 1e-3


class TestGradients:
    @ALL_PAIRS
    def test_learned_degree_gradient_at_init(self, rep_in, rep_out) -> None:
        layer = learned(rep_in, rep_out)
        x = inputs(5, CIN * rep_in.dim).reshape(5, CIN, rep_in.dim)
        target = inputs(5, COUT * rep_out.dim, seed=1).reshape(5, COUT, rep_out.dim)
        ((layer(x) - target) ** 2).sum().backward()
        assert layer.logits.grad is not None
        assert float(layer.logits.grad.abs().max()) > 1e-6
        assert float(layer.weight.grad.abs().max()) > 1e-6

    def test_learned_degree_gradient_per_present_type(self) -> None:
        # O on vectors ⊗ vectors = 1a + 2a + 3a + 3b (no sign irrep 1b)
        rep = MatrixRepresentation(O)
        layer = LearnedDegreeLinear(rep, rep, dtype=F64, bias=False)
        ((layer(inputs(6, 3).reshape(6, 1, 3)) - 1.0) ** 2).sum().backward()
        grad = dict(zip(layer.labels[1:], layer.logits.grad.abs().tolist(), strict=True))
        assert grad["1b"] < 1e-12
        assert min(grad["2a"], grad["3a"], grad["3b"]) > 1e-6
        assert dict(zip(layer.labels, layer.present.tolist(), strict=True)) == {
            "1a": True,
            "1b": False,
            "2a": True,
            "3a": True,
            "3b": True,
        }

    @pytest.mark.parametrize("target", ["perm", "trivial"])
    def test_present_types_are_those_with_gradient(self, target: str) -> None:
        group = dihedral_group(6)
        perm = PermutationRepresentation(group)
        rep_out = perm if target == "perm" else TrivialRepresentation(group)
        layer = LearnedDegreeLinear(perm, rep_out, in_channels=2, dtype=F64, bias=False)
        x = torch.randn(7, 2, 6, dtype=F64, generator=torch.Generator().manual_seed(3))
        (layer(x).sin().sum()).backward()
        has_grad = (layer.logits.grad.abs() > 1e-10).tolist()
        assert has_grad == layer.present[1:].tolist()
        assert layer.present.all() if target == "perm" else not layer.present.all()

    @pytest.mark.parametrize("shared", [False, True], ids=["separate", "shared"])
    def test_mixture_gradients_at_init(self, shared: bool) -> None:
        rep = PermutationRepresentation(D4)
        layer = GroupMixtureLinear(
            rep, rep, subgroups=[generated_subgroup(D4, [1])], shared_weight=shared, dtype=F64
        )
        x = inputs(4, 4).reshape(4, 1, 4)
        ((layer(x) - inputs(4, 4, seed=2).reshape(4, 1, 4)) ** 2).sum().backward()
        assert float(layer.logits.grad.abs().max()) > 1e-6
        grads = layer.weight.grad.reshape(-1 if shared else 3, 16).abs().amax(dim=-1)
        assert torch.all(grads > 1e-6)

    def test_relaxation_has_finite_gradient_at_the_equivariant_point(self) -> None:
        rep = PermutationRepresentation(D4)
        layers = [
            LearnedDegreeLinear(rep, rep, dtype=F64),
            GroupMixtureLinear(rep, rep, dtype=F64),
        ]
        for layer in layers:
            (layer.relaxation() ** 2 + layer.relaxation()).backward()
            grads = [p.grad for p in layer.parameters() if p.grad is not None]
            assert grads and all(bool(torch.isfinite(g).all()) for g in grads), type(layer)
