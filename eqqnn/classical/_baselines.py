r"""Non-equivariant baselines: an MLP and a 1-D CNN with parameter counts near the G-CNNs'.

Neither has any symmetry built in: no weight sharing across the O-frames of a snapshot,
no constraint that ties the two chain ends together.  They are the "nominal" models of
Nordenfors et al. (arXiv 2303.13458); trained on data passed through
:func:`~eqqnn.classical.augment` they become the "augmented" ones (equivariant only
approximately, to the extent training enforces it).

Inputs
------
* ``InputKind.SHADOWS`` ``(B, T, n, 3)`` — a DeepSets network over shots: a per-shot
  network :math:`\phi` (MLP on the flattened ``3n`` snapshot, or a 1-D CNN over sites
  with the three components as channels), the mean over shots (shots are i.i.d., the
  only symmetry these baselines respect by construction), then an MLP head :math:`\rho`:

  .. math:: p = \mathrm{sigmoid}\Big(\rho\Big(\frac1T\sum_t \phi(v_t / 3)\Big)\Big) .

* ``InputKind.CORRELATORS`` / ``EXACT_CORRELATORS`` ``(B, n, n)`` — the MLP sees the
  flattened matrix, the CNN runs along the sites with the matrix rows as channels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from eqqnn._validation import check_int
from eqqnn.classical._base import (
    SNAPSHOT_SCALE,
    ClassicalClassifier,
    check_even_sites,
    resolve_config,
)
from eqqnn.classical._common import (
    Activation,
    as_torch_generator,
    check_correlator_batch,
    check_float_dtype,
    check_shadow_batch,
    init_uniform_,
    mlp_head,
    shot_chunked_mean,
)
from eqqnn.errors import InvalidParameterError
from eqqnn.models import InputKind

__all__ = ["CNNClassifier", "CNNConfig", "MLPClassifier", "MLPConfig"]

_KINDS = (InputKind.SHADOWS, InputKind.CORRELATORS, InputKind.EXACT_CORRELATORS)


def _check_kind(kind: object) -> None:
    if kind not in _KINDS:
        raise InvalidParameterError(f"input_kind must be one of {_KINDS}, got {kind!r}")


def _check_widths(name: str, widths: object) -> tuple[int, ...]:
    if not isinstance(widths, tuple) or not widths:
        raise InvalidParameterError(f"{name} must be a non-empty tuple of ints, got {widths!r}")
    return tuple(check_int(name, w, minimum=1) for w in widths)


def _check_input(model: Any, batch: torch.Tensor) -> torch.Tensor:
    n = model.config.n_sites
    if model.input_kind is InputKind.SHADOWS:
        return check_shadow_batch(batch, n)
    return check_correlator_batch(batch, n)


def _description(kind: InputKind, n: int) -> str:
    if kind is InputKind.SHADOWS:
        return f"(B, T, {n}, 3) shadow snapshot vectors 3·s·e_axis (T shots, {n} sites)"
    what = "exact" if kind is InputKind.EXACT_CORRELATORS else "shadow-estimated"
    return f"(B, {n}, {n}) {what} correlators <σ_i·σ_j>"


@dataclass(frozen=True)
class MLPConfig:
    """Hyperparameters of :class:`MLPClassifier`."""

    n_sites: int = 12
    """Chain length ``n``."""
    input_kind: InputKind = InputKind.CORRELATORS
    """``InputKind.SHADOWS``, ``CORRELATORS`` or ``EXACT_CORRELATORS``."""
    hidden: tuple[int, ...] = (12, 12)
    """Hidden widths; with shadows the first layer is the per-shot network."""
    activation: Callable[[torch.Tensor], torch.Tensor] = torch.relu
    """Nonlinearity."""
    shot_chunk: int = 250
    """Shots processed at once (shadows; memory bound only)."""

    def __post_init__(self) -> None:
        check_even_sites(self.n_sites)
        _check_kind(self.input_kind)
        object.__setattr__(self, "hidden", _check_widths("hidden", self.hidden))
        check_int("shot_chunk", self.shot_chunk, minimum=1)
        if not callable(self.activation):
            raise InvalidParameterError(f"activation must be callable, got {self.activation!r}")


class MLPClassifier(ClassicalClassifier):
    r"""Multilayer perceptron baseline (no symmetry).

    .. math:: p = \mathrm{sigmoid}(W_L\,\sigma(\cdots\sigma(W_1 x + b_1)\cdots) + b_L)

    on the flattened correlators :math:`x = C / 3`, or as a DeepSets network over shots
    (first layer per shot, then the shot mean) on shadows.

    Examples
    --------
    >>> model = MLPClassifier(n_sites=4, hidden=(8,), seed=0)
    >>> model(torch.randn(2, 4, 4)).shape, model.n_parameters
    (torch.Size([2]), 145)
    """

    def __init__(
        self,
        config: MLPConfig | None = None,
        *,
        seed: int = 0,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
        **overrides: Any,
    ) -> None:
        super().__init__()
        self.config = cfg = resolve_config(MLPConfig, config, overrides)
        self.input_kind = cfg.input_kind
        dtype = check_float_dtype(dtype)
        gen = as_torch_generator(seed)
        kw = {"dtype": dtype, "device": device}
        n = cfg.n_sites
        d_in = 3 * n if cfg.input_kind is InputKind.SHADOWS else n * n
        if cfg.input_kind is InputKind.SHADOWS:
            self.per_shot = init_uniform_(
                nn.Sequential(nn.Linear(d_in, cfg.hidden[0], **kw), Activation(cfg.activation)),
                gen,
            )
            sizes = (*cfg.hidden, 1)
        else:
            self.per_shot = None
            sizes = (d_in, *cfg.hidden, 1)
        self.head = mlp_head(sizes, cfg.activation, gen, **kw)

    @property
    def input_description(self) -> str:
        """What :meth:`forward` consumes."""
        return _description(self.input_kind, self.config.n_sites)

    def _shot_sum(self, x: torch.Tensor) -> torch.Tensor:
        return self.per_shot(x.flatten(-2) / SNAPSHOT_SCALE).sum(dim=1)  # type: ignore[misc]

    def logits(self, batch: torch.Tensor) -> torch.Tensor:
        """Scores ``(B,)`` before the sigmoid."""
        x = _check_input(self, batch)
        if self.per_shot is not None:
            h = shot_chunked_mean(self._shot_sum, x, self.config.shot_chunk)
        else:
            h = x.flatten(1) / SNAPSHOT_SCALE
        return self.head(h)[..., 0]


@dataclass(frozen=True)
class CNNConfig:
    """Hyperparameters of :class:`CNNClassifier`."""

    n_sites: int = 12
    """Chain length ``n``."""
    input_kind: InputKind = InputKind.SHADOWS
    """``InputKind.SHADOWS``, ``CORRELATORS`` or ``EXACT_CORRELATORS``."""
    channels: tuple[int, ...] = (8, 8)
    """Channels of the convolutions along the chain."""
    kernel_size: int = 3
    """Odd kernel size (zero padding keeps the length)."""
    hidden: int = 12
    """Width of the head after flattening."""
    activation: Callable[[torch.Tensor], torch.Tensor] = torch.relu
    """Nonlinearity."""
    shot_chunk: int = 250
    """Shots processed at once (shadows; memory bound only)."""

    def __post_init__(self) -> None:
        check_even_sites(self.n_sites)
        _check_kind(self.input_kind)
        object.__setattr__(self, "channels", _check_widths("channels", self.channels))
        k = check_int("kernel_size", self.kernel_size, minimum=1)
        if k % 2 == 0:
            raise InvalidParameterError(f"kernel_size must be odd, got {k}")
        check_int("hidden", self.hidden, minimum=1)
        check_int("shot_chunk", self.shot_chunk, minimum=1)
        if not callable(self.activation):
            raise InvalidParameterError(f"activation must be callable, got {self.activation!r}")


class CNNClassifier(ClassicalClassifier):
    r"""1-D convolutional baseline along the chain (no symmetry).

    Zero-padded convolutions :math:`h^{(l+1)}_{o,i} = \sigma(\sum_{c,k} w_{o,c,k}
    h^{(l)}_{c,i+k} + b_o)` along the sites, then a dense head on the flattened feature
    map (so neither translations nor the reflection are respected).  On shadows the
    convolutions run per shot with the three components as input channels, and the
    flattened maps are averaged over shots before the head.

    Examples
    --------
    >>> model = CNNClassifier(n_sites=4, channels=(2,), hidden=3, seed=0)
    >>> model(torch.randn(2, 7, 4, 3)).shape
    torch.Size([2])
    """

    def __init__(
        self,
        config: CNNConfig | None = None,
        *,
        seed: int = 0,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
        **overrides: Any,
    ) -> None:
        super().__init__()
        self.config = cfg = resolve_config(CNNConfig, config, overrides)
        self.input_kind = cfg.input_kind
        dtype = check_float_dtype(dtype)
        gen = as_torch_generator(seed)
        kw = {"dtype": dtype, "device": device}
        n = cfg.n_sites
        c_in = 3 if cfg.input_kind is InputKind.SHADOWS else n
        layers: list[nn.Module] = []
        for c_out in cfg.channels:
            layers += [
                nn.Conv1d(c_in, c_out, cfg.kernel_size, padding=cfg.kernel_size // 2, **kw),
                Activation(cfg.activation),
            ]
            c_in = c_out
        self.convs = init_uniform_(nn.Sequential(*layers), gen)
        self.head = mlp_head((c_in * n, cfg.hidden, 1), cfg.activation, gen, **kw)

    @property
    def input_description(self) -> str:
        """What :meth:`forward` consumes."""
        return _description(self.input_kind, self.config.n_sites)

    def _shot_sum(self, x: torch.Tensor) -> torch.Tensor:
        b, t, n, _ = x.shape
        seq = x.reshape(b * t, n, 3).transpose(1, 2) / SNAPSHOT_SCALE  # (bt, 3, n)
        return self.convs(seq).reshape(b, t, -1).sum(dim=1)

    def logits(self, batch: torch.Tensor) -> torch.Tensor:
        """Scores ``(B,)`` before the sigmoid."""
        x = _check_input(self, batch)
        if self.input_kind is InputKind.SHADOWS:
            h = shot_chunked_mean(self._shot_sum, x, self.config.shot_chunk)
        else:
            h = self.convs(x.transpose(1, 2) / SNAPSHOT_SCALE).flatten(1)
        return self.head(h)[..., 0]
