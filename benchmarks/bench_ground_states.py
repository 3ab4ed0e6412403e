"""Benchmark: exact ground states of the bond-alternating Heisenberg chain, by method.

Run from the repository root::

    .venv/bin/python benchmarks/bench_ground_states.py                 # n = 8..20, sector to 24
    .venv/bin/python benchmarks/bench_ground_states.py --sector-max 26 --ratio 2.0
    .venv/bin/python benchmarks/bench_ground_states.py --n-max 14 --skip-dataset

For each even ``n`` it times ``BondAlternatingHeisenberg(n, ratio).ground_state(method)``
(gap included) for ``dense`` (full ``2^n`` eigh), ``sparse`` (``eigsh`` on ``2^n``), ``sz``
(``eigsh`` in total ``S^z = 0``) and ``sector`` (the SU(2) singlet space ``M_0``), and
checks that the energies agree.  Then the dataset-scale job: 101 ground states on
``r = linspace(0, 2, 101)`` at ``n = 12`` by the sector method (target: under 30 s), with
and without the ``2^n`` vectors and diagnostics.  Prints markdown tables, the command line
and the machine (cores, load average: timings of dense LAPACK calls suffer badly when
other processes share the cores).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shlex
import sys
import time
from collections.abc import Callable

import numpy as np
import scipy

from eqqnn.data._diagnostics import diagnostics
from eqqnn.data._hamiltonian import BondAlternatingHeisenberg
from eqqnn.errors import ProblemTooLargeError

METHODS = ("dense", "sparse", "sz", "sector")


def timed(fn: Callable[..., object], *args: object, **kwargs: object) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def singlet_dim(n: int) -> int:
    return math.comb(n, n // 2) - math.comb(n, n // 2 - 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-min", type=int, default=8)
    parser.add_argument("--n-max", type=int, default=20, help="largest n for sparse and sz")
    parser.add_argument("--dense-max", type=int, default=12, help="largest n for dense")
    parser.add_argument("--sector-max", type=int, default=24, help="largest n for sector")
    parser.add_argument("--ratio", type=float, default=1.5)
    parser.add_argument("--dataset-n", type=int, default=12)
    parser.add_argument("--dataset-points", type=int, default=101)
    parser.add_argument("--skip-dataset", action="store_true")
    args = parser.parse_args(argv)

    print("# Ground-state benchmark\n")
    print(f"command: `{shlex.join([sys.executable, *sys.argv])}`  ")
    print(
        f"machine: {platform.machine()}, nproc={os.cpu_count()}, "
        f"load average at start {os.getloadavg()[0]:.2f}; python {platform.python_version()}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}\n"
    )
    print(f"ratio r = {args.ratio}, open chain, gap computed (compute_gap=True)\n")
    print(
        "|  n | 2^n | dim S^z=0 | dim M_0 | dense | sparse | sz | sector "
        "| sector, no gap | max abs(E - E_ref) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    top = max(args.n_max, args.sector_max)
    for n in range(args.n_min + args.n_min % 2, top + 1, 2):
        model = BondAlternatingHeisenberg(n, args.ratio)
        times: dict[str, float | None] = {}
        energies = []
        limits = {
            "dense": args.dense_max,
            "sparse": args.n_max,
            "sz": args.n_max,
            "sector": args.sector_max,
        }
        for method in METHODS:
            if n > limits[method]:
                times[method] = None
                continue
            try:
                seconds, gs = timed(model.ground_state, method)
            except ProblemTooLargeError:
                times[method] = None
                continue
            times[method] = seconds
            energies.append(gs.energy)
        no_gap = None
        if n <= args.sector_max:
            no_gap, _ = timed(model.ground_state, "sector", compute_gap=False)
        spread = max(energies) - min(energies) if len(energies) > 1 else float("nan")
        print(
            f"| {n} | {2**n:,} | {math.comb(n, n // 2):,} | {singlet_dim(n):,} | "
            + " | ".join(fmt(times[m]) for m in METHODS)
            + f" | {fmt(no_gap)} | {spread:.1e} |",
            flush=True,
        )

    if args.skip_dataset:
        return
    n = args.dataset_n
    ratios = np.linspace(0.0, 2.0, args.dataset_points)
    print(f"\n## Dataset scale: {len(ratios)} ground states at n = {n}, r in [0, 2]\n")
    print("| job | total | per state |")
    print("|---|---:|---:|")
    jobs: dict[str, Callable[[BondAlternatingHeisenberg], object]] = {
        "sector, gap": lambda m: m.ground_state("sector"),
        "sector, no gap": lambda m: m.ground_state("sector", compute_gap=False),
        "sector, gap + vector() + diagnostics": lambda m: diagnostics(m, m.ground_state("sector")),
        "sz, gap": lambda m: m.ground_state("sz"),
    }
    for name, job in jobs.items():
        models = [BondAlternatingHeisenberg(n, float(r)) for r in ratios]
        seconds, _ = timed(lambda job=job, models=models: [job(m) for m in models])
        print(f"| {name} | {fmt(seconds)} | {fmt(seconds / len(ratios))} |", flush=True)
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
