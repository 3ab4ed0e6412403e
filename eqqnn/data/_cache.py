r"""On-disk HDF5 cache for generated arrays (datasets of ground states).

Layout
------
One file per request, ``<cache_dir>/<namespace>/<key>.h5``, where ``key`` is the
SHA-256 of the canonical JSON (sorted keys, no NaN) of

.. code-block:: json

    {"eqqnn_version": "...", "format_version": 1, "params": {...}}

so that a change of any generating parameter, of the package version or of the file
format gives a new file.  Inside the file:

* attributes ``key``, ``params`` (the canonical JSON of the parameters),
  ``eqqnn_version``, ``format_version``, ``checksum`` (SHA-256 over the arrays, see
  :func:`array_checksum`) and ``created_utc``;
* one HDF5 dataset per array; names with ``/`` live in groups
  (``diagnostics/energy``).

Files are written with ``libver="latest"``, so HDF5 also checksums its own metadata.

Safety
------
Writes are atomic: the file is written to a temporary name in the same directory,
flushed and fsynced, then moved into place with :func:`os.replace`; if anything
raises, the temporary file is removed and nothing appears at the final path.  On
load, an unreadable file (truncated, not HDF5, damaged metadata), an array checksum
mismatch or a parameter / version mismatch emits a :class:`CacheWarning`, the bad file
is removed and the caller regenerates; a damaged file is never silently used.

Location: the ``directory`` argument, else the environment variable
``EQQNN_CACHE_DIR``, else ``platformdirs.user_cache_dir("eqqnn")``.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import platformdirs

from eqqnn.data._partial import PartialItems
from eqqnn.errors import CacheError, InvalidParameterError

__all__ = [
    "CACHE_ENV_VAR",
    "FORMAT_VERSION",
    "CacheWarning",
    "DatasetCache",
    "array_checksum",
    "as_cache",
    "cache_key",
    "default_cache_dir",
]

#: Version of the on-disk layout; part of every key.
FORMAT_VERSION = 1
#: Environment variable that overrides the default cache folder.
CACHE_ENV_VAR = "EQQNN_CACHE_DIR"


class CacheWarning(UserWarning):
    """A cache file was unusable (corrupted, mismatched or unwritable) and is bypassed."""


def _eqqnn_version() -> str:
    import eqqnn._version  # not the package root, which reaches up to eqqnn.experiments

    return str(eqqnn._version.__version__)


def default_cache_dir() -> Path:
    """Cache root: ``$EQQNN_CACHE_DIR`` if set and non-empty, else the platform cache dir.

    Examples
    --------
    >>> isinstance(default_cache_dir(), Path)
    True
    """
    env = os.environ.get(CACHE_ENV_VAR, "")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_cache_dir("eqqnn"))


def _canonical_json(obj: Any) -> str:
    try:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"cache parameters must be JSON-serializable finite values, got {obj!r} ({exc})"
        ) from exc


def _key_document(params: Mapping[str, Any]) -> str:
    return _canonical_json(
        {
            "eqqnn_version": _eqqnn_version(),
            "format_version": FORMAT_VERSION,
            "params": dict(params),
        }
    )


def cache_key(params: Mapping[str, Any]) -> str:
    r"""SHA-256 content hash of the parameters, the eqqnn version and the format version.

    .. math::

        \mathrm{key} = \mathrm{sha256}\big(\mathrm{json}(\{\text{version}, \text{format},
        \text{params}\})\big)

    Examples
    --------
    >>> k = cache_key({"n_qubits": 4, "ratio": 0.5})
    >>> len(k), k == cache_key({"ratio": 0.5, "n_qubits": 4})
    (64, True)
    """
    if not isinstance(params, Mapping):
        raise InvalidParameterError(f"params must be a mapping, got {type(params).__name__}")
    return hashlib.sha256(_key_document(params).encode("utf-8")).hexdigest()


def array_checksum(arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 over the arrays in sorted-name order (name, dtype, shape and raw bytes).

    The bytes are hashed in place (no copy of the array).

    Examples
    --------
    >>> a = {"x": np.arange(3)}
    >>> array_checksum(a) == array_checksum({"x": np.arange(3)})
    True
    >>> array_checksum(a) == array_checksum({"x": np.arange(1, 4)})
    False
    """
    h = hashlib.sha256()
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        _hash_header(h, name, arr.dtype, arr.shape)
        _hash_bytes(h, arr)
    return h.hexdigest()


def _hash_header(h: Any, name: str, dtype: np.dtype, shape: tuple[int, ...]) -> None:
    h.update(name.encode("utf-8") + b"\0")
    h.update(dtype.str.encode("ascii") + b"\0")
    h.update(repr(tuple(shape)).encode("ascii") + b"\0")


def _hash_bytes(h: Any, arr: np.ndarray) -> None:
    """Feed the raw bytes of a C-contiguous array to ``h`` without copying them."""
    if arr.size:
        h.update(arr.reshape(-1).view(np.uint8))


#: Stored bytes read at a time when an array is converted as it is read.
READ_BLOCK_BYTES = 64 << 20


def _read_dataset(ds: Any, name: str, h: Any, dtype: np.dtype | None) -> np.ndarray:
    """Read one HDF5 dataset, hashing its stored bytes into ``h``; with ``dtype``, convert
    it block by block as it is read (the stored array is never whole in memory)."""
    if dtype is not None and not np.can_cast(ds.dtype, dtype, "same_kind"):
        raise InvalidParameterError(
            f"array {name!r} is stored as {ds.dtype}; it cannot be read as {np.dtype(dtype)}"
        )
    _hash_header(h, name, ds.dtype, ds.shape)
    if dtype is None or ds.ndim == 0 or np.dtype(dtype) == ds.dtype:
        arr = np.ascontiguousarray(ds[()])
        _hash_bytes(h, arr)
        return arr
    out = np.empty(ds.shape, dtype=dtype)
    row_bytes = max(1, ds.dtype.itemsize * int(np.prod(ds.shape[1:], dtype=np.int64)))
    rows = max(1, READ_BLOCK_BYTES // row_bytes)
    for lo in range(0, ds.shape[0], rows):
        block = np.ascontiguousarray(ds[lo : lo + rows])
        _hash_bytes(h, block)
        out[lo : lo + rows] = block
    return out


def _fsync_directory(directory: Path) -> None:
    """Best effort: persist the rename itself (not supported on every platform)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_arrays(h5: h5py.File, arrays: Mapping[str, np.ndarray]) -> None:
    for name in sorted(arrays):
        h5.create_dataset(name, data=np.asarray(arrays[name]))


class DatasetCache:
    """A folder of HDF5 files keyed by the content hash of their generating parameters.

    Parameters
    ----------
    directory : str or os.PathLike, optional
        Cache root.  Default: ``$EQQNN_CACHE_DIR``, else
        ``platformdirs.user_cache_dir("eqqnn")``.  Created on first write.
    namespace : str
        Sub-folder for this kind of data (``"datasets"``).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     cache = DatasetCache(tmp)
    ...     params = {"n": 2}
    ...     _ = cache.save(params, {"x": np.arange(3.0)})
    ...     cache.load(params)["x"]
    array([0., 1., 2.])
    """

    def __init__(
        self, directory: str | os.PathLike[str] | None = None, *, namespace: str = "datasets"
    ) -> None:
        root = default_cache_dir() if directory is None else Path(directory).expanduser()
        if not namespace or "/" in namespace or "\\" in namespace or namespace in {".", ".."}:
            raise InvalidParameterError(f"namespace must be a plain folder name, got {namespace!r}")
        self._root = root
        self._namespace = namespace

    def __repr__(self) -> str:
        return f"DatasetCache({str(self._root)!r}, namespace={self._namespace!r})"

    @property
    def root(self) -> Path:
        """The cache root folder."""
        return self._root

    @property
    def directory(self) -> Path:
        """The folder holding this namespace's files."""
        return self._root / self._namespace

    def path_for(self, params: Mapping[str, Any]) -> Path:
        """File that holds (or would hold) the arrays generated from ``params``."""
        return self.directory / f"{cache_key(params)}.h5"

    # ------------------------------------------------------------------ writing
    def save(self, params: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Path:
        """Atomically write ``arrays`` under the key of ``params``; return the path.

        Raises
        ------
        InvalidParameterError
            If ``arrays`` is empty or a name is not a valid relative HDF5 path.
        OSError
            If the folder cannot be written (nothing is left behind).
        """
        if not arrays:
            raise InvalidParameterError("arrays must contain at least one array, got none")
        for name in arrays:
            parts = name.split("/") if isinstance(name, str) else [""]
            if any(p in {"", ".", ".."} for p in parts):
                raise InvalidParameterError(
                    f"array names must be relative paths like 'a' or 'group/a', got {name!r}"
                )
        clean = {name: np.ascontiguousarray(np.asarray(arr)) for name, arr in arrays.items()}
        for name, arr in clean.items():
            if arr.dtype.hasobject:
                raise InvalidParameterError(
                    f"array {name!r} has dtype object; expected a numeric or bytes dtype"
                )
        key = cache_key(params)
        path = self.directory / f"{key}.h5"
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".h5.tmp", dir=path.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            with h5py.File(tmp, "w", libver="latest") as h5:
                h5.attrs["key"] = key
                h5.attrs["params"] = _canonical_json(dict(params))
                h5.attrs["eqqnn_version"] = _eqqnn_version()
                h5.attrs["format_version"] = FORMAT_VERSION
                h5.attrs["created_utc"] = _dt.datetime.now(_dt.UTC).isoformat()
                _write_arrays(h5, clean)
                h5.attrs["checksum"] = array_checksum(clean)
                h5.flush()
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        _fsync_directory(path.parent)
        return path

    # ------------------------------------------------------------------ reading
    def _read(
        self,
        path: Path,
        params: Mapping[str, Any],
        dtypes: Mapping[str, np.dtype | type] | None = None,
    ) -> dict[str, np.ndarray]:
        """Read and verify one file; raise :class:`CacheError` naming the problem.  Arrays
        named in ``dtypes`` are converted block by block as they are read."""
        expected_key = cache_key(params)
        expected_params = _canonical_json(dict(params))
        dtypes = dtypes or {}
        h = hashlib.sha256()
        try:
            with h5py.File(path, "r") as h5:
                attrs = {k: h5.attrs[k] for k in h5.attrs}
                names: list[str] = []

                def visit(name: str, obj: object) -> None:
                    if isinstance(obj, h5py.Dataset):
                        names.append(name)

                h5.visititems(visit)
                # checksum order: sorted names, as array_checksum
                arrays = {
                    name: _read_dataset(h5[name], name, h, dtypes.get(name))
                    for name in sorted(names)
                }
        except (CacheError, InvalidParameterError):  # a bad request is not a damaged file
            raise
        except Exception as exc:  # h5py reports damage as OSError, KeyError, RuntimeError, ...
            raise CacheError(f"unreadable HDF5 file ({type(exc).__name__}: {exc})") from exc

        def attr(name: str) -> object:
            if name not in attrs:
                raise CacheError(f"attribute {name!r} is missing")
            value = attrs[name]
            return value.decode() if isinstance(value, bytes) else value

        fmt = attr("format_version")
        if int(fmt) != FORMAT_VERSION:  # type: ignore[call-overload]
            raise CacheError(f"format version {fmt}, expected {FORMAT_VERSION}")
        version = attr("eqqnn_version")
        if version != _eqqnn_version():
            raise CacheError(f"written by eqqnn {version}, expected {_eqqnn_version()}")
        if attr("key") != expected_key:
            raise CacheError(f"stored key {attr('key')!r} does not match {expected_key!r}")
        stored_params = attr("params")
        if stored_params != expected_params:
            raise CacheError(
                f"parameter mismatch: stored {stored_params}, requested {expected_params}"
            )
        if not arrays:
            raise CacheError("no arrays stored")
        checksum = h.hexdigest()
        if attr("checksum") != checksum:
            raise CacheError(f"array checksum mismatch (stored {attr('checksum')}, got {checksum})")
        return arrays

    def load(
        self, params: Mapping[str, Any], dtypes: Mapping[str, np.dtype | type] | None = None
    ) -> dict[str, np.ndarray] | None:
        """Arrays stored for ``params``, or ``None`` on a miss.

        ``dtypes`` maps array names to the dtype to return them in; those arrays are
        converted block by block as they are read, so a complex128 array read as complex64
        takes its final size in memory and no more (the checksum still covers the stored
        bytes).  A file that exists but is damaged or does not match is reported with a
        :class:`CacheWarning`, removed, and treated as a miss.
        """
        path = self.path_for(params)
        if not path.exists():
            return None
        try:
            return self._read(path, params, dtypes)
        except CacheError as exc:
            warnings.warn(
                f"ignoring cache file {path}: {exc}; it will be regenerated",
                CacheWarning,
                stacklevel=2,
            )
            with contextlib.suppress(OSError):
                path.unlink()
            return None

    def partial(self, params: Mapping[str, Any]) -> PartialItems:
        """Where a build of ``params`` keeps its finished items until the file is written
        (:class:`~eqqnn.data._partial.PartialItems`; removed by :meth:`get_or_create`)."""
        return PartialItems(self.directory / f"{cache_key(params)}.partial")

    def get_or_create(
        self,
        params: Mapping[str, Any],
        factory: Callable[[], Mapping[str, np.ndarray]],
        dtypes: Mapping[str, np.dtype | type] | None = None,
    ) -> dict[str, np.ndarray]:
        """Load the arrays for ``params`` or compute them with ``factory()`` and store them
        (as computed); arrays named in ``dtypes`` are returned in that dtype (see
        :meth:`load`).

        A failure to write (read-only folder, full disk) is reported as a
        :class:`CacheWarning` and the computed arrays are returned anyway.
        """
        found = self.load(params, dtypes)
        if found is not None:
            return found
        arrays = {name: np.asarray(arr) for name, arr in factory().items()}
        try:
            self.save(params, arrays)
            self.partial(params).clear()  # the items of a resumable build, if any
        except OSError as exc:
            warnings.warn(
                f"could not write cache file {self.path_for(params)}: {exc}",
                CacheWarning,
                stacklevel=2,
            )
        else:
            if any(
                name in arrays and arrays[name].dtype != np.dtype(dtype)
                for name, dtype in (dtypes or {}).items()
            ):
                # read the converted arrays back block by block rather than hold the
                # computed ones and their converted copies at once (n = 30: 15.7 GiB of
                # complex128 states and 7.8 GiB of complex64 copies)
                del arrays
                found = self.load(params, dtypes)
                if found is not None:
                    return found
                warnings.warn(
                    f"cache file {self.path_for(params)} could not be read back after it "
                    "was written; computing the arrays again",
                    CacheWarning,
                    stacklevel=2,
                )
                arrays = {name: np.asarray(arr) for name, arr in factory().items()}
        for name, dtype in (dtypes or {}).items():
            if name in arrays:
                arrays[name] = arrays[name].astype(dtype, copy=False)
        return arrays

    def clear(self) -> int:
        """Remove every cache file (and stray temporary file) of this namespace.

        Returns
        -------
        int
            Number of files removed.
        """
        removed = 0
        if not self.directory.is_dir():
            return 0
        for p in list(self.directory.glob("*.h5")) + list(self.directory.glob(".*.h5.tmp")):
            with contextlib.suppress(OSError):
                p.unlink()
                removed += 1
        return removed


def as_cache(cache: object) -> DatasetCache | None:
    """Normalize a ``cache=`` argument.

    ``None`` or ``False``: no caching; ``True``: the default folder
    (``$EQQNN_CACHE_DIR`` or the platform cache dir); a path: that folder; a
    :class:`DatasetCache`: itself.

    Examples
    --------
    >>> as_cache(None) is None
    True
    >>> as_cache("/tmp/somewhere").root.name
    'somewhere'
    """
    if cache is None or cache is False:
        return None
    if cache is True:
        return DatasetCache()
    if isinstance(cache, DatasetCache):
        return cache
    if isinstance(cache, str | os.PathLike):
        return DatasetCache(cache)
    raise InvalidParameterError(
        "cache must be None/False (off), True (default folder), a path or a DatasetCache, "
        f"got {cache!r}"
    )
