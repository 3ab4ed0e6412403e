"""Shared fixtures: every test is seeded; precision fixtures carry matching tolerances."""

from __future__ import annotations

import random

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _seed_everything() -> None:
    random.seed(1234)
    np.random.seed(1234)  # noqa: NPY002 - legacy global state, for third-party code only
    try:
        import torch

        torch.manual_seed(1234)
    except ImportError:  # pragma: no cover - torch is a dependency
        pass


@pytest.fixture(autouse=True)
def _private_cache_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Datasets built by tests go to a temporary cache, never the user's cache folder."""
    monkeypatch.setenv("EQQNN_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "eqqnn-cache"))


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh seeded numpy Generator per test."""
    return np.random.default_rng(20261123)


@pytest.fixture(params=["complex64", "complex128"])
def complex_dtype(request: pytest.FixtureRequest) -> tuple[str, float]:
    """(dtype name, tolerance) pairs for the two precisions."""
    return request.param, {"complex64": 1e-5, "complex128": 1e-10}[request.param]
