"""Group actions on batches (act) and seeded data augmentation (augment)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eqqnn.classical import (
    act,
    augment,
    chain_group,
    chain_octahedral_group,
    correlator_representation,
    shadow_representation,
)
from eqqnn.errors import DimensionError, InvalidParameterError, RepresentationError
from eqqnn.symmetry import (
    SU2,
    DirectSum,
    Dual,
    FactorRepresentation,
    MatrixRepresentation,
    PermutationRepresentation,
    RegularRepresentation,
    Representation,
    SO3Vector,
    SpinIrrep,
    TensorProduct,
    octahedral_group,
)

O = octahedral_group()
CHAIN = chain_group(4)
PRODUCT = chain_octahedral_group(4)


def reps() -> dict[str, Representation]:
    sites = PermutationRepresentation(CHAIN)
    return {
        "chain-sites": sites,
        "O-regular": RegularRepresentation(O),
        "O-matrix": MatrixRepresentation(O),
        "correlators": correlator_representation(sites),
        "shadows chain×O": shadow_representation(
            3, 4, site_rep=sites, vector_rep=MatrixRepresentation(O)
        ),
        "shadows SO(3)": shadow_representation(3, 4, vector_rep=SO3Vector()),
        "sum": DirectSum(sites, RegularRepresentation(CHAIN)),
        "factor": FactorRepresentation(PRODUCT, 1, MatrixRepresentation(O)),
        "dual": Dual(MatrixRepresentation(O)),
        "complex spin": SpinIrrep(1),
    }


REPS = reps()


class TestAct:
    @pytest.mark.parametrize("name", list(REPS))
    def test_matches_dense_matrices(self, name: str) -> None:
        rep = REPS[name]
        g = rep.group.sample(7, 5)
        mats = torch.as_tensor(rep.matrix(g))
        if rep.is_real:
            x = torch.randn(5, rep.dim, dtype=torch.float64)
            expected = torch.einsum("bij,bj->bi", mats.real, x)
        else:
            x = torch.randn(5, rep.dim, dtype=torch.complex128)
            expected = torch.einsum("bij,bj->bi", mats, x)
        torch.testing.assert_close(act(rep, g, x), expected)

    def test_single_element_broadcasts(self) -> None:
        rep = REPS["shadows chain×O"]
        g = PRODUCT.sample(0)
        x = torch.randn(3, rep.dim, dtype=torch.float64)
        expected = x @ torch.as_tensor(rep.matrix(g).real).T
        torch.testing.assert_close(act(rep, g, x), expected)

    def test_errors(self) -> None:
        rep = PermutationRepresentation(CHAIN)
        with pytest.raises(DimensionError, match=r"\(B, 4\)"):
            act(rep, np.array([0]), torch.randn(1, 5))
        with pytest.raises(DimensionError, match="one group element per sample"):
            act(rep, np.array([0, 1]), torch.randn(3, 4))
        with pytest.raises(RepresentationError, match="Representation"):
            act("sites", 0, torch.randn(1, 4))  # type: ignore[arg-type]


class TestAugment:
    def test_seeded_and_shape_preserving(self) -> None:
        rep = REPS["shadows chain×O"]
        batch = torch.randn(6, 3, 4, 3)
        a = augment(batch, PRODUCT, rep, seed=1)
        assert a.shape == batch.shape and a.dtype == batch.dtype
        assert torch.equal(a, augment(batch, PRODUCT, rep, seed=1))
        assert not torch.equal(a, augment(batch, PRODUCT, rep, seed=2))
        # the orbit is respected: per sample, the multiset of |v| and of outcomes is kept
        torch.testing.assert_close(
            a.norm(dim=-1).sum(dim=(1, 2)), batch.norm(dim=-1).sum(dim=(1, 2))
        )

    def test_invariants_unchanged(self) -> None:
        """Correlator spectra are invariant under the site permutations."""
        rep = REPS["correlators"]
        c = torch.randn(5, 4, 4, dtype=torch.float64)
        c = c + c.transpose(1, 2)
        aug = augment(c, CHAIN, rep, seed=3)
        torch.testing.assert_close(torch.linalg.eigvalsh(aug), torch.linalg.eigvalsh(c))

    def test_continuous_group(self) -> None:
        rep = REPS["shadows SO(3)"]
        batch = torch.randn(2, 3, 4, 3, dtype=torch.float64)
        aug = augment(batch, SU2(), rep, seed=0)
        torch.testing.assert_close(aug.norm(dim=-1), batch.norm(dim=-1))

    def test_errors(self) -> None:
        rep = REPS["correlators"]
        with pytest.raises(RepresentationError, match="Representation of O"):
            augment(torch.randn(2, 4, 4), O, rep, seed=0)
        with pytest.raises(DimensionError, match="dimension 16"):
            augment(torch.randn(2, 3, 3), CHAIN, rep, seed=0)
        with pytest.raises(DimensionError, match=r"\(B, \.\.\.\)"):
            augment(torch.randn(16), CHAIN, rep, seed=0)
        with pytest.raises(InvalidParameterError, match="Group"):
            augment(torch.randn(2, 4, 4), "chain", rep, seed=0)  # type: ignore[arg-type]
        with pytest.raises(InvalidParameterError, match="seed"):
            augment(torch.randn(2, 4, 4), CHAIN, rep, seed=None)  # type: ignore[arg-type]

    def test_tensor_product_of_groups_needs_one_group(self) -> None:
        with pytest.raises(RepresentationError):
            TensorProduct(PermutationRepresentation(CHAIN), MatrixRepresentation(O))
