"""Fused kernels of the one-pass Schur–Weyl transform, against numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eqqnn.symmetry._coupling_kernels import combine, gather_slice, run_coupling_plan
from eqqnn.symmetry._schur_transform import _ones_table, qubit_to_sectors
from eqqnn.symmetry._spin_coupling import _fixed_weight_strings


def _reference(psi: np.ndarray, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    ones = np.array([bin(x).count("1") for x in range(2**n)])
    weights = np.array([np.sum(np.abs(psi[:, ones == j]) ** 2) for j in range(n + 1)])
    return weights, psi[:, _fixed_weight_strings(n, k)].T


@pytest.mark.parametrize("n", [3, 6, 9, 11])
@pytest.mark.parametrize("kind", ["real", "complex", "complex with real amplitudes"])
def test_gather_slice_matches_numpy(n: int, kind: str) -> None:
    rng = np.random.default_rng(n)
    psi = rng.normal(size=(5, 2**n))
    if kind == "complex":
        psi = psi + 1j * rng.normal(size=psi.shape)
    elif kind != "real":
        psi = psi.astype(np.complex128)
    k = n // 2
    weights, columns = gather_slice(psi, n, _ones_table(n), _fixed_weight_strings(n, k))
    ref_w, ref_c = _reference(psi, n, k)
    np.testing.assert_allclose(weights, ref_w, rtol=1e-13)
    np.testing.assert_array_equal(columns, ref_c)
    assert columns.flags.c_contiguous
    assert np.iscomplexobj(columns) == (kind == "complex")


def test_gather_slice_declines_what_it_does_not_take() -> None:
    psi = np.ones((4, 16), dtype=np.complex64)
    assert gather_slice(psi, 4, _ones_table(4), _fixed_weight_strings(4, 2)) is None
    wide = np.ones((4, 32))
    assert gather_slice(wide[:, ::2], 4, _ones_table(4), _fixed_weight_strings(4, 2)) is None


def test_transform_is_the_same_through_either_read() -> None:
    """A strided input takes the numpy path; both give the same coordinates."""
    rng = np.random.default_rng(0)
    n = 8
    psi = rng.normal(size=(3, 2**n)) + 1j * rng.normal(size=(3, 2**n))
    wide = np.zeros((3, 2 * 2**n), dtype=np.complex128)
    wide[:, ::2] = psi
    fast, slow = qubit_to_sectors(psi, n), qubit_to_sectors(wide[:, ::2], n)
    assert sorted(fast) == sorted(slow)
    for key in fast:
        np.testing.assert_array_equal(fast[key], slow[key])


def test_combine_matches_numpy() -> None:
    rng = np.random.default_rng(1)
    p0, p1 = rng.normal(size=(2, 3, 4096)), rng.normal(size=(2, 3, 4096))
    out = np.empty_like(p0)
    combine(out, [(0.5, p0), (-2.0, p1)])
    np.testing.assert_allclose(out, 0.5 * p0 - 2.0 * p1, rtol=1e-15)
    combine(out, [])
    assert not out.any()


@pytest.mark.parametrize(("n", "two_m", "two_js"), [(6, 0, [0, 2, 6]), (7, 1, [1, 3]), (8, 2, [2])])
@pytest.mark.parametrize("chunk", [1, 3, 64])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_compiled_plan_matches_the_levels_one_by_one(
    n: int, two_m: int, two_js: list[int], chunk: int, dtype: type
) -> None:
    from eqqnn.symmetry._schur_transform import _union_keys
    from eqqnn.symmetry._spin_coupling import _couple_levels, _coupling_plan

    rng = np.random.default_rng(n + chunk)
    size = math.comb(n, (n - two_m) // 2)
    columns = rng.normal(size=(size, 5)).astype(dtype)
    if dtype is np.complex128:
        columns += 1j * rng.normal(size=columns.shape)
    keys = _union_keys(n, two_m, two_js)
    plan = _coupling_plan(n, two_m, tuple(tuple(level) for level in keys))
    fast = run_coupling_plan(columns, plan.ops, plan.coef, plan.level_size, plan.finals, chunk)
    slow = _couple_levels(columns, n, two_m, keys)
    assert sorted(fast) == sorted(slow)
    for key in slow:
        np.testing.assert_allclose(fast[key], slow[key], rtol=0, atol=1e-14)
