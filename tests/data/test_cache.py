"""Tests of the HDF5 dataset cache: keys, location, round trip, corruption, atomicity."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest

import eqqnn
import eqqnn._version
from eqqnn.data import _cache
from eqqnn.data._cache import CacheWarning, DatasetCache, as_cache, cache_key
from eqqnn.errors import InvalidParameterError

PARAMS = {"model": "toy", "n_qubits": 4, "ratios": [0.25, 1.75], "seed": 3}


def make_arrays(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    states = rng.normal(size=(5, 16)) + 1j * rng.normal(size=(5, 16))
    return {
        "states": states,
        "labels": np.array([0, 0, 1, 1, 1], dtype=np.int64),
        "ratios": np.linspace(0.1, 1.9, 5),
        "diagnostics/energy": rng.normal(size=5),
        "diagnostics/string_order": rng.normal(size=5).astype(np.float32),
    }


def assert_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        np.testing.assert_array_equal(a[name], b[name])


def load_reporting(cache: DatasetCache, params: dict) -> tuple[dict | None, list[str]]:
    """Load while recording warnings (the test config turns warnings into errors)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = cache.load(params)
    messages = [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]
    assert len(messages) == len(caught), [str(w.message) for w in caught]
    return out, messages


class Counter:
    def __init__(self, seed: int = 0) -> None:
        self.calls = 0
        self.seed = seed

    def __call__(self) -> dict[str, np.ndarray]:
        self.calls += 1
        return make_arrays(self.seed)


class TestKeyAndLocation:
    def test_key_is_stable_sha256(self) -> None:
        k = cache_key(PARAMS)
        assert len(k) == 64 and int(k, 16) >= 0
        assert k == cache_key(dict(reversed(list(PARAMS.items()))))

    @pytest.mark.parametrize(
        "change", [{"n_qubits": 6}, {"seed": 4}, {"ratios": [0.25, 1.7500000000000002]}]
    )
    def test_key_depends_on_every_parameter(self, change: dict) -> None:
        assert cache_key({**PARAMS, **change}) != cache_key(PARAMS)

    def test_key_depends_on_versions(self, monkeypatch: pytest.MonkeyPatch) -> None:
        base = cache_key(PARAMS)
        monkeypatch.setattr(eqqnn._version, "__version__", "9.9.9")
        bumped_code = cache_key(PARAMS)
        monkeypatch.setattr(_cache, "FORMAT_VERSION", _cache.FORMAT_VERSION + 1)
        bumped_format = cache_key(PARAMS)
        assert len({base, bumped_code, bumped_format}) == 3

    def test_unserializable_params_rejected(self) -> None:
        with pytest.raises(InvalidParameterError, match=r"JSON-serializable.*nan"):
            cache_key({"x": float("nan")})
        with pytest.raises(InvalidParameterError, match="params must be a mapping, got list"):
            cache_key([1, 2])  # type: ignore[arg-type]

    def test_folder_precedence(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setattr(_cache.platformdirs, "user_cache_dir", lambda app: str(tmp_path / app))
        monkeypatch.delenv(_cache.CACHE_ENV_VAR, raising=False)
        assert DatasetCache().root == tmp_path / "eqqnn"
        monkeypatch.setenv(_cache.CACHE_ENV_VAR, str(tmp_path / "env"))
        assert DatasetCache().root == tmp_path / "env"
        assert as_cache(True).root == tmp_path / "env"
        assert DatasetCache(tmp_path / "arg").root == tmp_path / "arg"
        assert DatasetCache(tmp_path / "arg").directory == tmp_path / "arg" / "datasets"

    @pytest.mark.parametrize("off", [None, False])
    def test_as_cache_off(self, off: object) -> None:
        assert as_cache(off) is None

    def test_as_cache_bad(self) -> None:
        with pytest.raises(InvalidParameterError, match=r"cache must be None/False.*got 3"):
            as_cache(3)
        with pytest.raises(InvalidParameterError, match="namespace must be a plain folder"):
            DatasetCache("/tmp", namespace="../x")


class TestRoundTrip:
    def test_save_load_equal(self, tmp_path: Path) -> None:
        cache = DatasetCache(tmp_path)
        arrays = make_arrays()
        path = cache.save(PARAMS, arrays)
        assert path == cache.path_for(PARAMS) and path.exists()
        assert path.parent == tmp_path / "datasets" and path.name == f"{cache_key(PARAMS)}.h5"
        loaded, messages = load_reporting(cache, PARAMS)
        assert messages == []
        assert_same(arrays, loaded)

    def test_file_records_parameters_version_checksum(self, tmp_path: Path) -> None:
        cache = DatasetCache(tmp_path)
        arrays = make_arrays()
        path = cache.save(PARAMS, arrays)
        with h5py.File(path, "r") as h5:
            assert h5.attrs["eqqnn_version"] == eqqnn.__version__
            assert int(h5.attrs["format_version"]) == _cache.FORMAT_VERSION
            assert h5.attrs["key"] == cache_key(PARAMS)
            assert '"n_qubits":4' in h5.attrs["params"]
            assert h5.attrs["checksum"] == _cache.array_checksum(arrays)
            assert "string_order" in h5["diagnostics"]

    def test_miss_returns_none_quietly(self, tmp_path: Path) -> None:
        loaded, messages = load_reporting(DatasetCache(tmp_path), PARAMS)
        assert loaded is None and messages == []

    def test_hit_path_does_not_recompute(self, tmp_path: Path) -> None:
        cache = DatasetCache(tmp_path)
        factory = Counter()
        first = cache.get_or_create(PARAMS, factory)
        second = cache.get_or_create(PARAMS, factory)
        assert factory.calls == 1
        assert_same(first, second)
        other = cache.get_or_create({**PARAMS, "seed": 99}, factory)
        assert factory.calls == 2 and sorted(other) == sorted(first)

    def test_overwrite_replaces(self, tmp_path: Path) -> None:
        cache = DatasetCache(tmp_path)
        cache.save(PARAMS, make_arrays(0))
        cache.save(PARAMS, make_arrays(1))
        assert_same(cache.load(PARAMS), make_arrays(1))

    def test_clear(self, tmp_path: Path) -> None:
        cache = DatasetCache(tmp_path)
        cache.save(PARAMS, make_arrays())
        cache.save({**PARAMS, "seed": 1}, make_arrays())
        assert cache.clear() == 2
        assert cache.load(PARAMS) is None

    @pytest.mark.parametrize(
        ("arrays", "match"),
        [
            ({}, "at least one array"),
            ({"/abs": np.ones(2)}, "relative paths.*'/abs'"),
            ({"a//b": np.ones(2)}, "relative paths"),
            ({"x": np.array([object()])}, "dtype object"),
        ],
    )
    def test_bad_arrays(self, tmp_path: Path, arrays: dict, match: str) -> None:
        with pytest.raises(InvalidParameterError, match=match):
            DatasetCache(tmp_path).save(PARAMS, arrays)


def data_offset(path: Path, name: str) -> int:
    with h5py.File(path, "r") as h5:
        offset = h5[name].id.get_offset()
    assert offset is not None
    return int(offset)


def flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([byte[0] ^ 0xFF]))


class TestCorruptionDetected:
    """Each kind of damage is reported (CacheWarning), the file removed, and regenerated."""

    def _regenerates(self, cache: DatasetCache, expected_message: str) -> None:
        factory = Counter()
        with pytest.warns(CacheWarning, match=expected_message):
            arrays = cache.get_or_create(PARAMS, factory)
        assert factory.calls == 1
        assert_same(arrays, make_arrays())
        loaded, messages = load_reporting(cache, PARAMS)  # the regenerated file is clean
        assert messages == []
        assert_same(loaded, make_arrays())

    @pytest.mark.parametrize("keep", [0, 100, 0.5, 0.95])
    def test_truncated_file(self, tmp_path: Path, keep: float) -> None:
        cache = DatasetCache(tmp_path)
        path = cache.save(PARAMS, make_arrays())
        size = path.stat().st_size
        n_keep = int(keep * size) if isinstance(keep, float) else keep
        with open(path, "r+b") as fh:
            fh.truncate(n_keep)
        loaded, messages = load_reporting(cache, PARAMS)
        assert loaded is None and len(messages) == 1
        assert "unreadable HDF5 file" in messages[0] and str(path) in messages[0]
        assert not path.exists()
        cache.save(PARAMS, make_arrays())
        with open(path, "r+b") as fh:
            fh.truncate(n_keep)
        self._regenerates(cache, "unreadable HDF5 file")

    @pytest.mark.parametrize("name", ["states", "labels", "diagnostics/energy"])
    def test_flipped_data_byte(self, tmp_path: Path, name: str) -> None:
        cache = DatasetCache(tmp_path)
        path = cache.save(PARAMS, make_arrays())
        flip_byte(path, data_offset(path, name) + 3)
        self._regenerates(cache, "array checksum mismatch")

    def test_flipped_bytes_anywhere_never_load_silently(self, tmp_path: Path) -> None:
        """A flip anywhere is either reported or harmless (arrays identical); never wrong."""
        cache = DatasetCache(tmp_path)
        good = make_arrays()
        path = cache.save(PARAMS, good)
        original = path.read_bytes()
        rng = np.random.default_rng(0)
        reported = 0
        for offset in rng.choice(len(original), size=40, replace=False):
            path.write_bytes(original)
            flip_byte(path, int(offset))
            loaded, messages = load_reporting(cache, PARAMS)
            if loaded is None:
                assert len(messages) == 1
                reported += 1
            else:
                assert messages == []
                assert_same(loaded, good)
        assert reported >= 10

    def test_not_hdf5(self, tmp_path: Path) -> None:
        cache = DatasetCache(tmp_path)
        path = cache.path_for(PARAMS)
        path.parent.mkdir(parents=True)
        path.write_bytes(b"this is not an HDF5 file" * 10)
        self._regenerates(cache, "unreadable HDF5 file")

    @pytest.mark.parametrize(
        ("attr", "value", "message"),
        [
            ("params", '{"model":"toy","n_qubits":6}', "parameter mismatch"),
            ("eqqnn_version", "0.0.1", "written by eqqnn 0.0.1"),
            ("format_version", 999, "format version 999"),
            ("key", "0" * 64, "stored key"),
            ("checksum", "f" * 64, "array checksum mismatch"),
        ],
    )
    def test_attribute_mismatch(self, tmp_path: Path, attr: str, value: object, message: str):
        cache = DatasetCache(tmp_path)
        path = cache.save(PARAMS, make_arrays())
        with h5py.File(path, "r+") as h5:
            h5.attrs[attr] = value
        self._regenerates(cache, message)

    def test_missing_attribute(self, tmp_path: Path) -> None:
        cache = DatasetCache(tmp_path)
        path = cache.save(PARAMS, make_arrays())
        with h5py.File(path, "r+") as h5:
            del h5.attrs["checksum"]
        self._regenerates(cache, "attribute 'checksum' is missing")


class TestAtomicity:
    def _failing_writer(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real = _cache._write_arrays

        def write_half_then_fail(h5: h5py.File, arrays: dict) -> None:
            first = next(iter(sorted(arrays)))
            real(h5, {first: arrays[first]})
            h5.flush()
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(_cache, "_write_arrays", write_half_then_fail)

    def test_no_partial_file_on_failure(self, tmp_path: Path, monkeypatch) -> None:
        cache = DatasetCache(tmp_path)
        self._failing_writer(monkeypatch)
        with pytest.raises(RuntimeError, match="disk on fire"):
            cache.save(PARAMS, make_arrays())
        assert not cache.path_for(PARAMS).exists()
        assert os.listdir(cache.directory) == []

    def test_existing_file_survives_failed_overwrite(self, tmp_path: Path, monkeypatch) -> None:
        cache = DatasetCache(tmp_path)
        cache.save(PARAMS, make_arrays(0))
        self._failing_writer(monkeypatch)
        with pytest.raises(RuntimeError, match="disk on fire"):
            cache.save(PARAMS, make_arrays(1))
        assert os.listdir(cache.directory) == [cache.path_for(PARAMS).name]
        assert_same(cache.load(PARAMS), make_arrays(0))

    def test_failure_in_rename_leaves_nothing(self, tmp_path: Path, monkeypatch) -> None:
        cache = DatasetCache(tmp_path)

        def no_replace(src: object, dst: object) -> None:
            raise OSError("rename refused")

        monkeypatch.setattr(_cache.os, "replace", no_replace)
        with pytest.raises(OSError, match="rename refused"):
            cache.save(PARAMS, make_arrays())
        monkeypatch.undo()
        assert os.listdir(cache.directory) == []

    def test_unwritable_cache_still_returns_data(self, tmp_path: Path, monkeypatch) -> None:
        cache = DatasetCache(tmp_path)

        def refuse(self: DatasetCache, params: dict, arrays: dict) -> Path:
            raise OSError("read-only file system")

        monkeypatch.setattr(DatasetCache, "save", refuse)
        with pytest.warns(CacheWarning, match="could not write cache file.*read-only"):
            arrays = cache.get_or_create(PARAMS, Counter())
        assert_same(arrays, make_arrays())


class TestConvertedOnRead:
    """``dtypes=``: arrays converted block by block as they are read, checksum kept."""

    def test_checksum_is_the_documented_sha256_of_the_raw_bytes(self) -> None:
        import hashlib

        arrays = make_arrays()
        h = hashlib.sha256()  # independent reference: the bytes copied out
        for name in sorted(arrays):
            arr = np.ascontiguousarray(arrays[name])
            h.update(name.encode() + b"\0" + arr.dtype.str.encode() + b"\0")
            h.update(repr(tuple(arr.shape)).encode() + b"\0" + arr.tobytes())
        assert _cache.array_checksum(arrays) == h.hexdigest()

    @pytest.mark.parametrize("block", [1, 100, 1 << 30])
    def test_states_read_as_complex64_equal_the_cast(
        self, tmp_path: Path, block: int, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(_cache, "READ_BLOCK_BYTES", block)
        cache = DatasetCache(tmp_path)
        good = make_arrays()
        cache.save(PARAMS, good)
        loaded = cache.load(PARAMS, {"states": np.complex64})
        assert loaded is not None
        assert loaded["states"].dtype == np.complex64
        np.testing.assert_array_equal(loaded["states"], good["states"].astype(np.complex64))
        assert_same(
            {k: v for k, v in loaded.items() if k != "states"},
            {k: v for k, v in good.items() if k != "states"},
        )

    def test_a_flipped_byte_is_caught_while_converting(self, tmp_path: Path) -> None:
        cache = DatasetCache(tmp_path)
        path = cache.save(PARAMS, make_arrays())
        flip_byte(path, data_offset(path, "states") + 3)
        with pytest.warns(CacheWarning, match="array checksum mismatch"):
            assert cache.load(PARAMS, {"states": np.complex64}) is None

    def test_reading_as_complex64_never_holds_the_stored_array(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Peak allocation while reading 16 MB of complex128 as complex64: the 8 MB result
        plus one block, not the 16 MB stored array (nor its 16 MB byte copy)."""
        import tracemalloc

        monkeypatch.setattr(_cache, "READ_BLOCK_BYTES", 1 << 20)
        rng = np.random.default_rng(0)
        states = rng.standard_normal((64, 16384)) + 1j * rng.standard_normal((64, 16384))
        cache = DatasetCache(tmp_path)
        cache.save(PARAMS, {"states": states})
        del states
        tracemalloc.start()
        try:
            loaded = cache.load(PARAMS, {"states": np.complex64})
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert loaded is not None and loaded["states"].nbytes == 8 << 20
        assert peak < (8 << 20) + (4 << 20), peak / 2**20
        tracemalloc.start()
        try:
            full = cache.load(PARAMS)
            _, peak_full = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert full is not None and peak_full >= 16 << 20  # the measure sees whole arrays


def test_computed_arrays_are_returned_converted_and_equal(tmp_path: Path) -> None:
    """A miss computes, stores complex128, and returns the states read back as complex64
    (equal to the cast; the file holds the computed values)."""
    cache = DatasetCache(tmp_path)
    factory = Counter()
    arrays = cache.get_or_create(PARAMS, factory, {"states": np.complex64})
    assert factory.calls == 1
    assert arrays["states"].dtype == np.complex64
    np.testing.assert_array_equal(arrays["states"], make_arrays()["states"].astype(np.complex64))
    stored = cache.load(PARAMS)
    assert stored is not None and stored["states"].dtype == np.complex128
    assert_same(stored, make_arrays())


def test_unwritable_cache_still_returns_converted_arrays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = DatasetCache(tmp_path)

    def refuse(*args: object) -> None:
        raise OSError("read-only")

    monkeypatch.setattr(cache, "save", refuse)
    with pytest.warns(CacheWarning, match="could not write"):
        arrays = cache.get_or_create(PARAMS, Counter(), {"states": np.complex64})
    assert arrays["states"].dtype == np.complex64


def test_an_impossible_conversion_is_a_bad_request_not_a_damaged_file(tmp_path: Path) -> None:
    """Asking for labels as complex is refused and the (valid) file stays."""
    cache = DatasetCache(tmp_path)
    path = cache.save(PARAMS, make_arrays())
    with pytest.raises(InvalidParameterError, match="'ratios' is stored as float64"):
        cache.load(PARAMS, {"ratios": np.int8})
    assert path.exists()
    assert cache.load(PARAMS) is not None


def test_a_file_gone_before_it_is_read_back_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = DatasetCache(tmp_path)
    original = cache.save

    def save_then_lose(params: dict, arrays: dict) -> Path:
        path = original(params, arrays)
        path.unlink()  # removed by someone else before the read-back
        return path

    monkeypatch.setattr(cache, "save", save_then_lose)
    factory = Counter()
    with pytest.warns(CacheWarning, match="could not be read back"):
        arrays = cache.get_or_create(PARAMS, factory, {"states": np.complex64})
    assert factory.calls == 2 and arrays["states"].dtype == np.complex64
