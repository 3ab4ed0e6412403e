"""G-CNN layers constrained to a subgroup, and the exact relaxation morphism of a trunk."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eqqnn.classical import (
    CorrelatorGCNN,
    GcnnTrunkMoves,
    GroupConv,
    LiftingConv,
    ShadowGCNN,
    SubgroupConv,
    SubgroupLift,
    chain_group,
    correlator_representation,
    group_table,
    relax_gcnn_layer,
    restrict_gcnn_layer,
)
from eqqnn.errors import GroupElementError, InvalidParameterError
from eqqnn.symmetry import (
    MatrixRepresentation,
    PermutationRepresentation,
    Representation,
    TensorProduct,
    TrivialRepresentation,
    dihedral_group,
    generated_subgroup,
    octahedral_group,
)
from eqqnn.testing import equivariance_error

D6 = dihedral_group(6)
ROTATIONS = generated_subgroup(D6, [1])  # C_6
TRIVIAL = np.array([0])
O = octahedral_group()
O_SUB = generated_subgroup(O, [1])  # a cyclic subgroup of O
CHAIN = chain_group(6)


def _copies(rep: Representation, channels: int) -> Representation:
    return TensorProduct(TrivialRepresentation(rep.group, channels), rep)


def _with_bias(layer: torch.nn.Module, seed: int) -> torch.nn.Module:
    with torch.no_grad():
        layer.bias.normal_(generator=torch.Generator().manual_seed(seed))
    return layer


def _conv(group, seed: int = 0) -> GroupConv:  # type: ignore[no-untyped-def]
    layer = GroupConv(group, in_channels=2, out_channels=3, seed=seed, dtype=torch.float64)
    return _with_bias(layer, seed)


def _lift(rep: Representation, seed: int = 0) -> LiftingConv:
    layer = LiftingConv(rep, in_channels=2, out_channels=3, seed=seed, dtype=torch.float64)
    return _with_bias(layer, seed)


def _error(layer: torch.nn.Module, rep_in: Representation, elements: np.ndarray) -> float:
    """Largest equivariance error of a (2 -> 3 channel) layer over the given elements."""
    regular = group_table(rep_in.group).regular_representation()
    x = torch.as_tensor(np.random.default_rng(1).normal(size=(4, 2 * rep_in.dim)))

    def f(v: torch.Tensor) -> torch.Tensor:
        return layer(v.reshape(-1, 2, rep_in.dim)).reshape(v.shape[0], -1)

    return equivariance_error(
        f, _copies(rep_in, 2), _copies(regular, 3), x, group_elements=elements
    )


def _perturbed(layer: torch.nn.Module, seed: int = 7) -> torch.nn.Module:
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in layer.parameters():
            p.add_(torch.randn(p.shape, generator=gen, dtype=p.dtype))
    return layer


LAYERS = {
    "conv D6": (lambda: _conv(D6), lambda: group_table(D6).regular_representation(), ROTATIONS),
    "conv O": (lambda: _conv(O), lambda: group_table(O).regular_representation(), O_SUB),
    "lift sites": (
        lambda: _lift(PermutationRepresentation(D6)),
        lambda: PermutationRepresentation(D6),
        ROTATIONS,
    ),
    "lift correlators": (
        lambda: _lift(correlator_representation(PermutationRepresentation(CHAIN))),
        lambda: correlator_representation(PermutationRepresentation(CHAIN)),
        generated_subgroup(CHAIN, [1]),
    ),
    "lift O vectors": (
        lambda: _lift(MatrixRepresentation(O)),
        lambda: MatrixRepresentation(O),
        O_SUB,
    ),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_relaxing_keeps_the_function_and_g_equivariance(name: str) -> None:
    make, rep, h = LAYERS[name]
    layer, rep = make(), rep()
    order = group_table(rep.group).order
    x = torch.as_tensor(np.random.default_rng(3).normal(size=(5, 2, rep.dim)))
    with torch.no_grad():
        before = layer(x)
        for sub in (h, TRIVIAL):
            relaxed = relax_gcnn_layer(layer, sub)
            torch.testing.assert_close(relaxed(x), before, atol=1e-12, rtol=0)
            assert _error(relaxed, rep, np.arange(order)) < 1e-12
        chained = relax_gcnn_layer(relax_gcnn_layer(layer, h), TRIVIAL)
        torch.testing.assert_close(chained(x), before, atol=1e-12, rtol=0)


@pytest.mark.parametrize("name", list(LAYERS))
def test_trained_relaxed_layer_is_h_but_not_g_equivariant(name: str) -> None:
    make, rep, h = LAYERS[name]
    layer, rep = make(), rep()
    order = group_table(rep.group).order
    relaxed = _perturbed(relax_gcnn_layer(layer, h))
    with torch.no_grad():
        assert _error(relaxed, rep, h) < 1e-12
        assert _error(relaxed, rep, np.arange(order)) > 1e-3


@pytest.mark.parametrize("name", list(LAYERS))
def test_restricting_projects_onto_the_larger_group(name: str) -> None:
    make, rep, h = LAYERS[name]
    layer, rep = make(), rep()
    order = group_table(rep.group).order
    x = torch.as_tensor(np.random.default_rng(4).normal(size=(5, 2, rep.dim)))
    with torch.no_grad():
        # undoing a relaxation gives the layer back
        back = restrict_gcnn_layer(relax_gcnn_layer(layer, TRIVIAL), h)
        torch.testing.assert_close(back(x), layer(x), atol=1e-12, rtol=0)
        # projecting a free layer: G-equivariant, and a projection (twice = once)
        free = _perturbed(relax_gcnn_layer(layer, TRIVIAL))
        once = restrict_gcnn_layer(free)
        assert _error(once, rep, np.arange(order)) < 1e-12
        twice = restrict_gcnn_layer(relax_gcnn_layer(once, TRIVIAL))
        torch.testing.assert_close(twice(x), once(x), atol=1e-12, rtol=0)


def test_projection_is_the_twirl_of_the_dense_matrix() -> None:
    """restrict = (1/|H|) sum_h lambda(h) W lambda(h)^T, entry by entry."""
    free = _perturbed(relax_gcnn_layer(_conv(D6), TRIVIAL))
    reg = group_table(D6).regular_representation()
    mats = torch.as_tensor(group_table(D6).real_matrices(_copies(reg, 3)))
    mats_in = torch.as_tensor(group_table(D6).real_matrices(_copies(reg, 2)))
    w = free.full_weight().detach()
    twirl = sum(mats[g] @ w @ mats_in[g].T for g in ROTATIONS) / len(ROTATIONS)
    projected = restrict_gcnn_layer(free, ROTATIONS).full_weight().detach()
    torch.testing.assert_close(projected, twirl, atol=1e-12, rtol=0)


@pytest.mark.parametrize(("h", "dim"), [(np.arange(12), 12), (ROTATIONS, 24), (TRIVIAL, 144)])
def test_conv_holds_dim_hom_h_parameters(h: np.ndarray, dim: int) -> None:
    """|G|^2/|H| kernel entries per channel pair: the dimension of Hom_H(lambda, lambda),
    and the layer's weights span it (rank of the Jacobian weight -> matrix)."""
    layer = SubgroupConv(D6, h, dtype=torch.float64, bias=False)
    assert layer.kernel.numel() == dim == 144 // len(h)
    jac = torch.autograd.functional.jacobian(lambda k: _full(layer, k), layer.kernel.detach())
    assert torch.linalg.matrix_rank(jac.reshape(144, -1)) == dim


def _full(layer: SubgroupConv, kernel: torch.Tensor) -> torch.Tensor:
    return kernel[:, :, layer.coset_of[:, None], layer.columns].reshape(-1)


def test_bad_directions_are_refused() -> None:
    layer = relax_gcnn_layer(_conv(D6), ROTATIONS)
    with pytest.raises(InvalidParameterError, match="not contained"):
        relax_gcnn_layer(layer, generated_subgroup(D6, [7]))
    with pytest.raises(InvalidParameterError, match="does not contain"):
        restrict_gcnn_layer(layer, generated_subgroup(D6, [7]))
    with pytest.raises(InvalidParameterError, match="SubgroupConv and SubgroupLift"):
        restrict_gcnn_layer(_conv(D6))  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="LiftingConv, GroupConv"):
        relax_gcnn_layer(torch.nn.Linear(2, 2), TRIVIAL)  # type: ignore[arg-type]


@pytest.mark.parametrize("model_cls", [CorrelatorGCNN, ShadowGCNN])
def test_trunk_moves_keep_the_model_function(model_cls) -> None:  # type: ignore[no-untyped-def]
    model = model_cls(n_sites=4, conv_layers=2, seed=0, dtype=torch.float64)
    group = model.group
    order = group_table(group).order
    if model_cls is CorrelatorGCNN:
        x = torch.as_tensor(np.random.default_rng(0).normal(size=(6, 4, 4)))
        middle = generated_subgroup(group, [1])
    else:
        x = torch.as_tensor(np.random.default_rng(0).choice([-3.0, 3.0], size=(6, 5, 4, 3)))
        middle = generated_subgroup(group, [(0, 1)])  # a subgroup of the O factor
    moves = GcnnTrunkMoves([np.arange(order), middle, TRIVIAL])
    assert moves.architecture(model) == (0, 0, 0)
    with torch.no_grad():
        before = model(x)
        child = model
        for layer in (0, 2, 0, 1):
            child = moves.relax(child, layer)
            torch.testing.assert_close(child(x), before, atol=1e-12, rtol=0)
        assert moves.architecture(child) == (2, 1, 1)
        assert moves.relax(child, 0) is None
        up = moves.restrict(child, 2)
        assert moves.architecture(up) == (2, 1, 0)
        torch.testing.assert_close(up(x), before, atol=1e-12, rtol=0)
        assert moves.restrict(model, 0) is None
    assert model.lift.__class__ is LiftingConv  # the parent is never modified


def test_trunk_moves_need_a_gcnn() -> None:
    with pytest.raises(InvalidParameterError, match="lift"):
        GcnnTrunkMoves([[0]]).architecture(torch.nn.Linear(2, 2))


def test_subgroup_layers_are_rebuilt_on_the_same_device_and_dtype() -> None:
    layer = relax_gcnn_layer(_lift(PermutationRepresentation(D6)), ROTATIONS)
    assert isinstance(layer, SubgroupLift)
    assert layer.kernel.dtype == torch.float64 and "gather" in dict(layer.named_buffers())


def test_mixed_trunk_starts_as_the_gcnn_and_discretizes_to_branches() -> None:
    from eqqnn.classical import (
        GroupMixtureGcnnLayer,
        discretize_gcnn_trunk,
        gcnn_trunk_mixture_weights,
        mix_gcnn_trunk,
    )

    model = CorrelatorGCNN(n_sites=6, conv_layers=1, seed=2, dtype=torch.float64)
    group = model.group
    chain = [np.arange(group_table(group).order), generated_subgroup(group, [1]), [0]]
    x = torch.as_tensor(np.random.default_rng(5).normal(size=(4, 6, 6)))
    mixed = mix_gcnn_trunk(model, chain)
    assert isinstance(mixed.lift, GroupMixtureGcnnLayer)
    with torch.no_grad():
        torch.testing.assert_close(mixed(x), model(x), atol=1e-12, rtol=0)
        weights = gcnn_trunk_mixture_weights(mixed)
        assert weights.shape == (2, 3)
        torch.testing.assert_close(weights, torch.full((2, 3), 1 / 3, dtype=torch.float64))
        mixed.lift.logits.copy_(torch.tensor([0.0, 0.0, 2.0]))
        mixed.convs[0].logits.copy_(torch.tensor([0.0, 3.0, 0.0]))
    chosen = discretize_gcnn_trunk(mixed)
    assert GcnnTrunkMoves(chain).architecture(chosen) == (2, 1)
    # every branch gets a gradient at the start (the zero branches included)
    mixed.zero_grad()
    mixed(x).sum().backward()
    assert all(b.kernel.grad.abs().sum() > 0 for b in mixed.convs[0].branches)
    with pytest.raises(InvalidParameterError, match="two groups"):
        GroupMixtureGcnnLayer(model.lift, chain[:1])


def test_chains_are_checked() -> None:
    from eqqnn.classical import GroupMixtureGcnnLayer

    with pytest.raises(InvalidParameterError, match="nested"):
        GcnnTrunkMoves([np.arange(12), generated_subgroup(D6, [7]), ROTATIONS])
    relaxed = relax_gcnn_layer(_conv(D6), ROTATIONS)
    with pytest.raises(InvalidParameterError, match="own group"):
        GroupMixtureGcnnLayer(relaxed, [TRIVIAL, TRIVIAL])


def test_discretized_branch_is_its_share_of_the_mixture() -> None:
    from eqqnn.classical import GroupMixtureGcnnLayer, discretize_gcnn_trunk

    model = CorrelatorGCNN(n_sites=6, conv_layers=1, seed=3, dtype=torch.float64)
    chain = [np.arange(group_table(model.group).order), [0]]
    mixed = model
    for name in ("lift", "convs.0"):
        layer = GroupMixtureGcnnLayer(mixed.get_submodule(name), chain)
        with torch.no_grad():
            layer.logits.copy_(torch.tensor([1.0, 0.0]))
        if name == "lift":
            mixed.lift = layer
        else:
            mixed.convs[0] = layer
    x = torch.as_tensor(np.random.default_rng(6).normal(size=(3, 1, 36)))
    with torch.no_grad():
        share = mixed.lift.mixture_weights()[0] * mixed.lift.branches[0](x)
        kept = discretize_gcnn_trunk(mixed).lift(x)
    torch.testing.assert_close(kept, share, atol=1e-12, rtol=0)


def test_relaxed_conv_passes_assert_equivariant_for_h_only() -> None:
    """H and G as permutation groups of the 12 points of D6 (the left-regular action):
    the trained relaxed convolution passes the project's checker for H and fails it for G."""
    from eqqnn.errors import NotEquivariantError
    from eqqnn.symmetry import FiniteGroup
    from eqqnn.testing import assert_equivariant

    table = group_table(D6)
    relaxed = _perturbed(relax_gcnn_layer(_conv(D6), ROTATIONS))
    x = torch.as_tensor(np.random.default_rng(2).normal(size=(4, 24)))

    def f(v: torch.Tensor) -> torch.Tensor:
        return relaxed(v.reshape(-1, 2, 12)).reshape(v.shape[0], -1)

    def on_points(elements: np.ndarray, name: str) -> FiniteGroup:
        return FiniteGroup.from_generators(name, [table.cayley[g] for g in elements if g])

    for group, equivariant in (
        (on_points(ROTATIONS, "C6"), True),
        (on_points(np.arange(12), "D6"), False),
    ):
        rep = PermutationRepresentation(group)
        with torch.no_grad():
            if equivariant:
                assert assert_equivariant(f, _copies(rep, 2), _copies(rep, 3), x) < 1e-12
            else:
                with pytest.raises(NotEquivariantError):
                    assert_equivariant(f, _copies(rep, 2), _copies(rep, 3), x)


@pytest.mark.parametrize(
    ("subgroup", "match"),
    [
        ([0, 1], "subgroup = \\[0, 1\\] is not a subgroup"),
        ([0, 99], "subgroup must hold"),
        ("x", "subgroup must be"),
    ],
)
def test_bad_subgroups_are_named(subgroup: object, match: str) -> None:
    with pytest.raises((InvalidParameterError, GroupElementError), match=match):
        SubgroupConv(D6, subgroup)  # type: ignore[arg-type]
