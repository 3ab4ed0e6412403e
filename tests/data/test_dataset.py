"""Tests of build_dataset (labels, dtypes, rotations, cache)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from eqqnn.data import _dataset
from eqqnn.data._cache import CacheWarning, DatasetCache, cache_key
from eqqnn.data._chain import ChainSpec
from eqqnn.data._dataset import build_dataset
from eqqnn.data._dataset_config import DatasetConfig, RatioGrid
from eqqnn.data._diagnostics import phase_label
from eqqnn.data._hamiltonian import BondAlternatingHeisenberg
from eqqnn.data._phase_dataset import PhaseDataset
from eqqnn.data._shadows import exact_correlators
from eqqnn.errors import InvalidParameterError

DEVICES = ["cpu", *(["cuda"] if torch.cuda.is_available() else [])]


def total_spin_squared(psi: np.ndarray) -> float:
    """<S^2> = (1/4) sum_ij <sigma_i . sigma_j>."""
    return float(exact_correlators(psi).sum() / 4)


def sz_total(psi: np.ndarray) -> float:
    n = psi.shape[0].bit_length() - 1
    ones = np.array([bin(k).count("1") for k in range(psi.shape[0])])
    return float(np.sum(np.abs(psi) ** 2 * (n / 2 - ones)))


class CountingGenerator:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = _dataset._generate_arrays

        def wrapped(*args, **kwargs):
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(_dataset, "_generate_arrays", wrapped)


class TestGroundStateDatasets:
    @pytest.mark.parametrize("grid", [RatioGrid("train", 4), RatioGrid("test", 9)])
    @pytest.mark.parametrize("state_form", ["qubit", "sector"])
    def test_labels_match_ratios(self, grid: RatioGrid, state_form: str) -> None:
        data = build_dataset(DatasetConfig(6, grid, state_form=state_form), cache=None)
        ratios = data.ratios.numpy()
        np.testing.assert_array_equal(ratios, grid.values())
        expected = [phase_label(r) for r in ratios]
        assert data.labels.tolist() == expected
        assert len(data) == len(ratios)
        assert data.state_form == state_form and data.n_qubits == 6

    def test_qubit_states_are_the_ground_states(self) -> None:
        data = build_dataset(DatasetConfig(6, [0.3, 1.7]), cache=None, dtype=torch.complex128)
        for state, ratio in zip(data.states, data.ratios.tolist(), strict=True):
            model = BondAlternatingHeisenberg(6, ratio)
            psi = state.numpy()
            assert np.linalg.norm(psi) == pytest.approx(1.0, abs=1e-12)
            h = model.sparse_matrix()
            e = model.ground_state("dense").energy
            assert np.linalg.norm(h @ psi - e * psi) < 1e-9
            assert total_spin_squared(psi) == pytest.approx(0.0, abs=1e-9)

    def test_sector_states(self) -> None:
        data = build_dataset(
            DatasetConfig(6, [0.4, 1.2], state_form="sector"), cache=None, dtype=torch.complex128
        )
        d0 = math.comb(6, 3) - math.comb(6, 2)
        assert data.states.shape == (2, d0)
        gs = BondAlternatingHeisenberg(6, 0.4).ground_state("sector")
        np.testing.assert_allclose(data.states[0].numpy(), gs.sector_vector, atol=1e-12)

    def test_diagnostics(self) -> None:
        data = build_dataset(DatasetConfig(6, [0.2, 1.8]), cache=None)
        d = data.diagnostics
        for key in ("input_energy", "energy", "gap", "string_order", "dimerization"):
            assert d[key].shape == (2,) and d[key].dtype == np.float64
        np.testing.assert_allclose(d["input_energy"], d["energy"])
        assert d["dimerization"][0] < 0 < d["dimerization"][1]
        lean = build_dataset(DatasetConfig(6, [0.2, 1.8], diagnostics=False), cache=None)
        assert list(lean.diagnostics) == ["input_energy"]

    @pytest.mark.parametrize("seed", [0, 1])
    def test_random_fields_are_seeded_per_sample(self, seed: int) -> None:
        cfg = DatasetConfig(
            4, [0.5, 0.5], chain=ChainSpec(random_field=0.5), seed=seed, diagnostics=False
        )
        a = build_dataset(cfg, cache=None, dtype=torch.complex128)
        b = build_dataset(cfg, cache=None, dtype=torch.complex128)
        torch.testing.assert_close(a.states, b.states, rtol=0, atol=0)
        assert not torch.allclose(a.states[0], a.states[1])  # one disorder draw per sample
        c = build_dataset(cfg.replace(seed=seed + 7), cache=None, dtype=torch.complex128)
        assert not torch.allclose(a.states, c.states)


@pytest.fixture(scope="module")
def triplet_data() -> PhaseDataset:
    cfg = DatasetConfig(6, RatioGrid("test", 6), rotation="haar_triplet", seed=5)
    return build_dataset(cfg, cache=None, dtype=torch.complex128)


class TestHaarTriplet:
    @pytest.fixture
    def data(self, triplet_data: PhaseDataset) -> PhaseDataset:
        return triplet_data

    def test_normalized_triplets(self, data: PhaseDataset) -> None:
        for psi in data.states.numpy():
            assert np.linalg.norm(psi) == pytest.approx(1.0, abs=1e-12)
            assert total_spin_squared(psi) == pytest.approx(2.0, abs=1e-9)

    def test_rotated_away_from_sz_one(self, data: PhaseDataset) -> None:
        sz = [sz_total(psi) for psi in data.states.numpy()]
        assert all(abs(s) <= 1 + 1e-9 for s in sz)
        assert max(abs(s - 1.0) for s in sz) > 0.1

    def test_energy_is_rotation_invariant(self, data: PhaseDataset) -> None:
        for psi, ratio, energy in zip(
            data.states.numpy(), data.ratios.tolist(), data.diagnostics["input_energy"], strict=True
        ):
            h = BondAlternatingHeisenberg(6, ratio).sparse_matrix()
            assert np.linalg.norm(h @ psi - energy * psi) < 1e-9
            assert energy > data.diagnostics["energy"][0] - 10  # finite, sensible
        assert np.all(data.diagnostics["input_energy"] > data.diagnostics["energy"])

    def test_labels(self, data: PhaseDataset) -> None:
        assert data.labels.tolist() == [phase_label(r) for r in data.ratios.tolist()]

    def test_seed_dependence_and_prefix_stability(self, data: PhaseDataset) -> None:
        cfg = data.config
        assert cfg is not None
        again = build_dataset(cfg, cache=None, dtype=torch.complex128)
        torch.testing.assert_close(again.states, data.states, rtol=0, atol=0)
        other = build_dataset(cfg.replace(seed=6), cache=None, dtype=torch.complex128)
        overlaps = torch.abs(torch.sum(other.states.conj() * data.states, dim=1))
        assert torch.all(overlaps < 1 - 1e-6)
        head = build_dataset(
            cfg.replace(ratios=tuple(data.ratios[:3].tolist())), cache=None, dtype=torch.complex128
        )
        torch.testing.assert_close(head.states, data.states[:3], rtol=0, atol=1e-14)


class TestTensors:
    @pytest.mark.parametrize("device", DEVICES)
    @pytest.mark.parametrize(
        ("dtype", "label_dtype", "expected_label"),
        [
            (torch.complex64, None, torch.float32),
            (torch.complex128, None, torch.float64),
            (torch.complex64, torch.long, torch.int64),
            (torch.complex128, torch.float32, torch.float32),
        ],
    )
    def test_requested_dtype_and_device(self, device, dtype, label_dtype, expected_label) -> None:
        data = build_dataset(
            DatasetConfig(4, [0.5, 1.5]),
            cache=None,
            dtype=dtype,
            label_dtype=label_dtype,
            device=device,
        )
        assert data.states.dtype == dtype and data.dtype == dtype
        assert data.labels.dtype == expected_label
        assert data.ratios.dtype == torch.float64
        for t in (data.states, data.labels, data.ratios):
            assert t.device.type == device
        state, label = data[1]
        assert state.shape == (16,) and float(label) == 1.0

    def test_bad_dtypes(self) -> None:
        cfg = DatasetConfig(4, [0.5])
        with pytest.raises(InvalidParameterError, match=r"dtype must be torch.complex64.*float32"):
            build_dataset(cfg, cache=None, dtype=torch.float32)
        with pytest.raises(InvalidParameterError, match=r"label_dtype must be.*torch.int8"):
            build_dataset(cfg, cache=None, label_dtype=torch.int8)
        with pytest.raises(InvalidParameterError, match="config must be a DatasetConfig, got dict"):
            build_dataset({"n_qubits": 4}, cache=None)  # type: ignore[arg-type]
        data = build_dataset(cfg, cache=None)
        with pytest.raises(InvalidParameterError, match=r"dtype must be torch.complex64"):
            data.to(dtype=torch.float64)
        with pytest.raises(InvalidParameterError, match="indices must lie in \\[-1, 0\\]"):
            data.subset([3])

    def test_quiet_without_terminal(self, capsys: pytest.CaptureFixture[str]) -> None:
        build_dataset(DatasetConfig(4, [0.5, 1.5, 1.7]), cache=None)
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err == ""


class TestCaching:
    def test_hit_path_does_not_recompute(self, tmp_path: Path, monkeypatch) -> None:
        counter = CountingGenerator(monkeypatch)
        cfg = DatasetConfig(4, [0.3, 1.3])
        first = build_dataset(cfg, cache=tmp_path, dtype=torch.complex128)
        second = build_dataset(cfg, cache=DatasetCache(tmp_path), dtype=torch.complex128)
        assert counter.calls == 1
        torch.testing.assert_close(first.states, second.states, rtol=0, atol=0)
        assert first.labels.tolist() == second.labels.tolist()
        for key, value in first.diagnostics.items():
            np.testing.assert_array_equal(value, second.diagnostics[key])
        narrow = build_dataset(cfg, cache=tmp_path, dtype=torch.complex64)
        assert counter.calls == 1 and narrow.dtype == torch.complex64
        build_dataset(cfg.replace(seed=1), cache=tmp_path)  # the seed is unused here
        assert counter.calls == 1
        build_dataset(cfg.replace(ratios=(0.3, 1.4)), cache=tmp_path)
        assert counter.calls == 2
        build_dataset(cfg.replace(rotation="haar_triplet"), cache=tmp_path)
        build_dataset(cfg.replace(rotation="haar_triplet", seed=1), cache=tmp_path)
        assert counter.calls == 4

    def test_cache_none_always_recomputes(self, monkeypatch) -> None:
        counter = CountingGenerator(monkeypatch)
        cfg = DatasetConfig(4, [0.3])
        build_dataset(cfg, cache=None)
        build_dataset(cfg, cache=None)
        assert counter.calls == 2

    def test_env_var_folder(self, tmp_path: Path, monkeypatch) -> None:
        monkeypatch.setenv("EQQNN_CACHE_DIR", str(tmp_path))
        cfg = DatasetConfig(4, [0.3])
        build_dataset(cfg)
        assert (tmp_path / "datasets" / f"{cache_key(cfg.cache_params())}.h5").exists()

    def test_corrupted_file_is_regenerated(self, tmp_path: Path, monkeypatch) -> None:
        cfg = DatasetConfig(4, [0.3, 1.3])
        good = build_dataset(cfg, cache=tmp_path, dtype=torch.complex128)
        path = DatasetCache(tmp_path).path_for(cfg.cache_params())
        with open(path, "r+b") as fh:
            fh.truncate(path.stat().st_size // 2)
        counter = CountingGenerator(monkeypatch)
        with pytest.warns(CacheWarning, match="unreadable HDF5 file"):
            again = build_dataset(cfg, cache=tmp_path, dtype=torch.complex128)
        assert counter.calls == 1
        torch.testing.assert_close(again.states, good.states, rtol=0, atol=0)
        build_dataset(cfg, cache=tmp_path)  # clean again: no warning, no recompute
        assert counter.calls == 1


@pytest.mark.slow
class TestTwelveQubits:
    def test_default_test_grid(self, tmp_path: Path) -> None:
        data = build_dataset(DatasetConfig.test_grid(12, diagnostics=False), cache=tmp_path)
        assert data.states.shape == (101, 4096)
        assert int(data.labels.sum()) == 50
        norms = torch.linalg.vector_norm(data.states, dim=1)
        torch.testing.assert_close(norms, torch.ones(101), atol=1e-5, rtol=0)

    def test_haar_triplets(self) -> None:
        cfg = DatasetConfig(12, [0.5, 1.5], rotation="haar_triplet", diagnostics=False)
        data = build_dataset(cfg, cache=None, dtype=torch.complex128)
        for psi in data.states.numpy():
            assert total_spin_squared(psi) == pytest.approx(2.0, abs=1e-8)


def test_a_killed_build_resumes_from_the_samples_it_finished(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Samples are kept as they finish; a build killed at the fourth sample solves only
    the rest on the next call, gives the same arrays as an uninterrupted build, and
    removes its kept samples once the dataset file is written."""

    monkeypatch.setattr(_dataset, "KEEP_ITEM_SECONDS", 0.0)  # keep every sample
    config = DatasetConfig.train_grid(8, 6, diagnostics=True)
    reference = build_dataset(config, cache=None)
    cache = DatasetCache(tmp_path)
    solved = []
    original = _dataset._solve_item

    def solve(config, method, ratio, seed):  # type: ignore[no-untyped-def]
        if len(solved) == 3:
            raise KeyboardInterrupt  # killed while solving the fourth
        solved.append(ratio)
        return original(config, method, ratio, seed)

    monkeypatch.setattr(_dataset, "_solve_item", solve)
    with pytest.raises(KeyboardInterrupt):
        build_dataset(config, cache=cache)
    partial = cache.partial(config.cache_params())
    assert partial.done() == [0, 1, 2]
    solved.clear()
    monkeypatch.setattr(_dataset, "_solve_item", lambda *a: (solved.append(a[2]), original(*a))[1])
    data = build_dataset(config, cache=cache)
    assert len(solved) == 3  # only the samples not kept
    np.testing.assert_array_equal(data.states.numpy(), reference.states.numpy())
    for key, value in reference.diagnostics.items():
        np.testing.assert_array_equal(data.diagnostics[key], value)
    assert not partial.directory.exists()


def test_a_damaged_kept_sample_is_solved_again(tmp_path: Path) -> None:
    from eqqnn.data._partial import PartialItems

    items = PartialItems(tmp_path / "x.partial")
    items.save(0, {"vec": [1.0, 2.0], "energy": -1.0})
    assert items.load(0)["energy"] == -1.0
    (tmp_path / "x.partial" / "item_0.npz").write_bytes(b"not a zip")
    assert items.load(0) is None
    assert items.load(5) is None
