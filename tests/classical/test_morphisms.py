"""Subgroup-constrained linear layers and the exact equivariance relaxation morphism."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eqqnn.classical import EquivariantLinear, relax_linear, restrict_linear
from eqqnn.errors import InvalidParameterError
from eqqnn.symmetry import PermutationRepresentation, dihedral_group, generated_subgroup
from eqqnn.testing import equivariance_error

GROUP = dihedral_group(6)
REP = PermutationRepresentation(GROUP)
ROTATIONS = generated_subgroup(GROUP, [1])  # C_6
_REFLECTION = int(np.setdiff1d(np.arange(12), ROTATIONS)[0])
REFLECTION = generated_subgroup(GROUP, [_REFLECTION])  # one reflection, order 2
TRIVIAL = [0]


def _error(layer: torch.nn.Module, elements: np.ndarray, seed: int = 0) -> float:
    """Largest equivariance error of the layer over the given group elements."""
    x = torch.as_tensor(np.random.default_rng(seed).normal(size=(5, 2 * REP.dim)))

    def f(v: torch.Tensor) -> torch.Tensor:
        return layer(v.reshape(-1, 2, REP.dim)).reshape(v.shape[0], -1)

    from eqqnn.symmetry import DirectSum

    doubled_in, doubled_out = DirectSum(REP, REP), DirectSum(REP, REP, REP)
    return equivariance_error(f, doubled_in, doubled_out, x, group_elements=elements)


def _g_layer(seed: int) -> EquivariantLinear:
    layer = EquivariantLinear(
        REP, REP, in_channels=2, out_channels=3, seed=seed, dtype=torch.float64
    )
    with torch.no_grad():
        layer.bias.normal_(generator=torch.Generator().manual_seed(seed))
    return layer


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_relaxing_g_to_subgroups_keeps_the_function(seed: int) -> None:
    layer = _g_layer(seed)
    x = torch.as_tensor(np.random.default_rng(seed + 5).normal(size=(7, 2, REP.dim)))
    with torch.no_grad():
        before = layer(x)
        for h in (ROTATIONS, REFLECTION, TRIVIAL):
            relaxed = relax_linear(layer, h)
            torch.testing.assert_close(relaxed(x), before, atol=1e-12, rtol=0)
            # at the moment of morphing it is still G-equivariant
            assert _error(relaxed, np.arange(12)) < 1e-12
        # a chain of morphisms: G -> C6 -> {e}
        chained = relax_linear(relax_linear(layer, ROTATIONS), TRIVIAL)
        torch.testing.assert_close(chained(x), before, atol=1e-12, rtol=0)


def test_relaxed_layer_trains_into_h_only() -> None:
    relaxed = relax_linear(_g_layer(3), ROTATIONS)
    with torch.no_grad():
        relaxed.weight.add_(
            torch.randn(
                relaxed.weight.shape,
                generator=torch.Generator().manual_seed(1),
                dtype=torch.float64,
            )
        )
    assert _error(relaxed, ROTATIONS) < 1e-12  # H-equivariant whatever the free weight
    assert _error(relaxed, np.arange(12)) > 1e-3  # and no longer G-equivariant
    # the new directions are reachable: the free weight has a non-G gradient
    x = torch.randn(4, 2, REP.dim, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    fresh = relax_linear(_g_layer(3), ROTATIONS)
    (grad,) = torch.autograd.grad((fresh(x) ** 3).sum(), fresh.weight)
    g_only = restrict_linear(fresh, None)
    assert float(grad.abs().max()) > 1e-6 and g_only.subgroup_order == 12


def test_restrict_is_the_projection_and_inverts_relax() -> None:
    layer = _g_layer(4)
    x = torch.as_tensor(np.random.default_rng(9).normal(size=(6, 2, REP.dim)))
    relaxed = relax_linear(layer, TRIVIAL)
    with torch.no_grad():
        back = restrict_linear(relaxed)  # untouched: restricting gives the same function
        torch.testing.assert_close(back(x), layer(x), atol=1e-12, rtol=0)
        relaxed.weight.add_(0.3)
        relaxed.bias.add_(0.2)
        to_c6 = restrict_linear(relaxed, ROTATIONS)
        assert _error(to_c6, ROTATIONS) < 1e-12
        # a projection: idempotent, and orthogonal (the residual is orthogonal to Hom_C6)
        again = restrict_linear(to_c6, ROTATIONS)
        torch.testing.assert_close(again.full_weight(), to_c6.full_weight(), atol=1e-12, rtol=0)
        residual = relaxed.full_weight() - to_c6.full_weight()
        assert abs(float((residual * to_c6.full_weight()).sum())) < 1e-10


def test_bad_morphisms_are_refused() -> None:
    layer = relax_linear(_g_layer(0), ROTATIONS)
    with pytest.raises(InvalidParameterError, match="not contained"):
        relax_linear(layer, REFLECTION)  # C2 of a reflection is not inside C6
    assert len(restrict_linear(relax_linear(layer, TRIVIAL), REFLECTION).subgroup) == 2
    with pytest.raises(InvalidParameterError, match="does not contain"):
        restrict_linear(layer, REFLECTION)
    with pytest.raises(InvalidParameterError, match="SubgroupLinear"):
        restrict_linear(_g_layer(0))  # type: ignore[arg-type]
    with pytest.raises(
        InvalidParameterError, match="EquivariantLinear, GroupConv and SubgroupLinear"
    ):
        relax_linear(torch.nn.Linear(2, 2), TRIVIAL)  # type: ignore[arg-type]


@pytest.mark.parametrize("separable", [False, True])
def test_relaxing_a_group_convolution_keeps_the_function(separable: bool) -> None:
    from eqqnn.classical import GroupConv
    from eqqnn.symmetry import DirectProduct, cyclic_group

    group = DirectProduct(cyclic_group(3), cyclic_group(2)) if separable else GROUP
    conv = GroupConv(
        group, in_channels=2, out_channels=3, separable=separable, seed=1, dtype=torch.float64
    )
    with torch.no_grad():
        conv.bias.normal_(generator=torch.Generator().manual_seed(3))
    order = 6 if separable else 12
    x = torch.as_tensor(np.random.default_rng(2).normal(size=(4, 2, order)))
    h = generated_subgroup(group, [1])
    relaxed = relax_linear(conv, h)
    with torch.no_grad():
        torch.testing.assert_close(relaxed(x), conv(x), atol=1e-12, rtol=0)
        back = restrict_linear(relaxed)
        torch.testing.assert_close(back(x), conv(x), atol=1e-12, rtol=0)
