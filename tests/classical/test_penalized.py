"""Penalized relaxations of equivariance for classical layers: relaxed group convolution
and residual pathways."""

from __future__ import annotations

import pytest
import torch

from eqqnn.classical import (
    EquivariantLinear,
    GroupConv,
    LiftingConv,
    RelaxedGroupConv,
    ResidualPathway,
    chain_group,
    chain_octahedral_group,
    group_table,
)
from eqqnn.errors import DimensionError, InvalidParameterError
from eqqnn.symmetry import (
    MatrixRepresentation,
    PermutationRepresentation,
    RegularRepresentation,
    Representation,
    TensorProduct,
    TrivialRepresentation,
    cyclic_group,
    dihedral_group,
    octahedral_group,
)
from eqqnn.testing import equivariance_error

F64 = torch.float64
O = octahedral_group()
C4, D4 = cyclic_group(4), dihedral_group(4)
CHAIN6 = chain_group(6)
PRODUCT4 = chain_octahedral_group(4)
CIN, COUT = 2, 3

CONV_GROUPS = {"C4": C4, "D4": D4, "O": O, "chain6": CHAIN6, "chain4×O": PRODUCT4}
ALL_CONV_GROUPS = pytest.mark.parametrize(
    "group", list(CONV_GROUPS.values()), ids=list(CONV_GROUPS)
)


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


class TestInputs:
    def test_relaxed_conv_arguments(self) -> None:
        with pytest.raises(InvalidParameterError, match="n_filters must be >= 1"):
            RelaxedGroupConv(C4, n_filters=0)
        with pytest.raises(InvalidParameterError, match="dtype"):
            RelaxedGroupConv(C4, dtype=torch.int64)
        conv = RelaxedGroupConv(C4, in_channels=2)
        with pytest.raises(DimensionError, match=r"\(\.\.\., 2, 4\)"):
            conv(torch.zeros(3, 2, 5))

    def test_residual_needs_equivariant_module(self) -> None:
        with pytest.raises(InvalidParameterError, match="Linear"):
            ResidualPathway(torch.nn.Linear(3, 3))
        with pytest.raises(InvalidParameterError, match="free_weight must be >= 0"):
            ResidualPathway(GroupConv(C4), free_weight=-1.0)

    def test_reprs(self) -> None:
        layers = [RelaxedGroupConv(D4), ResidualPathway(GroupConv(D4))]
        for layer, word in zip(layers, ["filter banks", "free"], strict=True):
            assert word in repr(layer)


class TestEquivariance:
    @ALL_CONV_GROUPS
    def test_relaxed_conv_exact_at_init(self, group) -> None:
        conv = RelaxedGroupConv(group, in_channels=CIN, out_channels=COUT, n_filters=3, dtype=F64)
        reg = group_table(group).regular_representation()
        assert check_layer(conv, reg, reg) < 1e-10
        assert float(conv.penalty().detach()) == 0.0

    @ALL_CONV_GROUPS
    def test_relaxed_conv_breaks_when_perturbed(self, group) -> None:
        conv = RelaxedGroupConv(group, in_channels=CIN, out_channels=COUT, dtype=F64)
        perturb([conv.relaxed_weights])
        reg = group_table(group).regular_representation()
        assert check_layer(conv, reg, reg) > 1e-3
        assert float(conv.relaxation().detach()) > 0.1

    def test_relaxed_conv_with_constant_weights_is_a_group_conv(self) -> None:
        conv = RelaxedGroupConv(O, in_channels=CIN, out_channels=COUT, n_filters=2, dtype=F64)
        with torch.no_grad():
            conv.relaxed_weights.copy_(torch.tensor([[0.3], [-1.2]], dtype=F64).expand(2, 24))
        plain = GroupConv(O, in_channels=CIN, out_channels=COUT, dtype=F64, bias=False)
        with torch.no_grad():
            plain.kernel.copy_(0.3 * conv.kernel[0] - 1.2 * conv.kernel[1])
        assert torch.allclose(conv.full_weight(), plain.full_weight(), atol=1e-12)

    @pytest.mark.parametrize(
        "kind", ["linear-O", "groupconv-D4", "lifting-chain6", "groupconv-chain4×O"]
    )
    def test_residual_pathway(self, kind: str) -> None:
        if kind == "linear-O":
            rep_in = rep_out = MatrixRepresentation(O)
            module = EquivariantLinear(
                rep_in, rep_out, in_channels=CIN, out_channels=COUT, dtype=F64
            )
        elif kind == "lifting-chain6":
            rep_in, rep_out = PermutationRepresentation(CHAIN6), RegularRepresentation(CHAIN6)
            module = LiftingConv(rep_in, in_channels=CIN, out_channels=COUT, dtype=F64)
        else:
            group = D4 if kind == "groupconv-D4" else PRODUCT4
            rep_in = rep_out = group_table(group).regular_representation()
            module = GroupConv(group, in_channels=CIN, out_channels=COUT, dtype=F64)
        layer = ResidualPathway(module)
        assert check_layer(layer, rep_in, rep_out) < 1e-10
        assert float(layer.relaxation().detach()) == 0.0
        perturb(layer.free_parameters(), scale=0.1)
        assert check_layer(layer, rep_in, rep_out) > 1e-3
        x = inputs(4, CIN * rep_in.dim).reshape(4, CIN, rep_in.dim)
        dense = (x.reshape(4, -1) @ layer.full_weight().T).reshape(4, COUT, -1)
        bias = layer(torch.zeros_like(x))
        assert torch.allclose(layer(x), dense + bias, atol=1e-12)


class TestGradients:
    def test_relaxed_conv_gradients(self) -> None:
        conv = RelaxedGroupConv(D4, in_channels=CIN, out_channels=COUT, dtype=F64)
        x = inputs(4, CIN * 8).reshape(4, CIN, 8)
        (conv(x).sin().sum() + conv.penalty()).backward()
        assert float(conv.relaxed_weights.grad.abs().max()) > 1e-6
        assert float(conv.kernel.grad.abs().max()) > 1e-6

    def test_penalties(self) -> None:
        conv = RelaxedGroupConv(C4, dtype=F64)
        with torch.no_grad():
            conv.relaxed_weights[0, 0] += 1.0
        # deviation from the mean: 3/4 at g = 0 and -1/4 at the three others
        assert abs(float(conv.penalty().detach()) - 0.75) < 1e-12
        module = GroupConv(C4, dtype=F64)
        layer = ResidualPathway(module, eq_weight=0.5, free_weight=10.0)
        eq = sum(float((p.detach() ** 2).sum()) for p in module.parameters())
        assert abs(float(layer.penalty().detach()) - 0.5 * eq) < 1e-12
        with torch.no_grad():
            layer.free.fill_(1.0)
        assert abs(float(layer.penalty().detach()) - 0.5 * eq - 10.0 * 16) < 1e-9

    def test_residual_free_gradient_at_init(self) -> None:
        layer = ResidualPathway(GroupConv(O, dtype=F64))
        layer(inputs(3, 24).reshape(3, 1, 24)).pow(2).sum().backward()
        assert float(layer.free.grad.abs().max()) > 1e-6

    def test_relaxation_has_finite_gradient_at_the_equivariant_point(self) -> None:
        layers = [
            RelaxedGroupConv(D4, dtype=F64),
            ResidualPathway(GroupConv(D4, dtype=F64)),
        ]
        for layer in layers:
            (layer.relaxation() ** 2 + layer.relaxation()).backward()
            grads = [p.grad for p in layer.parameters() if p.grad is not None]
            assert grads and all(bool(torch.isfinite(g).all()) for g in grads), type(layer)
