"""Pooled scratch buffers of the numba sector path: reuse never changes a result."""

from __future__ import annotations

import threading

import pytest
import torch

from eqqnn._buffers import SCRATCH
from eqqnn.circuits import su2_qcnn
from eqqnn.sim import SpinSectorBackend
from eqqnn.sim._sector import clear_sector_caches
from eqqnn.testing import random_parameters, random_state_batch


def _value_and_grad(circuit: object, theta: torch.Tensor, psi: torch.Tensor) -> tuple:
    backend = SpinSectorBackend(kernel="numba", operators="stored")
    t = theta.clone().requires_grad_(True)
    value = backend.expectation(circuit, t, psi)  # type: ignore[arg-type]
    (value * torch.linspace(-1.0, 2.0, value.shape[0], dtype=value.dtype)).sum().backward()
    return value.detach(), t.grad


def test_reused_buffers_give_bitwise_equal_values_and_gradients() -> None:
    """The same step repeated, with other shapes, no-grad calls and a cleared pool in
    between, gives exactly the same numbers; the pool is used (it holds buffers)."""
    clear_sector_caches()
    circuit = su2_qcnn(10)
    theta = random_parameters(circuit, seed=1)
    psi = random_state_batch(10, 5, seed=2)  # every spin sector
    first = _value_and_grad(circuit, theta, psi)
    assert SCRATCH.nbytes > 0
    with torch.no_grad():  # forward only: ψ and λ go back at once
        SpinSectorBackend(kernel="numba").expectation(circuit, theta, psi[:3])
    _value_and_grad(circuit, theta, psi[:2])  # another shape
    second = _value_and_grad(circuit, theta, psi)
    clear_sector_caches()
    assert SCRATCH.nbytes == 0
    third = _value_and_grad(circuit, theta, psi)
    for other in (second, third):
        assert torch.equal(first[0], other[0])
        assert torch.equal(first[1], other[1])


def test_concurrent_steps_share_the_pool_safely() -> None:
    """Two threads stepping at once (different inputs) get their sequential results."""
    circuit = su2_qcnn(10)
    theta = random_parameters(circuit, seed=3)
    inputs = [random_state_batch(10, 4, seed=s) for s in (4, 5)]
    expected = [_value_and_grad(circuit, theta, psi) for psi in inputs]
    results: dict[int, list[tuple]] = {0: [], 1: []}
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for _ in range(6):
                results[k].append(_value_and_grad(circuit, theta, inputs[k]))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for k in (0, 1):
        for value, grad in results[k]:
            torch.testing.assert_close(value, expected[k][0], rtol=0, atol=1e-12)
            torch.testing.assert_close(grad, expected[k][1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("n", [8, 12])
def test_pool_stays_within_its_budget(n: int) -> None:
    circuit = su2_qcnn(n)
    theta = random_parameters(circuit, seed=n)
    for batch in (3, 5, 7, 9):
        _value_and_grad(circuit, theta, random_state_batch(n, batch, seed=batch))
    assert 0 < SCRATCH.nbytes <= SCRATCH.max_bytes


def test_a_graph_kept_for_later_is_not_disturbed_by_other_steps() -> None:
    """Forward of A, then forward and backward of B (same shapes), then backward of A:
    A's buffers stay A's until its backward has run."""
    circuit = su2_qcnn(10)
    theta = random_parameters(circuit, seed=7)
    psi_a, psi_b = random_state_batch(10, 4, seed=8), random_state_batch(10, 4, seed=9)
    expected = _value_and_grad(circuit, theta, psi_a)
    backend = SpinSectorBackend(kernel="numba", operators="stored")
    t = theta.clone().requires_grad_(True)
    value = backend.expectation(circuit, t, psi_a)
    _value_and_grad(circuit, theta, psi_b)
    _value_and_grad(circuit, theta, psi_b)
    (value * torch.linspace(-1.0, 2.0, value.shape[0], dtype=value.dtype)).sum().backward()
    assert torch.equal(value.detach(), expected[0])
    assert torch.equal(t.grad, expected[1])


def test_evaluation_under_no_grad_hands_every_buffer_back() -> None:
    """Parameters that require grad, evaluated under ``torch.no_grad()`` (an evaluation
    loop): nothing waits for a backward, so ψ and λ go back to the pool as well."""
    circuit = su2_qcnn(10)
    theta = random_parameters(circuit, seed=1).requires_grad_(True)
    psi = random_state_batch(10, 5, seed=2)
    backend = SpinSectorBackend(kernel="numba", operators="stored")
    clear_sector_caches()
    value = backend.expectation(circuit, theta, psi)  # a graph: ψ and λ are kept
    kept = SCRATCH.nbytes
    clear_sector_caches()
    with torch.no_grad():
        backend.expectation(circuit, theta, psi)
    assert SCRATCH.nbytes > kept > 0
    value.sum().backward()  # the kept graph still works
    assert theta.grad is not None and theta.grad.abs().max() > 0


def test_a_second_backward_of_one_forward_is_refused_clearly() -> None:
    from eqqnn.errors import BackendError

    circuit = su2_qcnn(8)
    theta = random_parameters(circuit, seed=1).requires_grad_(True)
    value = SpinSectorBackend(kernel="numba").expectation(
        circuit, theta, random_state_batch(8, 2, seed=1)
    )
    value.sum().backward(retain_graph=True)
    with pytest.raises(BackendError, match="once per forward pass"):
        value.sum().backward()
