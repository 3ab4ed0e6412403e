"""Classical classifiers: common interface, invariance (exact O, approximate SO(3)), errors."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import numpy as np
import pytest
import torch

from eqqnn.classical import (
    CNNClassifier,
    CNNConfig,
    CorrelatorGCNN,
    CorrelatorGCNNConfig,
    MLPClassifier,
    MLPConfig,
    ShadowGCNN,
    ShadowGCNNConfig,
    VectorNet,
    VectorNetConfig,
    chain_group,
    chain_octahedral_group,
    correlator_representation,
    shadow_representation,
)
from eqqnn.data import BondAlternatingHeisenberg, exact_correlators, sample_shadows
from eqqnn.errors import DimensionError, InvalidParameterError
from eqqnn.models import InputKind, PhaseClassifier
from eqqnn.symmetry import (
    SU2,
    MatrixRepresentation,
    PermutationRepresentation,
    SO3Vector,
    TrivialRepresentation,
    octahedral_group,
)
from eqqnn.testing import assert_equivariant, equivariance_error

TOL = {torch.float32: 1e-6, torch.float64: 1e-12}
DTYPES = pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
N, T = 6, 8
SHADOWS, CORR = InputKind.SHADOWS, InputKind.CORRELATORS

MODELS: dict[str, Callable[..., torch.nn.Module]] = {
    "ShadowGCNN": lambda **kw: ShadowGCNN(
        n_sites=N, lift_channels=2, conv_channels=3, hidden=4, **kw
    ),
    "VectorNet": lambda **kw: VectorNet(
        n_sites=N, vector_channels=2, pair_channels=3, hidden=4, **kw
    ),
    "CorrelatorGCNN": lambda **kw: CorrelatorGCNN(
        n_sites=N, lift_channels=2, conv_channels=3, hidden=4, **kw
    ),
    "MLP-correlators": lambda **kw: MLPClassifier(n_sites=N, hidden=(6, 4), **kw),
    "MLP-shadows": lambda **kw: MLPClassifier(n_sites=N, input_kind=SHADOWS, hidden=(6, 4), **kw),
    "CNN-shadows": lambda **kw: CNNClassifier(n_sites=N, channels=(3,), hidden=4, **kw),
    "CNN-correlators": lambda **kw: CNNClassifier(
        n_sites=N, input_kind=CORR, channels=(3,), hidden=4, **kw
    ),
}
EQUIVARIANT = ["ShadowGCNN", "VectorNet", "CorrelatorGCNN"]
BASELINES = ["MLP-correlators", "MLP-shadows", "CNN-shadows", "CNN-correlators"]


@pytest.fixture(scope="module")
def states() -> list[np.ndarray]:
    """Ground states of the open chain on both sides of the transition."""
    return [BondAlternatingHeisenberg(N, r).ground_state().vector() for r in (0.4, 1.6)]


@pytest.fixture(scope="module")
def shadows(states: list[np.ndarray]) -> torch.Tensor:
    snaps = [sample_shadows(s, T, seed=i).snapshot_vectors() for i, s in enumerate(states)]
    return torch.as_tensor(np.stack(snaps))  # (2, T, N, 3) float64


@pytest.fixture(scope="module")
def correlators(states: list[np.ndarray]) -> torch.Tensor:
    return torch.as_tensor(np.stack([exact_correlators(s) for s in states]))


N8, SHOTS8 = 8, 16


@pytest.fixture(scope="module")
def real_shadows() -> torch.Tensor:
    """Shadows of n = 8 ground states in both phases: (4, 16, 8, 3)."""
    snaps = []
    for i, r in enumerate((0.3, 0.9, 1.2, 1.8)):
        psi = BondAlternatingHeisenberg(N8, r).ground_state().vector()
        snaps.append(sample_shadows(psi, SHOTS8, seed=10 + i).snapshot_vectors())
    return torch.as_tensor(np.stack(snaps))


def inputs_for(model: torch.nn.Module, shadows: torch.Tensor, corr: torch.Tensor) -> torch.Tensor:
    return shadows if model.input_kind is SHADOWS else corr


def flat_fn(model: torch.nn.Module, shape: tuple[int, ...]) -> Callable:
    def f(x: torch.Tensor) -> torch.Tensor:
        return model(x.reshape(-1, *shape))[:, None]

    return f


class TestInterface:
    @pytest.mark.parametrize("name", list(MODELS))
    def test_protocol(self, name: str, shadows: torch.Tensor, correlators: torch.Tensor) -> None:
        model = MODELS[name](seed=0)
        assert isinstance(model, PhaseClassifier)
        assert model.kind == "classical" and isinstance(model.input_kind, InputKind)
        assert model.n_parameters == sum(p.numel() for p in model.parameters()) > 0
        assert str(N) in model.input_description
        x = inputs_for(model, shadows, correlators).float()
        p = model(x)
        assert p.shape == (2,) and bool(((p >= 0) & (p <= 1)).all())
        torch.testing.assert_close(p, torch.sigmoid(model.logits(x)))

    @pytest.mark.parametrize("name", list(MODELS))
    def test_seeded_init(self, name: str) -> None:
        a, b, c = MODELS[name](seed=3), MODELS[name](seed=3), MODELS[name](seed=4)
        pa, pb, pc = (torch.cat([p.flatten() for p in m.parameters()]) for m in (a, b, c))
        assert torch.equal(pa, pb) and not torch.equal(pa, pc)

    @pytest.mark.parametrize("name", list(MODELS))
    def test_dtype_state_dict_and_pickle(self, name: str) -> None:
        model = MODELS[name](seed=1, dtype=torch.float64)
        assert all(p.dtype == torch.float64 for p in model.parameters())
        other = MODELS[name](seed=2, dtype=torch.float64)
        other.load_state_dict(model.state_dict())
        clone = pickle.loads(pickle.dumps(model))
        for p, q, r in zip(model.parameters(), other.parameters(), clone.parameters(), strict=True):
            assert torch.equal(p, q) and torch.equal(p, r)

    def test_config_object_and_overrides(self) -> None:
        cfg = ShadowGCNNConfig(n_sites=4, lift_channels=2, conv_channels=2, hidden=2)
        model = ShadowGCNN(cfg, conv_layers=2, seed=0)
        assert model.config.conv_layers == 2 and model.config.n_sites == 4
        assert len(model.convs) == 2
        assert VectorNet(VectorNetConfig(n_sites=4, gated=False)).gate is None
        exact = CorrelatorGCNN(
            CorrelatorGCNNConfig(n_sites=4, input_kind=InputKind.EXACT_CORRELATORS)
        )
        assert (
            exact.input_kind is InputKind.EXACT_CORRELATORS and "exact" in exact.input_description
        )
        assert MLPClassifier(MLPConfig(n_sites=4)).input_kind is CORR
        assert CNNClassifier(CNNConfig(n_sites=4)).input_kind is SHADOWS


class TestInvariance:
    @DTYPES
    def test_shadow_gcnn_chain_times_o(self, dtype: torch.dtype, shadows: torch.Tensor) -> None:
        model = MODELS["ShadowGCNN"](seed=0, dtype=dtype)
        rep = model.input_representation(T)
        assert rep.group == chain_octahedral_group(N)
        x = shadows.reshape(2, -1).to(dtype)
        f = flat_fn(model, (T, N, 3))
        assert_equivariant(
            f, rep, TrivialRepresentation(rep.group), x, n_samples=8, seed=1, atol=TOL[dtype]
        )

    @DTYPES
    def test_vectornet_chain_times_so3(self, dtype: torch.dtype, shadows: torch.Tensor) -> None:
        model = MODELS["VectorNet"](seed=0, dtype=dtype)
        rep = model.input_representation(T)
        x = shadows.reshape(2, -1).to(dtype)
        f = flat_fn(model, (T, N, 3))
        assert_equivariant(
            f, rep, TrivialRepresentation(rep.group), x, n_samples=8, seed=1, atol=TOL[dtype]
        )

    @DTYPES
    def test_correlator_gcnn_chain(self, dtype: torch.dtype, correlators: torch.Tensor) -> None:
        model = MODELS["CorrelatorGCNN"](seed=0, dtype=dtype)
        rep = model.input_representation()
        gen = torch.Generator().manual_seed(0)
        noisy = correlators + 0.3 * torch.randn(
            correlators.shape, generator=gen, dtype=torch.float64
        )
        x = torch.cat([correlators, noisy]).reshape(4, -1).to(dtype)
        f = flat_fn(model, (N, N))
        assert_equivariant(
            f, rep, TrivialRepresentation(rep.group), x, n_samples=8, seed=2, atol=TOL[dtype]
        )

    @pytest.mark.parametrize("name", BASELINES)
    def test_baselines_are_not_equivariant(
        self, name: str, shadows: torch.Tensor, correlators: torch.Tensor
    ) -> None:
        model = MODELS[name](seed=0, dtype=torch.float64)
        chain = chain_group(N)
        if model.input_kind is SHADOWS:
            product = chain_octahedral_group(N)
            rep = shadow_representation(
                T,
                N,
                site_rep=PermutationRepresentation(product.factors[0]),
                vector_rep=MatrixRepresentation(product.factors[1]),
            )
            x, shape = shadows, (T, N, 3)
        else:
            rep = correlator_representation(PermutationRepresentation(chain))
            gen = torch.Generator().manual_seed(1)
            x, shape = (
                correlators + torch.randn(2, N, N, generator=gen, dtype=torch.float64),
                (N, N),
            )
        err = equivariance_error(
            flat_fn(model, shape), rep, TrivialRepresentation(rep.group), x.reshape(2, -1), seed=0
        )
        assert err > 1e-3


class TestOctahedralVersusRotations:
    """Shadow snapshots are exactly O-symmetric; SO(3) holds only in expectation."""

    n, shots = N8, SHOTS8

    @DTYPES
    def test_shadow_gcnn(
        self, dtype: torch.dtype, real_shadows: torch.Tensor, record_property: Callable
    ) -> None:
        model = ShadowGCNN(n_sites=self.n, seed=0, dtype=dtype)
        f = flat_fn(model, (self.shots, self.n, 3))
        x = real_shadows.reshape(len(real_shadows), -1).to(dtype)
        o_rep = shadow_representation(
            self.shots, self.n, vector_rep=MatrixRepresentation(octahedral_group())
        )
        so3_rep = shadow_representation(self.shots, self.n, vector_rep=SO3Vector())
        err_o = equivariance_error(f, o_rep, TrivialRepresentation(o_rep.group), x, seed=0)
        err_so3 = equivariance_error(f, so3_rep, TrivialRepresentation(SU2()), x, seed=0)
        record_property(f"so3_error_{dtype}", err_so3)
        record_property(f"o_error_{dtype}", err_o)
        print(f"ShadowGCNN {dtype}: O error {err_o:.2e}, SO(3) error {err_so3:.2e}")
        assert err_o < TOL[dtype]
        assert err_so3 > 1e-6
        # the invariant features before the head show it more clearly
        c = model.config.conv_channels

        def feats(z: torch.Tensor) -> torch.Tensor:
            return model.features(z.reshape(-1, self.shots, self.n, 3))

        feat_o = equivariance_error(feats, o_rep, TrivialRepresentation(o_rep.group, c), x)
        feat_so3 = equivariance_error(feats, so3_rep, TrivialRepresentation(SU2(), c), x)
        print(f"ShadowGCNN features {dtype}: O error {feat_o:.2e}, SO(3) error {feat_so3:.2e}")
        assert feat_o < TOL[dtype] and feat_so3 > 1e-3

    @DTYPES
    def test_vectornet_is_so3_invariant(
        self, dtype: torch.dtype, real_shadows: torch.Tensor
    ) -> None:
        model = VectorNet(n_sites=self.n, seed=0, dtype=dtype)
        f = flat_fn(model, (self.shots, self.n, 3))
        x = real_shadows.reshape(len(real_shadows), -1).to(dtype)
        so3_rep = shadow_representation(self.shots, self.n, vector_rep=SO3Vector())
        assert_equivariant(f, so3_rep, TrivialRepresentation(SU2()), x, seed=0, atol=TOL[dtype])


class TestGradients:
    @pytest.mark.parametrize("name", list(MODELS))
    def test_every_parameter_gets_a_gradient(
        self, name: str, shadows: torch.Tensor, correlators: torch.Tensor
    ) -> None:
        model = MODELS[name](seed=0, dtype=torch.float64)
        x = inputs_for(model, shadows, correlators)
        y = torch.tensor([0.0, 1.0], dtype=torch.float64)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model.logits(x), y)
        loss.backward()
        grads = [p.grad for p in model.parameters()]
        assert all(g is not None and torch.isfinite(g).all() for g in grads)
        assert sum(float(g.abs().sum()) for g in grads) > 0

    @pytest.mark.parametrize("name", EQUIVARIANT)
    def test_training_reduces_the_loss(
        self, name: str, shadows: torch.Tensor, correlators: torch.Tensor
    ) -> None:
        model = MODELS[name](seed=0)
        x = inputs_for(model, shadows, correlators).float()
        y = torch.tensor([0.0, 1.0])
        opt = torch.optim.Adam(model.parameters(), lr=0.05)
        losses = []
        for _ in range(15):
            opt.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model.logits(x), y)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
        assert losses[-1] < losses[0]


class TestInputs:
    @pytest.mark.parametrize("name", ["ShadowGCNN", "VectorNet", "MLP-shadows", "CNN-shadows"])
    def test_shadow_shapes(self, name: str) -> None:
        model = MODELS[name](seed=0)
        with pytest.raises(DimensionError, match=r"\(B, T, 6, 3\)"):
            model(torch.randn(2, 5, 6, 2))
        with pytest.raises(DimensionError, match=r"\(B, T, 6, 3\)"):
            model(torch.randn(5, 6, 3))
        with pytest.raises(DimensionError, match="at least one shot"):
            model(torch.randn(2, 0, 6, 3))
        with pytest.raises(InvalidParameterError, match="real floating"):
            model(torch.ones(2, 5, 6, 3, dtype=torch.int64))
        with pytest.raises(InvalidParameterError, match=r"torch\.Tensor"):
            model(np.zeros((2, 5, 6, 3)))

    @pytest.mark.parametrize("name", ["CorrelatorGCNN", "MLP-correlators", "CNN-correlators"])
    def test_correlator_shapes(self, name: str) -> None:
        model = MODELS[name](seed=0)
        with pytest.raises(DimensionError, match=r"\(B, 6, 6\)"):
            model(torch.randn(2, 6, 5))

    @pytest.mark.parametrize(
        ("make", "match"),
        [
            (lambda: ShadowGCNN(n_sites=5), "n_sites must be even"),
            (lambda: ShadowGCNN(lift_channels=0), "lift_channels must be >= 1"),
            (lambda: ShadowGCNN(activation="relu"), "activation must be callable"),
            (lambda: ShadowGCNN(depth=3), "unknown ShadowGCNNConfig fields"),
            (lambda: ShadowGCNN(VectorNetConfig()), "config must be a ShadowGCNNConfig"),
            (lambda: VectorNet(gate=None), "gate must be callable"),
            (lambda: CorrelatorGCNN(input_kind=SHADOWS), "input_kind must be one of"),
            (lambda: CorrelatorGCNN(conv_layers=-1), "conv_layers must be >= 0"),
            (lambda: MLPClassifier(hidden=()), "non-empty tuple"),
            (lambda: MLPClassifier(input_kind=InputKind.STATE), "input_kind must be one of"),
            (lambda: CNNClassifier(kernel_size=2), "kernel_size must be odd"),
            (lambda: CNNClassifier(dtype=torch.float16), "torch.float32 or torch.float64"),
            (lambda: VectorNet(seed=-1), "seed must be >= 0"),
        ],
    )
    def test_bad_configuration(self, make: Callable, match: str) -> None:
        with pytest.raises(InvalidParameterError, match=match):
            make()


@pytest.mark.slow
class TestLearning:
    """The equivariant models separate the phases after a short training run (n = 8)."""

    @pytest.mark.parametrize("name", ["ShadowGCNN", "VectorNet", "CorrelatorGCNN"])
    def test_phase_classification(self, name: str) -> None:
        from eqqnn.data import shadow_snapshot_tensor, test_ratios, train_ratios

        n = 8
        train_r, test_r = train_ratios(8), test_ratios(21)

        def data(ratios: np.ndarray, seed: int) -> torch.Tensor:
            states = np.stack(
                [BondAlternatingHeisenberg(n, r).ground_state().vector() for r in ratios]
            )
            return shadow_snapshot_tensor(states, 1000, seed=seed)

        def correlators(x: torch.Tensor) -> torch.Tensor:
            c = torch.einsum("btia,btja->bij", x, x) / x.shape[1]
            c[:, torch.arange(n), torch.arange(n)] = 3.0
            return c

        model = {
            "ShadowGCNN": ShadowGCNN,
            "VectorNet": VectorNet,
            "CorrelatorGCNN": CorrelatorGCNN,
        }[name](n_sites=n, seed=0)
        prepare = (lambda x: x) if model.input_kind is SHADOWS else correlators
        train_x, test_x = data(train_r, 1), data(test_r, 2)
        y = torch.as_tensor(train_r > 1, dtype=torch.float32)
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        gen = torch.Generator().manual_seed(0)
        for _ in range(120):
            x = prepare(train_x[:, torch.randperm(1000, generator=gen)[:64]])
            opt.zero_grad()
            torch.nn.functional.binary_cross_entropy_with_logits(model.logits(x), y).backward()
            opt.step()
        with torch.no_grad():
            p = model(prepare(test_x))
        accuracy = float(((p > 0.5) == torch.as_tensor(test_r > 1)).float().mean())
        assert accuracy >= 0.85
