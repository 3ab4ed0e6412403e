"""Differentiable architecture search over [G]-mixed layers: search, discretise, retrain."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from eqqnn.circuits import graded_qcnn, symmetry_graded_generators
from eqqnn.classical import (
    GroupMixtureLinear,
    SubgroupLinear,
    discretize_mixture_stack,
    mixture_stack_weights,
)
from eqqnn.errors import InvalidParameterError
from eqqnn.models import GroupMixture, LayerSymmetry, QuantumClassifier, discretize_group_mixture
from eqqnn.testing import random_state_batch
from eqqnn.training import DartsConfig, TensorData, darts_search


class _MixedNet(nn.Module):
    def __init__(self, seed: int, ring) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        common = {
            "subgroups": [ring.rotations],
            "seed": torch.Generator().manual_seed(seed),
            "dtype": torch.float64,
        }
        self.layers = nn.ModuleList(
            [
                GroupMixtureLinear(ring.perm, ring.perm, in_channels=1, out_channels=4, **common),
                GroupMixtureLinear(ring.perm, ring.triv, in_channels=4, out_channels=1, **common),
            ]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.layers[0](x[:, None, :]))
        return torch.sigmoid(4 * self.layers[1](h)[:, 0, 0])


def test_darts_finds_the_one_layer_that_must_break_reflections(ring) -> None:  # type: ignore[no-untyped-def]
    """Branches D_5, C_5, {e} per layer on a chirality label: the search moves the first
    layer to C_5 and keeps the readout on D_5; the discretised model is retrained."""
    rng = np.random.default_rng(0)
    train_data, validation = ring.chirality(300, rng), ring.chirality(300, rng)
    cfg = DartsConfig(epochs=60, retrain_epochs=30)
    result = darts_search(
        _MixedNet(0, ring),
        discretize_mixture_stack,
        mixture_stack_weights,
        train_data,
        validation,
        cfg,
    )
    final = np.array(result.weights_history[-1])
    assert len(result.weights_history) == 60
    assert final[0].argmax() == 1 and final[1].argmax() == 0
    first, readout = result.model.layers
    assert isinstance(first, SubgroupLinear) and first.subgroup_order == 5
    assert readout.subgroup_order == 10
    assert result.validation_accuracy > 0.9


def _mixed_quantum(seed: int = 0) -> QuantumClassifier:
    circuit = graded_qcnn(4, symmetry_graded_generators(2))
    return QuantumClassifier(circuit, param_map=GroupMixture(circuit), seed=seed)


def test_discretising_keeps_the_function_when_every_layer_keeps_every_grade() -> None:
    model = _mixed_quantum(1)
    states = random_state_batch(4, 5, seed=2)
    with torch.no_grad():
        model.param_map.logits[:, 2] = 3.0  # the free grade is the strongest everywhere
        discrete = discretize_group_mixture(model)
        assert isinstance(discrete.param_map, LayerSymmetry)
        assert discrete.param_map.levels.tolist() == [2] * len(discrete.param_map.levels)
        torch.testing.assert_close(discrete(states), model(states), atol=1e-12, rtol=0)
        model.param_map.logits.zero_()
        model.param_map.logits[:, 0] = 3.0  # SU(2) strongest: the discrete model is invariant
        assert discretize_group_mixture(model).param_map.levels.tolist() == [0] * len(
            discrete.param_map.levels
        )
    with pytest.raises(InvalidParameterError, match="GroupMixture"):
        discretize_group_mixture(QuantumClassifier(model.circuit))


def test_quantum_darts_keeps_architecture_and_weights_apart() -> None:
    """The architecture logits learn only from the validation loss: with an empty
    validation signal (arch_lr 0) they stay at zero while the weights move."""
    model = _mixed_quantum(2)
    states = random_state_batch(4, 8, seed=3)
    labels = torch.as_tensor(np.random.default_rng(4).integers(0, 2, 8).astype(float))
    data = TensorData(states, labels)
    before = model.weights.detach().clone()
    cfg = DartsConfig(epochs=3, arch_lr=0.0, retrain_epochs=2)
    result = darts_search(
        model, discretize_group_mixture, lambda m: m.param_map.mixture_weights(), data, data, cfg
    )
    assert float(result.mixture.param_map.logits.detach().abs().max()) == 0.0
    assert float((result.mixture.weights.detach() - before).abs().max()) > 1e-4
    assert isinstance(result.model.param_map, LayerSymmetry)


@pytest.mark.parametrize(("field", "value"), [("epochs", -1), ("arch_lr", -0.1), ("seed", -2)])
def test_bad_darts_settings(field: str, value: object) -> None:
    with pytest.raises(InvalidParameterError, match=field):
        DartsConfig(**{field: value})
