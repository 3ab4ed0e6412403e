"""Tests of RatioGrid / DatasetConfig (validation, flat chain terms, cache-key format)."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pytest

from eqqnn.data import _cache
from eqqnn.data._cache import DatasetCache, cache_key
from eqqnn.data._chain import ChainSpec
from eqqnn.data._dataset_config import DatasetConfig, RatioGrid
from eqqnn.data._hamiltonian import BondAlternatingHeisenberg
from eqqnn.errors import InvalidParameterError


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
