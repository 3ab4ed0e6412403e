from __future__ import annotations

import numpy as np
import pytest
import torch

from eqqnn.circuits import Circuit, Pooling, ReadoutKind, qcnn, relax, su2_qcnn
from eqqnn.errors import BackendError, DimensionError, InvalidParameterError, ProblemTooLargeError
from eqqnn.sim import DensityMatrixBackend, NoiseModel, StatevectorBackend
from eqqnn.symmetry import TrivialRepresentation, qubit_representation
from eqqnn.testing import (
    assert_equivariant,
    equivariance_error,
    random_parameters,
    random_state_batch,
)

_states = random_state_batch


_params = random_parameters


def _invariance(backend, circuit: Circuit, theta: torch.Tensor, n: int) -> float:
    f = lambda v: backend.probabilities(circuit, theta, torch.as_tensor(v)).numpy()[:, None]  # noqa: E731
    rep = qubit_representation(n)
    return equivariance_error(
        f, rep, TrivialRepresentation(rep.group), _states(n, 3, 1).numpy(), n_samples=4, seed=2
    )


@pytest.mark.parametrize(
    "circuit",
    [
        su2_qcnn(6),
        qcnn(5),
        su2_qcnn(8, pooling=Pooling.MEASURE, readout=ReadoutKind.HEISENBERG),
        relax(su2_qcnn(5)),
    ],
    ids=lambda c: f"{c.name}-{c.n_qubits}",
)
def test_agrees_with_statevector(circuit: Circuit) -> None:
    psi = _states(circuit.n_qubits, 3, 0)
    theta = _params(circuit, 1)
    sv = StatevectorBackend().expectation(circuit, theta, psi)
    dm = DensityMatrixBackend().expectation(circuit, theta, psi)
    np.testing.assert_allclose(dm.numpy(), sv.numpy(), atol=1e-12)
    rho = psi[:, :, None] * psi.conj()[:, None, :]
    np.testing.assert_allclose(
        DensityMatrixBackend().expectation(circuit, theta, rho).numpy(), sv.numpy(), atol=1e-12
    )


class TestChoiPooling:
    circuit = su2_qcnn(6, pooling=Pooling.CHOI)

    def test_invariant_for_random_parameters(self) -> None:
        theta = _params(self.circuit, 3, scale=1.0)
        assert _invariance(DensityMatrixBackend(), self.circuit, theta, 6) < 1e-10

    def test_zero_parameters_equal_discard_pooling(self) -> None:
        """All-zero channel parameters give the partial trace: the SWAP pooling at θ = 0."""
        plain = su2_qcnn(6)
        theta_plain = _params(plain, 5)
        theta_choi = torch.zeros(self.circuit.n_params, dtype=torch.float64)
        for lp, lc in zip(plain.layers, self.circuit.layers, strict=True):
            assert lp.name == lc.name
            slots_p = [
                p for op in plain.operations[lp.start : lp.stop] for p in getattr(op, "params", ())
            ]
            slots_c = [
                p
                for op in self.circuit.operations[lc.start : lc.stop]
                for p in getattr(op, "params", ())
            ]
            if lp.name.startswith("pool"):
                theta_plain[sorted(set(slots_p))] = 0.0
            else:
                theta_choi[slots_c] = theta_plain[slots_p]
        psi = _states(6, 3, 4)
        got = DensityMatrixBackend().expectation(self.circuit, theta_choi, psi)
        ref = StatevectorBackend().expectation(plain, theta_plain, psi)
        np.testing.assert_allclose(got.numpy(), ref.numpy(), atol=1e-12)

    def test_gradients_flow(self) -> None:
        theta = _params(self.circuit, 6, scale=0.5).requires_grad_()
        DensityMatrixBackend().probabilities(self.circuit, theta, _states(6, 2, 0)).sum().backward()
        assert float(theta.grad.abs().max()) > 1e-6

    def test_statevector_refuses_channels(self) -> None:
        with pytest.raises(BackendError, match="DensityMatrixBackend"):
            StatevectorBackend().expectation(
                self.circuit, _params(self.circuit, 0), _states(6, 1, 0)
            )


class TestNoise:
    circuit = su2_qcnn(6)

    def test_depolarizing_keeps_invariance(self) -> None:
        backend = DensityMatrixBackend(noise=NoiseModel(depolarizing=0.05))
        assert _invariance(backend, self.circuit, _params(self.circuit, 1), 6) < 1e-10

    def test_amplitude_damping_breaks_invariance(self) -> None:
        backend = DensityMatrixBackend(noise=NoiseModel(amplitude_damping=0.2))
        assert _invariance(backend, self.circuit, _params(self.circuit, 1), 6) > 1e-4

    def test_full_depolarization_gives_maximally_mixed_readout(self) -> None:
        # p = 3/4 is the completely depolarizing channel: the singlet weight becomes 1/4
        backend = DensityMatrixBackend(noise=NoiseModel(depolarizing=0.75))
        p = backend.probabilities(self.circuit, _params(self.circuit, 2), _states(6, 2, 3))
        np.testing.assert_allclose(p.numpy(), 0.25, atol=1e-12)

    def test_bad_noise(self) -> None:
        with pytest.raises(InvalidParameterError, match="depolarizing must be <= 1"):
            NoiseModel(depolarizing=1.5)


class TestBadInput:
    def test_too_large(self) -> None:
        c = su2_qcnn(12)
        with pytest.raises(ProblemTooLargeError, match="max_qubits=10"):
            DensityMatrixBackend().expectation(c, _params(c, 0), _states(12, 1, 0))

    def test_bad_density_shape_and_trace(self) -> None:
        c = su2_qcnn(4)
        with pytest.raises(DimensionError, match=r"\(B, 16, 16\)"):
            DensityMatrixBackend().expectation(
                c, _params(c, 0), torch.zeros(1, 8, 8, dtype=torch.complex128)
            )
        rho = 2 * torch.eye(16, dtype=torch.complex128)[None] / 16
        with pytest.raises(InvalidParameterError, match="unit trace"):
            DensityMatrixBackend().expectation(c, _params(c, 0), rho)


def test_choi_model_assert_equivariant_helper() -> None:
    c = su2_qcnn(4, pooling=Pooling.CHOI)
    theta = _params(c, 9, scale=1.0)
    backend = DensityMatrixBackend()
    rep = qubit_representation(4)
    f = lambda v: backend.probabilities(c, theta, torch.as_tensor(v)).numpy()[:, None]  # noqa: E731
    assert_equivariant(f, rep, TrivialRepresentation(rep.group), _states(4, 3, 2).numpy())
