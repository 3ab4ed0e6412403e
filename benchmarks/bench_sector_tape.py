"""Benchmark: a sector sweep as one numba call (tape) against one call per pass.

One forward + backward of ``su2_qcnn(n)`` on random singlets in sector coordinates
(complex128, numba adjoint path, stored operators), in three modes
in alternating rounds in the same process: every sweep taped, one call per pass
(``eqqnn.sim._sector._numba_path.TAPED = False``), and the default; each round's figure
is the median of ``--repeats`` steps, and the table gives the median over rounds.
Above the tape threshold (``TAPE_MAX_ENTRIES`` complex entries, where passes stop
running in the calling thread and split their rows among threads) "all taped" runs
serially against row-parallel passes, which shows why the threshold is where it is.

    python benchmarks/bench_sector_tape.py                       # about 1 min
    python benchmarks/bench_sector_tape.py --busy                # next to a busy loop
    python benchmarks/bench_sector_tape.py --sizes 12:64 16:16 --rounds 5

``--busy`` runs one single-threaded busy loop (a user's other program) in another process
for the whole measurement.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import call_times
from bench_spin_sector import _singlets

DEFAULT_SIZES = ("8:4", "12:8", "12:64", "16:16", "16:64", "20:4", "20:16")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES), help="n:batch")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--busy", action="store_true", help="next to a busy loop")
    return parser.parse_args(argv)


def _time(n: int, batch: int, rounds: int, repeats: int) -> dict[str, float]:
    from eqqnn.circuits import su2_qcnn
    from eqqnn.sim import SpinSectorBackend
    from eqqnn.sim._sector import _numba_path

    coords, _ = _singlets(n, batch, 0, dense=False)
    circuit = su2_qcnn(n)
    params = np.random.default_rng(1).uniform(-1, 1, circuit.n_params)
    backend = SpinSectorBackend(dtype=torch.complex128, kernel="numba", operators="stored")

    def step() -> None:
        theta = torch.tensor(params, requires_grad=True)
        backend.expectation(circuit, theta, coords).sum().backward()

    limit = _numba_path.TAPE_MAX_ENTRIES
    modes = {"taped": (True, 1 << 62), "per pass": (False, limit), "default": (True, limit)}
    medians: dict[str, list[float]] = {mode: [] for mode in modes}

    def use(mode: str) -> None:
        _numba_path.TAPED, _numba_path.TAPE_MAX_ENTRIES = modes[mode]

    try:
        for mode in modes:  # compile and build the caches
            use(mode)
            step()
        for _ in range(rounds):
            for mode in modes:
                use(mode)
                times = call_times(step, repeats, warm=False)
                medians[mode].append(float(np.median(times)))
    finally:
        _numba_path.TAPED, _numba_path.TAPE_MAX_ENTRIES = True, limit
    return {mode: float(np.median(values)) for mode, values in medians.items()}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from eqqnn.sim._sector._numba_path import TAPE_MAX_ENTRIES
    from eqqnn.symmetry import irrep_dimension

    print(
        f"threads {torch.get_num_threads()}; tape threshold {TAPE_MAX_ENTRIES} entries; "
        f"{'next to a busy loop' if args.busy else 'no other load started'}"
    )
    print(
        "| n | batch | entries | taped by default | all taped [ms] | per pass [ms] | "
        "default [ms] | default / per pass |"
    )
    print("|---:|---:|---:|---|---:|---:|---:|---:|")
    spinner = None
    if args.busy:
        spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.5)
    try:
        for size in args.sizes:
            n, batch = (int(v) for v in size.split(":"))
            entries = irrep_dimension(n, 0) * batch
            t = _time(n, batch, args.rounds, args.repeats)
            # the backward sweep's W = [ψ | μ] has twice the entries of the state
            default = (
                "both sweeps"
                if 2 * entries <= TAPE_MAX_ENTRIES
                else "forward"
                if entries <= TAPE_MAX_ENTRIES
                else "no"
            )
            print(
                f"| {n} | {batch} | {entries} | {default} | {t['taped'] * 1e3:.2f} | "
                f"{t['per pass'] * 1e3:.2f} | {t['default'] * 1e3:.2f} | "
                f"{t['default'] / t['per pass']:.2f} |",
                flush=True,
            )
    finally:
        if spinner is not None:
            spinner.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
