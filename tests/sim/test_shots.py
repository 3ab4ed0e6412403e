"""Finite-shot estimation: unbiasedness, variance, shift rules and their gradients."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from eqqnn import QuantumClassifier
from eqqnn.circuits import Circuit, Pooling, ReadoutKind, qcnn, su2_qcnn
from eqqnn.circuits._gates import PAULI, SINGLET_PROJECTOR, SWAP
from eqqnn.errors import BackendError, DimensionError, InvalidParameterError
from eqqnn.sim import StatevectorBackend
from eqqnn.sim._sector import SpinSectorBackend
from eqqnn.sim._shots import ShotsBackend, shift_rule
from eqqnn.symmetry import irrep_dimension
from eqqnn.symmetry._spin_coupling import sector_to_qubit


def _params(c: Circuit, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(c.n_params, generator=g, dtype=torch.float64) * 2 - 1) * np.pi


def _states(n: int, batch: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, 2**n, dtype=torch.complex128, generator=g)
    return x / torch.linalg.vector_norm(x, dim=1, keepdim=True)


def _grad(backend: object, c: Circuit, theta: torch.Tensor, states: object) -> np.ndarray:
    t = theta.clone().requires_grad_()
    w = torch.linspace(0.5, 1.5, states.shape[0], dtype=torch.float64)  # type: ignore[attr-defined]
    (backend.expectation(c, t, states) * w).sum().backward()  # type: ignore[attr-defined]
    return t.grad.numpy()


@pytest.mark.parametrize(
    ("generator", "frequencies"),
    [
        (SWAP, 1),
        (PAULI["Z"] / 2, 1),
        (np.kron(SINGLET_PROJECTOR, SWAP), 2),
        (np.diag([0.0, 1.0, 3.0]), 3),
        (np.kron(np.diag([0.0, 1.0]), PAULI["Y"] / 2), 2),
    ],
)
def test_shift_rule_is_exact(generator: np.ndarray, frequencies: int) -> None:
    r"""On E(θ) = <ψ|e^{iθG} A e^{-iθG}|ψ> the rule gives the exact derivative."""
    rule = shift_rule(generator)
    assert len(rule.shifts) == 2 * frequencies
    d = generator.shape[0]
    rng = np.random.default_rng(0)
    a = rng.standard_normal((d, d)) + 1j * rng.standard_normal((d, d))
    a = a + a.conj().T
    psi = rng.standard_normal(d) + 1j * rng.standard_normal(d)
    evals, vecs = np.linalg.eigh(generator)

    def energy(theta: float) -> float:
        u = vecs @ np.diag(np.exp(-1j * theta * evals)) @ vecs.conj().T
        phi = u @ psi
        return float(np.vdot(phi, a @ phi).real)

    theta = 0.37
    exact = (energy(theta + 1e-6) - energy(theta - 1e-6)) / 2e-6
    rule_value = sum(
        c * energy(theta + s) for s, c in zip(rule.shifts, rule.coefficients, strict=True)
    )
    assert abs(rule_value - exact) < 1e-6


def test_shift_rule_errors() -> None:
    with pytest.raises(BackendError, match="no equidistant shift rule"):
        shift_rule(np.diag([0.0, 1.0, np.sqrt(2)]))
    assert shift_rule(np.eye(2)).shifts == ()


CIRCUITS = [
    su2_qcnn(6),
    su2_qcnn(8, pooling=Pooling.MEASURE, readout=ReadoutKind.HEISENBERG),
    su2_qcnn(6, share_parameters=False),
]


@pytest.mark.parametrize("circuit", CIRCUITS, ids=["swap", "measure-heis", "unshared"])
@pytest.mark.parametrize("inner", ["dense", "sector"])
def test_exact_parameter_shift_equals_autograd(circuit: Circuit, inner: str) -> None:
    n = circuit.n_qubits
    theta = _params(circuit, 1)
    psi = _states(n, 3, 2)
    backend = StatevectorBackend() if inner == "dense" else SpinSectorBackend()
    exact = ShotsBackend(backend, shots=None)
    np.testing.assert_allclose(
        exact.expectation(circuit, theta, psi).numpy(),
        StatevectorBackend().expectation(circuit, theta, psi).numpy(),
        atol=1e-12,
    )
    np.testing.assert_allclose(
        _grad(exact, circuit, theta, psi),
        _grad(StatevectorBackend(), circuit, theta, psi),
        atol=1e-10,
    )


def test_exact_parameter_shift_on_the_baseline() -> None:
    """Controlled Pauli rotations (eigenvalues 0, ±1/2) take the four-term rule."""
    c = qcnn(4)
    theta = _params(c, 3)
    psi = _states(4, 2, 3)
    np.testing.assert_allclose(
        _grad(ShotsBackend(shots=None), c, theta, psi),
        _grad(StatevectorBackend(), c, theta, psi),
        atol=1e-10,
    )


def _singlet_inputs(n: int, batch: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    coords = rng.standard_normal((batch, irrep_dimension(n, 0)))
    coords /= np.linalg.norm(coords, axis=1, keepdims=True)
    return torch.as_tensor(coords), torch.as_tensor(sector_to_qubit(coords, n, 0) + 0j)


def test_estimator_is_unbiased_with_projector_variance() -> None:
    c = su2_qcnn(8)
    theta = _params(c, 4)
    coords, _ = _singlet_inputs(8, 3, 4)
    p = SpinSectorBackend().probabilities(c, theta, coords).numpy()
    shots, seeds = 200, 400
    backend = ShotsBackend(SpinSectorBackend(), shots=shots)
    draws = []
    for s in range(seeds):
        backend.reset(s)
        draws.append(backend.probabilities(c, theta, coords).numpy())
    draws = np.stack(draws)
    var = p * (1 - p) / shots
    stderr = np.sqrt(var / seeds)
    assert np.all(np.abs(draws.mean(axis=0) - p) < 4 * stderr)
    # sample variance of the estimator: relative error ~ sqrt(2 / seeds) = 7 %
    np.testing.assert_allclose(draws.var(axis=0, ddof=1), var, rtol=0.3)


def test_heisenberg_readout_estimator_is_unbiased() -> None:
    """Two eigenvalues (-1/4 triplet, 3/4 singlet after the sign flip): mean within 4 SE."""
    c = su2_qcnn(6, readout=ReadoutKind.HEISENBERG)
    theta = _params(c, 5)
    psi = _states(6, 2, 5)
    exact = StatevectorBackend().expectation(c, theta, psi).numpy()
    backend = ShotsBackend(StatevectorBackend(), shots=100, seed=0)
    values, q = backend.outcome_probabilities(c, theta, psi)
    second = (q.numpy() * values**2).sum(axis=1)
    var = (second - exact**2) / 100
    draws = np.stack([backend.expectation(c, theta, psi).numpy() for _ in range(300)])
    assert np.all(np.abs(draws.mean(axis=0) - exact) < 4 * np.sqrt(var / 300))


def test_gradient_converges_with_shots() -> None:
    c = su2_qcnn(6)
    theta = _params(c, 6)
    coords, _ = _singlet_inputs(6, 2, 6)
    exact = _grad(SpinSectorBackend(), c, theta, coords)
    errors = []
    for shots in (100, 10_000, 1_000_000):
        backend = ShotsBackend(SpinSectorBackend(), shots=shots, seed=shots)
        grads = np.stack([_grad(backend, c, theta, coords) for _ in range(8)])
        mean, sem = grads.mean(axis=0), grads.std(axis=0, ddof=1) / np.sqrt(8)
        assert np.all(np.abs(mean - exact) < 4 * sem + 1e-12)
        errors.append(np.abs(grads - exact).mean())
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.01


def test_seeded_and_reproducible() -> None:
    c = su2_qcnn(6)
    theta = _params(c, 7)
    psi = _states(6, 4, 7)
    a = ShotsBackend(shots=50, seed=3)
    first = a.probabilities(c, theta, psi)
    second = a.probabilities(c, theta, psi)
    assert not torch.equal(first, second)  # the stream advances
    a.reset()
    assert torch.equal(a.probabilities(c, theta, psi), first)
    b = pickle.loads(pickle.dumps(ShotsBackend(shots=50, seed=3)))
    assert torch.equal(b.probabilities(c, theta, psi), first)
    counts = a.sample_counts(torch.tensor([[0.25, 0.75], [1.0, 0.0]]))
    assert counts.sum(dim=1).tolist() == [50.0, 50.0] and counts[1, 1] == 0


def test_non_commuting_generators_have_no_shift_rule() -> None:
    c = su2_qcnn(6, conv_block=3)
    theta = _params(c, 8)
    psi = _states(6, 2, 8)
    backend = ShotsBackend(shots=10)
    assert backend.expectation(c, theta, psi).shape == (2,)  # values are fine
    with pytest.raises(BackendError, match=r"operation 0 \('EQ3'.*non-commuting"):
        backend.expectation(c, theta.clone().requires_grad_(), psi)


def test_classifier_with_shots_trains() -> None:
    c = su2_qcnn(6)
    coords, _ = _singlet_inputs(6, 4, 9)
    model = QuantumClassifier(c, ShotsBackend(SpinSectorBackend(), shots=500, seed=0), seed=3)
    out = model(coords)
    assert out.shape == (4,) and bool(((out >= 0) & (out <= 1)).all())
    out.sum().backward()
    assert model.weights.grad is not None and torch.isfinite(model.weights.grad).all()


def test_normalize_is_passed_through() -> None:
    c = su2_qcnn(6)
    theta = _params(c, 10)
    psi = _states(6, 2, 10)
    exact = StatevectorBackend().expectation(c, theta, psi)
    got = ShotsBackend(shots=None).expectation(c, theta, 3 * psi, normalize=True)
    np.testing.assert_allclose(got.numpy(), exact.numpy(), atol=1e-12)


def test_bad_arguments() -> None:
    with pytest.raises(InvalidParameterError, match="shots"):
        ShotsBackend(shots=0)
    with pytest.raises(InvalidParameterError, match=r"eqqnn\.sim\.Backend"):
        ShotsBackend(backend=object())
    with pytest.raises(DimensionError, match="takes 3 parameters"):
        ShotsBackend().expectation(su2_qcnn(4), torch.zeros(4), _states(4, 1, 0))
    with pytest.raises(InvalidParameterError, match="finite number of shots"):
        ShotsBackend(shots=None).sample_counts(torch.ones(1, 1))
