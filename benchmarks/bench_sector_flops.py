"""Benchmark: where a spin-sector step's time goes, in floating-point operations.

One forward + backward of ``su2_qcnn(n)`` (default n = 16, batch 64, complex128, sector
coordinates, numba adjoint path) is counted pass by pass (``NUMBA_STATS``: passes, bytes
moved, flops: a relabelling 2 per stored entry and real column, a gate 8 per entry and
complex column, an adjoint step 16 + 8m per entry and column plus 8m per row and column)
and timed.  Two kernels are then timed alone on a state of the same size (``gate_pass``
and ``adjoint_pass1`` with two entries per row, the partner row drawn at random) on one
and on two threads: their flop rate is what the hardware gives these loops.  The step's
flops divided by the best kernel rate is a floor for the step with this algorithm;
against PennyLane ``lightning.qubit`` measured in the same run (``--lightning``) it gives
the largest ratio the algorithm can reach here.

Usage::

    python benchmarks/bench_sector_flops.py                 # about 30 s
    python benchmarks/bench_sector_flops.py --lightning     # also lightning.qubit (~10 s)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import call_times
from bench_spin_sector import _backend, _singlets


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=41, help="timed steps (median)")
    parser.add_argument("--lightning", action="store_true", help="time lightning.qubit too")
    return parser.parse_args(argv)


def _median(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    times = call_times(fn, repeats)
    return float(np.median(times)), float(min(times))


def _kernel_rates(d: int, batch: int, repeats: int = 200) -> list[tuple[str, int, float]]:
    """``(kernel, threads, GFlop/s)`` of the gate and adjoint kernels alone."""
    import numba

    from eqqnn.sim._sector import _numba_kernels as nb
    from eqqnn.sim._sector._numba_path import _NUMBA_SERIAL_ENTRIES

    rng = np.random.default_rng(0)
    indptr = np.arange(0, 2 * d + 1, 2, dtype=np.int64)
    indices = np.stack([np.arange(d), rng.permutation(d)], 1).ravel().astype(np.int64)
    basis = rng.standard_normal((2, 2 * d))
    coef = np.array([0.3 + 0.1j, 0.5 - 0.2j])
    xcoef = np.array([[0.0, -1j]])
    x, y = rng.standard_normal((d, 2 * batch)), np.empty((d, 2 * batch))
    w, out = rng.standard_normal((d, 4 * batch)), np.empty((d, 4 * batch))
    # the path's own rule: a state below _NUMBA_SERIAL_ENTRIES runs as one block
    chunks = 1 if d * batch < _NUMBA_SERIAL_ENTRIES else nb.chunks_for(d)
    acc = np.zeros((chunks, 1, batch), dtype=np.complex128)
    kernels = {
        "gate_pass": (
            lambda: nb.gate_pass(indptr, indices, basis, coef, x, y, chunks),
            2 * d * batch * 8,
        ),
        "adjoint_pass1": (
            lambda: nb.adjoint_pass1(indptr, indices, basis, coef, xcoef, w, out, acc, chunks),
            2 * d * batch * 24 + d * batch * 8,
        ),
    }
    rates = []
    for threads in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
        nb.set_threads(threads)
        for name, (fn, flops) in kernels.items():
            seconds, _ = _median(fn, repeats)
            rates.append((name, threads, flops / seconds / 1e9))
    nb.set_threads(torch.get_num_threads())
    return rates


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from eqqnn.circuits import su2_qcnn
    from eqqnn.sim._sector import _numba_path

    coords, dense = _singlets(args.n, args.batch, 0, dense=args.lightning)
    circuit = su2_qcnn(args.n)
    params = np.random.default_rng(1).uniform(-1, 1, circuit.n_params)

    def step(backend: object, states: torch.Tensor) -> Callable[[], None]:
        def run() -> None:
            theta = torch.tensor(params, requires_grad=True)
            backend.expectation(circuit, theta, states).sum().backward()  # type: ignore[attr-defined]

        return run

    sector, _ = _backend("sector", "complex128")
    run = step(sector, coords)
    run()
    stats = [0, 0, 0]
    _numba_path.NUMBA_STATS = stats
    run()
    _numba_path.NUMBA_STATS = None
    passes, moved, flops = stats
    median, best = _median(run, args.repeats)
    d = coords.shape[1]
    print(f"n = {args.n}, batch {args.batch}, dim M_0 = {d}, threads {torch.get_num_threads()}")
    print(
        f"step (fwd+bwd): {median * 1e3:.2f} ms median, {best * 1e3:.2f} ms best; "
        f"{passes} passes, {moved / 1e6:.0f} MB moved, {flops / 1e6:.0f} MFlop "
        f"= {flops / median / 1e9:.1f} GFlop/s (median)"
    )
    rates = _kernel_rates(d, args.batch)
    for name, threads, rate in rates:
        print(f"  {name:14s} alone, {threads} thread(s): {rate:5.1f} GFlop/s")
    best_rate = max(rate for _, _, rate in rates)
    floor = flops / best_rate / 1e9
    print(f"floor at the best kernel rate: {floor * 1e3:.2f} ms of arithmetic per step")
    if args.lightning:
        lightning, _ = _backend("pl-lightning", "complex128")
        assert dense is not None
        seconds, _ = _median(step(lightning, dense), 3)
        print(
            f"lightning.qubit: {seconds * 1e3:.0f} ms; ratio now {seconds / median:.0f}x, "
            f"at most {seconds / floor:.0f}x at the floor"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
