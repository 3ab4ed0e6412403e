"""Qiskit exporter and backend: agreement with the dense simulator, qubit order, QASM 3."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("qiskit")
pytest.importorskip("qiskit_aer")

from qiskit.providers.fake_provider import GenericBackendV2
from qiskit.quantum_info import Statevector
from qiskit_aer import AerSimulator

from eqqnn.circuits import (
    PAULI,
    CircuitBuilder,
    Pooling,
    Readout,
    ReadoutKind,
    qcnn,
    relax,
    su2_qcnn,
)
from eqqnn.errors import BackendError, DimensionError, InvalidParameterError
from eqqnn.sim import StatevectorBackend
from eqqnn.sim._qiskit import QiskitBackend, to_qasm3, to_qiskit
from eqqnn.testing import random_parameters, random_state_batch

CIRCUITS = {
    "su2-n4": lambda: su2_qcnn(4),
    "su2-n5-odd": lambda: su2_qcnn(5),
    "su2-n6-block3": lambda: su2_qcnn(6, conv_block=3),
    "su2-n8-block4": lambda: su2_qcnn(8, conv_block=4),
    "su2-n8-measure-heisenberg": lambda: su2_qcnn(
        8, pooling=Pooling.MEASURE, readout=ReadoutKind.HEISENBERG
    ),
    "su2-n7-unshared": lambda: su2_qcnn(7, share_parameters=False),
    "relaxed-su2-n6": lambda: relax(su2_qcnn(6)),
    "qcnn-n6": lambda: qcnn(6),
    "qcnn-n8": lambda: qcnn(8),
}


_states = random_state_batch


_params = random_parameters


def _expand(qc: object) -> object:
    """Pauli evolutions synthesized (Statevector would exponentiate them sparsely)."""
    return qc.decompose(gates_to_decompose=["PauliEvolution"])


def _statevector(qc: object) -> np.ndarray:
    """Exact state of an exported circuit started in |0...0>."""
    return Statevector(_expand(qc)).data


@pytest.mark.parametrize("key", list(CIRCUITS))
def test_aer_exact_matches_statevector(key: str) -> None:
    c = CIRCUITS[key]()
    psi = _states(c.n_qubits, 3, 31)
    theta = _params(c, 32)
    ref = StatevectorBackend().expectation(c, theta, psi)
    backend = QiskitBackend()
    got = backend.expectation(c, theta, psi)
    assert got.dtype == torch.float64 and got.shape == (3,)
    np.testing.assert_allclose(got.numpy(), ref.numpy(), atol=1e-8)
    p = backend.probabilities(c, theta, psi)
    ro = c.readout
    np.testing.assert_allclose(p.numpy(), (ref.numpy() - ro.low) / (ro.high - ro.low), atol=1e-8)


@pytest.mark.parametrize("key", ["su2-n4", "su2-n8-measure-heisenberg", "qcnn-n6"])
def test_parameter_shift_gradients(key: str) -> None:
    c = CIRCUITS[key]()
    psi = _states(c.n_qubits, 2, 41)
    theta = _params(c, 42)
    w = torch.tensor([0.7, 1.3], dtype=torch.float64)
    grads = []
    for backend in (StatevectorBackend(), QiskitBackend()):
        t = theta.clone().requires_grad_()
        (backend.expectation(c, t, psi) * w).sum().backward()
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], atol=1e-8)
    jac = QiskitBackend().jacobian(c, theta, psi)
    assert jac.shape == (2, c.n_params)
    np.testing.assert_allclose((w @ jac).numpy(), grads[0], atol=1e-8)


def test_generic_gates_have_no_gradient() -> None:
    c = su2_qcnn(4, conv_block=3)
    t = _params(c, 0).requires_grad_()
    out = QiskitBackend().expectation(c, t, _states(4, 1, 0))  # forward is fine
    with pytest.raises(BackendError, match="EQ3"):
        out.sum().backward()


def test_qubit_order_statevector_and_readout() -> None:
    """IR wire 0 is Qiskit qubit n-1; amplitudes keep their index."""
    n = 3
    b = CircuitBuilder(n)
    b.exp_gate((0,), PAULI["X"] / 2, label="RX")
    c = b.build(Readout((0,), PAULI["Z"], low=-1.0, high=1.0))
    qc = to_qiskit(c, [0.4])
    assert [qc.find_bit(q).index for q in qc.data[0].qubits] == [n - 1]
    psi = torch.zeros(2, 2**n, dtype=torch.complex128)
    psi[0, 1] = 1  # wire n-1 set
    psi[1, 4] = 1  # wire 0 set
    got = QiskitBackend().expectation(c, torch.tensor([0.4]), psi).numpy()
    np.testing.assert_allclose(got, [np.cos(0.4), -np.cos(0.4)], atol=1e-12)
    shots = QiskitBackend(shots=200, seed=1).expectation(c, torch.tensor([0.0]), psi).numpy()
    np.testing.assert_allclose(shots, [1.0, -1.0])


@pytest.mark.parametrize("key", ["qcnn-n6", "su2-n6-block3", "su2-n8-measure-heisenberg"])
def test_exported_state_equals_ir_state(key: str) -> None:
    c = CIRCUITS[key]()
    theta = _params(c, 5)
    psi = _states(c.n_qubits, 1, 5)
    ref = StatevectorBackend().final_states(c, theta, psi)[0].numpy()
    qc = to_qiskit(c, theta)
    got = Statevector(psi[0].numpy()).evolve(_expand(qc)).data
    phase = np.vdot(got, ref)
    assert abs(abs(phase) - 1) < 1e-10
    np.testing.assert_allclose(got * phase / abs(phase), ref, atol=1e-10)


@pytest.mark.parametrize("key", ["su2-n4", "qcnn-n6", "su2-n8-measure-heisenberg"])
def test_symbolic_parameters_bind(key: str) -> None:
    c = CIRCUITS[key]()
    theta = _params(c, 7)
    sym = to_qiskit(c)
    assert sym.num_parameters == c.n_params
    assert [p.name for p in sym.parameters][:2] == ["theta[0]", "theta[1]"]
    bound = sym.assign_parameters(theta.numpy())
    np.testing.assert_allclose(_statevector(bound), _statevector(to_qiskit(c, theta)), atol=1e-12)


def test_symbolic_export_rejects_generic_gates() -> None:
    with pytest.raises(BackendError, match=r"'EQ3'.*UnitaryGate"):
        to_qiskit(su2_qcnn(4, conv_block=3))
    with pytest.raises(BackendError, match=r"SWAP\^t\+ε"):
        to_qasm3(relax(su2_qcnn(4)))
    bound = to_qiskit(su2_qcnn(4, conv_block=3), _params(su2_qcnn(4, conv_block=3), 0))
    assert "unitary" in bound.count_ops()


def test_qasm3_export() -> None:
    text = to_qasm3(su2_qcnn(4))
    assert text.startswith("OPENQASM 3.0;")
    assert "qubit[4] q;" in text
    assert "input float[64] _theta_0_;" in text and "_theta_3_" not in text
    # the first gate acts on IR wires (0, 1) = Qiskit qubits 3 and 2
    assert "rxx(_theta_0_) q[3], q[2];" in text
    bound = to_qasm3(su2_qcnn(4), [0.5, 0.25, 0.125])
    assert "input" not in bound and "rxx(0.5) q[3], q[2];" in bound
    measured = to_qasm3(su2_qcnn(8, pooling=Pooling.MEASURE))  # Pauli evolutions expanded
    assert "PauliEvolution" not in measured and "_theta_" in measured


def test_qasm3_round_trip() -> None:
    pytest.importorskip("qiskit_qasm3_import")
    from qiskit import qasm3

    c = qcnn(4)
    theta = _params(c, 3)
    loaded = qasm3.loads(to_qasm3(c, theta))
    np.testing.assert_allclose(
        np.abs(np.vdot(_statevector(loaded), _statevector(to_qiskit(c, theta)))), 1, atol=1e-10
    )


def test_measured_circuit_metadata_and_sampling() -> None:
    c = su2_qcnn(4)
    theta = _params(c, 2)
    qc = to_qiskit(c, theta, measure=True)
    assert qc.cregs[0].name == "readout" and qc.num_clbits == 2
    assert qc.metadata["readout_wires"] == [1, 3]
    assert qc.metadata["readout_eigenvalues"] == pytest.approx([0, 0, 0, 1])
    ref = float(StatevectorBackend().expectation(c, theta, _zero(4))[0])  # no state prep
    counts = AerSimulator(seed_simulator=3).run(qc, shots=4000).result().get_counts()
    est = sum(v * qc.metadata["readout_eigenvalues"][int(k, 2)] for k, v in counts.items()) / 4000
    assert abs(est - ref) < 5 * 0.5 / np.sqrt(4000)


def _zero(n: int) -> torch.Tensor:
    z = torch.zeros(1, 2**n, dtype=torch.complex128)
    z[0, 0] = 1
    return z


def test_shots_estimates_are_seeded_and_close() -> None:
    c = su2_qcnn(6, pooling=Pooling.MEASURE, readout=ReadoutKind.HEISENBERG)
    theta = _params(c, 9)
    psi = _states(6, 3, 9)
    ref = StatevectorBackend().expectation(c, theta, psi).numpy()
    a = QiskitBackend(shots=3000, seed=5).expectation(c, theta, psi).numpy()
    b = QiskitBackend(shots=3000, seed=5).expectation(c, theta, psi).numpy()
    np.testing.assert_array_equal(a, b)
    spread = c.readout.high - c.readout.low
    assert np.abs(a - ref).max() < 5 * spread / 2 / np.sqrt(3000)


@pytest.mark.filterwarnings("ignore:.*has no QubitProperties:UserWarning")
def test_generic_backend_is_transpiled_and_sampled() -> None:
    c = su2_qcnn(4)
    theta = _params(c, 1)
    psi = _states(4, 2, 1)
    ref = StatevectorBackend().expectation(c, theta, psi).numpy()
    ideal = QiskitBackend(GenericBackendV2(5, seed=2, noise_info=False), shots=4000, seed=3)
    got = ideal.expectation(c, theta, psi).numpy()
    assert np.abs(got - ref).max() < 5 * 0.5 / np.sqrt(4000)
    noisy = QiskitBackend(GenericBackendV2(5, seed=2), shots=2000, seed=3)
    p = noisy.probabilities(c, theta, psi).numpy()
    assert np.all((p >= 0) & (p <= 1))


def test_noisy_aer_density_matrix_is_exact_and_statevector_is_refused() -> None:
    from qiskit_aer.noise import NoiseModel, depolarizing_error

    noise = NoiseModel()
    noise.add_all_qubit_quantum_error(depolarizing_error(0.05, 2), ["rxx", "ryy", "rzz"])
    c = su2_qcnn(4)
    theta = _params(c, 8)
    psi = _states(4, 2, 8)
    with pytest.raises(BackendError, match="density_matrix"):
        QiskitBackend(AerSimulator(noise_model=noise)).expectation(c, theta, psi)
    dm = QiskitBackend(AerSimulator(method="density_matrix", noise_model=noise))
    a = dm.expectation(c, theta, psi).numpy()
    np.testing.assert_array_equal(a, dm.expectation(c, theta, psi).numpy())  # deterministic
    ideal = QiskitBackend(AerSimulator(method="density_matrix")).expectation(c, theta, psi)
    ref = StatevectorBackend().expectation(c, theta, psi).numpy()
    np.testing.assert_allclose(ideal.numpy(), ref, atol=1e-8)
    assert np.abs(a - ref).max() > 1e-3  # depolarizing noise moves the expectations


def test_fake_ibm_backend() -> None:
    fake_provider = pytest.importorskip("qiskit_ibm_runtime.fake_provider")
    c = qcnn(4)
    theta = _params(c, 6)
    psi = _states(4, 2, 6)
    backend = QiskitBackend(fake_provider.FakeManilaV2(), shots=2000, seed=4)
    p = backend.probabilities(c, theta, psi).numpy()
    ref = StatevectorBackend().probabilities(c, theta, psi).numpy()
    assert np.all((p >= 0) & (p <= 1))
    assert np.abs(p - ref).max() < 0.3  # noisy device: close, not exact


def test_aer_gpu() -> None:
    if "GPU" not in AerSimulator().available_devices():
        pytest.skip("qiskit-aer has no GPU device here")
    c = su2_qcnn(8)  # pragma: no cover - needs qiskit-aer-gpu
    theta, psi = _params(c, 0), _states(8, 2, 0)
    got = QiskitBackend(AerSimulator(method="statevector", device="GPU")).expectation(c, theta, psi)
    ref = StatevectorBackend().expectation(c, theta, psi)
    np.testing.assert_allclose(got.numpy(), ref.numpy(), atol=1e-8)


class TestErrors:
    def test_exact_needs_aer(self) -> None:
        c = su2_qcnn(4)
        with pytest.raises(BackendError, match="AerSimulator"):
            QiskitBackend(GenericBackendV2(5, seed=1)).expectation(
                c, torch.zeros(c.n_params), _states(4, 1, 0)
            )

    def test_too_few_qubits(self) -> None:
        c = su2_qcnn(6)
        with pytest.raises(BackendError, match="5 qubits"):
            QiskitBackend(GenericBackendV2(5, seed=1), shots=10).expectation(
                c, torch.zeros(c.n_params), _states(6, 1, 0)
            )

    def test_channels_are_rejected(self) -> None:
        if not hasattr(Pooling, "CHOI"):
            pytest.skip("no channel pooling in this IR")
        c = su2_qcnn(4, pooling=Pooling.CHOI)
        with pytest.raises(BackendError, match="density-matrix"):
            QiskitBackend().expectation(c, torch.zeros(c.n_params), _states(4, 1, 0))
        with pytest.raises(BackendError, match="density-matrix"):
            to_qiskit(c, torch.zeros(c.n_params))

    def test_bad_arguments(self) -> None:
        c = su2_qcnn(4)
        with pytest.raises(InvalidParameterError, match="shots"):
            QiskitBackend(shots=-1)
        with pytest.raises(InvalidParameterError, match="seed"):
            QiskitBackend(seed=1.5)
        with pytest.raises(InvalidParameterError, match="backend"):
            QiskitBackend(backend="aer")
        with pytest.raises(DimensionError, match="parameters"):
            QiskitBackend().expectation(c, torch.zeros(2), _states(4, 1, 0))
        with pytest.raises(DimensionError, match=r"\(B, 16\)"):
            QiskitBackend().expectation(c, torch.zeros(c.n_params), _states(5, 1, 0))
