r"""Fused kernels of the one-pass Schur–Weyl transform: the Clebsch–Gordan level update
and the first read of the input.

One level of :func:`eqqnn.symmetry._spin_coupling.couple_magnetization_slice` writes, for every
block, :math:`c = a\,p_0 + b\,p_1` from two parent slabs.  numpy needs three passes and a
temporary for that (``multiply``, ``multiply``, ``add``); the numba kernel below reads each
parent once and writes the result once, which halves the memory traffic of the transform
(it is memory-bound).  :func:`gather_slice` reads the ``(B, 2^n)`` input once: it sums
the squared norm of every magnetization slice and copies one slice out, batch last, ready
for the coupling (numpy needs a weight pass, a gather and a transpose).  Without numba
the numpy forms are used.  numba is imported on the first call, so importing
:mod:`eqqnn.symmetry` stays light.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["combine", "gather_slice"]

_KERNELS: dict[str, Any] = {}


def _compile() -> Any:
    try:
        from numba import njit
    except ImportError:  # pragma: no cover - numba is a dependency
        return None

    @njit(cache=True, nogil=True)
    def fused(out, a, p0, b, p1, two):  # type: ignore[no-untyped-def]
        d, s, m = out.shape
        for i in range(d):
            for j in range(s):
                for k in range(m):
                    if two:
                        out[i, j, k] = a * p0[i, j, k] + b * p1[i, j, k]
                    else:
                        out[i, j, k] = a * p0[i, j, k]

    @njit(cache=True, nogil=True)
    def gather_real(flat, ones, k, weights, re_out):  # type: ignore[no-untyped-def]
        nb, size = flat.shape
        for b in range(nb):
            r = 0  # strings with k ones come in ascending order: r is their rank
            for i in range(size):
                x = flat[b, i]
                c = ones[i]
                weights[c] += x * x
                if c == k:
                    re_out[r, b] = x
                    r += 1

    @njit(cache=True, nogil=True)
    def gather_complex(flat, ones, k, weights, re_out, im_out):  # type: ignore[no-untyped-def]
        nb = flat.shape[0]
        size = flat.shape[1] // 2
        for b in range(nb):
            r = 0
            for i in range(size):
                x = flat[b, 2 * i]
                y = flat[b, 2 * i + 1]
                c = ones[i]
                weights[c] += x * x + y * y
                if c == k:
                    re_out[r, b] = x
                    im_out[r, b] = y
                    r += 1

    return {"fused": fused, "gather_real": gather_real, "gather_complex": gather_complex}


def _kernel(name: str) -> Any:
    if "compiled" not in _KERNELS:
        _KERNELS["compiled"] = _compile()
    compiled = _KERNELS["compiled"]
    return None if compiled is None else compiled[name]


def gather_slice(
    psi: np.ndarray, n: int, ones: np.ndarray, k: int, size: int
) -> tuple[np.ndarray, np.ndarray] | None:
    r"""One read of ``(B, 2^n)`` states: the squared norm of each slice and slice ``k``.

    .. math:: w_j = \sum_b \sum_{|x| = j} |\psi_{b, x}|^2, \qquad
              S[r(x), b] = \psi_{b, x} \ \text{for}\ |x| = k ,

    with :math:`|x|` the number of ones of the basis string ``x`` (``ones``, read-only
    table of ``2^n`` entries) and :math:`r(x)` its rank among the ``size`` strings with
    ``k`` ones in ascending order (they are met in that order, so no table is needed).

    Returns
    -------
    (weights, slice) or None
        ``(n + 1,)`` weights and the ``(size, B)`` slice, real when every amplitude of the
        slice is real; ``None`` without numba or for inputs it does not take (not
        C-contiguous float64 / complex128).
    """
    kind = psi.dtype
    if kind not in (np.float64, np.complex128) or not psi.flags.c_contiguous:
        return None
    kernel = _kernel("gather_complex" if kind == np.complex128 else "gather_real")
    if kernel is None:
        return None
    nb = psi.shape[0]
    weights = np.zeros(n + 1, dtype=np.float64)
    re_out = np.empty((size, nb), dtype=np.float64)
    flat = psi.view(np.float64)
    if kind == np.float64:
        kernel(flat, ones, k, weights, re_out)
        return weights, re_out
    im_out = np.empty((size, nb), dtype=np.float64)
    kernel(flat, ones, k, weights, re_out, im_out)
    if not im_out.any():
        return weights, re_out
    return weights, re_out + 1j * im_out


def combine(out: np.ndarray, parts: list[tuple[float, np.ndarray]]) -> None:
    r"""``out[...] = sum_i c_i p_i`` for at most two ``(c_i, p_i)`` of ``out``'s shape
    (zero when ``parts`` is empty)."""
    if not parts:
        out[...] = 0
        return
    fused = _kernel("fused")
    if fused is None or out.size < 4096:
        np.multiply(parts[0][1], parts[0][0], out=out)
        if len(parts) == 2:
            out += parts[1][0] * parts[1][1]
        return
    (a, p0), (b, p1) = parts[0], parts[-1]
    fused(out, a, p0, b, p1, len(parts) == 2)
