r"""Layerwise equivariance of classical networks, with a known or an unknown feature action.

A sequential network is a list of stages :math:`f_1, \dots, f_L` with features
:math:`\phi_\ell = f_\ell \circ \dots \circ f_1`.  On a batch :math:`X` the features of a
layer form a matrix :math:`\Phi_\ell(X) \in \mathbb R^{N \times d}`: one row per sample
(every leading axis of the stage's output; per-shot features of ``B`` states with ``T``
shots give :math:`N = BT` rows) and one column per unit (the last axis).  A group acts on
the inputs by :math:`x \mapsto g\cdot x`.  Every error below is relative and averaged over
the given group elements (the mean over samples sits inside the Frobenius norms).  The
scale :math:`s_\ell` is, by default (``relative_to="spread"``), the spread of the features
over the batch, :math:`s_\ell = \|\Phi_\ell(X) - \mathbf 1\bar\Phi_\ell\|_F` with
:math:`\bar\Phi_\ell` the mean row, or their norm :math:`\|\Phi_\ell(X)\|_F`
(``relative_to="norm"``).  The spread is the default because a near-constant layer (a
large bias, a barely trained readout) has a tiny error relative to its norm whatever the
network does: relative to the spread, two independent samples of the batch's distribution
give about :math:`\sqrt 2` (less after the best permutation), and the before/after-training
comparison is not dominated by how far the features sit from 0.  Transformed inputs that
leave the batch's distribution (a batch that is not a symmetric set) can give more.

* **known action** :math:`\rho_\ell` (the regular representation on a G-CNN's group axis,
  the identity on invariant layers):

  .. math:: e_\ell(g) = \|\Phi_\ell(g\cdot X) - \rho_\ell(g)\,\Phi_\ell(X)\|_F
            \,/\, s_\ell ;

* **permutation-aligned** (Bökman & Kahl, arXiv 2305.17017): the action on the hidden
  units is unknown, but a ReLU network that has learned a symmetry tends to realize it by
  a *permutation* of units.  With :math:`\Pi` the :math:`d \times d` permutation matrices,

  .. math:: e^{\mathrm{perm}}_\ell(g) = \min_{P \in \Pi}
            \|\Phi_\ell(g\cdot X) - \Phi_\ell(X)\,P\|_F \,/\, s_\ell .

  Since :math:`\|A_g - AP\|_F^2 = \sum_j \|a^g_j - a_{\pi(j)}\|^2` for the columns
  :math:`a^g_j` of :math:`A_g = \Phi_\ell(g\cdot X)` and :math:`a_k` of
  :math:`A = \Phi_\ell(X)`, the minimum is a linear assignment problem with cost
  :math:`C_{jk} = \|a^g_j - a_k\|^2`, solved exactly by
  :func:`scipy.optimize.linear_sum_assignment`; the minimizer :math:`\pi_g` (unit
  :math:`j` of :math:`g\cdot x` is unit :math:`\pi_g(j)` of :math:`x`) is returned too.
  An exactly permutation-equivariant layer gives 0 (round-off) and its permutation;
* **linear-aligned**: the same with any matrix :math:`M` in place of :math:`P` (least
  squares).  Permutations are linear maps, so :math:`e^{\mathrm{lin}} \le
  e^{\mathrm{perm}}`: it is the floor of any alignment, and it is 0 whenever
  :math:`\Phi_\ell(X)` has rank :math:`d` (in practice :math:`N \ge d`), so it only
  informs when :math:`N \gg d`;
* **chance level**: :math:`e^{\mathrm{perm}}` between :math:`\Phi_\ell(X_\sigma)` and
  :math:`\Phi_\ell(X)` for a seeded shuffle :math:`\sigma` of the samples (no group
  action): what the alignment achieves between *unrelated* inputs.  A permutation-aligned
  error near the chance level means no alignment at all; near 0, a permutation symmetry.

Constant units align with anything: a layer whose features hardly vary over the batch has
small errors whatever the network, which is what the chance level and the errors of a
randomly initialized network (the *before training* values of a study) calibrate.  A
layer whose features do not vary over the batch (or are all zero, with
``relative_to="norm"``) has undefined relative errors (``nan``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from eqqnn._validation import check_choice, check_int
from eqqnn.errors import DimensionError, InvalidParameterError

__all__ = [
    "LayerEquivariance",
    "feature_equivariance_errors",
    "linear_alignment",
    "permutation_alignment",
]

FeatureAction = Callable[[torch.Tensor, Any], torch.Tensor]


def _matrix(features: Any, name: str) -> np.ndarray:
    """``(N, d)`` float64 matrix of a feature tensor (rows: leading axes; columns: last)."""
    if isinstance(features, torch.Tensor):
        a = features.detach().cpu().to(torch.float64).numpy()
    else:
        a = np.asarray(features, dtype=np.float64)
    if a.ndim == 0:
        raise DimensionError(f"{name} must have at least one axis (samples), got a scalar")
    if a.ndim == 1:
        a = a[:, None]
    return a.reshape(-1, a.shape[-1])


def _pair(reference: Any, transformed: Any) -> tuple[np.ndarray, np.ndarray]:
    a, b = _matrix(reference, "reference"), _matrix(transformed, "transformed")
    if a.shape != b.shape:
        raise DimensionError(
            f"reference and transformed features must have the same shape (N, d), got "
            f"{a.shape} and {b.shape}"
        )
    return a, b


RELATIVE_TO = ("spread", "norm")


def _scale(a: np.ndarray, relative_to: str) -> float:
    r"""The spread :math:`\|A - \mathbf 1\bar a\|_F` or the norm :math:`\|A\|_F`.

    A spread at round-off level of the norm counts as 0 (constant features).
    """
    check_choice("relative_to", relative_to, RELATIVE_TO)
    norm = float(np.linalg.norm(a))
    if relative_to == "norm":
        return norm
    spread = float(np.linalg.norm(a - a.mean(axis=0)))
    return spread if spread > 1e-12 * norm else 0.0


def _relative(residual: float, scale: float) -> float:
    return float(residual / scale) if scale > 0 else float("nan")


def permutation_alignment(
    reference: Any, transformed: Any, *, relative_to: str = "spread"
) -> tuple[float, np.ndarray]:
    r"""Best permutation of units: :math:`\min_P \|B - AP\|_F / s` and its :math:`\pi`.

    .. math:: \min_{\pi \in S_d} \Big(\sum_j \|b_j - a_{\pi(j)}\|^2\Big)^{1/2} \Big/ s

    for the columns :math:`a_k` of ``reference`` :math:`A` and :math:`b_j` of
    ``transformed`` :math:`B` (both ``(N, d)``, or tensors whose last axis holds the units),
    solved exactly as a linear assignment problem; :math:`s = \|A - \mathbf 1 \bar a\|_F`
    (``relative_to="spread"``) or :math:`\|A\|_F` (``"norm"``).

    Returns
    -------
    (float, numpy.ndarray)
        The relative residual and ``pi`` (``(d,)`` integers): unit ``j`` of
        ``transformed`` is matched with unit ``pi[j]`` of ``reference``.

    Examples
    --------
    >>> a = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]])
    >>> err, pi = permutation_alignment(a, a[:, [2, 0, 1]])
    >>> round(err, 12), pi.tolist()
    (0.0, [2, 0, 1])
    """
    from scipy.optimize import linear_sum_assignment

    a, b = _pair(reference, transformed)
    sq_a, sq_b = np.sum(a * a, axis=0), np.sum(b * b, axis=0)
    cost = np.maximum(sq_b[:, None] + sq_a[None, :] - 2.0 * (b.T @ a), 0.0)  # C[j, k]
    rows, pi = linear_sum_assignment(cost)
    pi = pi[np.argsort(rows)]
    residual = float(np.linalg.norm(b - a[:, pi]))  # exact, not the expanded cost
    return _relative(residual, _scale(a, relative_to)), pi


def linear_alignment(reference: Any, transformed: Any, *, relative_to: str = "spread") -> float:
    r"""Best linear map of units: :math:`\min_M \|B - AM\|_F / s` (least squares).

    The scale :math:`s` as in :func:`permutation_alignment`.

    A lower bound of :func:`permutation_alignment`'s residual; 0 when :math:`A` has full
    column rank :math:`d \le N`.

    Examples
    --------
    >>> a = np.arange(12.0).reshape(6, 2) ** 2
    >>> round(linear_alignment(a, a @ np.array([[2.0, 1.0], [0.0, -1.0]])), 10)
    0.0
    """
    a, b = _pair(reference, transformed)
    m, *_ = np.linalg.lstsq(a, b, rcond=None)
    return _relative(float(np.linalg.norm(b - a @ m)), _scale(a, relative_to))


@dataclass(frozen=True)
class LayerEquivariance:
    """Equivariance errors of one layer, averaged over the group elements."""

    layer: str
    """Name of the layer."""
    units: int
    """Number of units :math:`d` (columns of the feature matrix)."""
    rows: int
    """Number of samples :math:`N` (rows of the feature matrix)."""
    known: float
    """Error with the known feature action (``nan`` where none was given)."""
    permutation: float
    """Permutation-aligned error."""
    linear: float
    """Linear-aligned error (a floor of ``permutation``)."""
    chance: float
    """Permutation-aligned error between shuffled samples (no group action)."""
    permutations: tuple[tuple[int, ...], ...]
    """The recovered unit permutation for each group element."""

    def as_dict(self, *, permutations: bool = False) -> dict[str, Any]:
        """JSON-friendly dict (the permutations only when asked for)."""
        out = {
            "layer": self.layer,
            "units": self.units,
            "rows": self.rows,
            "known": self.known,
            "permutation": self.permutation,
            "linear": self.linear,
            "chance": self.chance,
        }
        if permutations:
            out["permutations"] = [list(p) for p in self.permutations]
        return out


def _stages(layers: Any) -> list[tuple[str, Callable[[Any], Any]]]:
    if isinstance(layers, nn.Sequential):
        items: Iterable[Any] = layers.named_children()
    elif isinstance(layers, Mapping):
        items = layers.items()
    elif isinstance(layers, Sequence) and not isinstance(layers, str):
        items = layers
    else:
        raise InvalidParameterError(
            "layers must be an nn.Sequential, a mapping name -> stage or a sequence of "
            f"(name, stage) pairs, got {type(layers).__name__}"
        )
    out = []
    for item in items:
        if not (isinstance(item, tuple) and len(item) == 2 and callable(item[1])):
            raise InvalidParameterError(
                f"every layer must be a (name, callable) pair, got {item!r}"
            )
        out.append((str(item[0]), item[1]))
    if not out:
        raise InvalidParameterError("layers must hold at least one stage, got none")
    return out


def feature_equivariance_errors(
    layers: Any,
    inputs: torch.Tensor,
    act: Callable[[torch.Tensor, Any], torch.Tensor],
    elements: Sequence[Any],
    feature_actions: Sequence[FeatureAction | None] | Mapping[str, FeatureAction] | None = None,
    *,
    seed: int = 0,
    relative_to: str = "spread",
) -> dict[str, LayerEquivariance]:
    r"""Every layer's equivariance error, with the known action and permutation-aligned.

    .. math:: e^{\mathrm{perm}}_\ell = \mathbb E_g \min_{P}
              \frac{\|\Phi_\ell(g\cdot X) - \Phi_\ell(X)P\|_F}{s_\ell},
              \qquad
              e_\ell = \mathbb E_g
              \frac{\|\Phi_\ell(g\cdot X) - \rho_\ell(g)\Phi_\ell(X)\|_F}{s_\ell}

    with :math:`s_\ell` the spread (or norm) of :math:`\Phi_\ell(X)` (see the module notes,
    also for the linear-aligned error and the chance level).

    Parameters
    ----------
    layers
        The network as stages applied in turn: an ``nn.Sequential``, a mapping
        ``name -> stage`` or a sequence of ``(name, stage)`` pairs.  Each stage's output is
        the next one's input; its last axis holds the units, every other axis samples.
    inputs
        A batch the first stage accepts.
    act
        ``act(inputs, g)`` applies one group element to the whole batch.
    elements
        The group elements (seeded samples or a whole finite group).
    feature_actions
        Known actions ``action(features, g)`` on the stages' outputs: one per layer (``None``
        where unknown) or a mapping from layer names; ``None``: unknown everywhere.
    seed
        Seed of the shuffle of the chance level.
    relative_to
        ``"spread"`` (default) or ``"norm"``: the scale :math:`s_\ell`.

    Returns
    -------
    dict
        Layer name -> :class:`LayerEquivariance`, in network order.

    Examples
    --------
    A layer that permutes the input coordinates back and forth is equivariant under the
    swap of the two halves, with the swap as its permutation of units:

    >>> w = torch.randn(3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> layer = torch.nn.Linear(6, 6, bias=False, dtype=torch.float64)
    >>> with torch.no_grad():
    ...     _ = layer.weight.copy_(torch.block_diag(w, w))
    >>> x = torch.randn(50, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    >>> swap = lambda v, g: v.roll(3, dims=-1) if g else v
    >>> err = feature_equivariance_errors([("lin", layer)], x, swap, [1], [swap])["lin"]
    >>> err.known < 1e-12, err.permutation < 1e-12, err.permutations[0]
    (True, True, (3, 4, 5, 0, 1, 2))
    """
    stages = _stages(layers)
    elements = list(elements)
    if not elements:
        raise InvalidParameterError("elements must hold at least one group element, got none")
    names = [name for name, _ in stages]
    if feature_actions is None:
        actions: list[FeatureAction | None] = [None] * len(stages)
    elif isinstance(feature_actions, Mapping):
        unknown = sorted(set(feature_actions) - set(names))
        if unknown:
            raise InvalidParameterError(
                f"feature_actions names layers {unknown} that are not among {names}"
            )
        actions = [feature_actions.get(n) for n in names]
    else:
        actions = list(feature_actions)
        if len(actions) != len(stages):
            raise InvalidParameterError(
                f"feature_actions must hold one entry per layer ({len(stages)}), got {len(actions)}"
            )
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    check_choice("relative_to", relative_to, RELATIVE_TO)

    def run(x: Any) -> list[Any]:
        out = []
        for _, stage in stages:
            x = stage(x)
            out.append(x)
        return out

    with torch.no_grad():
        base = run(inputs)
        moved = [run(act(inputs, g)) for g in elements]
        result = {}
        for i, (name, action) in enumerate(zip(names, actions, strict=True)):
            ref = _matrix(base[i], f"output of layer {name!r}")
            scale = _scale(ref, relative_to)
            known, perm, lin, pis = [], [], [], []
            for g, feats in zip(elements, moved, strict=True):
                a_g = _matrix(feats[i], f"output of layer {name!r}")
                if action is not None:
                    expected = _matrix(action(base[i], g), f"action on layer {name!r}")
                    if expected.shape != a_g.shape:
                        raise DimensionError(
                            f"the feature action of layer {name!r} returned features of shape "
                            f"{expected.shape}, expected the layer's {a_g.shape}"
                        )
                    known.append(_relative(float(np.linalg.norm(a_g - expected)), scale))
                e, pi = permutation_alignment(ref, a_g, relative_to=relative_to)
                perm.append(e)
                pis.append(tuple(int(k) for k in pi))
                lin.append(linear_alignment(ref, a_g, relative_to=relative_to))
            shuffled = ref[rng.permutation(ref.shape[0])]
            chance, _ = permutation_alignment(ref, shuffled, relative_to=relative_to)
            result[name] = LayerEquivariance(
                layer=name,
                units=int(ref.shape[1]),
                rows=int(ref.shape[0]),
                known=float(np.mean(known)) if known else float("nan"),
                permutation=float(np.mean(perm)),
                linear=float(np.mean(lin)),
                chance=chance,
                permutations=tuple(pis),
            )
    return result
