"""Grids of coupling ratios ``r = J2/J1`` for training and testing phase classifiers.

The bond-alternating Heisenberg chain has its phase transition at ``r = 1`` (trivial
dimer phase for ``r < 1``, Haldane phase for ``r > 1``).  A ground state at exactly
``r = 1`` has no well-defined label, so every grid here excludes ``r = 1``.

Choice of grids
---------------
Nguyen et al. (arXiv:2210.08566, Sec. VI) train on a handful of ground states with
``J2/J1`` in ``[0, 2]`` and test on a dense grid of the same interval.  The exact
placement of their points is not published as code that we know of, so the rules
below are ours, chosen so that the two phases are sampled symmetrically:

* :func:`train_ratios` — ``train_size`` (even) points, half on each side of ``r = 1``,
  at the centres of equal bins.  With the default ``[low, high] = [0, 2]`` this is the
  midpoint rule on ``[0, 2]``: ``r_k = (2k + 1)/m`` for ``k = 0, …, m − 1``; the points
  are mirror images of each other under ``r ↔ 2 − r`` (to one rounding) and none equals 1.
  An odd ``train_size`` cannot be split evenly and raises an error.
* :func:`test_ratios` — a uniform grid of exactly ``n_points`` points that starts at
  ``low``: the closed grid ``linspace(low, high, n_points)`` when ``n_points`` is even
  and the half-open grid ``linspace(low, high, n_points, endpoint=False)`` when it is
  odd.  For any interval whose midpoint is 1 (the default) this is exactly the rule
  that keeps ``r = 1`` out: the default 101 points are ``r_k = 2k/101``,
  ``k = 0, …, 100``, i.e. ``0, 0.0198, …, 1.9802`` (50 points above 1, 51 below).
  For other intervals a grid point that falls on 1 raises an error.
* :func:`random_ratios` — i.i.d. uniform ratios from an explicit seed, optionally
  with a gap around the transition.
"""

from __future__ import annotations

import numpy as np

from eqqnn._validation import check_int, check_real
from eqqnn.errors import InvalidParameterError

__all__ = ["random_ratios", "test_ratios", "train_ratios"]

#: Ratio at which the bond-alternating chain changes phase.
CRITICAL_RATIO = 1.0
_ONE_TOL = 1e-12


def _check_interval(low: object, high: object) -> tuple[float, float]:
    lo = check_real("low", low, minimum=0.0)
    hi = check_real("high", high)
    if not hi > lo:
        raise InvalidParameterError(f"high must be > low, got low={lo}, high={hi}")
    return lo, hi


def train_ratios(train_size: int, *, low: float = 0.0, high: float = 2.0) -> np.ndarray:
    r"""Training ratios placed symmetrically on both sides of the transition.

    Half of the points lie in ``[low, 1)`` and half in ``(1, high]``, each half at the
    centres of equal bins:

    .. math::

        r^{-}_k = 1 - (1 - r_{\min})\,\frac{k + 1/2}{m/2}, \qquad
        r^{+}_k = 1 + (r_{\max} - 1)\,\frac{k + 1/2}{m/2}, \qquad k = 0,\dots,m/2-1.

    When ``low + high = 2`` this is the midpoint rule on the whole interval,
    :math:`r_k = r_{\min} + (r_{\max} - r_{\min})(2k + 1)/(2m)`, mirror-symmetric under
    ``r ↔ 2 − r``.

    Parameters
    ----------
    train_size : int
        Number of points ``m``; must be even and >= 2.
    low, high : float
        Interval of ratios; ``0 <= low < 1 < high``.

    Returns
    -------
    numpy.ndarray
        Sorted float64 array of shape ``(train_size,)``.

    Raises
    ------
    InvalidParameterError
        If ``train_size`` is odd or < 2, or the interval does not contain 1 strictly.

    Examples
    --------
    >>> train_ratios(4)
    array([0.25, 0.75, 1.25, 1.75])
    """
    m = check_int("train_size", train_size, minimum=2)
    if m % 2:
        raise InvalidParameterError(
            f"train_size must be even (equal numbers of points on each side of r = 1), got {m}"
        )
    lo, hi = _check_interval(low, high)
    if not lo < CRITICAL_RATIO < hi:
        raise InvalidParameterError(
            f"train_ratios needs low < 1 < high to sample both phases, got low={lo}, high={hi}"
        )
    if lo + hi == 2.0 * CRITICAL_RATIO:
        # Same points, computed in one division each: r_k = low + (high - low)(2k + 1)/(2m).
        return lo + (hi - lo) * (2.0 * np.arange(m, dtype=np.float64) + 1.0) / (2.0 * m)
    half = m // 2
    frac = (np.arange(half, dtype=np.float64) + 0.5) / half
    left = (CRITICAL_RATIO - (CRITICAL_RATIO - lo) * frac)[::-1]
    right = CRITICAL_RATIO + (hi - CRITICAL_RATIO) * frac
    return np.ascontiguousarray(np.concatenate([left, right]))


def test_ratios(n_points: int = 101, *, low: float = 0.0, high: float = 2.0) -> np.ndarray:
    r"""Dense uniform test grid with exactly ``n_points`` points, none equal to 1.

    .. math::

        r_k = r_{\min} + k\,\frac{r_{\max} - r_{\min}}{n - 1}\ (n \text{ even}), \qquad
        r_k = r_{\min} + k\,\frac{r_{\max} - r_{\min}}{n}\ (n \text{ odd}),
        \qquad k = 0, \dots, n - 1.

    For an interval centred on 1 these never contain 1 (the centre is a grid point only
    for the other parity).  The odd rule drops the endpoint ``high``.

    Parameters
    ----------
    n_points : int
        Number of points, >= 2.
    low, high : float
        Interval of ratios, ``0 <= low < high``.

    Returns
    -------
    numpy.ndarray
        Sorted float64 array of shape ``(n_points,)``.

    Raises
    ------
    InvalidParameterError
        If ``n_points < 2``, the interval is empty, or a grid point falls on ``r = 1``
        (possible only for intervals not centred on 1).

    Examples
    --------
    >>> test_ratios(4)
    array([0.        , 0.66666667, 1.33333333, 2.        ])
    >>> test_ratios(5)
    array([0. , 0.4, 0.8, 1.2, 1.6])
    >>> len(test_ratios()), bool(np.any(test_ratios() == 1.0))
    (101, False)
    """
    n = check_int("n_points", n_points, minimum=2)
    lo, hi = _check_interval(low, high)
    grid = np.linspace(lo, hi, n, endpoint=(n % 2 == 0), dtype=np.float64)
    hit = np.abs(grid - CRITICAL_RATIO) <= _ONE_TOL
    if np.any(hit):
        raise InvalidParameterError(
            f"test grid with n_points={n} on [{lo}, {hi}] contains r = 1 "
            f"(index {int(np.argmax(hit))}); choose n_points of the other parity or "
            "an interval centred on 1"
        )
    return grid


def random_ratios(
    n: int,
    seed: int | np.random.Generator,
    *,
    low: float = 0.0,
    high: float = 2.0,
    gap: float = 0.0,
) -> np.ndarray:
    r"""I.i.d. uniform ratios on ``[low, high]`` minus the window ``|r − 1| < gap``.

    .. math::

        r_k \sim \mathcal{U}\big([r_{\min}, r_{\max}] \setminus (1 - g, 1 + g)\big).

    Sampling uses the inverse CDF of the uniform distribution on the union of the two
    remaining intervals, so exactly ``n`` draws are consumed from the generator.  A draw
    that equals 1 exactly (probability zero) is redrawn.

    Parameters
    ----------
    n : int
        Number of ratios, >= 1.
    seed : int or numpy.random.Generator
        Seed of :func:`numpy.random.default_rng` or a generator to draw from.
    low, high : float
        Interval of ratios, ``0 <= low < high``.
    gap : float
        Half-width of the excluded window around the transition, >= 0.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n,)``, sorted in increasing order.

    Examples
    --------
    >>> r = random_ratios(5, seed=0, gap=0.1)
    >>> r.shape, bool(np.all(np.abs(r - 1) >= 0.1))
    ((5,), True)
    >>> np.array_equal(r, random_ratios(5, seed=0, gap=0.1))
    True
    """
    count = check_int("n", n, minimum=1)
    lo, hi = _check_interval(low, high)
    g = check_real("gap", gap, minimum=0.0)
    if isinstance(seed, np.random.Generator):
        rng = seed
    else:
        rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    # The excluded window clipped to the interval.
    cut_lo = min(max(CRITICAL_RATIO - g, lo), hi)
    cut_hi = max(min(CRITICAL_RATIO + g, hi), lo)
    if g == 0.0:
        cut_lo = cut_hi = min(max(CRITICAL_RATIO, lo), hi)
    left_len = cut_lo - lo
    right_len = hi - cut_hi
    total = left_len + right_len
    if total <= 0.0:
        raise InvalidParameterError(
            f"gap={g} removes the whole interval [{lo}, {hi}]; expected a smaller gap"
        )

    def draw(size: int) -> np.ndarray:
        x = rng.random(size) * total
        return np.where(x < left_len, lo + x, cut_hi + (x - left_len))

    out = draw(count)
    bad = out == CRITICAL_RATIO
    while np.any(bad):
        out[bad] = draw(int(bad.sum()))
        bad = out == CRITICAL_RATIO
    return np.sort(out)


# ``test_ratios`` is a grid factory, not a pytest test: keep pytest from collecting it when a
# test module imports it under its own name.
test_ratios.__test__ = False  # type: ignore[attr-defined]
