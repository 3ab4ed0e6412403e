"""The matrix-free sector kernels: Young's orthogonal form recomputed per row from packed
tableau words equals the stored sparse operators, kernel by kernel and through the
backend (values, gradients, final states)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eqqnn.circuits import su2_qcnn
from eqqnn.errors import InvalidParameterError
from eqqnn.sim import SpinSectorBackend
from eqqnn.sim._sector import _device
from eqqnn.sim._sector._free_kernels import (
    free_adjoint_pass,
    free_gate_pass,
    packed_words,
    partner_deltas,
)
from eqqnn.symmetry import two_row_tableaux, young_orthogonal_form
from eqqnn.testing import random_parameters, random_state_batch


@pytest.mark.parametrize(("n", "two_j"), [(6, 0), (8, 2), (9, 1), (10, 0), (11, 3)])
def test_words_and_passes_match_the_stored_form(n: int, two_j: int) -> None:
    words = packed_words(n, two_j)
    rows = two_row_tableaux(n, two_j / 2).astype(np.int64)
    np.testing.assert_array_equal(words, (rows << np.arange(n)).sum(axis=1))
    form = young_orthogonal_form(n, two_j / 2)
    rng = np.random.default_rng(n + two_j)
    d = form.dim
    coef = np.array([0.3 + 0.1j, -0.7 + 0.2j])
    xcoef = np.array([[0.5, 1j], [1.0, -0.3]])
    for k in range(n - 1):
        s_k = form.transposition_matrix(k).toarray()
        x = rng.normal(size=(d, 3)) + 1j * rng.normal(size=(d, 3))
        mu = rng.normal(size=(d, 3)) + 1j * rng.normal(size=(d, 3))
        planar = np.concatenate([x.real, x.imag], axis=1)
        y = np.empty_like(planar)
        free_gate_pass(words, k, partner_deltas(n, k), coef, planar, y, 4)
        np.testing.assert_allclose(
            y[:, :3] + 1j * y[:, 3:], coef[0] * x + coef[1] * s_k @ x, atol=1e-12
        )
        w = np.concatenate([x.real, x.imag, mu.real, mu.imag], axis=1)
        out, acc = np.empty_like(w), np.zeros((4, 2, 3), dtype=complex)
        free_adjoint_pass(words, k, partner_deltas(n, k), coef, xcoef, w, out, acc, 4)
        moved = coef[0] * mu + coef[1] * s_k @ mu
        np.testing.assert_allclose(out[:, 6:9] + 1j * out[:, 9:], moved, atol=1e-12)
        for g in range(2):
            x_psi = xcoef[g, 0] * x + xcoef[g, 1] * s_k @ x
            np.testing.assert_allclose(acc[:, g].sum(0), (mu.conj() * x_psi).sum(0), atol=1e-10)


@pytest.mark.parametrize("n", [6, 8, 10])
def test_backend_on_the_fly_equals_stored(n: int) -> None:
    c = su2_qcnn(n)
    theta = random_parameters(c, seed=n)
    psi = random_state_batch(n, 3, seed=n)  # every spin sector has weight
    weights = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    results = {}
    for mode in ("stored", "on_the_fly"):
        backend = SpinSectorBackend(operators=mode)
        t = theta.clone().requires_grad_(True)
        value = backend.expectation(c, t, psi)
        (grad,) = torch.autograd.grad((value * weights).sum(), t)
        final = backend.final_sector_states(c, theta, psi)
        results[mode] = (value.detach(), grad, final)
    stored, free = results["stored"], results["on_the_fly"]
    torch.testing.assert_close(free[0], stored[0], atol=1e-12, rtol=0)
    torch.testing.assert_close(free[1], stored[1], atol=1e-12, rtol=0)
    for spin in stored[2]:
        torch.testing.assert_close(free[2][spin], stored[2][spin], atol=1e-12, rtol=0)


def test_auto_switches_by_sector_size(monkeypatch: pytest.MonkeyPatch) -> None:
    c = su2_qcnn(6)
    psi = random_state_batch(6, 1)
    backend = SpinSectorBackend()
    _, sectors, _, _ = backend._prepare(c, torch.zeros(c.n_params), psi, False)
    assert not backend._on_the_fly(sectors)
    monkeypatch.setattr(_device, "ON_THE_FLY_MIN_DIM", 5)
    assert backend._on_the_fly(sectors)
    with pytest.raises(InvalidParameterError, match="operators"):
        SpinSectorBackend(operators="sparse")


@pytest.mark.parametrize("operators", ["stored", "on_the_fly"])
def test_pass_statistics_count_the_arithmetic_of_every_kernel_call(
    operators: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``NUMBA_STATS`` flops equal a count taken from the arrays each per-pass kernel
    receives (stored entries and non-empty rows from ``indptr``, columns from the state's
    width; per row for the matrix-free kernels, read off their loops)."""
    from eqqnn.sim._sector import _free_kernels as free
    from eqqnn.sim._sector import _numba_kernels as nb
    from eqqnn.sim._sector import _numba_path

    seen = [0]

    def counted(module: object, name: str, flops: object) -> None:
        original = getattr(module, name)

        def call(*args: object) -> object:
            seen[0] += flops(*args)  # type: ignore[operator]
            return original(*args)

        monkeypatch.setattr(module, name, call)

    def perm(ip: np.ndarray, ix: object, v: object, x: np.ndarray, *rest: object) -> int:
        rows = int(np.count_nonzero(np.diff(ip)))  # a row's first entry: a multiply only
        return (2 * int(ip[-1]) - rows) * x.shape[1]

    def adjoint(
        ip: np.ndarray,
        ix: object,
        b: object,
        c: object,
        xc: np.ndarray,
        w: np.ndarray,
        *rest: object,
    ) -> int:
        m, h = xc.shape[0], w.shape[1] // 4
        return (16 + 8 * m) * int(ip[-1]) * h + 8 * m * w.shape[0] * h

    def free_adjoint(
        words: object,
        k: object,
        delta: object,
        c: object,
        xc: np.ndarray,
        w: np.ndarray,
        *rest: object,
    ) -> int:
        # per row and column: ψ and μ 2 x (4 mul + 3 add); per generator 14 + 8 overlaps
        return w.shape[0] * (w.shape[1] // 4) * (28 + 22 * xc.shape[0])

    counted(nb, "perm_pass", perm)
    counted(nb, "gate_pass", lambda ip, ix, b, c, x, *rest: 8 * int(ip[-1]) * (x.shape[1] // 2))
    counted(nb, "adjoint_pass", adjoint)
    counted(nb, "adjoint_pass1", adjoint)
    # y = u x_t + v x_p per row and complex column: 2 x (4 mul + 3 add)
    counted(
        free, "free_gate_pass", lambda w, k, dl, c, x, *rest: 14 * x.shape[0] * (x.shape[1] // 2)
    )
    counted(free, "free_adjoint_pass", free_adjoint)
    monkeypatch.setattr(_numba_path, "TAPED", False)  # one kernel call per pass
    c = su2_qcnn(8)
    theta = random_parameters(c, seed=3).requires_grad_(True)
    psi = random_state_batch(8, 3, seed=3)
    backend = SpinSectorBackend(kernel="numba", operators=operators)
    backend.expectation(c, theta.detach(), psi)  # caches built
    seen[0] = 0
    stats = [0, 0, 0]
    monkeypatch.setattr(_numba_path, "NUMBA_STATS", stats)
    backend.expectation(c, theta, psi).sum().backward()
    assert stats[0] > 0 and stats[2] > 0
    assert stats[2] == seen[0]


def test_a_taped_sweep_counts_what_its_passes_would(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run as one tape or pass by pass, a step's passes, bytes and flops are the same."""
    from eqqnn.sim._sector import _numba_path

    c = su2_qcnn(8)
    theta = random_parameters(c, seed=4).requires_grad_(True)
    psi = random_state_batch(8, 3, seed=4)
    backend = SpinSectorBackend(kernel="numba", operators="stored")
    counts = {}
    for taped in (True, False):
        monkeypatch.setattr(_numba_path, "TAPED", taped)
        backend.expectation(c, theta.detach(), psi)
        stats = [0, 0, 0]
        monkeypatch.setattr(_numba_path, "NUMBA_STATS", stats)
        backend.expectation(c, theta, psi).sum().backward()
        monkeypatch.setattr(_numba_path, "NUMBA_STATS", None)
        counts[taped] = stats
    assert counts[True][0] > 50
    assert counts[True] == counts[False]


@pytest.mark.parametrize(("n", "two_j"), [(6, 0), (9, 1), (12, 2), (13, 3), (16, 0)])
def test_torch_tables_from_words_equal_the_stored_tables(
    n: int, two_j: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Young's entries of every s_k computed on the device from the packed words equal
    those of the orthogonal form (partners exactly, entries to rounding), computed in
    blocks of 7 rows so that block edges are crossed."""
    from eqqnn.sim._sector import _kernels
    from eqqnn.sim._sector._kernels import _tables_from_words

    monkeypatch.setattr(_kernels, "_TABLE_CHUNK_ROWS", 7)

    words = torch.from_numpy(np.array(packed_words(n, two_j)))
    form = young_orthogonal_form(n, two_j / 2)
    for k in range(n - 1):
        diag, partner, off = form.adjacent_transposition(k)
        delta = torch.from_numpy(partner_deltas(n, k))
        got_diag, got_partner, got_off = _tables_from_words(words, delta, k, torch.float64)
        np.testing.assert_array_equal(got_partner.numpy(), partner)
        np.testing.assert_allclose(got_diag[:, 0].numpy(), diag, rtol=0, atol=1e-15)
        np.testing.assert_allclose(got_off[:, 0].numpy(), off, rtol=0, atol=1e-15)


@pytest.mark.parametrize("gradient", ["adjoint", "autograd"])
def test_torch_kernels_without_kept_tables_equal_the_kept_ones(
    gradient: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no table kept (``TORCH_TABLES_MAX_BYTES = 0``: every transposition recomputed
    from the words, as on a GPU at n >= 32), the torch kernels give the same values and
    gradients, on inputs with weight in every spin sector."""
    from eqqnn.sim._sector import _kernels, clear_sector_caches

    c = su2_qcnn(10)
    psi = random_state_batch(10, 3, seed=11)
    weights = torch.tensor([0.7, -1.0, 2.0], dtype=torch.float64)
    results = []
    for budget in (_kernels.TORCH_TABLES_MAX_BYTES, 0):
        monkeypatch.setattr(_kernels, "TORCH_TABLES_MAX_BYTES", budget)
        clear_sector_caches()
        theta = random_parameters(c, seed=12).requires_grad_(True)
        backend = SpinSectorBackend(kernel="torch", gradient=gradient)
        value = backend.expectation(c, theta, psi)
        (value * weights).sum().backward()
        results.append((value.detach(), theta.grad))
        kept = [k for k in _kernels._KERNELS.values() if k._torch]
        assert bool(kept) == (budget > 0)
    clear_sector_caches()
    torch.testing.assert_close(results[0][0], results[1][0], rtol=0, atol=1e-13)
    torch.testing.assert_close(results[0][1], results[1][1], rtol=0, atol=1e-12)
