r"""Study 2 — equivariance vs data augmentation (Nordenfors et al., arXiv 2303.13458).

One architecture, the spin-graded QCNN (:func:`~eqqnn.circuits.graded_qcnn` with
:func:`~eqqnn.circuits.spin_graded_generators`), whose gate generators are
:math:`H = \sum_{L,a}\theta_{L,a}G_{L,a}`; the *equivariant subspace* :math:`E` is
:math:`\theta_{L\ge1} = 0`.  SU(2) acts on the parameters by conjugating every generator,
:math:`\rho(g)\theta`, orthogonally, and the model is invariant under the joint action,
:math:`f(\rho(g)\theta, u^{\otimes n}x) = f(\theta, x)` (the readout is invariant).  Hence
the *augmented* risk :math:`R_{aug}(\theta) = \mathbb E_g\,\mathbb E_x\,
\ell(f(\theta, u_g^{\otimes n}x), y)` is invariant, :math:`R_{aug}(\rho(g)\theta) =
R_{aug}(\theta)`, so

.. math:: \nabla R_{aug}(\rho(g)\theta) = \rho(g)\nabla R_{aug}(\theta)
          \;\Rightarrow\; \theta\in E \implies \nabla R_{aug}(\theta) \in E ,

and exact augmented gradient flow never leaves :math:`E` — the paper's invariance result.
Whether :math:`E` is *stable* (a perturbation decays) is a separate question, and a
*sampled* augmentation (one random rotation per sample and step) only averages the
gradient in expectation.

The exact group average is computed with a Haar quadrature
(:func:`eqqnn.symmetry.haar_quadrature`) exact for Wigner functions of spin
:math:`\le d`: the inputs are Haar-rotated lowest :math:`S^z = 1` states (total spin 1;
``rotation="haar_triplet"`` data), so :math:`f` contains spins :math:`\le 2` of the
rotation and the squared loss spins :math:`\le 4`: a degree-4 rule makes the averaged
MSE loss, and its gradient, exact.  All arms therefore use the MSE loss.

Arms (:class:`Arm`, training × initialization): ``constrained`` (grades :math:`\ge 1`
masked: the equivariant model), ``augmented`` (per-sample Haar rotation every epoch
through :attr:`~eqqnn.training.TrainConfig.augment`), ``nominal`` (no augmentation) and
``exact`` (the quadrature-averaged loss), started ``generic`` (every slot random),
``equivariant`` (grades :math:`\ge 1` exactly 0) or ``perturbed`` (grades :math:`\ge 1`
of size :math:`\epsilon`).  The distance to :math:`E`,
:math:`\max_{\text{gates}}\|H - \mathcal T[H]\|_F/\|H\|_F`
(:func:`~eqqnn.metrics.distance_to_equivariant`), is recorded after every epoch (one
full-batch step per epoch), for each optimizer of the config.

Classical mirror (:mod:`eqqnn.studies._classical`): on classical-shadow snapshots of the
same states, the SO(3)-invariant VectorNet (equivariant), the MLP trained with SO(3)
augmentation and the nominal MLP; there the tracked quantity is the function-space
distance to invariance, the SO(3) model EE on the test snapshots, after every epoch.

The study is split by concern: :mod:`eqqnn.studies._augmentation_config` holds its settings
and arms, :mod:`eqqnn.studies._augmentation_report` its tables, findings and figure; this
module holds the exact augmentation rule and runs the study.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from eqqnn._validation import check_int
from eqqnn.errors import InvalidParameterError
from eqqnn.studies._augmentation_config import Arm, AugmentationConfig
from eqqnn.studies._augmentation_report import _plot, _summarize
from eqqnn.studies._classical import classical_invariance_error, shadow_inputs, train_classical
from eqqnn.studies._common import (
    EpochProbe,
    HaarRotation,
    OptimizerSpec,
    SlotMask,
    _slot_grade,
    advance,
    finish_result,
    phase_split,
    progress_bar,
    set_breaking,
)

__all__ = ["QuadratureAugmentation", "run_augmentation"]


@dataclass(frozen=True)
class QuadratureAugmentation:
    r"""Exact group-averaged squared loss by a Haar quadrature of SU(2).

    .. math:: R_{aug}(\theta) = \sum_q w_q\,\frac1B\sum_b
              \big(f_\theta(u_q^{\otimes n}x_b) - y_b\big)^2 ,

    exact (equal to the Haar average) when the loss is a combination of Wigner functions
    of spin :math:`\le` ``degree`` of the rotation: inputs of total spin :math:`\le j`
    need ``degree >= 4 j``.

    Examples
    --------
    >>> rule = QuadratureAugmentation(4)
    >>> u, w = rule.rule(torch.complex128)
    >>> u.shape, round(float(w.sum()), 12)
    (torch.Size([135, 2, 2]), 1.0)
    """

    degree: int = 4
    """Highest spin integrated exactly."""

    def __post_init__(self) -> None:
        check_int("degree", self.degree, minimum=0, maximum=32)

    def rule(self, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
        """Rotations ``(Q, 2, 2)`` and weights ``(Q,)`` (float64, summing to one)."""
        from eqqnn.symmetry import SU2, haar_quadrature

        elements, weights = haar_quadrature(SU2(), self.degree)
        return torch.as_tensor(np.asarray(elements), dtype=dtype), torch.as_tensor(weights)

    def expand(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """All rotated copies ``(Q, B, 2^n)`` of a batch, and the weights."""
        from eqqnn.symmetry import apply_qubit_rotation

        u, w = self.rule(inputs.dtype)
        return torch.stack([apply_qubit_rotation(inputs, v) for v in u]), w

    def loss(
        self, model: torch.nn.Module, inputs: torch.Tensor, labels: torch.Tensor
    ) -> torch.Tensor:
        """The group-averaged MSE of ``model`` on a batch."""
        rotated, w = self.expand(inputs)
        p = model(rotated.reshape(-1, rotated.shape[-1])).reshape(rotated.shape[:2])
        return (w.to(p.dtype)[:, None] * (p - labels.to(p.dtype)) ** 2).sum(0).mean()


def _measure(model: torch.nn.Module) -> tuple[float, float]:
    """(max gate distance to E, breaking norm ‖θ_L≥1‖ of the effective slots)."""
    slots = model.slot_values().detach()
    grade = _slot_grade(model.circuit)
    return _distance(model), float(slots[grade > 0].norm())


def _distance(model: torch.nn.Module) -> float:
    from eqqnn.metrics import distance_to_equivariant

    return float(max(distance_to_equivariant(model.circuit, model.slot_values())))


def _off_subspace_fraction(model: torch.nn.Module, loss: torch.Tensor) -> float:
    r""":math:`\|\nabla_{\theta_{L\ge1}} R\| / \|\nabla_\theta R\|` of a loss at the model's
    current weights."""
    grade = _slot_grade(model.circuit)
    (grad,) = torch.autograd.grad(loss, model.weights)
    total = float(grad.norm())
    return float(grad[grade > 0].norm()) / total if total > 0 else 0.0


def _build(circuit: Any, arm: Arm, seed: int, eps: float) -> torch.nn.Module:
    from eqqnn import QuantumClassifier

    pm = SlotMask.equivariant(circuit) if arm.training == "constrained" else None
    model = QuantumClassifier(circuit, seed=seed, param_map=pm)
    if arm.init == "equivariant":
        set_breaking(model, 0.0, seed)
    elif arm.init == "perturbed":
        set_breaking(model, eps, seed + 10_000)
    return model


def _fit_exact(
    model: torch.nn.Module,
    train_data: Any,
    rule: QuadratureAugmentation,
    opt: OptimizerSpec,
    epochs: int,
) -> list[tuple[float, float]]:
    """Full-batch steps on the exact group-averaged loss; :func:`_measure` after each step."""
    optimizer = opt.factory([p for p in model.parameters() if p.requires_grad], lr=opt.lr)
    values = [_measure(model)]
    for _ in range(epochs):
        optimizer.zero_grad()
        rule.loss(model, train_data.inputs, train_data.labels).backward()
        optimizer.step()
        values.append(_measure(model))
    return values


def run_augmentation(
    config: AugmentationConfig | None = None,
    out: Path | str = Path("runs/studies"),
    *,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Train the graded QCNN constrained / augmented / nominal / exactly augmented, from
    generic, equivariant and perturbed starts; write ``out/augmentation.json`` and
    ``out/augmentation.png``; return the result dict.

    Examples
    --------
    >>> import dataclasses, tempfile
    >>> sgd = OptimizerSpec("sgd", torch.optim.SGD, 0.5)
    >>> cfg = dataclasses.replace(AugmentationConfig.tiny(), cache=False, epochs=2,
    ...     optimizers=(sgd,), arms=(Arm("constrained"),), classical_families=())
    >>> with tempfile.TemporaryDirectory() as d:
    ...     result = run_augmentation(cfg, d, progress=False)
    >>> rec = [r for r in result["records"] if r["arm"] == "constrained@generic"][0]
    >>> rec["max_distance"] < 1e-10
    True
    """
    from eqqnn.circuits import graded_qcnn, spin_graded_generators
    from eqqnn.metrics import quantum_invariance_error
    from eqqnn.training import TrainConfig, evaluate, mse_loss, train

    cfg = config or AugmentationConfig()
    if not isinstance(cfg, AugmentationConfig):
        raise InvalidParameterError(
            f"config must be an AugmentationConfig, got {type(cfg).__name__}"
        )
    start = time.perf_counter()
    n = cfg.n_qubits
    circuit = graded_qcnn(n, spin_graded_generators(2))
    train_data, test_data = phase_split(
        n, cfg.train_size, cfg.test_points, rotation="haar_triplet", cache=cfg.cache
    )
    rule = QuadratureAugmentation(cfg.quadrature_degree)
    records: list[dict[str, Any]] = []
    gradients: list[dict[str, Any]] = []
    total = (len(cfg.arms) * len(cfg.optimizers) + len(cfg.classical_families)) * len(cfg.seeds)
    bar = progress_bar(progress, total, "augmentation")
    try:
        for seed in cfg.seeds:
            # the theorem, checked on the gradient itself at an equivariant point
            model = _build(circuit, Arm("nominal", "equivariant"), seed, cfg.perturbation)
            x, y = train_data.inputs, train_data.labels
            aug = HaarRotation()(x, torch.Generator().manual_seed(seed))
            gradients.append(
                {
                    "seed": seed,
                    "exact": _off_subspace_fraction(model, rule.loss(model, x, y)),
                    "sampled": _off_subspace_fraction(model, mse_loss(model(aug), y.double())),
                    "nominal": _off_subspace_fraction(model, mse_loss(model(x), y.double())),
                }
            )
            for opt in cfg.optimizers:
                for arm in cfg.arms:
                    torch.manual_seed(seed)
                    model = _build(circuit, arm, seed, cfg.perturbation)
                    t0 = time.perf_counter()
                    if arm.training == "exact":
                        values = _fit_exact(model, train_data, rule, opt, cfg.epochs)
                    else:
                        probe = EpochProbe(_measure)
                        train(
                            model,
                            train_data,
                            None,
                            TrainConfig(
                                epochs=cfg.epochs,
                                lr=opt.lr,
                                optimizer=opt.factory,
                                loss=mse_loss,
                                seed=seed,
                                augment=HaarRotation() if arm.training == "augmented" else None,
                                regularizer=probe,
                            ),
                            progress=False,
                        )
                        values = probe.finish(model, cfg.epochs)
                    distances = [v[0] for v in values]
                    records.append(
                        {
                            "kind": "quantum",
                            "arm": arm.name,
                            "training": arm.training,
                            "init": arm.init,
                            "optimizer": opt.name,
                            "lr": opt.lr,
                            "seed": seed,
                            "distances": distances,
                            "max_distance": max(distances),
                            "breaking_norms": [v[1] for v in values],
                            "train_accuracy": evaluate(model, train_data, mse_loss)["accuracy"],
                            "test_accuracy": evaluate(model, test_data, mse_loss)["accuracy"],
                            "model_ee": quantum_invariance_error(
                                model, test_data.inputs, n_samples=cfg.ee_samples, seed=1
                            ),
                            "seconds": time.perf_counter() - t0,
                        }
                    )
                    advance(bar)
            if cfg.classical_families:
                records += _run_classical(cfg, seed, train_data, test_data, bar)
    finally:
        if bar is not None:
            bar.stop()
    result = _summarize(cfg, records, gradients)
    result["seconds"] = time.perf_counter() - start
    return finish_result(result, out, _plot)


def _run_classical(
    cfg: AugmentationConfig, seed: int, train_data: Any, test_data: Any, bar: Any
) -> list[dict[str, Any]]:
    from eqqnn.training import TensorData, evaluate

    x_train = shadow_inputs(train_data.inputs, cfg.shots, seed=0)
    x_test = shadow_inputs(test_data.inputs, cfg.shots, seed=1)
    tr, te = TensorData(x_train, train_data.labels), TensorData(x_test, test_data.labels)
    out = []
    for family in cfg.classical_families:

        def measure(model: torch.nn.Module) -> float:
            return classical_invariance_error(model, x_test, n_samples=cfg.ee_samples, seed=1)

        probe = EpochProbe(measure)
        t0 = time.perf_counter()
        model, _ = train_classical(
            family, cfg.n_qubits, seed, tr, None, cfg.epochs, regularizer=probe
        )
        curve = probe.finish(model, cfg.epochs)
        out.append(
            {
                "kind": "classical",
                "arm": family.name,
                "training": family.role,
                "init": "generic",
                "optimizer": "adam",
                "lr": family.lr,
                "seed": seed,
                "ee_curve": curve,
                "train_accuracy": evaluate(model, tr)["accuracy"],
                "test_accuracy": evaluate(model, te)["accuracy"],
                "model_ee": curve[-1],
                "seconds": time.perf_counter() - t0,
            }
        )
        advance(bar)
    return out
