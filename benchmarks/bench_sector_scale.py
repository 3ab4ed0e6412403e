"""One EQCNN training step on the spin-sector engine at large n: time and peak memory.

Runs in this process (start one process per measurement: peak RSS is per process): the
default EQCNN (``su2_qcnn(n)``), random singlet inputs (seeded), forward + backward
(adjoint, numba kernels), ``--repeats`` warm steps after the cold one, with the sector
operators stored or computed on the fly (``--operators``).  Prints one table row with
the cold and the median warm step, the kernel passes and the peak RSS.  Checks, at
n <= 24, that both operator modes give the same value and gradient.

    python benchmarks/bench_sector_scale.py --n 28 --batch 16 --operators on_the_fly
    python benchmarks/bench_sector_scale.py --n 32 --batch 8 --operators on_the_fly --repeats 0

``--restricted-check`` instead checks values at n where no other simulator reaches: the
circuit ``su2_qcnn(n - 4)`` placed on the first n - 4 of n qubits, on inputs
psi (x) |s>|s> (random singlets psi of n - 4 qubits, two singlet pairs appended with
:func:`eqqnn.symmetry.append_singlet_pairs`), must give the value and gradient of the
(n - 4)-qubit engine on psi:

    python benchmarks/bench_sector_scale.py --n 32 --batch 2 --restricted-check --double
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import statistics
import time

import numpy as np
import torch

from eqqnn.circuits import su2_qcnn
from eqqnn.sim import SpinSectorBackend
from eqqnn.sim._sector import _numba_path
from eqqnn.symmetry import append_singlet_pairs, irrep_dimension


def _singlets(n: int, batch: int, dtype: torch.dtype) -> torch.Tensor:
    rng = np.random.default_rng(0)
    d = irrep_dimension(n, 0)
    out = torch.empty(batch, d, dtype=dtype)
    for b in range(batch):  # one row at a time: no float64 copy of the whole batch
        row = rng.standard_normal(d)
        if dtype == torch.complex64:
            row = row.astype(np.float32)
        out[b] = torch.from_numpy(row / np.linalg.norm(row))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=28)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--operators", default="on_the_fly", choices=("stored", "on_the_fly"))
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--double", action="store_true", help="complex128 instead of complex64")
    ap.add_argument(
        "--restricted-check", action="store_true", help="check n against n - 4 (see above)"
    )
    args = ap.parse_args()
    dtype = torch.complex128 if args.double else torch.complex64
    rdtype = torch.float64 if args.double else torch.float32
    if args.restricted_check:
        _restricted_check(args.n, args.batch, args.operators, dtype, rdtype)
        return
    circuit = su2_qcnn(args.n)
    states = _singlets(args.n, args.batch, dtype)
    backend = SpinSectorBackend(operators=args.operators)
    theta0 = torch.linspace(-1, 1, circuit.n_params, dtype=rdtype)
    stats = [0, 0]
    _numba_path.NUMBA_STATS = stats

    def step() -> tuple[float, float, torch.Tensor]:
        theta = theta0.clone().requires_grad_(True)
        t = time.perf_counter()
        value = backend.expectation(circuit, theta, states)
        value.sum().backward()
        return time.perf_counter() - t, float(value.detach().sum()), theta.grad

    cold, value, grad = step()
    passes = stats[0]
    warm = [step()[0] for _ in range(args.repeats)]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    agree = "—"
    if args.n <= 24:
        other = "stored" if args.operators == "on_the_fly" else "on_the_fly"
        theta = theta0.clone().requires_grad_(True)
        ref = SpinSectorBackend(operators=other).expectation(circuit, theta, states)
        ref.sum().backward()
        agree = f"{max(abs(float(ref.sum()) - value), float((theta.grad - grad).abs().max())):.1e}"
    print(
        "| n | dim M_0 | batch | dtype | operators | cold step [s] | warm step [s] | "
        "passes | peak RSS [GiB] | max diff to the other mode |"
    )
    print("|---:|---:|---:|---|---|---:|---:|---:|---:|---|")
    warm_text = f"{statistics.median(warm):.1f}" if warm else "—"
    print(
        f"| {args.n} | {states.shape[1]:,} | {args.batch} | {str(dtype)[6:]} | "
        f"{args.operators} | {cold:.1f} | {warm_text} | {passes} | {peak:.2f} | {agree} |"
    )


def _restricted_check(
    n: int, batch: int, operators: str, dtype: torch.dtype, rdtype: torch.dtype
) -> None:
    """Value and gradient of the n-qubit engine against the (n - 4)-qubit engine."""
    m = n - 4
    small = su2_qcnn(m)
    big = dataclasses.replace(small, n_qubits=n)
    psi = _singlets(m, batch, dtype)
    theta0 = torch.linspace(-1, 1, small.n_params, dtype=rdtype)
    rows = []
    for circuit, states in ((small, psi), (big, None)):
        if states is None:
            states = torch.from_numpy(append_singlet_pairs(psi.numpy(), m, 2))
        theta = theta0.clone().requires_grad_(True)
        t = time.perf_counter()
        value = SpinSectorBackend(operators=operators).expectation(circuit, theta, states)
        value.sum().backward()
        rows.append((time.perf_counter() - t, value.detach().double(), theta.grad.double()))
        del states
    (t_small, v_small, g_small), (t_big, v_big, g_big) = rows
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(
        "| n | checked against | batch | dtype | max abs value diff | max abs gradient diff | "
        "max abs value | seconds (n / n - 4) | peak RSS [GiB] |"
    )
    print("|---:|---|---:|---|---:|---:|---:|---|---:|")
    print(
        f"| {n} | n = {m} engine, two singlet pairs appended | {batch} | {str(dtype)[6:]} | "
        f"{float((v_big - v_small).abs().max()):.1e} | "
        f"{float((g_big - g_small).abs().max()):.1e} | {float(v_small.abs().max()):.3f} | "
        f"{t_big:.1f} / {t_small:.1f} | {peak:.2f} |"
    )


if __name__ == "__main__":
    main()
