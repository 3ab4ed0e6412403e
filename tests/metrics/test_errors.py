from __future__ import annotations

import numpy as np
import pytest
import torch

from eqqnn import QuantumClassifier
from eqqnn.circuits import qcnn, relax, su2_qcnn
from eqqnn.data import BondAlternatingHeisenberg
from eqqnn.metrics import (
    distance_to_equivariant,
    hamiltonian_equivariance_error,
    layerwise_equivariance_errors,
    lie_derivative,
    quantum_invariance_error,
    state_invariance_error,
)
from eqqnn.testing import random_state_batch

_states = random_state_batch


class TestKnownAnswers:
    @pytest.mark.parametrize("field", [0.1, 0.5, 1.0])
    @pytest.mark.parametrize("n", [4, 6])
    def test_field_gives_analytic_error(self, field: float, n: int) -> None:
        # [H, S^x] = i h S^y, [H, S^y] = -i h S^x, |S^a|_F^2 = n 2^n / 4  =>  h sqrt(n/2)
        model = BondAlternatingHeisenberg(n, 1.3, field=field)
        assert hamiltonian_equivariance_error(model) == pytest.approx(
            field * np.sqrt(n / 2), rel=1e-12
        )

    def test_symmetric_hamiltonian_has_zero_error(self) -> None:
        assert hamiltonian_equivariance_error(BondAlternatingHeisenberg(6, 0.7)) < 1e-12

    def test_anisotropy_error_grows(self) -> None:
        errs = [
            hamiltonian_equivariance_error(BondAlternatingHeisenberg(6, 1.2, anisotropy=d))
            for d in (1.0, 0.8, 0.5)
        ]
        assert errs[0] < 1e-12 < errs[1] < errs[2]

    def test_singlets_are_invariant_data(self) -> None:
        gs = torch.as_tensor(BondAlternatingHeisenberg(6, 1.3).ground_state().vector())[None]
        assert abs(state_invariance_error(gs)) < 1e-10
        assert state_invariance_error(_states(6)) > 0.5


class TestModelErrors:
    @pytest.mark.parametrize(
        "circuit", [su2_qcnn(6), su2_qcnn(6, conv_block=3)], ids=["swap", "block3"]
    )
    def test_equivariant_model_is_zero(self, circuit) -> None:
        model = QuantumClassifier(circuit, seed=2)
        psi = _states(6)
        assert quantum_invariance_error(model, psi) < 1e-10
        assert float(lie_derivative(model, psi).abs().max()) < 1e-10
        assert max(layerwise_equivariance_errors(circuit, model.weights, psi).values()) < 1e-10
        assert max(distance_to_equivariant(circuit, model.weights)) < 1e-10

    def test_baseline_is_not(self) -> None:
        circuit = qcnn(6)
        model = QuantumClassifier(circuit, seed=2)
        psi = _states(6)
        assert quantum_invariance_error(model, psi) > 1e-3
        assert float(lie_derivative(model, psi).abs().max()) > 1e-3
        assert min(layerwise_equivariance_errors(circuit, model.weights, psi).values()) > 1e-3
        assert min(distance_to_equivariant(circuit, model.weights)) > 0.5

    def test_relaxed_model_error_grows_with_breaking(self) -> None:
        circuit = relax(su2_qcnn(6))
        model = QuantumClassifier(circuit, seed=2)
        psi = _states(6)
        assert quantum_invariance_error(model, psi) < 1e-10  # breaking params start at 0
        slots = torch.as_tensor(circuit.param_slots(circuit.param_roles[-1]))
        errs = []
        for eps in (0.01, 0.1):
            with torch.no_grad():
                model.weights[slots] = eps
            errs.append(quantum_invariance_error(model, psi))
        assert 1e-6 < errs[0] < errs[1]

    def test_lie_derivative_matches_finite_difference(self) -> None:
        from eqqnn.symmetry import SU2, apply_qubit_rotation

        model = QuantumClassifier(qcnn(4), seed=0)
        psi = _states(4, 2)
        t = 1e-6
        u = torch.as_tensor(SU2().exp(np.array([[0.5, 0], [0, -0.5]]), t))
        with torch.no_grad():
            fd = (model(apply_qubit_rotation(psi, u)) - model(psi)) / t
        np.testing.assert_allclose(lie_derivative(model, psi)[:, 2].numpy(), fd.numpy(), atol=1e-5)
