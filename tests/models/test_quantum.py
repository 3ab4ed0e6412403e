from __future__ import annotations

import pickle

import pytest
import torch

from eqqnn import QuantumClassifier
from eqqnn.circuits import ParamRole, relax, su2_qcnn
from eqqnn.errors import InvalidParameterError
from eqqnn.sim import StatevectorBackend


def test_interface_and_training_step() -> None:
    model = QuantumClassifier(su2_qcnn(6), seed=3)
    assert model.n_parameters == 6 and "64" in model.input_description
    psi = torch.randn(8, 64, dtype=torch.complex128)
    psi = psi / psi.norm(dim=1, keepdim=True)
    labels = (torch.arange(8) % 2).double()
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        p = model(psi)
        assert p.shape == (8,) and bool(((p >= -1e-12) & (p <= 1 + 1e-12)).all())
        loss = torch.nn.functional.binary_cross_entropy(p.clamp(1e-9, 1 - 1e-9), labels)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < losses[0]


def test_seeded_init_and_breaking_zero() -> None:
    c = relax(su2_qcnn(6))
    a, b = QuantumClassifier(c, seed=1), QuantumClassifier(c, seed=1)
    assert torch.equal(a.weights, b.weights)
    assert not torch.equal(a.weights, QuantumClassifier(c, seed=2).weights)
    assert bool((a.weights[c.param_slots(ParamRole.BREAKING)] == 0).all())


def test_state_dict_round_trip_and_pickle() -> None:
    model = QuantumClassifier(su2_qcnn(4), StatevectorBackend(gradient="adjoint"), seed=0)
    other = QuantumClassifier(su2_qcnn(4), seed=5)
    other.load_state_dict(model.state_dict())
    assert torch.equal(other.weights, model.weights)
    clone = pickle.loads(pickle.dumps(model))
    assert torch.equal(clone.weights, model.weights)


def test_bad_arguments() -> None:
    with pytest.raises(InvalidParameterError, match="Circuit"):
        QuantumClassifier("su2_qcnn")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="float32 or float64"):
        QuantumClassifier(su2_qcnn(4), dtype=torch.int64)


def test_name_is_the_circuit_name_for_progress_bars() -> None:
    from eqqnn.circuits import qcnn, su2_qcnn
    from eqqnn.models import QuantumClassifier

    assert QuantumClassifier(su2_qcnn(4)).name == "su2_qcnn"
    assert QuantumClassifier(qcnn(4)).name == "qcnn"
