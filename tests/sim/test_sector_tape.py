"""Whole sweeps as one numba call (``_numba_program``): the same values and gradients as
one call per pass, and as the dense simulator."""

from __future__ import annotations

import pytest
import torch

from eqqnn.circuits import su2_qcnn
from eqqnn.sim import SpinSectorBackend, StatevectorBackend
from eqqnn.sim._sector import _numba_kernels as nb
from eqqnn.sim._sector import _numba_path, _numba_program, clear_sector_caches
from eqqnn.testing import random_parameters, random_state_batch

pytestmark = pytest.mark.skipif(not nb.AVAILABLE, reason="numba is not installed")


def _step(
    backend: SpinSectorBackend, n: int, batch: int, seed: int, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor, dict[float, torch.Tensor]]:
    c = su2_qcnn(n)
    theta = random_parameters(c, seed=seed).requires_grad_(True)
    psi = random_state_batch(n, batch, seed=seed).to(dtype)  # every spin sector
    weights = torch.linspace(-1.0, 2.0, batch, dtype=theta.dtype)
    value = backend.expectation(c, theta, psi)
    (grad,) = torch.autograd.grad((value.to(theta.dtype) * weights).sum(), theta)
    final = backend.final_sector_states(c, theta.detach(), psi)
    return value.detach(), grad, final


@pytest.mark.parametrize(("n", "batch"), [(6, 1), (8, 5), (10, 2), (10, 7), (12, 3)])
def test_taped_sweeps_equal_one_call_per_pass(
    n: int, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Values, gradients and final states are bitwise those of one call per pass (the
    same serial row kernels, the same order), over every spin sector."""
    backend = SpinSectorBackend(kernel="numba", operators="stored")
    results = {}
    for taped in (True, False):
        monkeypatch.setattr(_numba_path, "TAPED", taped)
        results[taped] = _step(backend, n, batch, seed=n + batch, dtype=torch.complex128)
    (v1, g1, f1), (v0, g0, f0) = results[True], results[False]
    torch.testing.assert_close(v1, v0, atol=0, rtol=0)
    torch.testing.assert_close(g1, g0, atol=0, rtol=0)
    assert f1.keys() == f0.keys()
    for spin in f0:
        torch.testing.assert_close(f1[spin], f0[spin], atol=0, rtol=0)


@pytest.mark.parametrize("dtype", [torch.complex128, torch.complex64])
def test_taped_sweeps_match_the_dense_simulator(dtype: torch.dtype) -> None:
    """An independent reference: the dense statevector's value and gradient."""
    tol = 1e-10 if dtype == torch.complex128 else 2e-5
    v, g, _ = _step(SpinSectorBackend(kernel="numba"), 8, 4, seed=11, dtype=dtype)
    c = su2_qcnn(8)
    theta = random_parameters(c, seed=11).requires_grad_(True)
    psi = random_state_batch(8, 4, seed=11)
    value = StatevectorBackend().expectation(c, theta, psi)
    weights = torch.linspace(-1.0, 2.0, 4, dtype=theta.dtype)
    (grad,) = torch.autograd.grad((value * weights).sum(), theta)
    torch.testing.assert_close(v.to(torch.float64), value.detach(), atol=tol, rtol=0)
    torch.testing.assert_close(g, grad, atol=tol, rtol=0)


def test_tapes_are_cached_per_program_and_released(monkeypatch: pytest.MonkeyPatch) -> None:
    built = []
    original = _numba_program._tape

    def counting(entries: list) -> _numba_program.SweepTape:
        built.append(len(entries))
        return original(entries)

    monkeypatch.setattr(_numba_program, "_tape", counting)
    clear_sector_caches()
    backend = SpinSectorBackend(kernel="numba", operators="stored")
    c = su2_qcnn(8)
    psi = random_state_batch(8, 2, seed=1)  # four spin sectors
    for seed in (1, 2):
        theta = random_parameters(c, seed=seed).requires_grad_(True)
        backend.expectation(c, theta, psi).sum().backward()
    sectors = len(backend.final_sector_states(c, theta.detach(), psi))
    assert len(built) == 2 * sectors  # a forward and a backward tape per sector, once
    assert all(size > 0 for size in built)
    clear_sector_caches()  # the kernels, and their tapes, are gone: built anew
    backend.expectation(c, theta, psi).sum().backward()
    assert len(built) == 4 * sectors


def test_some_sectors_taped_and_some_not_give_the_per_pass_gradient(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bitwise, with the taped sectors' overlaps added in sector order."""
    monkeypatch.setattr(_numba_path, "TAPE_MAX_ENTRIES", 1000)  # J = 5 taped, J = 0..4 not
    calls = {"tape": 0, "pass": 0}
    tape, step = _numba_path._NumbaRun.adjoint_tape, _numba_path._NumbaRun.adjoint

    def counted(name: str, fn: object) -> object:
        def call(*args: object) -> object:
            calls[name] += 1
            return fn(*args)  # type: ignore[operator]

        return call

    monkeypatch.setattr(_numba_path._NumbaRun, "adjoint_tape", counted("tape", tape))
    monkeypatch.setattr(_numba_path._NumbaRun, "adjoint", counted("pass", step))
    backend = SpinSectorBackend(kernel="numba", operators="stored")
    results = {}
    for taped in (True, False):
        monkeypatch.setattr(_numba_path, "TAPED", taped)
        results[taped] = _step(backend, 10, 20, seed=7, dtype=torch.complex128)
        if taped:
            assert calls["tape"] >= 1 and calls["pass"] >= 1  # both kinds in one backward
    torch.testing.assert_close(results[True][1], results[False][1], atol=0, rtol=0)
    torch.testing.assert_close(results[True][0], results[False][0], atol=0, rtol=0)


def test_large_sectors_and_matrix_free_runs_make_one_call_per_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []
    monkeypatch.setattr(_numba_program, "forward_sweep", lambda *a: calls.append(a))
    monkeypatch.setattr(_numba_path, "TAPE_MAX_ENTRIES", 12)  # only tiny sectors
    c = su2_qcnn(8)
    theta = random_parameters(c, seed=5)
    psi = torch.zeros(1, 2**8, dtype=torch.complex128)
    psi[0, 0b01010101] = 1.0  # spread over sectors of up to 28 rows
    SpinSectorBackend(kernel="numba", operators="stored").expectation(c, theta, psi)
    entries = [a[-2].shape[0] * a[-2].shape[1] // 2 for a in calls]
    assert entries and max(entries) <= 12
    calls.clear()
    SpinSectorBackend(kernel="numba", operators="on_the_fly").expectation(c, theta, psi)
    assert not calls
