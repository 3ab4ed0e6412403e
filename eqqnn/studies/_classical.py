r"""The classical side of the studies: models of :mod:`eqqnn.classical` on classical-shadow
snapshots of the same states, with SU(2) acting on every snapshot vector through
:math:`R(u)\in SO(3)`.

A snapshot tensor ``(B, T, n, 3)`` holds per shot and site the vector
:math:`3 s\,e_{a}` of a random Pauli measurement.  A global rotation acts as

.. math:: v_{b,t,i} \mapsto R(u_b)\, v_{b,t,i}, \qquad
          R(u)_{ab} = \tfrac12\mathrm{tr}(\sigma^a u \sigma^b u^\dagger),

the classical image of :math:`u^{\otimes n}` on the state (the snapshot distribution of
:math:`u^{\otimes n}\psi` is the rotated one only in expectation: shadows are exactly
symmetric under the octahedral group alone).  The families
(:func:`default_classical_families`, each a :class:`~eqqnn.training.ModelFamily` of kind
``"classical"`` on :attr:`~eqqnn.models.InputKind.SHADOWS`):

* ``VectorNet`` — SO(3)-steerable, exactly invariant (model EE 0);
* ``ShadowGCNN`` — G-CNN on chain × O: exactly O-invariant, approximately SO(3);
* ``MLP+aug`` — the MLP baseline trained on snapshots rotated by a fresh Haar rotation per
  sample and epoch (:class:`ShadowRotation`): the augmented model;
* ``MLP`` — the same MLP without augmentation: the nominal model.

Their model EE is measured, not set:
:math:`\mathbb E_x\mathbb E_u|f(R(u)\cdot x) - f(x)|` on the test snapshots.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from eqqnn._validation import check_int
from eqqnn.errors import InvalidParameterError
from eqqnn.models import InputKind
from eqqnn.training import ModelFamily, check_families

__all__ = [
    "OctahedralRotation",
    "ShadowRotation",
    "classical_invariance_error",
    "default_classical_families",
    "rotate_snapshots",
    "shadow_inputs",
]


def _rotation_matrices(us: np.ndarray) -> np.ndarray:
    """``(B, 3, 3)`` rotation matrices of a batch of SU(2) elements."""
    from eqqnn.symmetry import SO3Vector

    return np.real(np.asarray(SO3Vector().matrix(np.asarray(us)))).reshape(-1, 3, 3)


def rotate_snapshots(x: torch.Tensor, rotations: torch.Tensor) -> torch.Tensor:
    r"""Apply :math:`R_b` to every snapshot vector of sample ``b``.

    ``x`` is ``(B, T, n, 3)``; ``rotations`` ``(3, 3)`` or ``(B, 3, 3)``.

    Examples
    --------
    >>> x = torch.zeros(1, 1, 1, 3, dtype=torch.float64); x[..., 2] = 3.0
    >>> flip = torch.diag(torch.tensor([1.0, -1.0, -1.0], dtype=torch.float64))
    >>> rotate_snapshots(x, flip)[0, 0, 0].tolist()
    [0.0, 0.0, -3.0]
    """
    if x.ndim != 4 or x.shape[-1] != 3:
        raise InvalidParameterError(f"snapshots must be (B, T, n, 3), got {tuple(x.shape)}")
    r = rotations.to(x.dtype)
    if r.ndim == 2:
        return x @ r.T
    return torch.einsum("btnj,bij->btni", x, r)


@dataclass(frozen=True)
class ShadowRotation:
    r"""Augmentation of snapshot tensors by one seeded Haar rotation :math:`R(u_b)` per sample
    (the same for all its shots and sites); ``augment(inputs, generator)`` of the trainer."""

    def __call__(self, inputs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        from eqqnn.symmetry import SU2

        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
        r = torch.as_tensor(_rotation_matrices(SU2().sample(seed, inputs.shape[0])))
        return rotate_snapshots(inputs, r)


@dataclass(frozen=True)
class OctahedralRotation:
    r"""Augmentation of snapshot tensors by one seeded element :math:`o_b` of the octahedral
    group O per sample (:math:`v \mapsto R_{o_b} v` on all its vectors), through
    :func:`eqqnn.classical.augment`: the exact symmetry of shadow data, as
    ``augment(inputs, generator)`` of the trainer.

    Examples
    --------
    >>> x = torch.zeros(2, 1, 1, 3, dtype=torch.float64); x[..., 2] = 3.0
    >>> y = OctahedralRotation()(x, torch.Generator().manual_seed(0))
    >>> sorted(abs(v) for v in y[0, 0, 0].tolist())
    [0.0, 0.0, 3.0]
    """

    def __call__(self, inputs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        from eqqnn.classical import augment, shadow_representation
        from eqqnn.symmetry import MatrixRepresentation, octahedral_group

        if inputs.ndim != 4 or inputs.shape[-1] != 3:
            raise InvalidParameterError(
                f"snapshots must be (B, T, n, 3), got {tuple(inputs.shape)}"
            )
        octa = octahedral_group()
        rep = shadow_representation(
            inputs.shape[1], inputs.shape[2], vector_rep=MatrixRepresentation(octa)
        )
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
        return augment(inputs, octa, rep, seed)


def classical_invariance_error(
    model: Callable[[torch.Tensor], torch.Tensor],
    snapshots: torch.Tensor,
    *,
    n_samples: int = 8,
    seed: int = 0,
) -> float:
    r""":math:`\mathbb E_x\mathbb E_u |f(R(u)\cdot x) - f(x)|` over seeded Haar rotations."""
    from eqqnn.metrics import invariance_error
    from eqqnn.symmetry import SU2

    us = SU2().sample(seed, check_int("n_samples", n_samples, minimum=1))
    rs = [torch.as_tensor(r) for r in _rotation_matrices(us)]
    return invariance_error(model, snapshots, rotate_snapshots, rs)


def shadow_inputs(states: torch.Tensor, shots: int, seed: int) -> torch.Tensor:
    """Snapshot tensors ``(B, T, n, 3)`` (float64) of a batch of states."""
    from eqqnn.data import shadow_snapshot_tensor

    return shadow_snapshot_tensor(states, shots, seed=seed, dtype=torch.float64)


def _vector_net(n: int, seed: int) -> nn.Module:
    from eqqnn.classical import VectorNet

    return VectorNet(n_sites=n, seed=seed, dtype=torch.float64)


def _shadow_gcnn(n: int, seed: int) -> nn.Module:
    from eqqnn.classical import ShadowGCNN

    return ShadowGCNN(n_sites=n, seed=seed, dtype=torch.float64)


def _mlp(n: int, seed: int) -> nn.Module:
    from eqqnn.classical import MLPClassifier

    return MLPClassifier(n_sites=n, input_kind=InputKind.SHADOWS, seed=seed, dtype=torch.float64)


def _shadow_family(
    name: str,
    build: Callable[[int, int], nn.Module],
    *,
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
    role: str = "nominal",
    lr: float = 0.01,
) -> ModelFamily:
    """A classical model family on snapshot tensors ``(B, T, n, 3)``.

    Parameters
    ----------
    name : str
        Label in tables and records.
    build : callable
        ``(n_sites, seed) -> model`` taking ``(B, T, n, 3)`` snapshots (picklable).
    augment : callable or None, optional
        Trainer augmentation ``(inputs, generator) -> inputs``, e.g. :class:`ShadowRotation`
        (a fresh Haar rotation per sample and epoch).
    role : str, optional
        What the family stands for: ``equivariant``, ``O-equivariant``, ``augmented``, ...
    lr : float, optional
        Adam learning rate.

    Returns
    -------
    ModelFamily
        Of kind ``"classical"`` on :attr:`~eqqnn.models.InputKind.SHADOWS`.

    Examples
    --------
    >>> fam = _shadow_family("MLP+aug", _mlp, augment=ShadowRotation(), role="augmented")
    >>> fam.kind, fam.input_kind.value, fam.augment
    ('classical', 'shadows', ShadowRotation())
    """
    return ModelFamily(
        name, "classical", InputKind.SHADOWS, build, lr=lr, augment=augment, role=role
    )


def _check_classical_families(name: str, families: Any) -> None:
    """Raise :class:`~eqqnn.errors.InvalidParameterError` unless ``families`` is a tuple of
    classical :class:`~eqqnn.training.ModelFamily` on snapshot tensors, naming the bad value."""
    check_families(name, families, kind="classical", input_kind=InputKind.SHADOWS)


def default_classical_families() -> tuple[ModelFamily, ...]:
    """VectorNet (SO(3)-invariant), ShadowGCNN (O-invariant), MLP+aug, MLP (nominal).

    Examples
    --------
    >>> [(f.name, f.role, f.augment) for f in default_classical_families()][2:]
    [('MLP+aug', 'augmented', ShadowRotation()), ('MLP', 'nominal', None)]
    """
    return (
        _shadow_family("VectorNet", _vector_net, role="equivariant"),
        _shadow_family("ShadowGCNN", _shadow_gcnn, role="O-equivariant"),
        _shadow_family("MLP+aug", _mlp, augment=ShadowRotation(), role="augmented"),
        _shadow_family("MLP", _mlp, role="nominal"),
    )


def train_classical(
    family: ModelFamily,
    n: int,
    seed: int,
    train_data: Any,
    test_data: Any,
    epochs: int,
    *,
    regularizer: Any = None,
) -> tuple[nn.Module, Any]:
    """Build and train one classical model (full-batch Adam, BCE).

    Parameters
    ----------
    family : ModelFamily
        The classical family: its builder, learning rate, augmentation and schedule are
        used; ``epochs`` replaces its own.
    n : int
        Chain length (sites of the snapshots).
    seed : int
        Seed of the model's initialization and of the trainer (augmentation).
    train_data, test_data : TensorData or None
        Snapshot tensors and labels.
    epochs : int
        Adam epochs (full batch).
    regularizer : callable, optional
        Penalty ``(model, epoch) -> scalar`` of the trainer (e.g. an
        :class:`~eqqnn.studies.EpochProbe`).

    Returns
    -------
    tuple of (torch.nn.Module, TrainResult)
        The trained model and the trainer's result.
    """
    from eqqnn.training import train

    torch.manual_seed(seed)
    model = family.build(n, seed)
    config = family.with_training(epochs=epochs).train_config(seed, regularizer=regularizer)
    result = train(model, train_data, test_data, config, progress=False)
    return model, result
