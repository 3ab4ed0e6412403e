"""Exceptions raised by eqqnn.

Every error names the offending value and what was expected instead.  All of them
derive from :class:`EqqnnError` and from the matching built-in (``ValueError`` or
``TypeError``) so that callers may catch either.
"""

from __future__ import annotations

__all__ = [
    "BackendError",
    "CacheError",
    "DimensionError",
    "EqqnnError",
    "GroupElementError",
    "InvalidParameterError",
    "NotEquivariantError",
    "ProblemTooLargeError",
    "RepresentationError",
]


class EqqnnError(Exception):
    """Base class of every error raised on purpose by eqqnn."""


class InvalidParameterError(EqqnnError, ValueError):
    """A scalar or option has a value outside its allowed set or range."""


class GroupElementError(EqqnnError, TypeError):
    """An object is not an element of the group it is used with (wrong type or shape)."""


class RepresentationError(EqqnnError, ValueError):
    """A representation is used with the wrong group or is ill-defined."""


class DimensionError(EqqnnError, ValueError):
    """Array dimensions do not match (for example a representation dimension mismatch)."""


class ProblemTooLargeError(EqqnnError, ValueError):
    """A dense method was asked for a problem beyond its documented limit."""


class NotEquivariantError(EqqnnError, ValueError):
    """An operation that must be equivariant is not (for example in a sector simulator)."""


class CacheError(EqqnnError, ValueError):
    """An on-disk cache file is corrupted or does not match its request."""


class BackendError(EqqnnError, RuntimeError):
    """A simulator or hardware backend cannot run the requested job."""
