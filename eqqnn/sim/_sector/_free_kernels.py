r"""Matrix-free numba kernels: Young's orthogonal form computed per row from tableau words.

The cached path stores every operator it applies as a sparse matrix (about 1.9 kB per
singlet-sector amplitude at n = 28, 4.8 GiB).  Here only the tableaux are stored, one
packed ``int64`` word per row (bit ``i`` set when number ``i`` sits in row 1 of the
two-row tableau: 8 bytes per amplitude, 0.28 GiB at n = 32), and every pass of an
adjacent transposition :math:`s_k = (k, k+1)` recomputes its two entries per row from
the word :math:`w_t` (:mod:`eqqnn.symmetry._tableaux`):

.. math::

    a = w_{t,k},\ b = w_{t,k+1},\ o = \mathrm{popcount}(w_t \bmod 2^k),\ h = k - 2o, \\
    \rho = 1 \text{ if } a = b \text{ else } (a - b)(h + 1), \qquad
    (s_k v)_t = \tfrac1\rho\, v_t + \sqrt{1 - \rho^{-2}}\; v_{p(t)}, \\
    p(t) = t + (b - a)\,[h \ne 0]\,\big(D(k, o+1) - D(k+1, o+1)\big),

with :math:`D(\ell, o)` the ballot counts: the partner's rank differs from ``t`` only by
the terms of letters ``k`` and ``k+1`` of the ranking sum.  A two-wire gate
:math:`c_e I + c_\tau D(s_k)` and its adjoint step (the same sweep also accumulating
:math:`\langle\mu|x_e\psi + x_\tau D(s_k)\psi\rangle`) are one pass each, on the planar
states of :mod:`eqqnn.sim._sector._numba_kernels` and with the same fixed row blocks, so
results do not depend on the thread count.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from eqqnn.sim._sector._numba_kernels import AVAILABLE, _jit, _prange

__all__ = ["free_adjoint_pass", "free_gate_pass", "packed_words", "partner_deltas"]

if AVAILABLE:
    from numba import njit

    _inline = njit(inline="always", cache=True)
else:  # pragma: no cover - numba missing: the matrix-free mode is not offered

    def _inline(fn: Any) -> Any:
        return fn


@_inline
def _popcount(x):  # pragma: no cover - compiled
    x = x - ((x >> 1) & 0x5555555555555555)
    x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333)
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0F
    return ((x * 0x0101010101010101) >> 56) & 0xFF


@_inline
def _entries(w, k, delta, t):  # pragma: no cover - compiled
    """``(diag, off, partner)`` of :math:`s_k` in row ``t`` with word ``w``."""
    a = (w >> k) & 1
    b = (w >> (k + 1)) & 1
    o = _popcount(w & ((1 << k) - 1))
    h = k - 2 * o
    if a == b:
        return 1.0, 0.0, t
    rho = (a - b) * (h + 1)
    diag = 1.0 / rho
    off = np.sqrt(max(1.0 - diag * diag, 0.0))
    if h == 0:
        return diag, off, t
    return diag, off, t + (b - a) * delta[o]


@_jit
def free_gate_pass(words, k, delta, coef, x, y, chunks):  # pragma: no cover - compiled
    r"""``y = (coef[0] I + coef[1] D(s_k)) x`` for planar ``(d, 2R)`` states."""
    d, w2 = x.shape
    h = w2 // 2
    size = (d + chunks - 1) // chunks
    ce = coef[0]
    ct = coef[1]
    for c in _prange(chunks):
        lo = c * size
        hi = min(d, lo + size)
        for t in range(lo, hi):
            diag, off, p = _entries(words[t], k, delta, t)
            u = ce + ct * diag
            v = ct * off
            ur = u.real
            ui = u.imag
            vr = v.real
            vi = v.imag
            for r in range(h):
                xr = x[t, r]
                xi = x[t, h + r]
                pr = x[p, r]
                pi = x[p, h + r]
                y[t, r] = ur * xr - ui * xi + vr * pr - vi * pi
                y[t, h + r] = ur * xi + ui * xr + vr * pi + vi * pr


@_jit
def free_adjoint_pass(words, k, delta, coef, xcoef, w, out, acc, chunks):  # pragma: no cover
    r"""Adjoint step on planar ``W = [ψ_re | ψ_im | μ_re | μ_im]``: ``out = M W`` with
    ``M = coef[0] I + coef[1] D(s_k)``, and ``acc[c, a, r]`` the row block ``c`` part of
    :math:`\sum_t \bar\mu_{tr} (X_a\psi)_{tr}`, :math:`X_a = x_{a0} I + x_{a1} D(s_k)`."""
    d, w4 = w.shape
    h = w4 // 4
    m = xcoef.shape[0]
    size = (d + chunks - 1) // chunks
    ce = coef[0]
    ct = coef[1]
    for c in _prange(chunks):
        lo = c * size
        hi = min(d, lo + size)
        pr_acc = np.zeros((m, h), dtype=np.float64)
        pi_acc = np.zeros((m, h), dtype=np.float64)
        for t in range(lo, hi):
            diag, off, p = _entries(words[t], k, delta, t)
            u = ce + ct * diag
            v = ct * off
            ur = u.real
            ui = u.imag
            vr = v.real
            vi = v.imag
            for q in range(2):  # the ψ and the μ halves
                base = 2 * h * q
                for r in range(h):
                    xr = w[t, base + r]
                    xi = w[t, base + h + r]
                    qr = w[p, base + r]
                    qi = w[p, base + h + r]
                    out[t, base + r] = ur * xr - ui * xi + vr * qr - vi * qi
                    out[t, base + h + r] = ur * xi + ui * xr + vr * qi + vi * qr
            for g in range(m):
                xu = xcoef[g, 0] + xcoef[g, 1] * diag
                xv = xcoef[g, 1] * off
                for r in range(h):
                    xr = w[t, r]
                    xi = w[t, h + r]
                    qr = w[p, r]
                    qi = w[p, h + r]
                    yr = xu.real * xr - xu.imag * xi + xv.real * qr - xv.imag * qi
                    yi = xu.real * xi + xu.imag * xr + xv.real * qi + xv.imag * qr
                    mr = w[t, 2 * h + r]
                    mi = w[t, 3 * h + r]
                    pr_acc[g, r] += mr * yr + mi * yi
                    pi_acc[g, r] += mr * yi - mi * yr
        for g in range(m):
            for r in range(h):
                acc[c, g, r] = pr_acc[g, r] + 1j * pi_acc[g, r]


def packed_words(n: int, two_j: int) -> np.ndarray:
    """Row words of all tableaux of ``(n, J)`` packed into ``int64`` (bit ``i``: the row of
    number ``i``), in the simulator's (colexicographic) order; read-only.

    Unranked letter by letter, most significant first, like
    :func:`eqqnn.symmetry.two_row_tableaux`, without its ``(d, n)`` byte array.
    """
    from eqqnn.symmetry._tableaux import _ballot_counts, _dim

    if n > 62:
        raise ValueError(f"packed words hold at most 62 numbers, got n = {n}")
    d = _dim(n, two_j)
    counts = _ballot_counts(n)
    rank = np.arange(d, dtype=np.int64)
    ones = np.full(d, (n - two_j) // 2, dtype=np.int64)
    words = np.zeros(d, dtype=np.int64)
    for ell in range(n, 0, -1):
        n0 = counts[ell - 1][ones]
        letter = rank >= n0
        words |= letter.astype(np.int64) << (ell - 1)
        rank -= np.where(letter, n0, 0)
        ones -= letter
    words.setflags(write=False)
    return words


def partner_deltas(n: int, k: int) -> np.ndarray:
    """``D(k, o+1) - D(k+1, o+1)`` for every count ``o`` of ones before ``k`` (int64)."""
    from eqqnn.symmetry._tableaux import _ballot_counts

    counts = _ballot_counts(n)
    top = counts.shape[1] - 1
    o_range = np.minimum(np.arange(top + 1) + 1, top)
    return np.ascontiguousarray(counts[k][o_range] - counts[k + 1][o_range], dtype=np.int64)
