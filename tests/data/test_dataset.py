"""Tests of DatasetConfig / build_dataset / PhaseDataset (labels, dtypes, rotations, cache)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from eqqnn.data import _cache, _dataset
from eqqnn.data._cache import CacheWarning, DatasetCache, cache_key
from eqqnn.data._chain import ChainSpec
from eqqnn.data._dataset import (
    DatasetConfig,
    PhaseDataset,
    RatioGrid,
    build_dataset,
    lowest_sz1_state,
)
from eqqnn.data._diagnostics import phase_label
from eqqnn.data._hamiltonian import BondAlternatingHeisenberg
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


class TestConfig:
    def test_defaults(self) -> None:
        cfg = DatasetConfig(6)
        assert cfg.ratios == RatioGrid("test", 101)
        assert cfg.ratio_values().shape == (101,)
        assert (cfg.state_form, cfg.rotation, cfg.method) == ("qubit", "none", "auto")
        assert cfg.chain == ChainSpec() and cfg.chain.boundary == "open"
        assert cfg.is_su2_symmetric

    def test_explicit_ratios_normalized(self) -> None:
        cfg = DatasetConfig(4, np.array([0.5, 1.5]))
        assert cfg.ratios == (0.5, 1.5) and all(type(r) is float for r in cfg.ratios)
        assert hash(cfg) == hash(DatasetConfig(4, [0.5, 1.5]))

    def test_to_dict_is_json_and_drives_the_key(self) -> None:
        cfg = DatasetConfig.train_grid(4, 4, seed=3)
        doc = json.loads(json.dumps(cfg.to_dict()))
        assert doc["ratios"]["values"] == [0.25, 0.75, 1.25, 1.75]
        assert doc["ratios"]["grid"]["kind"] == "train"
        same = DatasetConfig(4, RatioGrid("train", 4), seed=3)
        assert cache_key(cfg.to_dict()) == cache_key(same.to_dict())
        assert cfg.cache_params()["seed"] is None  # unused seed left out of the cache key
        assert cfg.replace(rotation="haar_triplet").cache_params()["seed"] == 3
        for other in (
            cfg.replace(seed=4),
            cfg.replace(boundary="periodic"),
            cfg.replace(n_qubits=6),
        ):
            assert cache_key(other.to_dict()) != cache_key(cfg.to_dict())

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"n_qubits": 5}, "n_qubits must be even.*got 5"),
            ({"n_qubits": 0}, "n_qubits must be >= 2, got 0"),
            ({"n_qubits": 4, "ratios": []}, "at least one value"),
            ({"n_qubits": 4, "ratios": [0.5, -1.0]}, "ratio must be >= 0.0, got -1.0"),
            ({"n_qubits": 4, "ratios": "0.5"}, "RatioGrid or a sequence of floats"),
            ({"n_qubits": 4, "state_form": "mps"}, "state_form must be one of"),
            ({"n_qubits": 4, "rotation": "haar"}, "rotation must be one of"),
            ({"n_qubits": 4, "method": "lanczos"}, "method must be one of"),
            ({"n_qubits": 4, "seed": -2}, "seed must be >= 0, got -2"),
            ({"n_qubits": 4, "diagnostics": 1}, "diagnostics must be a bool"),
            ({"n_qubits": 4, "chain": {"j1": 1.0}}, "chain must be a ChainSpec"),
            (
                {"n_qubits": 4, "state_form": "sector", "rotation": "haar_triplet"},
                "needs state_form='qubit'",
            ),
            (
                {"n_qubits": 4, "state_form": "sector", "chain": ChainSpec(field=0.1)},
                "SU\\(2\\)-symmetric.*field=0.1",
            ),
            ({"n_qubits": 4, "state_form": "sector", "method": "dense"}, "'auto' or 'sector'"),
            (
                {"n_qubits": 4, "method": "sector", "chain": ChainSpec(anisotropy=0.5)},
                "method='sector' needs.*anisotropy=0.5",
            ),
        ],
    )
    def test_bad_config(self, kwargs: dict, match: str) -> None:
        with pytest.raises(InvalidParameterError, match=match):
            DatasetConfig(**kwargs)

    @pytest.mark.parametrize(
        ("terms", "match"),
        [
            ({"boundary": "twisted"}, "boundary must be one of"),
            ({"j1": 0.0}, "j1 must be > 0.0"),
            ({"random_field": -0.5}, "random_field must be >= 0.0"),
            ({"state_form": "sector", "field": 0.1}, "SU\\(2\\)-symmetric"),
            ({"method": "sector", "anisotropy": 0.5}, "method='sector' needs"),
        ],
    )
    def test_bad_flat_chain_terms(self, terms: dict, match: str) -> None:
        for make in (
            lambda: DatasetConfig.test_grid(4, 5, **terms),
            lambda: DatasetConfig.train_grid(4, 2, **terms),
            lambda: DatasetConfig(4).replace(**terms),
        ):
            with pytest.raises(InvalidParameterError, match=match):
                make()

    def test_chain_must_be_a_spec_with_flat_terms(self) -> None:
        with pytest.raises(InvalidParameterError, match="chain must be a ChainSpec, got 'x'"):
            DatasetConfig.test_grid(4, 5, chain="x", field=0.1)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"kind": "grid"}, "kind must be one of"),
            ({"kind": "train", "n_points": 3}, "train_size must be even"),
            ({"kind": "test", "n_points": 1}, "n_points must be >= 2"),
        ],
    )
    def test_bad_grid(self, kwargs: dict, match: str) -> None:
        with pytest.raises(InvalidParameterError, match=match):
            RatioGrid(**kwargs)

    def test_random_grid(self) -> None:
        grid = RatioGrid("random", 7, seed=2, gap=0.2)
        np.testing.assert_array_equal(
            grid.values(), RatioGrid("random", 7, seed=2, gap=0.2).values()
        )
        assert np.all(np.abs(grid.values() - 1) >= 0.2)


class TestChainField:
    """``DatasetConfig.chain`` holds the Hamiltonian; flat keywords fold into it."""

    @pytest.mark.parametrize("maker", [DatasetConfig.test_grid, DatasetConfig.train_grid])
    def test_flat_terms_in_the_grid_constructors(self, maker: Callable[..., DatasetConfig]) -> None:
        flat = maker(4, 4, seed=2, anisotropy=0.4, staggered_field=0.3, diagnostics=False)
        typed = maker(4, 4, seed=2, chain=ChainSpec(anisotropy=0.4, staggered_field=0.3))
        assert flat == typed.replace(diagnostics=False)
        assert flat.chain == ChainSpec(anisotropy=0.4, staggered_field=0.3)

    def test_flat_terms_apply_on_top_of_an_explicit_chain(self) -> None:
        cfg = DatasetConfig.test_grid(4, 5, chain=ChainSpec(field=0.2), boundary="periodic")
        assert cfg.chain == ChainSpec(field=0.2, boundary="periodic")

    def test_replace_keeps_the_other_terms(self) -> None:
        cfg = DatasetConfig(4, [0.5], chain=ChainSpec(field=0.2, j1=2.0))
        changed = cfg.replace(anisotropy=0.5, state_form="qubit")
        assert changed.chain == ChainSpec(field=0.2, j1=2.0, anisotropy=0.5)
        assert cfg.replace(chain=ChainSpec(), field=0.1).chain == ChainSpec(field=0.1)
        assert cfg.replace(seed=4).chain is cfg.chain

    def test_to_dict_is_flat(self) -> None:
        cfg = DatasetConfig(4, [0.5], chain=ChainSpec(random_field=0.1, boundary="periodic"))
        doc = cfg.to_dict()
        assert "chain" not in doc
        assert {k: doc[k] for k in cfg.chain.to_dict()} == cfg.chain.to_dict()

    def test_model_follows_the_chain(self) -> None:
        chain = ChainSpec(j1=2.0, anisotropy=0.7, field=0.1, random_field=0.3)
        model = DatasetConfig(4, [0.5], chain=chain).model(1.5, 11)
        assert isinstance(model, BondAlternatingHeisenberg)
        assert model.spec == chain and (model.ratio, model.seed) == (1.5, 11)
        assert DatasetConfig(4, [0.5]).model(1.5, 11).seed is None  # no random field: no seed


#: Cache keys recorded before ``DatasetConfig`` held a ``ChainSpec`` (eqqnn 0.1.0.dev0,
#: cache format 1; files with the first six keys were in the default cache folder where
#: they were recorded).  They pin the on-disk format: a change of the parameters document
#: of any of these configs would orphan the cached datasets.
RECORDED_VERSION = "0.1.0.dev0"
RECORDED_KEYS = {
    "test8_qubit": "7df87eb3044ccca91a84895dd0f59e98e2065abde4d5ddb7a97bc409fc775c21",
    "test8_sector": "0f717f0e001d703657fc474155bc206633a86a895a16c1a42fa934c9be75389f",
    "train8_qubit": "108914dc226392cd694a66c5413dd0e2583eacc14273265b34d3f3644ed06cb6",
    "train8_sector": "41156a074ba5b1455af5512eb3edd22ae2b7ffcf2ddb33d30647e38a82c87a18",
    "test20_sector": "753b399cf77630dddbfca6f01e7388cb1fb6313c57f3a2d2bf5d58c61b83fad6",
    "train20_sector": "28f870c8152b568d83d278543104755e7fb581206ec75436b747ac579bba3584",
    "test20_qubit": "a37dd6fea286beb587b17d0bf37b3ff2fd30ee3528da23773d4a26b5e9564c51",
    "test28_sector": "5455a0a954d9e555bd66b7116ccea3e806c0bb0bf1d2c3c64202569e2de505b0",
    "train28_sector": "8dff54af24b579eb071dab596eb3745559fb662fb28ba72419611bfbfb80b6ad",
    "train28_qubit": "e62f62498b93d2c8cdaefc69e7c61f4bff914dfb6dc9f1f8f478708b2426111d",
    "test12_default": "521ef8063b76511034588f24e9d57def5993d8216d2e91c6c661338863a1459f",
    "train8_haar_aniso": "c50fff92e74ffbbfa2d4600798ba05d58ca473ad1d0cf7b130a0683673f3bd5a",
    "test8_staggered": "883e1073efe96ecbaa16d0de00b49fb4a32e455705cda798affd5b20e941ed49",
    "test8_field_sz": "d426d7b2ffc5c8b09574ad1d9579f5a92673cc99cb3012a7441cb1e4ada23234",
    "random_periodic": "11331d9c6efe87ea8a26a43d79f9b98305c08079e27355d5e1c4fd8c9c16f3db",
    "random_grid": "1ed57f2b81c57b3026b1f2231e39d27a2c6c11add6edb853ad551222d915b853",
    "replace_sector": "fd691d44fdf591afebd56dc39714a2e25ce7618723609dab78cd364fd9c4da83",
}
PINNED_CONFIGS = {
    "test8_qubit": lambda: DatasetConfig.test_grid(8, 101, diagnostics=False),
    "test8_sector": lambda: DatasetConfig.test_grid(8, 101, diagnostics=False, state_form="sector"),
    "train8_qubit": lambda: DatasetConfig.train_grid(8, 4, diagnostics=False),
    "train8_sector": lambda: DatasetConfig.train_grid(8, 8, diagnostics=False, state_form="sector"),
    "test20_sector": lambda: DatasetConfig.test_grid(
        20, 101, diagnostics=False, state_form="sector"
    ),
    "train20_sector": lambda: DatasetConfig.train_grid(
        20, 8, diagnostics=False, state_form="sector"
    ),
    "test20_qubit": lambda: DatasetConfig.test_grid(20, 101, diagnostics=False),
    "test28_sector": lambda: DatasetConfig.test_grid(
        28, 101, diagnostics=False, state_form="sector"
    ),
    "train28_sector": lambda: DatasetConfig.train_grid(
        28, 16, diagnostics=False, state_form="sector"
    ),
    "train28_qubit": lambda: DatasetConfig.train_grid(28, 4, diagnostics=False),
    "test12_default": lambda: DatasetConfig.test_grid(12),
    "train8_haar_aniso": lambda: DatasetConfig.train_grid(
        8, 4, seed=0, rotation="haar_triplet", diagnostics=False, anisotropy=0.4
    ),
    "test8_staggered": lambda: DatasetConfig.test_grid(
        8, 60, seed=1, rotation="none", diagnostics=False, staggered_field=0.3
    ),
    "test8_field_sz": lambda: DatasetConfig.test_grid(
        8, 60, seed=1, diagnostics=False, field=0.5, method="sz"
    ),
    "random_periodic": lambda: DatasetConfig(
        4,
        [0.5, 1.5],
        chain=ChainSpec(random_field=0.5, boundary="periodic", j1=2.0),
        seed=3,
        diagnostics=False,
    ),
    "random_grid": lambda: DatasetConfig(6, RatioGrid("random", 5, seed=2, gap=0.1), method="sz"),
    "replace_sector": lambda: DatasetConfig.test_grid(20, 60, diagnostics=False).replace(
        state_form="sector"
    ),
}


class TestCacheKeyFormat:
    """The cache keys of :func:`build_dataset` are those recorded before the refactor."""

    @pytest.fixture(autouse=True)
    def _recorded_version(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # the key hashes the package version too; pin the one the keys were recorded with
        monkeypatch.setattr(_cache, "_eqqnn_version", lambda: RECORDED_VERSION)

    @pytest.mark.parametrize("name", sorted(RECORDED_KEYS))
    def test_key_unchanged(self, name: str) -> None:
        cfg = PINNED_CONFIGS[name]()
        assert cache_key(cfg.cache_params()) == RECORDED_KEYS[name]
        assert DatasetCache("/nonexistent").path_for(cfg.cache_params()).stem == RECORDED_KEYS[name]

    def test_params_document_unchanged(self) -> None:
        doc = json.dumps(
            PINNED_CONFIGS["random_periodic"]().cache_params(),
            sort_keys=True,
            separators=(",", ":"),
        )
        assert doc == (
            '{"anisotropy":1.0,"boundary":"periodic","diagnostics":false,"field":0.0,'
            '"j1":2.0,"method":"auto","n_qubits":4,"object":"eqqnn.data.PhaseDataset",'
            '"random_field":0.5,"ratios":{"values":[0.5,1.5]},"rotation":"none","seed":3,'
            '"staggered_field":0.0,"state_form":"qubit"}'
        )


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

    @pytest.mark.parametrize(("n", "ratio"), [(4, 0.0), (6, 0.0), (6, 0.7), (8, 1.4)])
    def test_lowest_sz1_state(self, n: int, ratio: float) -> None:
        model = BondAlternatingHeisenberg(n, ratio)
        psi, energy = lowest_sz1_state(model)
        assert sz_total(psi) == pytest.approx(1.0)
        assert total_spin_squared(psi) == pytest.approx(2.0, abs=1e-9)
        h = model.sparse_matrix()
        assert np.linalg.norm(h @ psi - energy * psi) < 1e-9
        evals = np.linalg.eigvalsh(model.sz_sector_matrix(1).toarray())
        assert energy == pytest.approx(evals[0], abs=1e-10)

    @pytest.mark.parametrize("dense_max", [4, 10_000])
    def test_degenerate_level_is_marshall_projection(self, dense_max: int, monkeypatch) -> None:
        # r = 0: three decoupled dimers; the lowest S^z = 1 level is 3-fold degenerate (one
        # dimer in |up up>, the others singlets).  The Marshall projection weighs them equally,
        # whichever eigensolver runs.
        monkeypatch.setattr(_dataset, "_DENSE_SECTOR_MAX", dense_max)
        psi, energy = lowest_sz1_state(BondAlternatingHeisenberg(6, 0.0))
        assert energy == pytest.approx(0.25 - 2 * 0.75)
        probs = np.abs(psi.reshape(2, 2, 2, 2, 2, 2)) ** 2
        up_up = [probs[(slice(None),) * (2 * d) + (0, 0)].sum() for d in range(3)]
        np.testing.assert_allclose(up_up, 1 / 3, atol=1e-10)
        np.testing.assert_allclose(psi.imag, 0.0, atol=0)

    def test_sparse_and_dense_solvers_agree(self, monkeypatch: pytest.MonkeyPatch) -> None:
        model = BondAlternatingHeisenberg(8, 0.6)
        dense, e_dense = lowest_sz1_state(model)
        monkeypatch.setattr(_dataset, "_DENSE_SECTOR_MAX", 4)
        sparse, e_sparse = lowest_sz1_state(model)
        assert e_dense == pytest.approx(e_sparse, abs=1e-10)
        np.testing.assert_allclose(sparse, dense, atol=1e-8)


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

    def test_to_and_subset(self) -> None:
        data = build_dataset(DatasetConfig(4, [0.2, 0.6, 1.4, 1.8]), cache=None)
        wide = data.to(dtype=torch.complex128, label_dtype=torch.long)
        assert wide.states.dtype == torch.complex128 and wide.labels.dtype == torch.int64
        assert data.states.dtype == torch.complex64  # original untouched
        sub = data.subset([3, 0])
        assert sub.ratios.tolist() == [1.8, 0.2] and sub.labels.tolist() == [1.0, 0.0]
        assert sub.diagnostics["energy"].shape == (2,)
        assert "PhaseDataset(n=4" in repr(data)

    def test_dataloader(self) -> None:
        data = build_dataset(DatasetConfig(4, [0.2, 0.6, 1.4, 1.8]), cache=None)
        batches = list(DataLoader(data, batch_size=3))
        assert batches[0][0].shape == (3, 16) and batches[1][1].tolist() == [1.0]

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
