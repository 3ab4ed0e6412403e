r"""Inputs: the sector states of a batch, built and checked from any accepted input.

A batch lives as one :class:`_Sector` per total spin ``J``: a ``(d_J, B·(2J+1))`` tensor
of Young-basis coordinates with the sector's kernel.  :func:`_input_sectors` builds them
from ``(B, 2^n)`` qubit amplitudes (every sector in one :math:`O(n 2^n)` coupling pass,
:func:`~eqqnn.symmetry._schur_transform.qubit_to_sectors`; magnetization slices and
spins without weight cost nothing), ``(B, d_0)`` singlet-sector coordinates
or a mapping ``{J: (B, 2J+1, d_J)}``; it checks shapes, dtypes and norms against the
backend's settings (:class:`_Options`: dtype, device, kept spins) and drops the sectors
without weight (:data:`ZERO_SECTOR_WEIGHT`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from eqqnn.errors import DimensionError, InvalidParameterError, ProblemTooLargeError
from eqqnn.sim._backend import COMPLEX_DTYPES, check_finite
from eqqnn.sim._sector._kernels import _kernel, _SectorKernel
from eqqnn.sim._sector._reduce import _column_vdots
from eqqnn.symmetry._schur_transform import qubit_to_sectors
from eqqnn.symmetry._tableaux import irrep_dimension

#: A sector whose total weight over the batch is below this is skipped (its contribution
#: to any expectation is at most this times the norm of the observable).
ZERO_SECTOR_WEIGHT = 1e-24


@dataclass
class _Sector:
    """One spin sector of a batch: ``(d, B·(2J+1))`` coordinates, rows ``b·(2J+1) + (J-m)``."""

    two_j: int
    kernel: _SectorKernel
    data: torch.Tensor

    @property
    def multiplicity(self) -> int:
        return self.two_j + 1


def _format_spin(two_j: int) -> str:
    return str(two_j // 2) if two_j % 2 == 0 else f"{two_j}/2"


@dataclass(frozen=True)
class _Options:
    """The settings of a backend that shape its inputs (``None``: follow the input)."""

    dtype: torch.dtype | None
    device: torch.device | None
    spins: tuple[float, ...] | None


def _tolerance(dtype: torch.dtype) -> float:
    return 1e-4 if dtype == torch.complex64 else 1e-8


def _target(opts: _Options, x: torch.Tensor) -> tuple[torch.dtype, torch.device]:
    if opts.dtype is not None:
        dtype = opts.dtype
    elif x.dtype in COMPLEX_DTYPES:
        dtype = x.dtype
    elif x.dtype in (torch.float32, torch.float16, torch.bfloat16):
        dtype = torch.complex64
    else:
        dtype = torch.complex128
    device = opts.device if opts.device is not None else x.device
    return dtype, device


def _check_dtype(opts: _Options, x: torch.Tensor, what: str) -> None:
    if x.is_complex() and opts.dtype is not None and x.dtype != opts.dtype:
        raise DimensionError(f"this backend runs in {opts.dtype}, got {what} of dtype {x.dtype}")
    if not (x.is_complex() or x.is_floating_point()):
        raise DimensionError(f"{what} must be real or complex floating point, got {x.dtype}")


def _spin_filter(opts: _Options, n: int) -> set[int] | None:
    if opts.spins is None:
        return None
    allowed = set()
    for s in opts.spins:
        two = round(2 * s)
        if two > n or (n - two) % 2:
            raise InvalidParameterError(
                f"spins={opts.spins} contains J={s:g}, which {n} qubits cannot carry "
                f"(need J <= {n / 2:g} and n/2 - J integer)"
            )
        allowed.add(two)
    return allowed


def _input_sectors(
    opts: _Options, n: int, states: Any, normalize: bool
) -> tuple[list[_Sector], int]:
    """The sectors of an input batch (qubit amplitudes, singlet-sector coordinates or a
    mapping ``{J: (B, 2J+1, d_J)}``) under ``opts``, and the batch size."""
    allowed = _spin_filter(opts, n)
    if isinstance(states, Mapping):
        raw = _from_mapping(opts, n, states, allowed)
    else:
        if isinstance(states, np.ndarray):
            states = torch.from_numpy(np.require(states, requirements="W"))
        if not isinstance(states, torch.Tensor):
            raise DimensionError(
                f"states must be a torch.Tensor, a numpy array or a mapping {{J: (B, 2J+1, "
                f"d_J)}}, got {type(states).__name__}"
            )
        _check_dtype(opts, states, "states")
        if states.ndim == 1:
            states = states[None]
        d0 = irrep_dimension(n, 0) if n % 2 == 0 else -1
        if states.ndim != 2 or states.shape[1] not in (2**n, d0):
            expect = f"(B, {2**n}) qubit amplitudes"
            if d0 > 0:
                expect += f" or (B, {d0}) singlet-sector coordinates"
            raise DimensionError(
                f"states for {n} qubits must have shape {expect}, got {tuple(states.shape)}"
            )
        if states.shape[1] == d0 and d0 != 2**n:
            check_finite(states)
            if allowed is not None and 0 not in allowed:
                raise InvalidParameterError(
                    f"singlet-sector inputs live in J=0, which spins={opts.spins} excludes"
                )
            dtype, device = _target(opts, states)
            raw = {0: states.detach().to(device=device, dtype=dtype)[:, None, :]}
        else:  # the transform's slice weights catch NaN and inf in the same read
            raw = _from_qubits(opts, n, states, allowed)
    if not raw:
        raise InvalidParameterError(
            f"the input has no weight in the kept spins {opts.spins}; nothing to simulate"
        )
    first = next(iter(raw.values()))
    batch, dtype, device = first.shape[0], first.dtype, first.device
    datas = {}
    weights = {}
    for two_j, t in raw.items():  # (B, 2J+1, d) -> (d, B·(2J+1)) rows of coordinates
        datas[two_j] = t.permute(2, 0, 1).reshape(t.shape[2], -1).contiguous()
        w = _column_vdots(datas[two_j], datas[two_j]).real
        weights[two_j] = w.to("cpu", torch.float64).reshape(batch, -1).sum(dim=1)
    norms = sum(weights.values()).sqrt()
    finite = torch.isfinite(norms)
    if not bool(finite.all()):
        i = int(torch.nonzero(~finite).flatten()[0])
        raise InvalidParameterError(f"state {i} has a non-finite amplitude (NaN or inf)")
    tol = _tolerance(dtype)
    if normalize:
        if bool((norms == 0).any()):
            raise InvalidParameterError("cannot normalize a zero state vector")
        for two_j, data in datas.items():
            scale = norms.repeat_interleave(two_j + 1).to(device=device, dtype=dtype)
            datas[two_j] = data / scale[None, :]
            weights[two_j] = weights[two_j] / norms**2
    else:
        bad = torch.nonzero(torch.abs(norms - 1) > tol).flatten()
        if len(bad):
            i = int(bad[0])
            kept = "" if opts.spins is None else f" in the kept spins {opts.spins}"
            raise InvalidParameterError(
                f"state {i} has norm {float(norms[i]):.12g}{kept} (|norm - 1| = "
                f"{abs(float(norms[i]) - 1):.1e}), expected 1 within {tol:g}; pass "
                "normalize=True to normalize inputs"
            )
    sectors = []
    for two_j in sorted(datas):
        if float(weights[two_j].sum()) < ZERO_SECTOR_WEIGHT:
            continue
        kern = _kernel(n, two_j, device, dtype)
        sectors.append(_Sector(two_j, kern, datas[two_j]))
    return sectors, batch


def _from_mapping(
    opts: _Options, n: int, states: Mapping, allowed: set[int] | None
) -> dict[int, torch.Tensor]:
    raw: dict[int, torch.Tensor] = {}
    batch = None
    for spin, t in states.items():
        try:
            two = round(2 * float(spin))
        except (TypeError, ValueError):
            raise InvalidParameterError(f"sector keys must be spins J, got {spin!r}") from None
        if two < 0 or two > n or (n - two) % 2 or abs(2 * float(spin) - two) > 1e-9:
            raise InvalidParameterError(f"{n} qubits carry no total spin J={spin!r}")
        if isinstance(t, np.ndarray):
            t = torch.from_numpy(np.require(t, requirements="W"))
        if not isinstance(t, torch.Tensor):
            raise DimensionError(f"sector J={spin} must be a tensor, got {type(t).__name__}")
        _check_dtype(opts, t, f"sector J={spin}")
        check_finite(t)
        d = irrep_dimension(n, two / 2)
        if t.ndim == 2 and two == 0:
            t = t[:, None, :]
        if t.ndim != 3 or t.shape[1:] != (two + 1, d):
            raise DimensionError(
                f"sector J={_format_spin(two)} of {n} qubits must have shape (B, {two + 1}, "
                f"{d}), got {tuple(t.shape)}"
            )
        if batch is not None and t.shape[0] != batch:
            raise DimensionError(
                f"all sectors need the same batch size, got {batch} and {t.shape[0]}"
            )
        batch = t.shape[0]
        if allowed is not None and two not in allowed:
            continue
        dtype, device = _target(opts, t)
        raw[two] = t.detach().to(device=device, dtype=dtype)
    return raw


def _from_qubits(
    opts: _Options, n: int, states: torch.Tensor, allowed: set[int] | None
) -> dict[int, torch.Tensor]:
    dtype, device = _target(opts, states)
    if n > 26:
        raise ProblemTooLargeError(
            f"qubit inputs of n_qubits={n} have 2**{n} amplitudes; pass sector "
            "coordinates instead (e.g. GroundState.sector_vector)"
        )
    psi = states.detach().to("cpu", torch.complex128).numpy()
    blocks = qubit_to_sectors(psi, n, None if allowed is None else sorted(allowed))
    return {
        two_j: torch.from_numpy(block).to(device=device, dtype=dtype)
        for two_j, block in blocks.items()
    }
