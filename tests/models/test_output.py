from __future__ import annotations

import numpy as np
import pytest
import torch

from eqqnn import QuantumClassifier
from eqqnn.circuits import qcnn, su2_qcnn
from eqqnn.errors import InvalidParameterError
from eqqnn.models import AffineSigmoid
from eqqnn.symmetry import TrivialRepresentation, qubit_representation
from eqqnn.testing import assert_equivariant, random_state_batch


class TestAffineSigmoid:
    def test_formula(self) -> None:
        m = AffineSigmoid(scale=2.5, bias=-0.3)
        p = torch.linspace(0, 1, 7, dtype=torch.float64)
        expected = 1 / (1 + np.exp(-(2.5 * (2 * p.numpy() - 1) - 0.3)))
        np.testing.assert_allclose(m(p).detach().numpy(), expected, rtol=0, atol=1e-15)

    def test_initial_decisions_equal_bare_readout(self) -> None:
        p = torch.rand(200, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
        assert torch.equal(AffineSigmoid()(p) > 0.5, p > 0.5)

    @pytest.mark.parametrize("bad", [float("nan"), float("inf"), "one"])
    def test_bad_values(self, bad: object) -> None:
        with pytest.raises(InvalidParameterError):
            AffineSigmoid(scale=bad)  # type: ignore[arg-type]


class TestClassifierWithOutputMap:
    def test_parameters_and_gradients(self) -> None:
        model = QuantumClassifier(su2_qcnn(6), seed=0, output_map=AffineSigmoid())
        assert model.n_parameters == su2_qcnn(6).n_params + 2
        psi = random_state_batch(6, 5, seed=1)
        model(psi).sum().backward()
        assert model.output_map.scale.grad is not None and model.output_map.bias.grad is not None

    def test_output_stays_su2_invariant(self) -> None:
        model = QuantumClassifier(su2_qcnn(6), seed=2, output_map=AffineSigmoid(3.0, -1.0))
        rep = qubit_representation(6)
        f = lambda v: model(torch.as_tensor(v)).detach().numpy()[:, None]  # noqa: E731
        states = random_state_batch(6, 4, seed=5).numpy()
        assert_equivariant(f, rep, TrivialRepresentation(rep.group), states, n_samples=6, seed=7)

    def test_rejects_non_module(self) -> None:
        with pytest.raises(InvalidParameterError, match="output_map"):
            QuantumClassifier(su2_qcnn(4), output_map=lambda p: p)  # type: ignore[arg-type]


def _dead_parameters(circuit: object, n: int) -> list[int]:
    model = QuantumClassifier(circuit, seed=1)  # type: ignore[arg-type]
    model(random_state_batch(n, 6, seed=3)).sum().backward()
    return (model.weights.grad.abs() < 1e-8).nonzero().flatten().tolist()


@pytest.mark.parametrize("n", [4, 6, 8, 10])
def test_eqcnn_has_no_dead_parameters(n: int) -> None:
    """Every EQCNN parameter moves the output (no SWAP-exponential on the readout pair,
    which would commute with the invariant readout)."""
    assert _dead_parameters(su2_qcnn(n), n) == []


@pytest.mark.parametrize("n", [4, 8])
def test_qcnn_dead_parameters_are_only_the_premeasurement_rz(n: int) -> None:
    """The baseline's final block drops its rotations that commute with the Z readout; what
    is left dead is one R_Z per level, right before a measurement-controlled pooling."""
    c = qcnn(n)
    dead = _dead_parameters(c, n)
    assert len(dead) == c.n_qubits.bit_length() - 2
    gates = [op for op in c.operations if getattr(op, "params", None)]
    labels = {g.params[0]: g.label for g in gates if len(g.params) == 1}
    assert all(labels[i] == "RZ" for i in dead)
