"""Benchmark: ground states of the bond-alternating Heisenberg chain in the singlet sector.

The open chain ``H = sum_i J_i S_i . S_{i+1}`` with ``J_i = 1`` on even bonds and ``r`` on odd
bonds is SU(2)-symmetric; for even ``n`` its ground state is a total singlet and lives in
the S_n irrep ``M_0`` of dimension ``C(n, n/2) / (n/2 + 1)``.
:func:`eqqnn.symmetry._spin_sector.sector_ground_states` diagonalizes the Hamiltonian there.

The script prints markdown tables:

1. sector dimension, wall time (cold: the tableaux and the matrix are built inside the
   timed call), ground energy and peak memory (``ru_maxrss``) for n = 4, 6, ..., max-n;
2. the plain ``2^n`` sparse Lanczos (``scipy.sparse.linalg.eigsh``, ``k=1``, matrix built
   here with bit operations) against the sector solver at n = 16, 18, 20, same run;
3. the targets: n = 24 under 10 s, n = 28 under 3 min, peak memory under 8 GB.

Usage::

    python benchmarks/bench_sector_ground_state.py            # up to n = 28
    python benchmarks/bench_sector_ground_state.py --quick    # up to n = 20
    python benchmarks/bench_sector_ground_state.py --blas-threads 1
"""

from __future__ import annotations

import argparse
import os
import platform
import sys


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-n", type=int, default=28, help="largest even n (default 28)")
    parser.add_argument("--quick", action="store_true", help="stop at n = 20")
    parser.add_argument("--ratio", type=float, default=1.5, help="odd-bond coupling r")
    parser.add_argument(
        "--full-n",
        type=int,
        nargs="*",
        default=[16, 18, 20],
        help="sizes for the plain 2^n Lanczos comparison (default 16 18 20)",
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="set OPENBLAS/OMP/MKL thread counts before numpy is imported",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.max_n = min(args.max_n, 20)
    if args.max_n < 4 or args.max_n % 2:
        parser.error(f"--max-n must be an even number >= 4, got {args.max_n}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.blas_threads is not None:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.blas_threads)

    import resource
    import time

    import numpy as np
    import scipy
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    from eqqnn.symmetry._spin_sector import exchange_sector_matrix, sector_ground_states
    from eqqnn.symmetry._tableaux import irrep_dimension

    def peak_gb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9  # KiB on Linux

    def chain(n: int) -> list[tuple[int, int, float]]:
        return [(i, i + 1, 1.0 if i % 2 == 0 else args.ratio) for i in range(n - 1)]

    def full_hamiltonian(n: int, bonds: list[tuple[int, int, float]]) -> sp.csr_matrix:
        dim = 2**n
        x = np.arange(dim, dtype=np.int64)
        diag = np.zeros(dim)
        rows, cols, vals = [x], [x], [diag]
        for i, j, w in bonds:
            bi = (x >> (n - 1 - i)) & 1
            bj = (x >> (n - 1 - j)) & 1
            diag += np.where(bi == bj, 0.25 * w, -0.25 * w)
            flip = np.flatnonzero(bi != bj)
            rows.append(flip)
            cols.append(flip ^ ((1 << (n - 1 - i)) | (1 << (n - 1 - j))))
            vals.append(np.full(flip.size, 0.5 * w))
        return sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(dim, dim),
        )

    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    threads = {v: os.environ.get(v, "unset") for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    print("# Singlet-sector ground states of the bond-alternating Heisenberg chain\n")
    print(
        f"- machine: {platform.machine()}, nproc = {nproc}, {platform.system()} "
        f"{platform.release()}; python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}; {threads}"
    )
    print(
        f"- model: open chain, J = 1 on bonds (2i, 2i+1), r = {args.ratio} on (2i+1, 2i+2); "
        "sector J = 0; eigsh tol 1e-10 (dense eigh for d <= 2000)\n"
    )

    print("## Sector solver\n")
    print("| n | dim M_0 | 2^n | nnz(H_0) | time cold [s] | E_0 | E_0 / n | peak RSS [GB] |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    sector_time: dict[int, float] = {}
    sector_energy: dict[int, float] = {}
    for n in range(4, args.max_n + 1, 2):
        bonds = chain(n)
        start = time.perf_counter()
        energies, _ = sector_ground_states(n, 0, bonds, k=1, tol=1e-10)
        elapsed = time.perf_counter() - start
        nnz = exchange_sector_matrix(n, 0, bonds).nnz
        sector_time[n] = elapsed
        sector_energy[n] = float(energies[0])
        print(
            f"| {n} | {irrep_dimension(n, 0):,} | {2**n:,} | {nnz:,} | {elapsed:.3f} | "
            f"{energies[0]:.10f} | {energies[0] / n:.8f} | {peak_gb():.2f} |",
            flush=True,
        )
    sector_peak = peak_gb()

    full_ns = [n for n in args.full_n if n in sector_time]
    if full_ns:
        print("\n## Plain 2^n sparse Lanczos vs sector solver (same run)\n")
        print(
            "| n | 2^n | full build [s] | full eigsh [s] | full total [s] | sector [s] | "
            "speed-up | abs(E_full - E_sector) |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for n in full_ns:
            start = time.perf_counter()
            ham = full_hamiltonian(n, chain(n))
            built = time.perf_counter() - start
            v0 = np.random.default_rng(0).standard_normal(2**n)
            start = time.perf_counter()
            e_full = spla.eigsh(ham, k=1, which="SA", v0=v0, tol=1e-10)[0][0]
            solved = time.perf_counter() - start
            del ham
            total = built + solved
            print(
                f"| {n} | {2**n:,} | {built:.3f} | {solved:.3f} | {total:.3f} | "
                f"{sector_time[n]:.3f} | {total / sector_time[n]:.1f}x | "
                f"{abs(e_full - sector_energy[n]):.1e} |",
                flush=True,
            )

    print("\n## Targets\n")
    rows = []
    if 24 in sector_time:
        rows.append(
            ("n = 24 ground state", "< 10 s", f"{sector_time[24]:.2f} s", sector_time[24] < 10)
        )
    if 28 in sector_time:
        rows.append(
            ("n = 28 ground state", "< 180 s", f"{sector_time[28]:.2f} s", sector_time[28] < 180)
        )
    rows.append(("peak memory (sector runs)", "< 8 GB", f"{sector_peak:.2f} GB", sector_peak < 8))
    print("| target | limit | measured | met |")
    print("|---|---|---:|---|")
    for name, limit, value, ok in rows:
        print(f"| {name} | {limit} | {value} | {'yes' if ok else 'NO'} |")
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
