r"""Cache-blocked reductions and combinations of sector states, accumulated in double precision.

Overlaps :math:`\sum_i \bar x_i y_i` of whole states (:func:`_vdot`), per column
(:func:`_column_vdots`) and per batch element (:func:`_row_values`, and
:func:`_planar_row_values` for the numba path's planar layout), and the in-place
``y <- a y + b x`` of the SciPy engine (:func:`_axpby`), all in chunks of
:data:`_CHUNK` entries that stay in cache and without full-size temporaries.
"""

from __future__ import annotations

import numpy as np
import torch

from eqqnn.sim._backend import real_dtype_of

#: Entries per chunk of the cache-blocked NumPy loops (vdot, combinations).
_CHUNK = 1 << 15

_VDOT_CHUNK = _CHUNK


def _axpby(y: np.ndarray, a: complex, x: np.ndarray, b: complex) -> None:
    """``y <- a y + b x`` in place, in cache-sized chunks (no full-size temporaries)."""
    yf, xf = y.reshape(-1), x.reshape(-1)
    a_s, b_s = y.dtype.type(a), y.dtype.type(b)
    buf = np.empty(min(_CHUNK, xf.shape[0]), dtype=y.dtype)
    for lo in range(0, xf.shape[0], _CHUNK):
        ys, xs = yf[lo : lo + _CHUNK], xf[lo : lo + _CHUNK]
        part = buf[: xs.shape[0]]
        np.multiply(xs, b_s, out=part)
        ys *= a_s
        ys += part


def _vdot_np(x: np.ndarray, y: np.ndarray) -> complex:
    r""":math:`\sum_i \bar x_i y_i` of two arrays of one shape (1-D, or 2-D row blocks that
    may be column slices), accumulated in double precision.

    Chunks small enough to stay in cache are multiplied and summed pairwise in complex128.
    (Single-precision BLAS accumulates sequentially, with relative errors up to ~1e-3 for
    the 10^7-term sums of large sectors; multithreaded BLAS dots also pay a thread
    wake-up per call.)
    """
    if x.ndim == 1:
        x, y = x[:, None], y[:, None]
    rows = max(1, _VDOT_CHUNK // max(1, x.shape[1]))
    total = 0j
    buf = np.empty((min(rows, x.shape[0]), x.shape[1]), dtype=np.result_type(x, y))
    for lo in range(0, x.shape[0], rows):
        xs, ys = x[lo : lo + rows], y[lo : lo + rows]
        part = buf[: xs.shape[0]]
        np.conjugate(xs, out=part)
        part *= ys
        total += complex(part.sum(dtype=np.complex128))
    return total


def _vdot(a: torch.Tensor, b: torch.Tensor) -> complex:
    r""":math:`\sum_i \bar a_i b_i` of two tensors of one shape (double accumulation;
    NumPy on CPU, where torch's reductions pay a thread wake-up per call)."""
    if a.device.type == "cpu" and not (a.requires_grad or b.requires_grad):
        return _vdot_np(a.numpy(), b.numpy())
    wide = torch.complex128
    return complex((a.to(wide).conj() * b.to(wide)).sum())


def _column_vdots(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""``(R,)`` complex128 :math:`\sum_t \bar x_{tr} y_{tr}` of two ``(d, R)`` tensors
    (double accumulation, cache-sized row chunks on CPU)."""
    if x.device.type == "cpu" and not (x.requires_grad or y.requires_grad):
        xn, yn = x.numpy(), y.numpy()
        rows = max(1, _VDOT_CHUNK // max(1, xn.shape[1]))
        total = np.zeros(xn.shape[1], dtype=np.complex128)
        buf = np.empty((min(rows, xn.shape[0]), xn.shape[1]), dtype=np.result_type(xn, yn))
        for lo in range(0, xn.shape[0], rows):
            xs, ys = xn[lo : lo + rows], yn[lo : lo + rows]
            part = buf[: xs.shape[0]]
            np.conjugate(xs, out=part)
            part *= ys
            total += part.sum(axis=0, dtype=np.complex128)
        return torch.from_numpy(total)
    wide = torch.complex128
    return (x.to(wide).conj() * y.to(wide)).sum(dim=0)


def _row_values(psi: torch.Tensor, lam: torch.Tensor, batch: int) -> torch.Tensor:
    """``Re <ψ_r|λ_r>`` summed over the magnetizations of each batch element."""
    if psi.device.type == "cpu" and not (psi.requires_grad or lam.requires_grad):
        vals = _column_vdots(psi, lam).real.reshape(batch, -1).sum(dim=1)
        return vals.to(real_dtype_of(psi.dtype))
    vals = torch.linalg.vecdot(psi, lam, dim=0).real
    return vals.reshape(batch, -1).sum(dim=1)


def _planar_row_values(psi: np.ndarray, lam: np.ndarray, batch: int) -> torch.Tensor:
    """:func:`_row_values` of two planar ``(d, 2R)`` states (double accumulation)."""
    width = psi.shape[1] // 2
    rows = max(1, _VDOT_CHUNK // max(1, psi.shape[1]))
    total = np.zeros(2 * width, dtype=np.float64)
    buf = np.empty((min(rows, psi.shape[0]), psi.shape[1]), dtype=psi.dtype)
    for lo in range(0, psi.shape[0], rows):
        part = buf[: min(rows, psi.shape[0] - lo)]
        np.multiply(psi[lo : lo + rows], lam[lo : lo + rows], out=part)
        total += part.sum(axis=0, dtype=np.float64)
    vals = torch.from_numpy(total[:width] + total[width:]).reshape(batch, -1).sum(dim=1)
    return vals.to(torch.float32 if psi.dtype == np.float32 else torch.float64)
