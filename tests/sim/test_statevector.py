from __future__ import annotations

import numpy as np
import pytest
import torch

from eqqnn import QuantumClassifier
from eqqnn.circuits import (
    Circuit,
    Discard,
    ExpGate,
    GeneratorMethod,
    Pooling,
    ReadoutKind,
    qcnn,
    relax,
    su2_qcnn,
)
from eqqnn.errors import DimensionError, InvalidParameterError, NotEquivariantError
from eqqnn.sim import StatevectorBackend
from eqqnn.symmetry import TrivialRepresentation, permutation_operator, qubit_representation
from eqqnn.testing import (
    assert_equivariant,
    equivariance_error,
    random_parameters,
    random_state_batch,
)

CIRCUITS = [
    su2_qcnn(6),
    su2_qcnn(6, conv_block=3),
    su2_qcnn(8, conv_block=4, generator_method=GeneratorMethod.NULLSPACE),
    su2_qcnn(8, pooling=Pooling.MEASURE, readout=ReadoutKind.HEISENBERG),
    relax(su2_qcnn(6)),
    qcnn(6),
]


_states = random_state_batch


_params = random_parameters


def _dense_reference(c: Circuit, theta: np.ndarray, psi: np.ndarray) -> np.ndarray:
    """Independent reference: full 2^n unitaries built with kron and qubit permutations."""
    n = c.n_qubits
    state = psi.T.copy()
    for op in c.gates:
        wires = op.all_wires
        mat = op.matrix(theta[list(op.params)]) if isinstance(op, ExpGate) else op.matrix
        rest = [w for w in range(n) if w not in wires]
        order = list(wires) + rest  # qubit order[j] sits at position j after moving
        perm = np.empty(n, dtype=int)
        perm[order] = np.arange(n)
        p = permutation_operator(perm)
        full = p.conj().T @ np.kron(mat, np.eye(2 ** len(rest))) @ p
        state = full @ state
    ro = c.readout
    rest = [w for w in range(n) if w not in ro.wires]
    order = list(ro.wires) + rest
    perm = np.empty(n, dtype=int)
    perm[order] = np.arange(n)
    p = permutation_operator(perm)
    obs = p.conj().T @ np.kron(ro.observable, np.eye(2 ** len(rest))) @ p
    return np.einsum("ib,ij,jb->b", state.conj(), obs, state).real


@pytest.mark.parametrize("circuit", CIRCUITS, ids=lambda c: f"{c.name}-{c.n_params}")
class TestAgainstReference:
    def test_values_match_dense_matrices(self, circuit: Circuit) -> None:
        psi = _states(circuit.n_qubits, 3, 0)
        theta = _params(circuit, 1)
        got = StatevectorBackend().expectation(circuit, theta, psi)
        ref = _dense_reference(circuit, theta.numpy(), psi.numpy())
        np.testing.assert_allclose(got.numpy(), ref, atol=1e-12)

    def test_adjoint_autograd_and_finite_differences(self, circuit: Circuit) -> None:
        psi = _states(circuit.n_qubits, 3, 2)
        theta = _params(circuit, 3)
        grads = []
        for backend in (StatevectorBackend(), StatevectorBackend(gradient="adjoint")):
            t = theta.clone().requires_grad_()
            backend.expectation(circuit, t, psi).sum().backward()
            grads.append(t.grad)
        np.testing.assert_allclose(grads[0].numpy(), grads[1].numpy(), atol=1e-10)
        backend = StatevectorBackend()
        h = 1e-6
        for i in np.random.default_rng(0).choice(circuit.n_params, 4, replace=False):
            e = torch.zeros_like(theta)
            e[i] = h
            fd = (
                backend.expectation(circuit, theta + e, psi).sum()
                - backend.expectation(circuit, theta - e, psi).sum()
            ) / (2 * h)
            assert abs(float(fd) - float(grads[0][i])) < 1e-7


@pytest.mark.parametrize("circuit", CIRCUITS[:4], ids=lambda c: f"{c.name}-{c.n_params}")
def test_eqcnn_is_invariant(circuit: Circuit) -> None:
    model = QuantumClassifier(circuit, seed=4)
    n = circuit.n_qubits
    f = lambda v: model(torch.as_tensor(v)).detach().numpy()[:, None]  # noqa: E731
    rep = qubit_representation(n)
    assert_equivariant(
        f, rep, TrivialRepresentation(rep.group), _states(n, 4, 5).numpy(), n_samples=6, seed=7
    )


def test_baseline_is_not_invariant() -> None:
    circuit = qcnn(6)
    model = QuantumClassifier(circuit, seed=4)
    f = lambda v: model(torch.as_tensor(v)).detach().numpy()[:, None]  # noqa: E731
    rep = qubit_representation(6)
    err = equivariance_error(f, rep, TrivialRepresentation(rep.group), _states(6, 4, 5).numpy())
    assert err > 1e-3
    with pytest.raises(NotEquivariantError):
        assert_equivariant(f, rep, TrivialRepresentation(rep.group), _states(6, 4, 5).numpy())


def test_discard_is_partial_trace() -> None:
    circuit = su2_qcnn(4)
    psi = _states(4, 2, 9)
    theta = _params(circuit, 9)
    backend = StatevectorBackend()
    final = backend.final_states(circuit, theta, psi).numpy()
    gone = [w for op in circuit.operations if isinstance(op, Discard) for w in op.wires]
    keep = list(circuit.readout.wires)
    assert sorted(gone + keep) == [0, 1, 2, 3]
    for b in range(2):
        t = final[b].reshape([2] * 4).transpose(keep + gone).reshape(4, 4)
        rho = t @ t.conj().T  # reduced state of the survivors
        val = np.trace(rho @ circuit.readout.observable).real
        assert abs(val - float(backend.expectation(circuit, theta, psi)[b])) < 1e-12


def test_complex64_agrees(complex_dtype: tuple[str, float]) -> None:
    name, tol = complex_dtype
    dtype = getattr(torch, name)
    circuit = su2_qcnn(6)
    psi = _states(6, 4, 1)
    theta = _params(circuit, 1)
    ref = StatevectorBackend().expectation(circuit, theta, psi)
    got = StatevectorBackend(dtype=dtype).expectation(circuit, theta, psi.to(dtype))
    assert got.dtype == (torch.float32 if name == "complex64" else torch.float64)
    np.testing.assert_allclose(got.double().numpy(), ref.numpy(), atol=10 * tol)


class TestBadInput:
    circuit = su2_qcnn(4)
    theta = torch.zeros(circuit.n_params, dtype=torch.float64)

    def test_wrong_length(self) -> None:
        with pytest.raises(DimensionError, match=r"shape \(B, 16\)"):
            StatevectorBackend().expectation(self.circuit, self.theta, _states(3, 2, 0))

    def test_wrong_dtype(self) -> None:
        with pytest.raises(DimensionError, match="complex"):
            StatevectorBackend().expectation(self.circuit, self.theta, torch.zeros(2, 16))
        with pytest.raises(DimensionError, match=r"runs in torch\.complex64"):
            StatevectorBackend(dtype=torch.complex64).expectation(
                self.circuit, self.theta, _states(4, 2, 0)
            )

    def test_unnormalized(self) -> None:
        psi = 2 * _states(4, 2, 0)
        with pytest.raises(InvalidParameterError, match=r"norm 2"):
            StatevectorBackend().expectation(self.circuit, self.theta, psi)
        out = StatevectorBackend().expectation(self.circuit, self.theta, psi, normalize=True)
        ref = StatevectorBackend().expectation(self.circuit, self.theta, psi / 2)
        np.testing.assert_allclose(out.numpy(), ref.numpy())

    def test_bad_params(self) -> None:
        with pytest.raises(DimensionError, match="takes 3 parameters"):
            StatevectorBackend().expectation(self.circuit, torch.zeros(5), _states(4, 1, 0))
        with pytest.raises(InvalidParameterError, match="finite"):
            StatevectorBackend().expectation(
                self.circuit, torch.tensor([0.0, float("nan"), 0.0]), _states(4, 1, 0)
            )

    def test_bad_gradient_option(self) -> None:
        with pytest.raises(InvalidParameterError, match="gradient"):
            StatevectorBackend(gradient="backprop")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu() -> None:  # pragma: no cover - needs a GPU
    circuit = su2_qcnn(8)
    psi = _states(8, 4, 0)
    theta = _params(circuit, 0)
    ref = StatevectorBackend().expectation(circuit, theta, psi)
    got = StatevectorBackend(device="cuda").expectation(circuit, theta.cuda(), psi.cuda())
    np.testing.assert_allclose(got.cpu().numpy(), ref.numpy(), atol=1e-12)


@pytest.mark.parametrize("gradient", ["autograd", "adjoint"])
def test_batch_chunking_changes_nothing(gradient: str) -> None:
    circuit = su2_qcnn(6, conv_block=3)
    psi = _states(6, 5, 11)
    theta = _params(circuit, 11)
    results = []
    for chunk_bytes in (1 << 30, 1):  # one chunk, one row per chunk
        backend = StatevectorBackend(gradient=gradient)
        backend.chunk_bytes = chunk_bytes
        t = theta.clone().requires_grad_()
        value = backend.expectation(circuit, t, psi)
        value.sum().backward()
        results.append((value.detach(), t.grad))
    torch.testing.assert_close(results[0][0], results[1][0], rtol=0, atol=1e-13)
    torch.testing.assert_close(results[0][1], results[1][1], rtol=0, atol=1e-12)
