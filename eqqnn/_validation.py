"""Small argument checks shared by the whole package (messages name value and limit)."""

from __future__ import annotations

import math
import numbers

from eqqnn.errors import InvalidParameterError


def check_int(
    name: str, value: object, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Return ``value`` as ``int`` or raise :class:`InvalidParameterError`.

    Booleans are rejected; integral numpy scalars are accepted.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidParameterError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise InvalidParameterError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise InvalidParameterError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_real(
    name: str,
    value: object,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    allow_equal: bool = True,
) -> float:
    """Return ``value`` as a finite ``float`` or raise :class:`InvalidParameterError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise InvalidParameterError(f"{name} must be finite, got {value}")
    if minimum is not None and (value < minimum or (not allow_equal and value == minimum)):
        op = ">=" if allow_equal else ">"
        raise InvalidParameterError(f"{name} must be {op} {minimum}, got {value}")
    if maximum is not None and (value > maximum or (not allow_equal and value == maximum)):
        op = "<=" if allow_equal else "<"
        raise InvalidParameterError(f"{name} must be {op} {maximum}, got {value}")
    return value


def check_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices`` or raise :class:`InvalidParameterError`."""
    if value not in choices:
        raise InvalidParameterError(f"{name} must be one of {choices}, got {value!r}")
    return value  # type: ignore[return-value]


def check_even_int(
    name: str, value: object, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Like :func:`check_int`, and the value must be even (chain lengths of the task)."""
    value = check_int(name, value, minimum=minimum, maximum=maximum)
    if value % 2:
        raise InvalidParameterError(f"{name} must be even, got {value}")
    return value


def check_seeds(seeds: object, name: str = "seeds") -> tuple[int, ...]:
    """A non-empty sequence of non-negative integer seeds, as a tuple."""
    if not seeds:
        raise InvalidParameterError(f"{name} must hold at least one seed, got none")
    return tuple(check_int("seed", s, minimum=0) for s in seeds)  # type: ignore[union-attr]
