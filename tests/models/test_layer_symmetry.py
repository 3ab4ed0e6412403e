"""The equivariance relaxation morphism on graded QCNNs: exact, and H-equivariant after."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eqqnn.circuits import graded_qcnn, symmetry_graded_generators
from eqqnn.errors import InvalidParameterError, NotEquivariantError
from eqqnn.models import LayerSymmetry, QuantumClassifier, relax_layer, restrict_layer
from eqqnn.symmetry import TrivialRepresentation, apply_qubit_rotation, qubit_representation
from eqqnn.testing import assert_equivariant, random_state_batch

N = 6


def _model(seed: int = 0) -> QuantumClassifier:
    circuit = graded_qcnn(N, symmetry_graded_generators(2))
    return QuantumClassifier(circuit, param_map=LayerSymmetry(circuit), seed=seed)


def _su2_invariance(model: QuantumClassifier, states: torch.Tensor, atol: float) -> float:
    rep = qubit_representation(N)

    def f(x: torch.Tensor) -> torch.Tensor:
        return model(x)[:, None].to(torch.complex128)

    return assert_equivariant(f, rep, TrivialRepresentation(rep.group), states, atol=atol)


def _u1_invariance(model: QuantumClassifier, states: torch.Tensor, seed: int = 0) -> float:
    """Largest |f(u_z(phi)^{(x)n} x) - f(x)| over seeded angles."""
    rng = np.random.default_rng(seed)
    base = model(states)
    worst = 0.0
    for phi in rng.uniform(0, 4 * np.pi, 6):
        u = np.diag([np.exp(-0.5j * phi), np.exp(0.5j * phi)])
        moved = apply_qubit_rotation(states, torch.as_tensor(u))
        worst = max(worst, float((model(moved) - base).abs().max()))
    return worst


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_relaxing_any_layer_keeps_the_function_exactly(seed: int) -> None:
    model = _model(seed)
    states = random_state_batch(N, 5, seed=seed + 10)
    with torch.no_grad():
        before = model(states)
        for layer in range(len(model.param_map.levels)):
            relaxed = relax_layer(model, layer)
            assert int(relaxed.param_map.levels[layer]) == 1
            torch.testing.assert_close(relaxed(states), before, atol=1e-12, rtol=0)
            twice = relax_layer(relaxed, layer)  # U(1) -> trivial: still the same function
            torch.testing.assert_close(twice(states), before, atol=1e-12, rtol=0)
    assert int(model.param_map.levels.sum()) == 0  # the parent is untouched


def test_relaxed_layer_is_still_su2_equivariant_then_only_u1_after_training() -> None:
    model = _model(3)
    states = random_state_batch(N, 4, seed=4)
    relaxed = relax_layer(relax_layer(model, 0), 2)
    with torch.no_grad():
        _su2_invariance(relaxed, states, atol=1e-12)  # at the moment of morphing: still G
    # the admitted U(1) angles get gradients, and once they move the layer is U(1)-only
    loss = relaxed(states).sum()
    (grad,) = torch.autograd.grad(loss, relaxed.weights)
    symmetry = relaxed.param_map
    admitted = ((symmetry.layer == 0) | (symmetry.layer == 2)) & (symmetry.grade == 1)
    assert float(grad[admitted].abs().max()) > 1e-6
    with torch.no_grad():
        relaxed.weights[admitted] = torch.linspace(-1, 1, int(admitted.sum()), dtype=torch.float64)
        assert _u1_invariance(relaxed, states) < 1e-12
        with pytest.raises(NotEquivariantError):
            _su2_invariance(relaxed, states, atol=1e-6)
        # the trivial grade breaks U(1) as well
        free = (symmetry.layer == 0) & (symmetry.grade == 2)
        fully = relax_layer(relaxed, 0)
        fully.weights[free] = 0.7
        assert _u1_invariance(fully, states) > 1e-6


def test_restrict_inverts_relax_and_projects() -> None:
    model = _model(5)
    states = random_state_batch(N, 3, seed=6)
    relaxed = relax_layer(model, 1)
    symmetry = relaxed.param_map
    admitted = (symmetry.layer == 1) & (symmetry.grade == 1)
    with torch.no_grad():
        back = restrict_layer(relaxed, 1)  # admitted angles still zero: same function
        torch.testing.assert_close(back(states), model(states), atol=1e-12, rtol=0)
        relaxed.weights[admitted] = 0.5
        projected = restrict_layer(relaxed, 1)  # projection onto the SU(2) commutant
        assert float(projected.weights[admitted].abs().max()) == 0.0
        _su2_invariance(projected, states, atol=1e-12)
        torch.testing.assert_close(projected(states), model(states), atol=1e-12, rtol=0)


def test_bad_morphisms_are_refused() -> None:
    model = _model()
    with pytest.raises(InvalidParameterError, match="full group"):
        restrict_layer(model, 0)
    top = relax_layer(relax_layer(model, 0), 0)
    with pytest.raises(InvalidParameterError, match="last level"):
        relax_layer(top, 0)
    with pytest.raises(InvalidParameterError, match="layer"):
        relax_layer(model, 99)
    plain = QuantumClassifier(graded_qcnn(N, symmetry_graded_generators(2)))
    with pytest.raises(InvalidParameterError, match="LayerSymmetry"):
        relax_layer(plain, 0)
    with pytest.raises(InvalidParameterError, match="one level per layer"):
        LayerSymmetry(model.circuit, levels=[0])
