r"""Differentiable architecture search over [G]-mixed layers (DARTS, first-order bilevel).

A [G]-mixed layer (Maile et al., arXiv 2210.05484) mixes branches constrained to the
groups of a subgroup chain with architecture weights :math:`w_\ell =
\mathrm{softmax}(\beta_\ell)`: :class:`eqqnn.models.GroupMixture` on the quantum side
(the generator grades of a graded QCNN), :class:`eqqnn.classical.GroupMixtureLinear` on
the classical side.  The search alternates, once per epoch (full batch),

.. math::

    \theta \leftarrow \theta - \eta\,\nabla_\theta \mathcal L_{\text{train}}(\theta, \beta),
    \qquad
    \beta \leftarrow \beta - \eta_\beta\,\nabla_\beta \mathcal L_{\text{val}}(\theta, \beta),

the *first-order* approximation of the bilevel problem :math:`\min_\beta \mathcal
L_{\text{val}}(\theta^*(\beta), \beta)` (Liu et al., arXiv 1806.09055): the architecture
step ignores how :math:`\theta^*` depends on :math:`\beta`.  Weights and architecture
parameters have separate Adam optimizers, and the architecture never sees the training
loss.  After the search every layer is **discretised** to its strongest branch (a
family-supplied ``discretize``, for example :func:`eqqnn.models.discretize_group_mixture`
or :func:`eqqnn.classical.discretize_mixture_stack`), and the discrete model is
**retrained** with the shared trainer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from eqqnn._validation import check_int, check_real
from eqqnn.training._loop import TensorData, TrainConfig, bce_loss, evaluate, train

__all__ = ["DartsConfig", "DartsResult", "darts_search"]


@dataclass(frozen=True)
class DartsConfig:
    """Settings of :func:`darts_search`."""

    epochs: int = 60
    """Search epochs (one weight step and one architecture step each)."""
    lr: float = 0.05
    """Adam learning rate of the weights."""
    arch_lr: float = 0.1
    """Adam learning rate of the architecture logits."""
    retrain_epochs: int = 60
    """Epochs of the discretised model."""
    seed: int = 0
    """Seed of the retraining run."""

    def __post_init__(self) -> None:
        check_int("epochs", self.epochs, minimum=0)
        check_real("lr", self.lr, minimum=0.0)
        check_real("arch_lr", self.arch_lr, minimum=0.0)
        check_int("retrain_epochs", self.retrain_epochs, minimum=0)
        check_int("seed", self.seed, minimum=0)


@dataclass
class DartsResult:
    """What :func:`darts_search` returns."""

    model: nn.Module
    """The discretised, retrained model."""
    mixture: nn.Module
    """The [G]-mixed model after the search."""
    weights_history: list[list[list[float]]] = field(default_factory=list)
    """Per search epoch, the architecture weights (one row per layer)."""
    search_validation_accuracy: float = float("nan")
    validation_accuracy: float = float("nan")
    """Of the retrained discrete model."""
    seconds: float = 0.0


def architecture_parameters(model: nn.Module) -> list[nn.Parameter]:
    """The architecture logits of every [G]-mixed layer (parameters named ``logits``)."""
    return [p for name, p in model.named_parameters() if name.split(".")[-1] == "logits"]


def darts_search(
    model: nn.Module,
    discretize: Callable[[nn.Module], nn.Module],
    mixture_weights: Callable[[nn.Module], torch.Tensor],
    train_data: TensorData,
    validation: TensorData,
    config: DartsConfig | None = None,
) -> DartsResult:
    """Search, discretise, retrain (see the module docstring).

    Parameters
    ----------
    model
        A model with [G]-mixed layers (architecture parameters named ``logits``).
    discretize
        Maps the searched model to a discrete one (each layer at its strongest branch).
    mixture_weights
        ``(n_layers, n_branches)`` architecture weights of the model, for the history.
    train_data, validation
        The weights learn on the first, the architecture on the second.
    config
        :class:`DartsConfig`.
    """
    cfg = config or DartsConfig()
    start = time.perf_counter()
    arch = architecture_parameters(model)
    arch_ids = {id(p) for p in arch}
    weights = [p for p in model.parameters() if id(p) not in arch_ids and p.requires_grad]
    opt_w = torch.optim.Adam(weights, lr=cfg.lr)
    opt_a = torch.optim.Adam(arch, lr=cfg.arch_lr)
    history = []
    for _ in range(cfg.epochs):
        model.train()
        opt_w.zero_grad()
        p = model(train_data.inputs)
        bce_loss(p, train_data.labels.to(p.dtype)).backward()
        for q in arch:
            q.grad = None
        opt_w.step()
        opt_a.zero_grad()
        p = model(validation.inputs)
        bce_loss(p, validation.labels.to(p.dtype)).backward()
        opt_a.step()
        with torch.no_grad():
            history.append(mixture_weights(model).detach().cpu().tolist())
    search_acc = float(evaluate(model, validation)["accuracy"])
    discrete = discretize(model)
    retrain = TrainConfig(
        epochs=cfg.retrain_epochs, lr=cfg.lr, seed=cfg.seed, eval_every=max(1, cfg.retrain_epochs)
    )
    if cfg.retrain_epochs:
        acc = float(train(discrete, train_data, validation, retrain, progress=False).test_accuracy)
    else:
        acc = float(evaluate(discrete, validation)["accuracy"])
    return DartsResult(
        model=discrete,
        mixture=model,
        weights_history=history,
        search_validation_accuracy=search_acc,
        validation_accuracy=acc,
        seconds=time.perf_counter() - start,
    )
