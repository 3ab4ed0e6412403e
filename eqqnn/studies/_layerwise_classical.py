"""The classical side of the layerwise-symmetry study: snapshot models cut into layers
(:func:`snapshot_layers`), each layer's equivariance error under O and SO(3) measured before
and after training (:func:`_run_classical`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from eqqnn.errors import InvalidParameterError
from eqqnn.studies._classical import (
    _rotation_matrices,
    classical_invariance_error,
    rotate_snapshots,
    shadow_inputs,
)
from eqqnn.studies._common import advance
from eqqnn.studies._layerwise_config import LayerwiseConfig

__all__ = ["snapshot_layers"]

#: Groups acting on the snapshot vectors in the classical measurements.
CLASSICAL_GROUPS = ("O", "SO(3)")
#: Inputs of the classical measurements: test snapshots and random product-state probes.
CLASSICAL_INPUTS = ("test", "probe")
#: The per-layer numbers recorded by the classical measurements.
CLASSICAL_METRICS = ("permutation", "linear", "chance", "known")

Stage = tuple[str, Callable[[Any], Any]]


def _head_stages(head: nn.Sequential) -> list[Stage]:
    """``Linear -> act`` pairs of an MLP head as stages ``head1, head2, ..., logit``."""
    mods = list(head.children())
    stages: list[Stage] = []
    i = 0
    while i < len(mods):
        j = i + 2 if i + 1 < len(mods) and not isinstance(mods[i + 1], nn.Linear) else i + 1
        block = nn.Sequential(*mods[i:j])
        last = j >= len(mods)
        stages.append(("logit" if last else f"head{len(stages) + 1}", block))
        i = j
    return stages


def snapshot_layers(
    model: nn.Module,
) -> tuple[list[Stage], dict[str, Callable[[torch.Tensor, int], torch.Tensor]]]:
    r"""The layers of a classical snapshot model as stages, and the known O actions.

    Stages map ``(B, T, n, 3)`` snapshots on to the logits; each stage's last axis holds
    its units.  For an :class:`~eqqnn.classical.MLPClassifier` on shadows: ``per_shot``
    ``(B, T, h)``, ``shot_mean`` ``(B, h)``, the head's hidden layers, ``logit``.  For a
    :class:`~eqqnn.classical.ShadowGCNN`: ``lift`` ``(B, T, C|G|)`` (after the
    nonlinearity), ``shot_mean``, ``conv1``, ..., ``pool``, head, ``logit``.

    The known actions of an element :math:`o` of O (an index into
    :func:`~eqqnn.symmetry.octahedral_group`), for
    :func:`~eqqnn.metrics.feature_equivariance_errors`: the left-regular representation
    :math:`f(k) \mapsto f((e, o)^{-1}k)` on the G-CNN's group axis, the identity on its
    invariant layers and on every model's logit.

    Examples
    --------
    >>> from eqqnn.classical import MLPClassifier
    >>> from eqqnn.models import InputKind
    >>> mlp = MLPClassifier(n_sites=4, input_kind=InputKind.SHADOWS, hidden=(5, 3), seed=0)
    >>> stages, actions = snapshot_layers(mlp)
    >>> [name for name, _ in stages], list(actions)
    (['per_shot', 'shot_mean', 'head1', 'logit'], ['logit'])
    """
    from eqqnn.classical import SNAPSHOT_SCALE, MLPClassifier, ShadowGCNN, group_table
    from eqqnn.models import InputKind

    def identity(h: torch.Tensor, g: int) -> torch.Tensor:
        return h

    if isinstance(model, MLPClassifier) and model.input_kind is InputKind.SHADOWS:
        stages: list[Stage] = [
            ("per_shot", lambda x: model.per_shot(x.flatten(-2) / SNAPSHOT_SCALE)),
            ("shot_mean", lambda h: h.mean(dim=1)),
            *_head_stages(model.head),
        ]
        return stages, {"logit": identity}
    if isinstance(model, ShadowGCNN):
        cfg, table = model.config, group_table(model.group)
        order, act_fn = table.order, model.config.activation

        def lift(x: torch.Tensor) -> torch.Tensor:
            b, t = x.shape[:2]
            return act_fn(model.lift(x.reshape(b, t, 1, -1) / SNAPSHOT_SCALE)).flatten(-2)

        def conv_stage(conv: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
            def run(h: torch.Tensor) -> torch.Tensor:
                return act_fn(conv(h.reshape(h.shape[0], -1, order))).flatten(-2)

            return run

        stages = [("lift", lift), ("shot_mean", lambda h: h.mean(dim=1))]
        stages += [(f"conv{i + 1}", conv_stage(c)) for i, c in enumerate(model.convs)]
        stages.append(("pool", lambda h: model.pool(h.reshape(h.shape[0], -1, order))))
        stages += _head_stages(model.head)

        def regular(h: torch.Tensor, o: int) -> torch.Tensor:
            k = int(table.flat_index((np.array([0]), np.array([o])))[0])  # (e, o)
            idx = torch.as_tensor(np.array(table.cayley[table.inverse[k]]), device=h.device)
            return h.reshape(*h.shape[:-1], -1, order)[..., idx].flatten(-2)

        actions = {name: regular for name, _ in stages[: 2 + cfg.conv_layers]}
        actions.update({name: identity for name, _ in stages[2 + cfg.conv_layers :]})
        return stages, actions
    raise InvalidParameterError(
        "snapshot_layers needs an MLPClassifier on shadows or a ShadowGCNN, got "
        f"{type(model).__name__}"
    )


def _group_elements(k: int) -> dict[str, tuple[list[Any], Callable[..., torch.Tensor]]]:
    """Seeded elements of O (non-identity indices) and of SO(3), with their snapshot actions."""
    from eqqnn.symmetry import SU2, octahedral_group

    mats = torch.as_tensor(np.array(octahedral_group().matrices), dtype=torch.float64)
    o_elements = np.random.default_rng(2305).choice(np.arange(1, 24), size=k, replace=False)
    rotations = [torch.as_tensor(r) for r in _rotation_matrices(SU2().sample(17017, k))]
    return {
        "O": ([int(o) for o in o_elements], lambda x, o: rotate_snapshots(x, mats[o])),
        "SO(3)": (rotations, rotate_snapshots),
    }


def _measure_classical(
    model: nn.Module, inputs: dict[str, torch.Tensor], groups: dict[str, Any]
) -> dict[str, dict[str, dict[str, list[float]]]]:
    """``{group: {inputs: {metric: per-layer values}}}`` of one model."""
    from eqqnn.metrics import feature_equivariance_errors

    stages, o_actions = snapshot_layers(model)
    out: dict[str, dict[str, dict[str, list[float]]]] = {}
    for gname, (elements, act_fn) in groups.items():
        # the regular representation is the known action of O only; invariance for both
        actions = o_actions if gname == "O" else {"logit": o_actions["logit"]}
        out[gname] = {}
        for iname, x in inputs.items():
            errs = feature_equivariance_errors(stages, x, act_fn, elements, actions, seed=1)
            out[gname][iname] = {
                m: [getattr(e, m) for e in errs.values()] for m in CLASSICAL_METRICS
            }
    return out


def _run_classical(
    cfg: LayerwiseConfig,
    condition: str,
    train_data: Any,
    test_data: Any,
    probe_shadows: torch.Tensor,
    bar: Any,
) -> list[dict[str, Any]]:
    from eqqnn.training import TensorData, evaluate, train

    n = cfg.n_qubits
    x_train = shadow_inputs(train_data.inputs, cfg.shots, seed=0)
    x_test = shadow_inputs(test_data.inputs, cfg.shots, seed=1)
    tr, te = TensorData(x_train, train_data.labels), TensorData(x_test, test_data.labels)
    inputs = {"test": x_test, "probe": probe_shadows}
    groups = _group_elements(cfg.classical_elements)
    out = []
    for family in cfg.classical:
        for seed in cfg.seeds:
            t0 = time.perf_counter()
            torch.manual_seed(seed)
            model = family.build(n, seed)
            stages, _ = snapshot_layers(model)
            before = _measure_classical(model, inputs, groups)
            inv_before = classical_invariance_error(model, x_test, n_samples=cfg.ee_samples, seed=1)
            train(
                model,
                tr,
                None,
                family.with_training(epochs=cfg.classical_epochs).train_config(seed),
                progress=False,
            )
            after = _measure_classical(model, inputs, groups)
            errors = {
                g: {i: {"before": before[g][i], "after": after[g][i]} for i in inputs}
                for g in groups
            }
            out.append(
                {
                    "condition": condition,
                    "family": family.name,
                    "role": family.role,
                    "seed": seed,
                    "layers": [name for name, _ in stages],
                    "errors": errors,
                    "so3_invariance_test_before": inv_before,
                    "so3_invariance_test_after": classical_invariance_error(
                        model, x_test, n_samples=cfg.ee_samples, seed=1
                    ),
                    "train_accuracy": evaluate(model, tr)["accuracy"],
                    "test_accuracy": evaluate(model, te)["accuracy"],
                    "seconds": time.perf_counter() - t0,
                }
            )
            advance(bar)
    return out
