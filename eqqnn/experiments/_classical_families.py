"""The classical families of the comparison (models from :mod:`eqqnn.classical`)."""

from __future__ import annotations

import functools

import torch
from torch import nn

from eqqnn.experiments._families import ModelFamily, ShotSubsample
from eqqnn.models import InputKind

__all__ = ["classical_families"]


def _build(n_qubits: int, seed: int, *, cls_name: str, **kwargs: object) -> nn.Module:
    import eqqnn.classical as classical

    cls = getattr(classical, cls_name)
    return cls(n_sites=n_qubits, seed=seed, dtype=torch.float64, **kwargs)


def classical_families(
    epochs: int = 100,
    lr: float = 0.01,
    *,
    shot_subsample: int = 0,
    names: tuple[str, ...] | None = None,
) -> list[ModelFamily]:
    """ShadowGCNN (chain × O G-CNN on shadows), VectorNet (SO(3)-steerable on shadows),
    CorrelatorGCNN (chain G-CNN on shadow correlators) and the MLP / CNN baselines.

    ``shot_subsample > 0`` trains shadow models on that many random shots per step;
    ``names`` selects a subset."""
    spec = [
        ("ShadowGCNN", InputKind.SHADOWS, "ShadowGCNN", {}),
        ("VectorNet", InputKind.SHADOWS, "VectorNet", {}),
        ("CorrelatorGCNN", InputKind.CORRELATORS, "CorrelatorGCNN", {}),
        ("MLP", InputKind.CORRELATORS, "MLPClassifier", {}),
        ("CNN", InputKind.SHADOWS, "CNNClassifier", {}),
    ]
    return [
        ModelFamily(
            name=name,
            kind="classical",
            input_kind=kind,
            build=functools.partial(_build, cls_name=cls_name, **kwargs),
            backend="torch",
            lr=lr,
            epochs=epochs,
            augment=ShotSubsample(shot_subsample)
            if shot_subsample and kind is InputKind.SHADOWS
            else None,
        )
        for name, kind, cls_name, kwargs in spec
        if names is None or name in names
    ]
