r"""The Schur–Weyl transform of qubit states: every spin sector in one coupling pass.

Schur–Weyl duality splits :math:`(\mathbb C^2)^{\otimes n} = \bigoplus_J V_J\otimes M_J`,
and a state's coordinates are :math:`c^{(J,m)}_t = \langle T_t, m|\psi\rangle` for the
standard Young tableaux :math:`T_t` (paths of spins :math:`s_1 = \tfrac12, s_2, \dots,
s_n = J`) and magnetizations :math:`m`.  They are computed by coupling the qubits one at a
time with Clebsch–Gordan coefficients
(:func:`~eqqnn.symmetry._spin_coupling.couple_magnetization_slice`): a magnetization
slice of :math:`\binom nk` amplitudes is coupled *once* for every final spin
:math:`J \ge |m|` together, and each of the :math:`n` levels touches every amplitude
once, so the whole transform costs :math:`O(n\,2^n)` per state (the per-sector
:func:`~eqqnn.symmetry._spin_coupling.qubit_to_sector` repeats the shared levels for every
:math:`(J, m)`, :math:`O(n^2 2^n)`).  A slice in which the input has no weight is
skipped, and the :math:`m = 0` (or :math:`\pm\tfrac12`) slice is coupled for its lowest
spin first and for the others only if weight remains: a singlet costs one read of the
amplitudes (the slice weights and the copy of that slice, batch last, in the same pass:
:func:`~eqqnn.symmetry._coupling_kernels.gather_slice`) and one pass over the
:math:`\binom{n}{n/2}` of its slice towards :math:`J = 0`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np

from eqqnn.errors import DimensionError, InvalidParameterError, ProblemTooLargeError
from eqqnn.symmetry._coupling_kernels import gather_slice, release_slice
from eqqnn.symmetry._spin_coupling import (
    MAX_STATE_QUBITS,
    _fixed_weight_strings,
    _level_keys,
    couple_slice_columns,
)
from eqqnn.symmetry._tableaux import _dim

__all__ = ["EMPTY_SLICE_WEIGHT", "RESIDUAL_RTOL", "qubit_to_sectors"]

#: A magnetization slice whose squared norm, summed over the batch, is at most this is
#: skipped (its contribution to any expectation is below this times the observable's norm).
EMPTY_SLICE_WEIGHT = 1e-24


#: Relative rounding allowance when the weight left in a slice after its lowest spin is
#: computed as a difference of two sums (1e-13: about 100 times the rounding of a sum of
#: a million terms; weight below it in higher spins is dropped, an error below 1e-13).
RESIDUAL_RTOL = 1e-13


def _union_keys(n: int, two_m: int, two_js: Iterable[int]) -> list[list[tuple[int, int]]]:
    """Per level, the blocks reachable from any of the final keys ``(2J, 2m)``."""
    levels: list[set[tuple[int, int]]] = [set() for _ in range(n + 1)]
    for two_j in two_js:
        for ell, keys in enumerate(_level_keys(n, two_j, two_m)):
            levels[ell].update(keys)
    return [sorted(keys) for keys in levels]


@lru_cache(maxsize=8)
def _popcounts(n: int) -> np.ndarray:
    """Number of ones of every ``n``-bit integer (read-only)."""
    counts = np.zeros(1, dtype=np.int64)
    for _ in range(n):
        counts = np.concatenate([counts, counts + 1])
    counts.setflags(write=False)
    return counts


@lru_cache(maxsize=8)
def _ones_table(n: int) -> np.ndarray:
    """Number of ones of every ``n``-bit integer as ``uint8`` (read-only), built without
    the ``int64`` table of :func:`_popcounts` (8 times the memory: 2 GiB at n = 28)."""
    counts = np.zeros(1, dtype=np.uint8)
    for _ in range(n):
        counts = np.concatenate([counts, counts + np.uint8(1)])
    counts.setflags(write=False)
    return counts


def _slice_weights(psi: np.ndarray, n: int) -> np.ndarray:
    r"""Squared norm of each magnetization slice summed over the batch, by number of ones
    :math:`k`: one pass over the amplitudes, nothing gathered."""
    if np.iscomplexobj(psi):
        flat = np.ascontiguousarray(psi, dtype=np.complex128).view(np.float64)
    else:
        flat = psi.astype(np.float64, copy=False)
    per_column = np.einsum("bi,bi->i", flat, flat)
    if np.iscomplexobj(psi):
        per_column = per_column.reshape(-1, 2).sum(axis=1)
    return np.bincount(_popcounts(n), weights=per_column, minlength=n + 1)


def qubit_to_sectors(
    states: np.ndarray, n_qubits: int, two_spins: Iterable[int] | None = None
) -> dict[int, np.ndarray]:
    r"""All Schur–Weyl coordinates of a batch of qubit states.

    .. math:: c^{(J,m)}_t = \langle T_t, m | \psi_b\rangle , \qquad
              \sum_{J,m,t} |c^{(J,m)}_t|^2 = \|\psi_b\|^2 .

    Parameters
    ----------
    states
        ``(B, 2^n)`` real or complex array (qubit 0 most significant).
    n_qubits
        ``n``.
    two_spins
        Twice the total spins to return (default: all, ``n mod 2, ..., n``).

    Returns
    -------
    dict
        ``{2J: (B, 2J + 1, d_J)}``, rows ordered :math:`m = J, J - 1, \dots, -J`, for the
        requested spins reached by a magnetization slice with weight (slices without
        weight are skipped and their rows are zero; a spin reached by none is absent).

    Examples
    --------
    >>> psi = np.array([[0.0, 1.0, -1.0, 0.0]]) / np.sqrt(2)   # the two-qubit singlet
    >>> out = qubit_to_sectors(psi, 2)
    >>> sorted(out), out[0].round(12).tolist()
    ([0], [[[1.0]]])
    """
    n = int(n_qubits)
    if n > MAX_STATE_QUBITS:
        raise ProblemTooLargeError(
            f"qubit state vectors of n_qubits={n} have 2**{n} amplitudes; the limit is "
            f"n_qubits <= {MAX_STATE_QUBITS}"
        )
    psi = np.asarray(states)
    if psi.ndim != 2 or psi.shape[1] != 2**n:
        raise DimensionError(
            f"states for {n} qubits must have shape (B, {2**n}), got {tuple(psi.shape)}"
        )
    dtype = np.result_type(psi.dtype, np.float64)
    wanted = sorted(
        set(range(n % 2, n + 1, 2) if two_spins is None else (int(t) for t in two_spins))
    )
    middle = n // 2  # ones in the slice of the lowest spin (m = 0, or m = 1/2)
    gathered = gather_slice(psi, n, _ones_table(n), _fixed_weight_strings(n, middle))
    if gathered is None:
        slice_weights, middle_columns = _slice_weights(psi, n), None
    else:
        slice_weights, middle_columns = gathered
    if not np.isfinite(slice_weights).all():
        bad = int(np.flatnonzero(~np.isfinite(psi).all(axis=1))[0])
        raise InvalidParameterError(f"state {bad} has a non-finite amplitude (NaN or inf)")
    out: dict[int, np.ndarray] = {}

    def store(two_m: int, blocks: dict[tuple[int, int], np.ndarray], targets: list[int]) -> None:
        for two_j in targets:
            block = out.get(two_j)
            if block is None:
                block = np.zeros((psi.shape[0], two_j + 1, _dim(n, two_j)), dtype=dtype)
                out[two_j] = block
            block[:, (two_j - two_m) // 2, :] = blocks[(two_j, two_m)][:, :, 0]

    for two_m in range(n, -n - 1, -2):
        targets = [t for t in wanted if t >= abs(two_m) and _dim(n, t) > 0]
        weight = slice_weights[(n - two_m) // 2]
        if not targets or weight <= EMPTY_SLICE_WEIGHT:
            continue
        if middle_columns is not None and (n - two_m) // 2 == middle:
            columns = middle_columns  # read in the same pass as the weights, batch last
        else:
            slice_ = np.take(psi, _fixed_weight_strings(n, (n - two_m) // 2), axis=1)
            slice_ = slice_.astype(dtype, copy=False)
            if np.iscomplexobj(slice_) and not slice_.imag.any():
                slice_ = slice_.real  # real amplitudes (ground states): half the cost
            columns = np.ascontiguousarray(slice_.T)
        if abs(two_m) <= 1 and len(targets) > 1:
            # the slice of the lowest spin first: a singlet (or a doublet) stops here
            low = couple_slice_columns(columns, n, two_m, _union_keys(n, two_m, targets[:1]))
            store(two_m, low, targets[:1])
            coords = low[(targets[0], two_m)]
            # elementwise, not np.vdot: a BLAS call leaves OpenBLAS threads spinning for
            # a while, and they took a core from the sector step that follows (n = 16,
            # batch 64: 17-22 ms instead of 9 ms for several steps)
            residual = weight - float(np.sum(np.abs(coords) ** 2))
            if residual <= EMPTY_SLICE_WEIGHT + RESIDUAL_RTOL * weight:
                continue
            targets = targets[1:]
        blocks = couple_slice_columns(columns, n, two_m, _union_keys(n, two_m, targets))
        store(two_m, blocks, targets)
    if middle_columns is not None and middle_columns.dtype == np.float64:
        release_slice(middle_columns)  # coupled and stored: nothing refers to it
    return out
