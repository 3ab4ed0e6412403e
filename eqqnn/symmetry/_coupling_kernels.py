r"""Fused Clebsch–Gordan updates of the one-pass Schur–Weyl transform.

One level of :func:`eqqnn.symmetry._spin_coupling.couple_magnetization_slice` writes, for every
block, :math:`c = a\,p_0 + b\,p_1` from two parent slabs.  numpy needs three passes and a
temporary for that (``multiply``, ``multiply``, ``add``); the numba kernel below reads each
parent once and writes the result once, which halves the memory traffic of the transform
(it is memory-bound).  Without numba the numpy form is used.  numba is imported on the
first call, so importing :mod:`eqqnn.symmetry` stays light.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["combine"]

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

    return fused


def combine(out: np.ndarray, parts: list[tuple[float, np.ndarray]]) -> None:
    r"""``out[...] = sum_i c_i p_i`` for at most two ``(c_i, p_i)`` of ``out``'s shape
    (zero when ``parts`` is empty)."""
    if not parts:
        out[...] = 0
        return
    if "fused" not in _KERNELS:
        _KERNELS["fused"] = _compile()
    fused = _KERNELS["fused"]
    if fused is None or out.size < 4096:
        np.multiply(parts[0][1], parts[0][0], out=out)
        if len(parts) == 2:
            out += parts[1][0] * parts[1][1]
        return
    (a, p0), (b, p1) = parts[0], parts[-1]
    fused(out, a, p0, b, p1, len(parts) == 2)
