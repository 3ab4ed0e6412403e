"""Benchmark: the SU(2) spin-sector simulator against dense simulators, and at scale.

Three tables, all on ``su2_qcnn(n)`` with the default configuration (SWAP convolutions,
discard pooling, singlet readout) and *singlet* inputs (random vectors of the singlet
irrep M_0; the sector backend takes their ``dim M_0`` coordinates, every other simulator
their ``2^n`` amplitudes):

1. **Head to head** (``n = 8..16``, batch 64): forward and forward+backward of
   ``SpinSectorBackend`` (adjoint; complex128 and complex64) against eqqnn's dense
   ``StatevectorBackend`` (adjoint), PennyLane ``default.qubit`` (backprop, broadcast),
   ``lightning.qubit`` (adjoint) and Qiskit Aer (forward only: Aer has no reverse-mode
   gradient).  The peers run through eqqnn's exporters (``eqqnn.sim._pennylane`` /
   ``eqqnn.sim._qiskit``) when importable, else through a minimal PennyLane QNode built
   here (``qml.StatePrep`` + ``IsingXX·IsingYY·IsingZZ`` for ``exp(-iθ SWAP)``).  Best of
   ``--repeat`` calls after a warm-up (the sector rows: ``--sector-repeat``, as a 20 ms
   call is easily disturbed on a shared machine).  Ratio = peer time / sector time
   (complex128).
   Target: at n = 16 the sector backend is at least 100x faster than the fastest peer.
2. **Scale** (``n = 16..--max-n``): one training step (forward+backward, batch 16,
   complex64) of the sector backend, each n in a fresh process: cold (first step: index
   tables) and warm time, peak RSS (``ru_maxrss``), kernel calls (numba passes,
   one sparse operator each, or SciPy/torch gathers; the backward ones act on
   ``[ψ | μ]``, twice as wide), and the time against
   the memory-bandwidth floor: per forward gate, ``2 · dim M_0 · B · 8`` bytes read and
   written; per step, the bytes of every kernel call; both divided by the copy bandwidth
   of a large ``torch`` copy measured in the same run.  Targets: n = 24 under 10 s,
   n = 28 under 2 min with peak memory under 12 GB.  Table 0 gives the numba JIT cost:
   the first call of a fresh process with an empty kernel cache, and with the cache.
3. **Peers at scale**: the same training step (batch 16, complex128 for the peers) at
   n = 12, 14, ... in fresh processes until a step exceeds ``--peer-budget`` seconds,
   fails, or would need more than ``--peer-memory`` GB: the largest n each peer runs.

Usage::

    python benchmarks/bench_spin_sector.py --quick      # n = 8..12, scale 16 and 20, peers to 14
    python benchmarks/bench_spin_sector.py --max-n 28   # the full run (~20 min on 2 cores)
    python benchmarks/bench_spin_sector.py --figures [--with-32]  # the headline figures,
                                                    # idle and next to a busy process
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

PEERS = ("dense", "pl-default", "pl-lightning", "aer")
PEER_NAMES = {
    "sector": "eqqnn SpinSectorBackend (adjoint)",
    "dense": "eqqnn StatevectorBackend (adjoint)",
    "pl-default": "PennyLane default.qubit (backprop)",
    "pl-lightning": "PennyLane lightning.qubit (adjoint)",
    "aer": "qiskit-aer statevector (forward only)",
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sweep (about two minutes)")
    parser.add_argument("--max-n", type=int, default=28, help="largest n of the scale table")
    parser.add_argument("--n", type=int, nargs="+", default=[8, 10, 12, 14, 16])
    parser.add_argument("--batch", type=int, default=64, help="batch of the head-to-head table")
    parser.add_argument("--step-batch", type=int, default=16, help="batch of a training step")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sector-repeat", type=int, default=20, help="repeats of sector rows")
    parser.add_argument("--peer-budget", type=float, default=60.0, help="seconds per peer step")
    parser.add_argument("--peer-memory", type=float, default=8.0, help="GB a peer may use")
    parser.add_argument("--skip", nargs="*", default=[], help="peers to skip: " + " ".join(PEERS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--figures", action="store_true", help="only the headline figures, idle and loaded"
    )
    parser.add_argument("--with-32", action="store_true", help="with --figures: also n = 32")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--worker-dtype", default="complex64", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.n = [n for n in args.n if n <= 12]
        args.max_n = min(args.max_n, 20)
        args.repeat = min(args.repeat, 2)
        args.peer_budget = min(args.peer_budget, 10.0)
    return args


# --------------------------------------------------------------------------------------
# inputs and implementations


def _singlets(n: int, batch: int, seed: int, dense: bool = True) -> tuple[Any, Any]:
    """Random singlets: (M_0 coordinates, 2^n amplitudes or None), complex128."""
    import numpy as np
    import torch

    from eqqnn.symmetry import irrep_dimension
    from eqqnn.symmetry._spin_coupling import sector_to_qubit

    rng = np.random.default_rng(seed)
    d = irrep_dimension(n, 0)
    c = rng.standard_normal((batch, d)) + 1j * rng.standard_normal((batch, d))
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    amplitudes = torch.as_tensor(sector_to_qubit(c, n, 0)) if dense else None
    return torch.as_tensor(c), amplitudes


def _fallback_pennylane(device_name: str, diff_method: str) -> Any:
    """A minimal QNode backend for SWAP-exponential circuits (used if the exporter is absent)."""
    import numpy as np
    import pennylane as qml
    import torch

    from eqqnn.circuits import Discard, ExpGate
    from eqqnn.circuits._gates import SWAP

    class MinimalPennyLane:
        def __init__(self) -> None:
            self._nodes: dict[int, Any] = {}

        def expectation(self, circuit: Any, params: Any, states: Any) -> Any:
            n = circuit.n_qubits
            for op in circuit.operations:
                if isinstance(op, Discard):
                    continue
                if not (isinstance(op, ExpGate) and np.allclose(op.generators, SWAP)):
                    raise RuntimeError(f"minimal QNode runs SWAP^t gates only, got {op.label}")
            node = self._nodes.get(id(circuit))
            if node is None:
                dev = qml.device(device_name, wires=n)

                def qfunc(theta: Any, psi: Any) -> Any:
                    qml.StatePrep(psi, wires=range(n), normalize=False)
                    for op in circuit.operations:
                        if isinstance(op, ExpGate):
                            t = theta[op.params[0]]
                            qml.IsingXX(t, wires=op.wires)
                            qml.IsingYY(t, wires=op.wires)
                            qml.IsingZZ(t, wires=op.wires)
                    ro = circuit.readout
                    return qml.expval(qml.Hermitian(ro.observable, wires=ro.wires))

                node = qml.QNode(qfunc, dev, interface="torch", diff_method=diff_method)
                self._nodes[id(circuit)] = node
            if diff_method == "backprop":
                return node(params, states)
            return torch.stack([node(params, s) for s in states])

    return MinimalPennyLane()


def _backend(name: str, dtype_name: str = "complex128") -> tuple[Any, str]:
    """(backend, note) for an implementation name."""
    import torch

    dtype = getattr(torch, dtype_name)
    if name == "sector":
        from eqqnn.sim._sector import SpinSectorBackend

        return SpinSectorBackend(dtype=dtype), ""
    if name == "dense":
        from eqqnn.sim import StatevectorBackend

        return StatevectorBackend(dtype=dtype, gradient="adjoint"), ""
    if name in ("pl-default", "pl-lightning"):
        device = "default.qubit" if name == "pl-default" else "lightning.qubit"
        try:
            from eqqnn.sim._pennylane import PennyLaneBackend

            return PennyLaneBackend(device), "eqqnn exporter"
        except ImportError as exc:
            import pennylane  # noqa: F401  (raises if PennyLane itself is missing)

            diff = "backprop" if name == "pl-default" else "adjoint"
            return _fallback_pennylane(device, diff), f"minimal QNode ({exc})"
    if name == "aer":
        from eqqnn.sim._qiskit import QiskitBackend

        return QiskitBackend(), "eqqnn exporter"
    raise ValueError(name)


def _time(fn: Callable[[], object], repeat: int, budget: float) -> tuple[float, bool]:
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    if first > budget:
        return first, True
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best, False


# --------------------------------------------------------------------------------------
# worker: one training step in a fresh process


def _jit_worker() -> int:
    """Time the first forward+backward of a fresh process (n = 8, complex128 and complex64)."""
    t0 = time.perf_counter()
    import torch

    from eqqnn.circuits import su2_qcnn
    from eqqnn.sim._sector import SpinSectorBackend

    t_import = time.perf_counter() - t0
    circuit = su2_qcnn(8)
    out: dict[str, Any] = {"import": t_import}
    for dtype in ("complex128", "complex64"):
        coords, _ = _singlets(8, 4, 0, dense=False)
        theta = torch.zeros(circuit.n_params, dtype=torch.float64, requires_grad=True)
        if dtype == "complex64":
            theta = torch.zeros(circuit.n_params, dtype=torch.float32, requires_grad=True)
        backend = SpinSectorBackend(kernel="numba")
        t0 = time.perf_counter()
        backend.expectation(circuit, theta, coords.to(getattr(torch, dtype))).sum().backward()
        out[dtype] = time.perf_counter() - t0
    print("RESULT " + json.dumps(out))
    return 0


def _jit_times() -> dict[str, dict]:
    """First-call times in fresh processes: empty numba cache (compile) and warm cache."""
    import tempfile

    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=tmp)
        for label in ("compile (empty cache)", "cached (second process)"):
            cmd = [sys.executable, os.path.abspath(__file__), "--worker", "jit"]
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
            line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
            res[label] = json.loads(line[7:]) if line else {"error": proc.stderr[-200:]}
    return res


def _worker(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from eqqnn.circuits import su2_qcnn
    from eqqnn.sim._sector import _kernels, _numba_path

    n, impl = args.worker_n, args.worker
    dtype = getattr(torch, args.worker_dtype)
    rdtype = torch.float32 if dtype == torch.complex64 else torch.float64
    circuit = su2_qcnn(n)
    coords, dense = _singlets(n, args.step_batch, args.seed, dense=impl != "sector")
    states = (coords if impl == "sector" else dense).to(dtype)
    backend, note = _backend(impl, args.worker_dtype)
    p0 = np.random.default_rng(args.seed).uniform(-np.pi, np.pi, circuit.n_params)
    calls = [0, 0]  # kernel calls, bytes read + written by them
    original = _kernels._SectorKernel.apply

    def counting(self: Any, k: int, ce: complex, ct: complex, src: Any, *a: Any) -> None:
        calls[0] += 1
        calls[1] += 2 * src.numel() * src.element_size()
        return original(self, k, ce, ct, src, *a)

    _kernels._SectorKernel.apply = counting  # type: ignore[method-assign]
    _numba_path.NUMBA_STATS = calls  # numba passes: rows read (entries per row) + written

    def step() -> tuple[float, float, int, int, int]:
        theta = torch.tensor(p0, dtype=rdtype, requires_grad=impl != "aer")
        calls[:] = [0, 0]
        t0 = time.perf_counter()
        value = backend.expectation(circuit, theta, states)
        t1 = time.perf_counter()
        fwd_calls = calls[0]
        if impl != "aer":
            value.sum().backward()
        t2 = time.perf_counter()
        return t1 - t0, t2 - t0, fwd_calls, calls[0], calls[1]

    out: dict[str, Any] = {"note": note}
    try:
        cold_fwd, cold, _, _, _ = step()
        out["cold"] = cold
        if cold < args.peer_budget or impl == "sector":
            fwd, warm, g_fwd, g_all, moved = step()
            out.update(forward=fwd, warm=warm, gathers_fwd=g_fwd, gathers=g_all, bytes=moved)
        else:
            out.update(forward=cold_fwd, warm=cold, single=True)
    except Exception as exc:  # report, do not crash the driver
        out["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:90] if str(exc) else ''}"
    out["maxrss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    try:  # the same high-water mark as the kernel keeps it for this process image
        with open("/proc/self/status") as fh:
            hwm = next(line for line in fh if line.startswith("VmHWM:"))
        out["vmhwm_gb"] = int(hwm.split()[1]) / 1024**2
    except (OSError, StopIteration):
        pass
    print("RESULT " + json.dumps(out))
    return 0


def _run_worker(impl: str, n: int, dtype: str, args: argparse.Namespace, timeout: float) -> dict:
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--worker",
        impl,
        "--worker-n",
        str(n),
        "--worker-dtype",
        dtype,
        "--step-batch",
        str(args.step_batch),
        "--peer-budget",
        str(args.peer_budget),
        "--seed",
        str(args.seed),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
    return {"error": f"exit {proc.returncode}: {tail[0][:90]}"}


# --------------------------------------------------------------------------------------
# the driver


def _copy_bandwidth() -> float:
    """GB/s of a large preallocated torch copy (bytes read + written)."""
    import torch

    src = torch.randn(2**26, dtype=torch.complex64)  # 512 MiB
    dst = torch.empty_like(src)
    dst.copy_(src)
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        dst.copy_(src)
        best = min(best, time.perf_counter() - t0)
    return 2 * src.numel() * src.element_size() / best / 1e9


def _scale_ns(args: argparse.Namespace) -> list[int]:
    ns = [n for n in (16, 18, 20, 22, 24, 26, 28) if n <= args.max_n]
    return [n for n in ns if n in (16, 20)] if args.quick else ns


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.figures:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from _sector_figures import main as figures

        return figures(args.with_32)
    if args.worker == "jit":
        return _jit_worker()
    if args.worker:
        return _worker(args)
    # Table 2 runs first, before this process grows: a child's ru_maxrss starts from the
    # parent's high-water mark at fork time on Linux, so the driver must still be small.
    load_start = os.getloadavg()[0]
    scale = {n: _run_worker("sector", n, "complex64", args, timeout=1800) for n in _scale_ns(args)}
    jit = _jit_times()

    import numpy as np
    import torch

    from eqqnn.circuits import su2_qcnn
    from eqqnn.symmetry import irrep_dimension

    versions = {"python": platform.python_version(), "torch": torch.__version__}
    from importlib import metadata

    for dist in ("numpy", "scipy", "pennylane", "pennylane-lightning", "qiskit", "qiskit-aer"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    peers = [p for p in PEERS if p not in args.skip]
    bandwidth = _copy_bandwidth()
    print("# SU(2) spin-sector simulator: su2_qcnn(n), singlet inputs")
    print()
    print(
        f"nproc={os.cpu_count()}, torch threads={torch.get_num_threads()}, "
        f"load average={load_start:.2f} (at start), machine={platform.machine()}, "
        f"copy bandwidth={bandwidth:.2f} GB/s (torch copy_ of 512 MiB, read+write)"
    )
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    print(
        "CUDA: unmeasured (no GPU)"
        if not torch.cuda.is_available()
        else f"CUDA: {torch.cuda.get_device_name()} (sector rows use the CPU)"
    )
    print()

    print("## 0. Numba kernels: first forward+backward of a fresh process (n = 8, batch 4)")
    print()
    print(
        "| numba cache | import eqqnn (s) | first call complex128 (s) | first call complex64 (s) |"
    )
    print("|---|---:|---:|---:|")
    for label, r in jit.items():
        if "error" in r:
            print(f"| {label} | n/a ({r['error']}) | | |")
            continue
        print(f"| {label} | {r['import']:.2f} | {r['complex128']:.2f} | {r['complex64']:.2f} |")
    print()

    # ---------------------------------------------------------------- table 1
    print(f"## 1. Head to head: forward and forward+backward, batch {args.batch}")
    print()
    print(
        "| n | dim M_0 | 2^n | implementation | precision | forward (s) | fwd+bwd (s) | "
        "fwd ratio | fwd+bwd ratio | max abs(Δ<O>) |"
    )
    print("|---:|---:|---:|---|---|---:|---:|---:|---:|---:|")
    summary: list[str] = []
    gave_up: dict[str, str] = {}
    for n in args.n:
        circuit = su2_qcnn(n)
        coords, dense = _singlets(n, args.batch, args.seed)
        p0 = np.random.default_rng(args.seed).uniform(-np.pi, np.pi, circuit.n_params)
        rows: list[tuple[str, str, Any, Any, Any, str]] = []
        reference = None
        for impl, dtype in [("sector", "complex128"), ("sector", "complex64")] + [
            (p, "complex128") for p in peers
        ]:
            if impl in gave_up:
                rows.append((impl, dtype, None, None, None, gave_up[impl]))
                continue
            rdtype = torch.float32 if dtype == "complex64" else torch.float64
            est_gb = 3 * args.batch * 2**n * 16 / 1e9 * (20 if impl == "pl-default" else 1)
            if impl != "sector" and est_gb > args.peer_memory:
                rows.append((impl, dtype, None, None, None, f"needs ~{est_gb:.0f} GB"))
                continue
            try:
                backend, _ = _backend(impl, dtype)
            except Exception as exc:
                rows.append((impl, dtype, None, None, None, f"{type(exc).__name__}: {exc}"))
                continue
            x = (coords if impl == "sector" else dense).to(getattr(torch, dtype))

            def fwd(
                backend: Any = backend,
                x: Any = x,
                rdtype: Any = rdtype,
                c: Any = circuit,
                p: Any = p0,
            ) -> Any:
                with torch.no_grad():
                    return backend.expectation(c, torch.as_tensor(p, dtype=rdtype), x)

            def bwd(
                backend: Any = backend,
                x: Any = x,
                rdtype: Any = rdtype,
                c: Any = circuit,
                p: Any = p0,
            ) -> Any:
                t = torch.tensor(p, dtype=rdtype, requires_grad=True)
                backend.expectation(c, t, x).sum().backward()
                return t.grad

            try:
                values = fwd().detach().double().numpy()
                if reference is None:
                    reference = values
                err = float(np.abs(values - reference).max())
                reps = args.sector_repeat if impl == "sector" else args.repeat
                tf, _ = _time(fwd, reps, args.peer_budget)
                tb = None
                if impl != "aer":
                    tb, once = _time(bwd, reps, args.peer_budget)
                    if once and tb > 2 * args.peer_budget:
                        gave_up[impl] = f"over {args.peer_budget:g} s at n={n}"
                rows.append((impl, dtype, tf, tb, err, ""))
            except Exception as exc:
                msg = str(exc).splitlines()[0][:70] if str(exc) else ""
                rows.append((impl, dtype, None, None, None, f"{type(exc).__name__}: {msg}"))
                gave_up[impl] = f"failed at n={n}"
            finally:
                import gc

                gc.collect()
        ref_f = next(r[2] for r in rows if r[0] == "sector" and r[1] == "complex128")
        ref_b = next(r[3] for r in rows if r[0] == "sector" and r[1] == "complex128")
        for impl, dtype, tf, tb, err, reason in rows:
            if tf is None:
                cells = [f"n/a ({reason})", "n/a", "—", "—", "—"]
            else:
                cells = [
                    f"{tf:.4g}",
                    f"{tb:.4g}" if tb is not None else "n/a (no reverse mode)",
                    f"{tf / ref_f:.1f}",
                    f"{tb / ref_b:.1f}" if tb is not None else "—",
                    f"{err:.1e}",
                ]
            print(
                f"| {n} | {irrep_dimension(n, 0):,} | {2**n:,} | {PEER_NAMES[impl]} | {dtype} | "
                + " | ".join(cells)
                + " |",
                flush=True,
            )
        timed = [(impl, tb) for impl, _, _, tb, _, _ in rows if impl != "sector" and tb]
        if timed:
            best_impl, best = min(timed, key=lambda r: r[1])
            summary.append(
                f"n={n}: fastest peer {PEER_NAMES[best_impl]} {best:.4g} s vs sector "
                f"{ref_b:.4g} s (fwd+bwd) -> {best / ref_b:.0f}x"
                + (
                    f" (target 100x {'met' if best / ref_b >= 100 else 'NOT met'})"
                    if n == 16
                    else ""
                )
            )
    print()
    for line in summary:
        print(f"- {line}")
    print()

    # ---------------------------------------------------------------- table 2
    print(
        f"## 2. Scale: one training step of the sector backend (fwd+bwd, batch "
        f"{args.step_batch}, complex64), fresh process per n"
    )
    print()
    print(
        "| n | dim M_0 | cold step (s) | warm step (s) | forward (s) | ru_maxrss (GB) | "
        "kernel calls fwd / step | s per fwd gate | floor per fwd gate (s) | fwd ratio | "
        "GB moved per step | step floor (s) | step ratio |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, res in scale.items():
        d = irrep_dimension(n, 0)
        if "error" in res:
            print(f"| {n} | {d:,} | n/a ({res['error']}) |" + " |" * 10, flush=True)
            continue
        per = res["forward"] / max(res["gathers_fwd"], 1)
        floor = 2 * d * args.step_batch * 8 / (bandwidth * 1e9)
        step_floor = res["bytes"] / (bandwidth * 1e9)
        print(
            f"| {n} | {d:,} | {res['cold']:.3g} | {res['warm']:.3g} | {res['forward']:.3g} | "
            f"{res['maxrss_gb']:.2f} | {res['gathers_fwd']} / {res['gathers']} | {per:.3g} | "
            f"{floor:.3g} | {per / floor:.1f} | {res['bytes'] / 1e9:.3g} | {step_floor:.3g} | "
            f"{res['warm'] / step_floor:.1f} |",
            flush=True,
        )
    print()
    for n, target in ((24, 10.0), (28, 120.0)):
        if n in scale and "warm" in scale[n]:
            r = scale[n]
            mem = f", peak {r['maxrss_gb']:.2f} GB (target < 12 GB)" if n == 28 else ""
            ok = r["warm"] < target and (n != 28 or r["maxrss_gb"] < 12)
            print(
                f"- n={n}: warm step {r['warm']:.3g} s (cold {r['cold']:.3g} s), target < "
                f"{target:g} s{mem} -> {'met' if ok else 'NOT met'}"
            )
    print()

    # ---------------------------------------------------------------- table 3
    print(
        f"## 3. Largest n each peer runs one training step (batch {args.step_batch}, "
        f"complex128; budget {args.peer_budget:g} s, {args.peer_memory:g} GB)"
    )
    print()
    print(
        "| implementation | largest n | step (s) at that n | sector step (s) at that n "
        "(complex64) | stopped by |"
    )
    print("|---|---:|---:|---:|---|")
    ladder = [n for n in (12, 14, 16, 18, 20, 22, 24, 26) if n <= (14 if args.quick else 26)]
    for impl in peers:
        best_n, best_t, reason = None, None, "end of ladder"
        for n in ladder:
            factor = {"pl-default": 60, "dense": 4, "pl-lightning": 3, "aer": 3}[impl]
            est = factor * args.step_batch * 2**n * 16 / 1e9
            if est > args.peer_memory:
                reason = f"n={n} would need ~{est:.0f} GB"
                break
            res = _run_worker(impl, n, "complex128", args, timeout=4 * args.peer_budget + 60)
            if "error" in res:
                reason = f"n={n}: {res['error']}"
                break
            best_n, best_t = n, res["warm"]
            if res["warm"] > args.peer_budget:
                reason = f"n={n} took {res['warm']:.0f} s > budget"
                break
        sector_t = ""
        if best_n is not None:
            ref = scale.get(best_n) or _run_worker("sector", best_n, "complex64", args, 600)
            sector_t = f"{ref['warm']:.3g}" if "warm" in ref else "n/a"
        fwd_only = " (forward only)" if impl == "aer" else ""
        print(
            f"| {PEER_NAMES[impl]} | {best_n if best_n else 'none'} | "
            f"{(f'{best_t:.3g}' + fwd_only) if best_t is not None else 'n/a'} | {sector_t} | "
            f"{reason} |",
            flush=True,
        )
    print()
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
