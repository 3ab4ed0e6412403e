"""EstimatorBackend: ISA circuits transpiled once per (circuit, state), one EstimatorV2 job
per call, exact on Aer, sampled and noisy on a fake IBM device."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eqqnn.circuits import su2_qcnn
from eqqnn.errors import BackendError, InvalidParameterError
from eqqnn.sim import EstimatorBackend, StatevectorBackend
from eqqnn.sim._device_estimate import DeviceEstimator
from eqqnn.testing import random_parameters, random_state_batch


def _count_jobs(backend: EstimatorBackend) -> list[int]:
    calls = [0]
    run = backend.estimator.run

    def counted(pubs, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls[0] += 1
        return run(pubs, *args, **kwargs)

    backend.estimator.run = counted
    return calls


def test_exact_values_and_gradient_in_one_job() -> None:
    c = su2_qcnn(4)
    theta = random_parameters(c, seed=1).requires_grad_(True)
    psi = random_state_batch(4, 3, seed=2)
    backend = EstimatorBackend()
    jobs = _count_jobs(backend)
    value = backend.expectation(c, theta, psi)
    (grad,) = torch.autograd.grad(value.sum(), theta)
    ref_theta = theta.detach().clone().requires_grad_(True)
    ref = StatevectorBackend().expectation(c, ref_theta, psi)
    (ref_grad,) = torch.autograd.grad(ref.sum(), ref_theta)
    np.testing.assert_allclose(value.detach().numpy(), ref.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(grad.numpy(), ref_grad.numpy(), atol=1e-10)
    assert jobs[0] == 1  # values and the 2R shifted angle sets: one EstimatorV2 job


def test_transpiles_once_per_state() -> None:
    c = su2_qcnn(4)
    psi = random_state_batch(4, 2, seed=3)
    backend = EstimatorBackend()
    backend.expectation(c, torch.zeros(c.n_params), psi)
    first = {k: v.circuit for k, v in backend._isa[c].items()}
    backend.expectation(c, torch.ones(c.n_params), psi)
    assert len(backend._isa[c]) == 2
    assert all(backend._isa[c][k].circuit is first[k] for k in first)  # reused, not redone


def test_fake_device_with_shots_is_close_and_noisy() -> None:
    fake = pytest.importorskip("qiskit_ibm_runtime.fake_provider")
    c = su2_qcnn(4)
    theta = random_parameters(c, seed=4)
    psi = random_state_batch(4, 2, seed=5)
    exact = StatevectorBackend().expectation(c, theta, psi).numpy()
    backend = EstimatorBackend(fake.FakeManilaV2(), shots=4000, seed=1)
    isa = backend.isa_circuit(c, psi[0].numpy())
    assert set(isa.circuit.count_ops()) <= set(backend.backend.target.operation_names) | {
        "barrier"
    }  # an ISA circuit: only the device's instructions
    got = backend.expectation(c, theta, psi).numpy()
    assert np.abs(got - exact).max() < 0.3  # readout range [-3, 1]; noise and shots
    assert np.abs(got - exact).max() > 1e-6  # it is an estimate, not the exact value


def test_bad_arguments() -> None:
    with pytest.raises(InvalidParameterError, match="shots"):
        EstimatorBackend(shots=0)
    fake = pytest.importorskip("qiskit_ibm_runtime.fake_provider")
    with pytest.raises(InvalidParameterError, match="AerSimulator"):
        EstimatorBackend(fake.FakeManilaV2())
    with pytest.raises(BackendError, match="has 5 qubits"):
        EstimatorBackend(fake.FakeManilaV2(), shots=10).expectation(
            su2_qcnn(6), torch.zeros(su2_qcnn(6).n_params), random_state_batch(6, 1)
        )


def test_shots_on_noiseless_aer_have_the_binomial_spread() -> None:
    """Shot noise only: the mean of repeated estimates is the exact value, and their variance
    is sum_k c_k^2 (1 - e_k^2) / shots from the per-word exact values e_k."""
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_aer import AerSimulator

    c = su2_qcnn(4)
    theta = random_parameters(c, seed=6)
    psi = random_state_batch(4, 1, seed=7)
    exact = float(StatevectorBackend().expectation(c, theta, psi)[0])
    shots = 200
    backend = EstimatorBackend(AerSimulator(), shots=shots, seed=0)
    draws = np.array([float(backend.expectation(c, theta, psi)[0]) for _ in range(400)])
    isa = backend.isa_circuit(c, psi[0].numpy())
    angles = (backend._body(c).rotation_matrix @ theta.double().numpy())[None][:, isa.columns]
    word_values = DeviceEstimator(AerSimulator(), shots=1, seed=0)
    var = 0.0
    for label, coeff in isa.observable.to_list():
        if set(label) != {"I"}:
            word = SparsePauliOp([label])
            word_values._sample = lambda e: e  # type: ignore[method-assign]  # exact e_k
            e = float(word_values.run([(isa.circuit, word, angles)])[0, 0])
            var += float(np.real(coeff)) ** 2 * (1 - e**2) / shots
    assert abs(draws.mean() - exact) < 4 * np.sqrt(var / len(draws))
    assert 0.8 < draws.var() / var < 1.25  # chi-square band for 400 draws


def test_device_estimator_uses_the_active_qubits_only() -> None:
    fake = pytest.importorskip("qiskit_ibm_runtime.fake_provider")
    c = su2_qcnn(4)
    psi = random_state_batch(4, 1, seed=8)
    backend = EstimatorBackend(fake.FakeGuadalupeV2(), shots=1000, seed=1)  # 16 qubits
    isa = backend.isa_circuit(c, psi[0].numpy())
    assert isa.circuit.num_qubits == 16
    assert DeviceEstimator._method(isa.circuit) == "density_matrix"
    value = backend.expectation(c, torch.zeros(c.n_params), psi)
    assert np.isfinite(value.numpy()).all()


def test_no_parameter_shifts_without_gradients() -> None:
    """Under torch.no_grad a batch costs one angle set per state, not 2R + 1."""
    c = su2_qcnn(4)
    theta = random_parameters(c, seed=9).requires_grad_(True)
    psi = random_state_batch(4, 2, seed=10)
    backend = EstimatorBackend()
    sets: list[int] = []
    evaluate = backend._evaluate

    def spy(circuit, angles, states, with_grad):  # type: ignore[no-untyped-def]
        sets.append(with_grad)
        return evaluate(circuit, angles, states, with_grad)

    backend._evaluate = spy  # type: ignore[method-assign]
    with torch.no_grad():
        value = backend.expectation(c, theta, psi)
    ref = StatevectorBackend().expectation(c, theta.detach(), psi)
    np.testing.assert_allclose(value.numpy(), ref.numpy(), atol=1e-10)
    backend.expectation(c, theta, psi)
    assert sets == [False, True]


def test_many_active_qubits_fall_back_to_noise_trajectories(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above DENSITY_MATRIX_MAX_QUBITS the noise is sampled by statevector trajectories; the
    estimate agrees with the density-matrix one within the shot and trajectory noise."""
    fake = pytest.importorskip("qiskit_ibm_runtime.fake_provider")
    from eqqnn.sim import _device_estimate

    c = su2_qcnn(4)
    theta = random_parameters(c, seed=11)
    psi = random_state_batch(4, 2, seed=12)
    exact_dm = EstimatorBackend(fake.FakeManilaV2(), shots=4000, seed=3)
    reference = exact_dm.expectation(c, theta, psi).numpy()
    isa = exact_dm.isa_circuit(c, psi[0].numpy())
    assert DeviceEstimator._method(isa.circuit) == "density_matrix"
    monkeypatch.setattr(_device_estimate, "DENSITY_MATRIX_MAX_QUBITS", 0)
    assert DeviceEstimator._method(isa.circuit) == "statevector"
    sampled = EstimatorBackend(fake.FakeManilaV2(), shots=4000, seed=3)
    got = sampled.expectation(c, theta, psi).numpy()
    np.testing.assert_allclose(got, reference, atol=0.06)
