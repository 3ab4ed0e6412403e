from __future__ import annotations

import pytest
import torch

from eqqnn import QuantumClassifier
from eqqnn.circuits import (
    graded_qcnn,
    spin_graded_generators,
    su2_qcnn,
    symmetry_graded_generators,
)
from eqqnn.errors import InvalidParameterError
from eqqnn.metrics import quantum_invariance_error
from eqqnn.models import GroupMixture, LearnedDegree


def _states(n: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 2**n, dtype=torch.complex128, generator=g)
    return x / x.norm(dim=1, keepdim=True)


def test_learned_degree_starts_exactly_equivariant_and_can_leave() -> None:
    c = graded_qcnn(6, spin_graded_generators(2))
    model = QuantumClassifier(c, param_map=LearnedDegree(c), seed=0)
    psi = _states(6)
    assert quantum_invariance_error(model, psi) < 1e-10
    model(psi).sum().backward()
    assert float(model.param_map.logits.grad.abs().sum()) > 1e-6  # not stuck at 0
    errs = []
    for value in (0.01, 0.3):
        with torch.no_grad():
            model.param_map.logits.fill_(value)
        errs.append(quantum_invariance_error(model, psi))
    assert 1e-6 < errs[0] < errs[1]
    assert model.param_map.degrees().shape == (c.metadata["n_layers"], 3)
    assert model.n_parameters == c.n_params + model.param_map.logits.numel()


def test_group_mixture_weights() -> None:
    c = graded_qcnn(6, symmetry_graded_generators(2))
    model = QuantumClassifier(c, param_map=GroupMixture(c), seed=0)
    w = model.param_map.mixture_weights()
    torch.testing.assert_close(w.sum(1), torch.ones(w.shape[0], dtype=w.dtype))
    psi = _states(6)
    assert quantum_invariance_error(model, psi) > 1e-3
    with torch.no_grad():
        model.param_map.logits[:, 0] = 30.0  # all weight on the SU(2) block
    assert quantum_invariance_error(model, psi) < 1e-9


def test_maps_need_graded_circuits() -> None:
    with pytest.raises(InvalidParameterError, match="graded_qcnn"):
        LearnedDegree(su2_qcnn(4))
