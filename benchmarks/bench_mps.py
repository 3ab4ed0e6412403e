"""Benchmark: DMRG ground states and exact MPS shadows beyond dense vectors.

For the open bond-alternating chain (``J_1 = 1`` on even bonds, ``r`` on odd bonds)
:func:`eqqnn.data.mps_ground_state` runs two-site DMRG (TeNPy, S^z conserved, S^2
penalty for r > 1) and the state is then sampled exactly.  The script prints markdown
tables:

1. for every n in ``--n`` (default 28 64) and ratio in ``--ratios``: DMRG wall time
   (cold: the MPO is built inside the timed call), energy, bond dimension reached,
   sweeps, truncation error, <S_tot^2>, the time for ``--shots`` (1000) snapshots with
   :func:`eqqnn.data.mps_shadow_snapshot_tensor`, and for all exact correlators
   <sigma_i . sigma_j> (:func:`eqqnn.data.mps_exact_correlator_tensor`);
2. the check against the exact singlet-sector solver for n in ``--check-n`` (default
   16 20 24): relative energy error and fidelity loss 1 - |<psi_exact|psi_mps>|^2.

OpenBLAS threads spin when the cores are shared with other jobs; ``--blas-threads 1``
then gives far better (and reproducible) times for the small matrices of DMRG.

Usage::

    python benchmarks/bench_mps.py                       # n = 28 64
    python benchmarks/bench_mps.py --n 28 --ratios 0.95 --check-n 16
    python benchmarks/bench_mps.py --blas-threads 1
"""

from __future__ import annotations

import argparse
import os
import platform
import time


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="*", default=[28, 64], help="chain lengths")
    parser.add_argument(
        "--ratios",
        type=float,
        nargs="*",
        default=[0.5, 0.95, 1.05, 1.5],
        help="odd-bond couplings r (default 0.5 0.95 1.05 1.5)",
    )
    parser.add_argument("--shots", type=int, default=1000, help="snapshots per state")
    parser.add_argument(
        "--check-n",
        type=int,
        nargs="*",
        default=[16, 20, 24],
        help="sizes (<= 24) checked against the singlet-sector solver",
    )
    parser.add_argument("--check-ratios", type=float, nargs="*", default=[0.5, 0.95, 1.05, 1.5])
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="set OPENBLAS/OMP/MKL thread counts before numpy is imported",
    )
    args = parser.parse_args(argv)
    for n in [*args.n, *args.check_n]:
        if n < 4 or n % 2:
            parser.error(f"chain lengths must be even and >= 4, got {n}")
    if any(n > 24 for n in args.check_n):
        parser.error(f"--check-n must be <= 24 (dense fidelity), got {args.check_n}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.blas_threads is not None:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.blas_threads)

    import numpy as np
    import tenpy

    from eqqnn.data import (
        BondAlternatingHeisenberg,
        mps_exact_correlator_tensor,
        mps_ground_state,
        mps_shadow_snapshot_tensor,
    )

    print(
        f"# MPS benchmark — {platform.machine()}, {os.cpu_count()} cores, "
        f"TeNPy {tenpy.__version__}, numpy {np.__version__}, "
        f"BLAS threads {os.environ.get('OPENBLAS_NUM_THREADS', 'default')}, "
        f"load average {os.getloadavg()[0]:.1f}\n"
    )
    print(
        f"| n | r | DMRG [s] | E_0 | χ | sweeps | trunc. err | <S²> | "
        f"{args.shots} shots [s] | correlators [s] |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.n:
        for ratio in args.ratios:
            t0 = time.perf_counter()
            gs = mps_ground_state(n, ratio)
            t_dmrg = time.perf_counter() - t0
            t0 = time.perf_counter()
            snaps = mps_shadow_snapshot_tensor([gs], args.shots, seed=0)
            t_shots = time.perf_counter() - t0
            t0 = time.perf_counter()
            corr = mps_exact_correlator_tensor([gs])
            t_corr = time.perf_counter() - t0
            assert snaps.shape == (1, args.shots, n, 3) and corr.shape == (1, n, n)
            print(
                f"| {n} | {ratio} | {t_dmrg:.2f} | {gs.energy:.12f} | {gs.bond_dim} | "
                f"{gs.sweeps} | {gs.truncation_error:.1e} | {gs.spin_squared:.1e} | "
                f"{t_shots:.2f} | {t_corr:.2f} |",
                flush=True,
            )

    if args.check_n:
        print("\nAgainst the exact singlet-sector solver (`ground_state(method='sector')`):\n")
        print("| n | r | DMRG [s] | sector [s] | E_0 exact | rel. energy error | 1 − F |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.check_n:
        for ratio in args.check_ratios:
            t0 = time.perf_counter()
            gs = mps_ground_state(n, ratio)
            t_dmrg = time.perf_counter() - t0
            t0 = time.perf_counter()
            ref = BondAlternatingHeisenberg(n, ratio).ground_state("sector", compute_gap=False)
            t_sector = time.perf_counter() - t0
            rel = abs(gs.energy - ref.energy) / abs(ref.energy)
            loss = 1.0 - abs(gs.overlap(ref.vector())) ** 2
            print(
                f"| {n} | {ratio} | {t_dmrg:.2f} | {t_sector:.2f} | {ref.energy:.12f} | "
                f"{rel:.1e} | {loss:.1e} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
