"""PennyLane adapter: agreement with the dense simulator, gradients, qubit order, errors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch

from eqqnn.testing import random_parameters, random_state_batch

pytest.importorskip("pennylane")

import pennylane as qml

from eqqnn.circuits import (
    PAULI,
    Circuit,
    CircuitBuilder,
    ExpGate,
    Pooling,
    Readout,
    ReadoutKind,
    qcnn,
    relax,
    su2_qcnn,
)
from eqqnn.errors import BackendError, DimensionError, InvalidParameterError
from eqqnn.sim import StatevectorBackend
from eqqnn.sim._pennylane import (
    PennyLaneBackend,
    draw_pennylane,
    draw_pennylane_mpl,
    native_decomposition,
    pauli_coefficients,
    pennylane_ops,
)

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
}


_states = random_state_batch


_params = random_parameters


def _value_and_grad(backend: object, c: Circuit, theta: torch.Tensor, psi: torch.Tensor):
    t = theta.clone().requires_grad_()
    weights = torch.linspace(0.5, 1.5, psi.shape[0], dtype=torch.float64)
    e = backend.expectation(c, t, psi)
    (e * weights).sum().backward()
    return e.detach(), t.grad


@pytest.mark.parametrize("key", list(CIRCUITS))
def test_default_qubit_matches_statevector(key: str) -> None:
    c = CIRCUITS[key]()
    psi = _states(c.n_qubits, 3, 11)
    theta = _params(c, 12)
    ref_e, ref_g = _value_and_grad(StatevectorBackend(), c, theta, psi)
    backend = PennyLaneBackend()
    got_e, got_g = _value_and_grad(backend, c, theta, psi)
    assert got_e.dtype == torch.float64 and got_e.shape == (3,)
    np.testing.assert_allclose(got_e.numpy(), ref_e.numpy(), atol=1e-8)
    np.testing.assert_allclose(got_g.numpy(), ref_g.numpy(), atol=1e-8)
    p = backend.probabilities(c, theta, psi)
    ro = c.readout
    np.testing.assert_allclose(p.numpy(), (ref_e.numpy() - ro.low) / (ro.high - ro.low), atol=1e-8)


@pytest.mark.parametrize("key", ["su2-n4", "su2-n8-measure-heisenberg", "qcnn-n6", "generic"])
def test_lightning_adjoint_matches_statevector(key: str) -> None:
    pytest.importorskip("pennylane_lightning")
    c = su2_qcnn(3, conv_block=3) if key == "generic" else CIRCUITS[key]()
    psi = _states(c.n_qubits, 2, 21)
    theta = _params(c, 22)
    ref_e, ref_g = _value_and_grad(StatevectorBackend(), c, theta, psi)
    backend = PennyLaneBackend("lightning.qubit")
    got_e, got_g = _value_and_grad(backend, c, theta, psi)
    assert backend._entry(c).diff_method == "adjoint"
    assert got_e.dtype == torch.float64  # lightning's float results are kept in double
    np.testing.assert_allclose(got_e.numpy(), ref_e.numpy(), atol=1e-8)
    np.testing.assert_allclose(got_g.numpy(), ref_g.numpy(), atol=1e-8)


def test_parameter_shift_on_default_qubit() -> None:
    c = relax(su2_qcnn(3))  # a generic gate becomes SpecialUnitary, differentiable by shifts
    psi = _states(3, 2, 3)
    theta = _params(c, 4)
    ref_e, ref_g = _value_and_grad(StatevectorBackend(), c, theta, psi)
    got_e, got_g = _value_and_grad(PennyLaneBackend(diff_method="parameter-shift"), c, theta, psi)
    np.testing.assert_allclose(got_e.numpy(), ref_e.numpy(), atol=1e-8)
    np.testing.assert_allclose(got_g.numpy(), ref_g.numpy(), atol=1e-8)


def test_single_state_and_complex64_inputs() -> None:
    c = su2_qcnn(4)
    theta = _params(c, 0)
    psi = _states(4, 2, 0)
    ref = StatevectorBackend().expectation(c, theta, psi)
    one = PennyLaneBackend().expectation(c, theta, psi[0])
    assert one.shape == (1,)
    np.testing.assert_allclose(one.numpy(), ref[:1].numpy(), atol=1e-12)
    low = PennyLaneBackend().expectation(c, theta, psi.to(torch.complex64))
    np.testing.assert_allclose(low.numpy(), ref.numpy(), atol=1e-5)


def test_finite_shots_estimate() -> None:
    c = su2_qcnn(4)
    theta = _params(c, 5)
    psi = _states(4, 2, 5)
    ref = StatevectorBackend().expectation(c, theta, psi).numpy()
    backend = PennyLaneBackend(shots=4000, seed=17)
    assert backend._resolve_diff_method() == "parameter-shift"
    got = backend.expectation(c, theta, psi).numpy()
    # singlet projector: variance <= 1/4, so 5 sigma <= 5 * 0.5 / sqrt(4000)
    assert np.abs(got - ref).max() < 5 * 0.5 / np.sqrt(4000)
    assert not np.allclose(got, ref, atol=1e-9)


def test_qubit_order() -> None:
    """RX on wire 0 read out on wire 0: an input |0...01> gives cos(theta), |10...0> -cos."""
    n = 3
    b = CircuitBuilder(n)
    b.exp_gate((0,), PAULI["X"] / 2, label="RX")
    c = b.build(Readout((0,), PAULI["Z"], low=-1.0, high=1.0))
    theta = torch.tensor([0.4], dtype=torch.float64)
    psi = torch.zeros(2, 2**n, dtype=torch.complex128)
    psi[0, 1] = 1  # wire n-1 set
    psi[1, 4] = 1  # wire 0 set
    for backend in (StatevectorBackend(), PennyLaneBackend()):
        got = backend.expectation(c, theta, psi).numpy()
        np.testing.assert_allclose(got, [np.cos(0.4), -np.cos(0.4)], atol=1e-12)
    tape = qml.tape.make_qscript(pennylane_ops)(c, theta)
    assert [op.wires.tolist() for op in tape.operations] == [[0]]


def _rotation_matrix(rot, theta: np.ndarray, k_all: int, all_wires: tuple[int, ...]) -> np.ndarray:
    angle = rot.angle(theta)
    if rot.controls:
        proj = np.zeros((2 ** len(rot.controls),) * 2)
        idx = int("".join(map(str, rot.control_values)), 2)
        proj[idx, idx] = 1
        r = scipy.linalg.expm(-0.5j * angle * PAULI[rot.word])
        return np.kron(proj, r) + np.kron(np.eye(len(proj)) - proj, np.eye(2))
    p = np.ones((1, 1))
    for ch in rot.word:
        p = np.kron(p, PAULI[ch])
    return scipy.linalg.expm(-0.5j * angle * p)


@pytest.mark.parametrize("pauli_only", [False, True])
def test_native_decomposition_reproduces_gates(pauli_only: bool) -> None:
    circuits = [su2_qcnn(6), su2_qcnn(8, pooling=Pooling.MEASURE), qcnn(4)]
    rng = np.random.default_rng(0)
    seen = set()
    for c in circuits:
        theta = rng.uniform(-np.pi, np.pi, c.n_params)
        for op in c.gates:
            if not isinstance(op, ExpGate):
                continue
            plan = native_decomposition(op, pauli_only=pauli_only)
            assert plan is not None, op.label
            seen.add(op.label)
            u = np.eye(2 ** len(op.all_wires), dtype=complex)
            for rot in plan:
                assert rot.wires == (op.all_wires if not rot.controls else op.wires)
                assert not (pauli_only and rot.controls)
                u = _rotation_matrix(rot, theta, len(op.all_wires), op.all_wires) @ u
            ref = op.matrix(theta[list(op.params)])
            phase = np.vdot(u.ravel(), ref.ravel())
            phase /= abs(phase)
            np.testing.assert_allclose(u * phase, ref, atol=1e-12)
    assert {"SWAP^t", "M(S²)→SWAP^t", "RY", "RZ"} <= seen


def test_generic_gates_are_not_native() -> None:
    for c in (su2_qcnn(4, conv_block=3), relax(su2_qcnn(4))):
        labels = {op.label for op in c.gates if native_decomposition(op) is None}
        assert labels and all(lab.startswith("EQ3") or lab.endswith("+ε") for lab in labels)
    words, coeffs = pauli_coefficients(PAULI["Y"][None] / 2)
    assert dict(zip(words, coeffs[0], strict=True)) == {"X": 0.0, "Y": 0.5, "Z": 0.0}


def test_operation_translation() -> None:
    def names(c: Circuit, **kw: object) -> set[str]:
        tape = qml.tape.make_qscript(pennylane_ops)(c, _params(c, 0), **kw)
        return {op.name for op in tape.operations}

    assert names(su2_qcnn(4)) == {"IsingXX", "IsingYY", "IsingZZ"}
    assert "PauliRot" in names(su2_qcnn(8, pooling=Pooling.MEASURE))
    q = names(qcnn(4))
    assert {"CNOT", "RY", "RZ", "C(RY)", "C(RZ)"} <= q
    assert "QubitUnitary" in names(su2_qcnn(4, conv_block=3))
    assert "SpecialUnitary" in names(su2_qcnn(4, conv_block=3), generic="special_unitary")


def test_drawings() -> None:
    c = su2_qcnn(4)
    text = draw_pennylane(c, _params(c, 0))
    assert "IsingXX" in text and text.count("\n") > 4
    assert "0.00" in draw_pennylane(c)
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig = draw_pennylane_mpl(c)
    assert isinstance(fig, matplotlib.figure.Figure)
    plt.close(fig)


def test_cached_qnode_and_repr() -> None:
    c = su2_qcnn(4)
    backend = PennyLaneBackend()
    psi = _states(4, 1, 0)
    backend.expectation(c, _params(c, 0), psi)
    entry = backend._entry(c)
    backend.expectation(c, _params(c, 1), psi)
    assert backend._entry(c) is entry and entry.diff_method == "backprop"
    assert "default.qubit" in repr(backend)


class TestErrors:
    def test_channels_are_rejected(self) -> None:
        if not hasattr(Pooling, "CHOI"):
            pytest.skip("no channel pooling in this IR")
        c = su2_qcnn(4, pooling=Pooling.CHOI)
        with pytest.raises(BackendError, match="density-matrix"):
            PennyLaneBackend().expectation(c, torch.zeros(c.n_params), _states(4, 1, 0))

    def test_bad_inputs(self) -> None:
        c = su2_qcnn(4)
        with pytest.raises(DimensionError, match="parameters"):
            PennyLaneBackend().expectation(c, torch.zeros(4), _states(4, 1, 0))
        with pytest.raises(DimensionError, match=r"\(B, 16\)"):
            PennyLaneBackend().expectation(c, torch.zeros(c.n_params), _states(3, 1, 0))
        with pytest.raises(InvalidParameterError, match="shots"):
            PennyLaneBackend(shots=0)
        with pytest.raises(InvalidParameterError, match="device"):
            PennyLaneBackend(device=3)

    def test_unknown_device(self) -> None:
        c = su2_qcnn(4)
        with pytest.raises(BackendError, match=r"no\.such\.device"):
            PennyLaneBackend("no.such.device").expectation(
                c, torch.zeros(c.n_params), _states(4, 1, 0)
            )

    def test_no_diff_method_with_gradients(self) -> None:
        c = su2_qcnn(4)
        backend = PennyLaneBackend(diff_method=None)
        theta = torch.zeros(c.n_params, dtype=torch.float64)
        out = backend.expectation(c, theta, _states(4, 1, 0))  # forward works
        assert out.shape == (1,)
        with pytest.raises(BackendError, match="differentiate"):
            backend.expectation(c, theta.requires_grad_(), _states(4, 1, 0))


def test_quantum_classifier_with_pennylane_backend() -> None:
    from eqqnn import QuantumClassifier

    c = su2_qcnn(4)
    psi = _states(4, 3, 8)
    ref = QuantumClassifier(c, seed=1)
    model = QuantumClassifier(c, backend=PennyLaneBackend(), seed=1)
    np.testing.assert_allclose(model(psi).detach().numpy(), ref(psi).detach().numpy(), atol=1e-10)
    model(psi).sum().backward()
    ref(psi).sum().backward()
    np.testing.assert_allclose(model.weights.grad.numpy(), ref.weights.grad.numpy(), atol=1e-10)
