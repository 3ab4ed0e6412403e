"""Small helpers shared by the classical modules: seeds, dtypes, input checks, counts."""

from __future__ import annotations

import itertools
import numbers

import numpy as np
import torch
from torch import nn

from eqqnn._validation import check_int
from eqqnn.errors import DimensionError, InvalidParameterError

__all__ = [
    "as_torch_generator",
    "check_correlator_batch",
    "check_float_dtype",
    "check_shadow_batch",
    "count_parameters",
]

_FLOAT_DTYPES = (torch.float32, torch.float64)


def as_torch_generator(seed: int | torch.Generator) -> torch.Generator:
    """A CPU ``torch.Generator`` from an integer seed (or the generator itself).

    Initial weights are drawn on the CPU from this generator and then moved, so a seed
    gives the same weights on every device.
    """
    if isinstance(seed, torch.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise InvalidParameterError(
            f"seed must be a non-negative integer or a torch.Generator, got {seed!r}"
        )
    gen = torch.Generator(device="cpu")
    gen.manual_seed(check_int("seed", seed, minimum=0))
    return gen


def check_float_dtype(dtype: object) -> torch.dtype:
    """Return ``dtype`` if it is ``torch.float32`` or ``torch.float64``, else raise."""
    if dtype not in _FLOAT_DTYPES:
        raise InvalidParameterError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
    return dtype  # type: ignore[return-value]


def normal(
    shape: tuple[int, ...],
    std: float,
    generator: torch.Generator,
    *,
    dtype: torch.dtype,
    device: torch.device | str | None,
) -> torch.Tensor:
    """Seeded Gaussian initial values (drawn in float64 on the CPU, then cast and moved)."""
    x = torch.randn(shape, generator=generator, dtype=torch.float64) * std
    return x.to(dtype=dtype, device=device)


def count_parameters(module: nn.Module) -> int:
    """Number of trainable real parameters of ``module``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def _check_tensor(x: object, what: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise InvalidParameterError(f"{what} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise InvalidParameterError(f"{what} must be a real floating tensor, got dtype {x.dtype}")
    return x


def check_shadow_batch(x: object, n_sites: int) -> torch.Tensor:
    """Validate a batch of shadow snapshot vectors ``(B, T, n, 3)``."""
    x = _check_tensor(x, "shadow snapshots")
    if x.ndim != 4 or x.shape[2] != n_sites or x.shape[3] != 3:
        raise DimensionError(
            f"shadow snapshots must have shape (B, T, {n_sites}, 3) (batch, shots, sites, "
            f"xyz), got {tuple(x.shape)}"
        )
    if x.shape[1] == 0:
        raise DimensionError("shadow snapshots need at least one shot, got T = 0")
    return x


def check_correlator_batch(x: object, n_sites: int) -> torch.Tensor:
    """Validate a batch of correlator matrices ``(B, n, n)``."""
    x = _check_tensor(x, "correlators")
    if x.ndim != 3 or x.shape[1:] != (n_sites, n_sites):
        raise DimensionError(
            f"correlators must have shape (B, {n_sites}, {n_sites}), got {tuple(x.shape)}"
        )
    return x


def zero_bias(
    enabled: bool, *shape: int, dtype: torch.dtype, device: torch.device | str | None
) -> nn.Parameter | None:
    """A zero-initialised bias parameter of ``shape``, or None when ``enabled`` is false."""
    return nn.Parameter(torch.zeros(*shape, dtype=dtype, device=device)) if enabled else None


def init_uniform_(module: nn.Module, generator: torch.Generator) -> nn.Module:
    r"""Seeded re-initialization of every ``nn.Linear`` / ``nn.Conv1d`` inside ``module``.

    Weights and biases are drawn from :math:`\mathcal U(-1/\sqrt{\text{fan-in}},
    1/\sqrt{\text{fan-in}})` (PyTorch's default bounds) with ``generator`` instead of the
    global random state.
    """
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.Conv1d)):
            fan_in = layer.weight[0].numel()
            bound = 1.0 / np.sqrt(fan_in)
            with torch.no_grad():
                for p in (layer.weight, layer.bias):
                    if p is not None:
                        values = torch.rand(p.shape, generator=generator, dtype=torch.float64)
                        p.copy_((2 * values - 1) * bound)
    return module


class Activation(nn.Module):
    """A module wrapping an elementwise callable (so nonlinearities are passed as callables)."""

    def __init__(self, fn: object) -> None:
        super().__init__()
        if not callable(fn):
            raise InvalidParameterError(f"activation must be callable, got {fn!r}")
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)  # type: ignore[operator]

    def extra_repr(self) -> str:
        return getattr(self.fn, "__name__", repr(self.fn))


def mlp_head(
    sizes: tuple[int, ...],
    activation: object,
    generator: torch.Generator,
    *,
    dtype: torch.dtype,
    device: torch.device | str | None,
) -> nn.Sequential:
    """``Linear -> act -> ... -> Linear`` through ``sizes`` (no activation after the last)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b, dtype=dtype, device=device))
        if i < len(sizes) - 2:
            layers.append(Activation(activation))
    return init_uniform_(nn.Sequential(*layers), generator)  # type: ignore[return-value]


def shot_chunked_mean(
    fn_sum: object, x: torch.Tensor, chunk: int, *, shot_dim: int = 1
) -> torch.Tensor:
    """Mean over shots of a per-shot computation, over chunks of shots (bounded memory).

    ``fn_sum(x_chunk)`` must return the *sum* over the chunk's shots of a function applied
    to each shot independently; the result is that sum over all shots divided by ``T``.
    """
    total = x.shape[shot_dim]
    out = None
    for start in range(0, total, chunk):
        part = fn_sum(x.narrow(shot_dim, start, min(chunk, total - start)))  # type: ignore[operator]
        out = part if out is None else out + part
    return out / total  # type: ignore[operator]
