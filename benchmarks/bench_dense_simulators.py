"""Benchmark: eqqnn's dense statevector simulator against PennyLane and Qiskit Aer.

The same circuit (``su2_qcnn(n)`` with the default configuration; ``--circuit qcnn`` adds
the baseline) is evaluated on a batch of random states, forward and forward+backward,
for every implementation in the same run:

* eqqnn ``StatevectorBackend``: autograd and adjoint gradients, complex128 and complex64;
* PennyLane ``default.qubit``: backprop, the batch broadcast through ``qml.StatePrep``;
* PennyLane ``lightning.qubit``: adjoint gradients (PennyLane splits the broadcast batch
  into one tape per state);
* Qiskit Aer ``AerSimulator(method="statevector")`` through :class:`eqqnn.sim.QiskitBackend`
  (exact ``save_expectation_value``; one Aer job with one circuit per state; forward only:
  Aer has no reverse-mode gradient).

The peers run the circuit translated by eqqnn's exporters (``SWAP^t`` →
``IsingXX·IsingYY·IsingZZ`` / ``rxx·ryy·rzz``).  Every timing is the best of ``--repeat``
runs after one warm-up call (QNode construction, transpilation and caches excluded); a
call slower than ``--budget`` seconds is timed once (marked ``*``).  A peer that cannot
run prints ``n/a`` with the reason.

The table gives seconds and the ratio ``time / eqqnn`` where ``eqqnn`` is the fastest
complex128 eqqnn variant for that n and column (ratio > 1: eqqnn is faster).

Usage::

    python benchmarks/bench_dense_simulators.py --quick            # n = 8, 10, 12
    python benchmarks/bench_dense_simulators.py --n 8 10 12 14 16  # the full sweep
    python benchmarks/bench_dense_simulators.py --n 12 --batch 64 --repeat 5
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[8, 10, 12, 14, 16])
    parser.add_argument("--batch", type=int, default=64, help="states per call (default 64)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs, best kept")
    parser.add_argument("--quick", action="store_true", help="n = 8, 10, 12 and --repeat 2")
    parser.add_argument(
        "--circuit", choices=["su2", "qcnn", "both"], default="su2", help="which circuit(s)"
    )
    parser.add_argument(
        "--budget", type=float, default=60.0, help="seconds above which a call is timed once"
    )
    parser.add_argument(
        "--skip", nargs="*", default=[], help="implementations to skip (name substrings)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for every implementation (torch, OpenMP for lightning, Aer); "
        "default: library defaults",
    )
    parser.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="wall-clock seconds (default) or process CPU seconds (steadier on a shared machine)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n = [n for n in args.n if n <= 12] or [8, 10, 12]
        args.repeat = min(args.repeat, 2)
    if any(n < 2 for n in args.n) or args.batch < 1 or args.repeat < 1:
        parser.error("need n >= 2, --batch >= 1 and --repeat >= 1")
    return args


@dataclass
class Impl:
    name: str
    precision: str
    forward: Callable[[], object] | None
    backward: Callable[[], object] | None
    is_eqqnn: bool = False
    reason: str = ""
    notes: list[str] = field(default_factory=list)


def _time(
    fn: Callable[[], object], repeat: int, budget: float, clock: Callable[[], float]
) -> tuple[float, bool]:
    t0 = clock()
    fn()  # warm-up: QNode construction, transpilation, caches
    first = clock() - t0
    if first > budget:
        return first, True
    best = float("inf")
    for _ in range(repeat):
        t0 = clock()
        fn()
        best = min(best, clock() - t0)
    return best, False


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads is not None:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)

    import importlib.metadata

    import numpy as np
    import torch

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    clock = time.perf_counter if args.clock == "wall" else time.process_time

    from eqqnn.circuits import qcnn, su2_qcnn
    from eqqnn.sim import StatevectorBackend

    versions = {"python": platform.python_version(), "torch": torch.__version__}
    for dist in ("numpy", "pennylane", "pennylane_lightning", "qiskit", "qiskit-aer"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = "not installed"

    def states(n: int, dtype: torch.dtype) -> torch.Tensor:
        g = torch.Generator().manual_seed(args.seed)
        x = torch.randn(args.batch, 2**n, dtype=torch.complex128, generator=g)
        return (x / torch.linalg.vector_norm(x, dim=1, keepdim=True)).to(dtype)

    def implementations(circuit: object, n: int) -> list[Impl]:
        out: list[Impl] = []
        p0 = np.random.default_rng(args.seed).uniform(-np.pi, np.pi, circuit.n_params)

        def torch_pair(backend: object, psi: torch.Tensor, rdtype: torch.dtype) -> tuple:
            def fwd() -> object:
                with torch.no_grad():
                    return backend.expectation(circuit, torch.as_tensor(p0, dtype=rdtype), psi)

            def bwd() -> object:
                t = torch.tensor(p0, dtype=rdtype, requires_grad=True)
                backend.expectation(circuit, t, psi).sum().backward()
                return t.grad

            return fwd, bwd

        for cdtype, rdtype, tag in (
            (torch.complex128, torch.float64, "complex128"),
            (torch.complex64, torch.float32, "complex64"),
        ):
            psi = states(n, cdtype)
            for grad in ("autograd", "adjoint"):
                backend = StatevectorBackend(dtype=cdtype, gradient=grad)
                fwd, bwd = torch_pair(backend, psi, rdtype)
                out.append(Impl(f"eqqnn {grad}", tag, fwd, bwd, is_eqqnn=True))

        psi = states(n, torch.complex128)
        try:
            from eqqnn.sim._pennylane import PennyLaneBackend

            fwd, bwd = torch_pair(PennyLaneBackend("default.qubit"), psi, torch.float64)
            out.append(
                Impl("PennyLane default.qubit (backprop, broadcast)", "complex128", fwd, bwd)
            )
        except Exception as exc:
            out.append(Impl("PennyLane default.qubit", "complex128", None, None, reason=str(exc)))
        try:
            import pennylane_lightning  # noqa: F401

            from eqqnn.sim._pennylane import PennyLaneBackend

            fwd, bwd = torch_pair(PennyLaneBackend("lightning.qubit"), psi, torch.float64)
            out.append(
                Impl("PennyLane lightning.qubit (adjoint, per-state tapes)", "complex128", fwd, bwd)
            )
        except Exception as exc:
            out.append(Impl("PennyLane lightning.qubit", "complex128", None, None, reason=str(exc)))
        try:
            from qiskit_aer import AerSimulator

            from eqqnn.sim._qiskit import QiskitBackend

            opts = {} if args.threads is None else {"max_parallel_threads": args.threads}
            aer = QiskitBackend(AerSimulator(method="statevector", **opts))
            fwd, _ = torch_pair(aer, psi, torch.float64)
            out.append(
                Impl(
                    "qiskit-aer statevector (one job, circuit per state)",
                    "complex128",
                    fwd,
                    None,
                    reason="no reverse-mode gradient in Aer",
                )
            )
        except Exception as exc:
            out.append(Impl("qiskit-aer statevector", "complex128", None, None, reason=str(exc)))
        return [i for i in out if not any(s in i.name for s in args.skip)]

    nproc = os.cpu_count()
    print("# Dense simulators: eqqnn vs PennyLane vs Qiskit Aer")
    print()
    print(
        f"nproc={nproc}, torch threads={torch.get_num_threads()}, "
        f"threads option={args.threads or 'library defaults'}, clock={args.clock}, "
        f"batch={args.batch}, repeat={args.repeat} (best of), budget={args.budget:g}s, "
        f"machine={platform.machine()}"
    )
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    print()

    def measure(impl: Impl) -> dict[str, str | float]:
        import gc

        res: dict[str, str | float] = {}
        for col, fn in (("forward", impl.forward), ("backward", impl.backward)):
            if fn is None:
                res[col] = f"n/a ({impl.reason})" if impl.reason else "n/a"
                continue
            try:
                sec, once = _time(fn, args.repeat, args.budget, clock)
                res[col] = sec
                if once:
                    impl.notes.append(col)
            except Exception as exc:  # a peer failing must not stop the run
                msg = str(exc).splitlines()[0][:80] if str(exc) else ""
                res[col] = f"n/a ({type(exc).__name__}: {msg})"
            finally:
                gc.collect()
        return res

    def print_row(
        n: int, impl: Impl, res: dict[str, str | float], ref: dict[str, float | None]
    ) -> None:
        cells, ratios = [], []
        for col in ("forward", "backward"):
            v, r = res[col], ref[col]
            mark = "*" if col in impl.notes else ""
            cells.append(f"{v:.4g}{mark}" if isinstance(v, float) else str(v))
            ratios.append(f"{v / r:.2f}" if isinstance(v, float) and r else "—")
        print(
            f"| {n} | {impl.name} | {impl.precision} | {cells[0]} | {cells[1]} | "
            f"{ratios[0]} | {ratios[1]} |",
            flush=True,
        )

    circuits = {"su2": su2_qcnn, "qcnn": qcnn}
    names = ["su2", "qcnn"] if args.circuit == "both" else [args.circuit]
    summary: list[str] = []
    for cname in names:
        print(f"## {cname}_qcnn(n), default configuration" if cname == "su2" else "## qcnn(n)")
        print()
        print(
            "| n | implementation | precision | forward (s) | fwd+bwd (s) | "
            "forward ratio | fwd+bwd ratio |"
        )
        print("|---|---|---|---|---|---|---|")
        for n in args.n:
            circuit = circuits[cname](n)
            rows = []
            ref: dict[str, float | None] = {"forward": None, "backward": None}
            impls = implementations(circuit, n)
            n_eqqnn = sum(i.is_eqqnn for i in impls)
            for k, impl in enumerate(impls):
                rows.append((impl, measure(impl)))
                if k + 1 == n_eqqnn:  # eqqnn rows come first: fix the reference, print them
                    for col in ("forward", "backward"):
                        vals = [
                            r[col]
                            for i, r in rows
                            if i.is_eqqnn
                            and i.precision == "complex128"
                            and isinstance(r[col], float)
                        ]
                        ref[col] = min(vals) if vals else None
                    for row in rows:
                        print_row(n, *row, ref)
                elif k + 1 > n_eqqnn:
                    print_row(n, *rows[-1], ref)
            peers = [
                (impl.name, res["backward"])
                for impl, res in rows
                if not impl.is_eqqnn and isinstance(res["backward"], float)
            ]
            if peers and ref["backward"]:
                best_name, best = min(peers, key=lambda x: x[1])
                ok = ref["backward"] <= best
                summary.append(
                    f"{cname} n={n}: eqqnn complex128 fwd+bwd {ref['backward']:.4g}s vs fastest "
                    f"peer {best_name} {best:.4g}s -> target {'met' if ok else 'NOT met'} "
                    f"(peer/eqqnn = {best / ref['backward']:.2f})"
                )
        print()
    if summary:
        print("Target (eqqnn forward+backward at least as fast as the fastest peer):")
        for line in summary:
            print(f"- {line}")
    print("\n* = a single call above the budget, timed once")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
