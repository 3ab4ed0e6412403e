"""The sector engine next to other work: idle, next to a busy process, two jobs at once.

Times one forward + backward of the default EQCNN at n = 16 (batch 64, complex128,
numba kernels, singlet inputs) in a fresh process, median of ``--repeats`` after a
warm-up, in three situations:

* **idle**: the job alone;
* **busy**: next to one single-threaded busy loop (a user's other program);
* **two jobs**: two such jobs at the same time (two experiments, ``--workers 2``),

for each threading setting in ``--settings``: ``active`` (``OMP_WAIT_POLICY=ACTIVE``: idle
OpenMP threads spin at the barriers), ``passive`` (``OMP_WAIT_POLICY=PASSIVE``,
eqqnn's default: they sleep at once), ``workqueue`` (numba's own thread pool),
``single`` (one thread) and ``spin-N`` (libgomp's own policy with ``GOMP_SPINCOUNT=N``:
spin N times at a barrier, then sleep; ``OMP_WAIT_POLICY`` is set empty so that eqqnn
does not set it, and libgomp warns once that the empty value is invalid).  Prints each
time and its ratio to the idle time of the same setting (target: two jobs within 3x of
idle).  Run it on an otherwise quiet machine.

    python benchmarks/bench_sector_concurrency.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

SETTINGS = {
    "active": {"OMP_WAIT_POLICY": "ACTIVE"},  # idle threads spin
    "passive": {"OMP_WAIT_POLICY": "PASSIVE"},  # eqqnn's default since this benchmark
    "workqueue": {"NUMBA_THREADING_LAYER": "workqueue"},
    "single": {"NUMBA_NUM_THREADS": "1", "EQQNN_BENCH_THREADS": "1"},
    "spin-100": {"OMP_WAIT_POLICY": "", "GOMP_SPINCOUNT": "100"},
    "spin-300": {"OMP_WAIT_POLICY": "", "GOMP_SPINCOUNT": "300"},
    "spin-1k": {"OMP_WAIT_POLICY": "", "GOMP_SPINCOUNT": "1000"},
    "spin-3k": {"OMP_WAIT_POLICY": "", "GOMP_SPINCOUNT": "3000"},
    "spin-10k": {"OMP_WAIT_POLICY": "", "GOMP_SPINCOUNT": "10000"},
    "spin-100k": {"OMP_WAIT_POLICY": "", "GOMP_SPINCOUNT": "100000"},
}

WORKER = r"""
import os, statistics, sys, time
import numpy as np, torch
from eqqnn.circuits import su2_qcnn
from eqqnn.models import QuantumClassifier
from eqqnn.sim import SpinSectorBackend
from eqqnn.symmetry import irrep_dimension
if os.environ.get("EQQNN_BENCH_THREADS"):
    torch.set_num_threads(int(os.environ["EQQNN_BENCH_THREADS"]))
n, repeats = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
c = rng.standard_normal((64, irrep_dimension(n, 0)))
x = torch.as_tensor(c / np.linalg.norm(c, axis=1, keepdims=True), dtype=torch.complex128)
model = QuantumClassifier(su2_qcnn(n), SpinSectorBackend(kernel="numba"), seed=0)
def step():
    model.zero_grad()
    model(x).sum().backward()
step(); step()
times = []
for _ in range(repeats):
    t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
print(statistics.median(times))
"""


def _run(n: int, repeats: int, env: dict[str, str], copies: int, busy: bool) -> float:
    full = {**os.environ, "OPENBLAS_NUM_THREADS": "1", **env}
    spinner = None
    if busy:
        spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.5)
    try:
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", WORKER, str(n), str(repeats)],
                env=full,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(copies)
        ]
        outs = [float(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    finally:
        if spinner is not None:
            spinner.kill()
    return max(outs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    args = ap.parse_args()
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    print("| setting | idle [ms] | next to a busy loop [ms] (ratio) | two jobs [ms] (ratio) |")
    print("|---|---:|---:|---:|")
    for name in args.settings:
        env = SETTINGS[name]
        idle = _run(args.n, args.repeats, env, 1, False)
        busy = _run(args.n, args.repeats, env, 1, True)
        two = _run(args.n, args.repeats, env, 2, False)
        print(
            f"| {name} | {1e3 * idle:.1f} | {1e3 * busy:.1f} ({busy / idle:.1f}x) | "
            f"{1e3 * two:.1f} ({two / idle:.1f}x) |",
            flush=True,
        )


if __name__ == "__main__":
    main()
