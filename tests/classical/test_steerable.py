"""Vector-feature (steerable) layers: SO(3) x chain equivariance, invariant readouts, shots."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eqqnn.classical import (
    NormActivation,
    VectorGate,
    VectorLinear,
    cached_equivariant_basis,
    chain_group,
    mean_pair_invariants,
    pair_invariants,
    shot_mean,
)
from eqqnn.data import BondAlternatingHeisenberg, exact_correlators, sample_shadows
from eqqnn.errors import DimensionError, InvalidParameterError
from eqqnn.symmetry import (
    SU2,
    DirectProduct,
    OuterProduct,
    PermutationRepresentation,
    Representation,
    SO3Vector,
    TensorProduct,
    TrivialRepresentation,
    same_span,
)
from eqqnn.testing import assert_equivariant

TOL = {torch.float32: 1e-6, torch.float64: 1e-12}
DTYPES = pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
N = 6
CHAIN = chain_group(N)
GROUP = DirectProduct(CHAIN, SU2())
SITES = PermutationRepresentation(CHAIN)
SITE_VECTORS = OuterProduct(GROUP, SITES, SO3Vector())


def vector_rep(channels: int) -> Representation:
    """(channels, n, 3) flattened: channels ⊗ (sites ⊠ SO(3) vectors)."""
    return TensorProduct(TrivialRepresentation(GROUP, channels), SITE_VECTORS)


def unit_rows(batch: int, dim: int, dtype: torch.dtype, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, dim, generator=gen, dtype=torch.float64)
    return (x / x.norm(dim=1, keepdim=True)).to(dtype)


class TestVectorLinear:
    def test_basis_is_site_commutant_times_identity(self) -> None:
        """Hom_G(P, P) ⊗ I_3 is the whole nullspace of the product group G x SU(2)."""
        site_basis = cached_equivariant_basis(SITES, SITES).matrices
        product = np.stack([np.kron(b, np.eye(3)) for b in site_basis]) / np.sqrt(3)
        core = cached_equivariant_basis(SITE_VECTORS, SITE_VECTORS)
        assert core.size == len(site_basis) == N
        assert same_span(product, core.matrices)

    @DTYPES
    def test_equivariant(self, dtype: torch.dtype) -> None:
        layer = VectorLinear(SITES, SITES, in_channels=2, out_channels=3, seed=1, dtype=dtype)

        def f(x: torch.Tensor) -> torch.Tensor:
            return layer(x.reshape(-1, 2, N, 3)).reshape(len(x), -1)

        x = unit_rows(3, 2 * N * 3, dtype)
        assert_equivariant(f, vector_rep(2), vector_rep(3), x, seed=2, atol=TOL[dtype])

    def test_shape_error(self) -> None:
        layer = VectorLinear(SITES, SITES, in_channels=2)
        with pytest.raises(DimensionError, match=r"\(\.\.\., 2, 6, 3\)"):
            layer(torch.randn(4, 2, 6, 2))


class TestNonlinearities:
    @DTYPES
    @pytest.mark.parametrize("kind", ["gate", "norm"])
    def test_equivariant(self, kind: str, dtype: torch.dtype) -> None:
        c = 3
        if kind == "gate":
            layer = VectorGate(c, seed=4, dtype=dtype)
            with torch.no_grad():
                layer.bias.normal_(generator=torch.Generator().manual_seed(1))
        else:
            layer = NormActivation(c, activation=torch.tanh, dtype=dtype)
            with torch.no_grad():
                layer.bias.normal_(generator=torch.Generator().manual_seed(1))

        def f(x: torch.Tensor) -> torch.Tensor:
            return layer(x.reshape(-1, c, N, 3)).reshape(len(x), -1)

        x = unit_rows(3, c * N * 3, dtype)
        assert_equivariant(f, vector_rep(c), vector_rep(c), x, seed=3, atol=TOL[dtype])

    def test_norm_activation_zero_vector(self) -> None:
        out = NormActivation(1)(torch.zeros(2, 1, 3, 3))
        assert torch.equal(out, torch.zeros_like(out))

    def test_gate_is_a_rescaling(self) -> None:
        x = torch.randn(4, 2, N, 3, dtype=torch.float64)
        y = VectorGate(2, dtype=torch.float64)(x)
        cos = torch.nn.functional.cosine_similarity(x, y, dim=-1)
        torch.testing.assert_close(cos, torch.ones_like(cos))

    @pytest.mark.parametrize(
        ("make", "match"),
        [
            (lambda: VectorGate(0), "channels must be >= 1"),
            (lambda: VectorGate(2, gate="sigmoid"), "callable"),
            (lambda: NormActivation(2, activation=None), "callable"),
            (lambda: NormActivation(2, eps=-1.0), "eps must be >= 0"),
        ],
    )
    def test_bad_arguments(self, make, match: str) -> None:
        with pytest.raises(InvalidParameterError, match=match):
            make()

    def test_shape_errors(self) -> None:
        with pytest.raises(DimensionError, match="channels, sites, xyz"):
            VectorGate(2)(torch.randn(3, 3, N, 3))
        with pytest.raises(DimensionError, match="channels, sites, xyz"):
            NormActivation(2)(torch.randn(3, 2, N))


class TestInvariantReadouts:
    @DTYPES
    def test_pair_invariants(self, dtype: torch.dtype) -> None:
        c = 2
        pairs = TensorProduct(
            TrivialRepresentation(GROUP, c),
            OuterProduct(GROUP, TensorProduct(SITES, SITES), TrivialRepresentation(SU2())),
        )

        def f(x: torch.Tensor) -> torch.Tensor:
            return pair_invariants(x.reshape(-1, c, N, 3)).reshape(len(x), -1)

        x = unit_rows(3, c * N * 3, dtype)
        assert_equivariant(f, vector_rep(c), pairs, x, seed=6, atol=TOL[dtype])

    def test_mean_over_shots(self) -> None:
        u = torch.randn(2, 7, 3, N, 3, dtype=torch.float64)
        torch.testing.assert_close(mean_pair_invariants(u), shot_mean(pair_invariants(u)))
        with pytest.raises(DimensionError, match=r"\(B, T, channels, n, 3\)"):
            mean_pair_invariants(torch.randn(2, 3, N, 3))
        with pytest.raises(DimensionError, match="channels, n, 3"):
            pair_invariants(torch.randn(2, 3, 2))

    def test_shot_mean_of_dot_products_estimates_heisenberg_exchange(self) -> None:
        """E[v_i·v_j] = <σ_i·σ_j> = 2<SWAP_ij> - 1: the classical exchange estimator."""
        state = BondAlternatingHeisenberg(6, 0.5).ground_state().vector()
        shots = sample_shadows(state, 4000, seed=0).snapshot_vectors()
        v = torch.as_tensor(shots)[None, :, None]  # (1, T, 1, n, 3)
        estimate = mean_pair_invariants(v)[0, 0].numpy()
        exact = exact_correlators(state)
        per_shot = np.einsum("tia,tja->tij", shots, shots)
        stderr = per_shot.std(axis=0) / np.sqrt(len(shots))
        off = ~np.eye(6, dtype=bool)
        assert np.all(np.abs(estimate - exact)[off] <= 5 * stderr[off] + 1e-12)
        np.testing.assert_allclose(np.diag(estimate), 9.0)  # |3 e_a|^2, not <σ_i·σ_i> = 3
        # averaging the vectors first loses the signal: Bloch vectors of a singlet vanish
        bloch = shots.mean(axis=0)
        assert np.abs(bloch @ bloch.T).max() < 0.1 * np.abs(exact[off]).max()
