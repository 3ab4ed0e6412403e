"""Ordinary inputs on the spin-sector engine: qubit-basis vectors against sector coordinates.

A user holding ground states as 2^n vectors (what PennyLane and Qiskit give) calls the
sector backend with them; the backend first takes every spin sector of each vector
(the Schur-Weyl transform).  This script times one forward + backward of the default
EQCNN (spin-sector engine, adjoint) at batch B on

* sector coordinates (the singlet-sector vectors themselves),
* the same states as 2^n qubit vectors (one-pass transform, slices without weight
  skipped),
* and, for reference, the transform as it was: one coupling recursion per (J, m)
  (``qubit_to_sector`` for every sector; timed alone, without the simulation).

It prints the median of ``--repeats`` runs and the ratio qubit / sector.

    python benchmarks/bench_sector_inputs.py --n 12 16 20 --batch 64
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
import torch
from _timing import call_times

from eqqnn.circuits import su2_qcnn
from eqqnn.data import BondAlternatingHeisenberg
from eqqnn.models import QuantumClassifier
from eqqnn.sim import SpinSectorBackend
from eqqnn.symmetry._spin_coupling import qubit_to_sector


def _median(fn, repeats: int) -> float:
    return statistics.median(call_times(fn, repeats))  # after a warm call: compile, caches


def _step(model: QuantumClassifier, x: torch.Tensor) -> None:
    model.zero_grad()
    model(x).sum().backward()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[12, 16])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--old", action="store_true", help="also time the per-sector transform")
    args = ap.parse_args()
    print(f"torch threads {torch.get_num_threads()}, batch {args.batch}")
    print("| n | sector coords [ms] | qubit vectors [ms] | ratio | per-(J,m) transform [ms] |")
    print("|---:|---:|---:|---:|---:|")
    for n in args.n:
        ratios = np.linspace(0.2, 1.8, args.batch)
        states = [
            BondAlternatingHeisenberg(n, float(r)).ground_state(method="sector") for r in ratios[:4]
        ]
        coords = np.stack([states[i % 4].sector_vector for i in range(args.batch)])
        qubits = np.stack([states[i % 4].vector() for i in range(args.batch)])
        xs = torch.as_tensor(coords, dtype=torch.complex128)
        xq = torch.as_tensor(qubits, dtype=torch.complex128)
        model = QuantumClassifier(su2_qcnn(n), SpinSectorBackend(), seed=0)
        t_sector = _median(lambda m=model, x=xs: _step(m, x), args.repeats)
        t_qubit = _median(lambda m=model, x=xq: _step(m, x), args.repeats)
        old = "—"
        if args.old:

            def per_sector(q=qubits, n=n) -> None:
                for two_j in range(0, n + 1, 2):
                    for two_m in range(two_j, -two_j - 1, -2):
                        qubit_to_sector(q, n, two_j / 2, two_m / 2)

            old = f"{1e3 * _median(per_sector, max(1, args.repeats // 2)):.0f}"
        print(
            f"| {n} | {1e3 * t_sector:.1f} | {1e3 * t_qubit:.1f} | "
            f"{t_qubit / t_sector:.2f} | {old} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
