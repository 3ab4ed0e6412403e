"""GPU benchmark: the dense and the spin-sector engines on CUDA, against GPU peers.

One training step (forward + backward, adjoint gradients) of the default EQCNN
(``su2_qcnn(n)``) on singlet inputs:

* **dense** ``StatevectorBackend(device="cuda")`` at n = 20, 22, ... until the device's
  memory runs out (complex128; complex64 with ``--single``);
* **sector** ``SpinSectorBackend(device="cuda")`` (torch kernels) at n = 24, 26, ...;
* **peers** where installed: PennyLane ``lightning.gpu`` (adjoint) and qiskit-aer's GPU
  statevector (forward only), through eqqnn's exporters.

For each run it prints the warm step time, the peak device memory, and the fraction of
the device's memory bandwidth reached: a gate pass on the dense engine reads and writes
the whole batch of states once, ``2 · B · 2^n · itemsize`` bytes; dividing the bytes of
all passes of a step by its time gives the bandwidth used, compared with the peak
computed from the device's memory clock and bus width (an H100 SXM: about 3.35 TB/s, so
one complex128 gate pass on one 30-qubit state cannot take less than about 10 ms).  The
sector rows use the same rule on the singlet-sector vectors.

Without a CUDA device it says so and exits 0 (nothing to measure).

    python benchmarks/bench_gpu.py                       # full run
    python benchmarks/bench_gpu.py --max-dense 24 --max-sector 26 --batch 4
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np
import torch
from _timing import call_times


def peak_bandwidth(device: torch.device) -> float | None:
    """Peak memory bandwidth in bytes/s from the device properties (DDR: two transfers
    per clock), or None where torch does not report the memory clock."""
    props = torch.cuda.get_device_properties(device)
    clock_khz = getattr(props, "memory_clock_rate", None)
    bus_bits = getattr(props, "memory_bus_width", None)
    if not clock_khz or not bus_bits:
        return None
    return 2.0 * clock_khz * 1e3 * bus_bits / 8


def _singlets(n: int, batch: int, seed: int) -> np.ndarray:
    from eqqnn.symmetry import irrep_dimension

    rng = np.random.default_rng(seed)
    coords = rng.normal(size=(batch, irrep_dimension(n, 0)))
    return coords / np.linalg.norm(coords, axis=1, keepdims=True)


def _gate_passes(circuit: Any) -> int:
    from eqqnn.circuits import ExpGate, FixedGate

    return sum(isinstance(op, (ExpGate, FixedGate)) for op in circuit.operations)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _time_step(model: Any, x: torch.Tensor, repeats: int) -> float:
    def step() -> None:
        model.zero_grad()
        model(x).sum().backward()
        _sync(x.device)

    return min(call_times(step, repeats))


def run_engine(
    engine: str, n: int, batch: int, dtype: torch.dtype, device: torch.device, repeats: int
) -> dict[str, Any]:
    """One engine at one n: warm step seconds, peak GiB, bandwidth fraction."""
    from eqqnn.circuits import su2_qcnn
    from eqqnn.models import QuantumClassifier
    from eqqnn.sim import SpinSectorBackend, StatevectorBackend
    from eqqnn.symmetry import sector_to_qubit

    circuit = su2_qcnn(n)
    coords = _singlets(n, batch, 0)
    if engine == "dense":
        x = torch.as_tensor(sector_to_qubit(coords, n, 0)).to(device=device, dtype=dtype)
        backend: Any = StatevectorBackend(device=device, dtype=dtype, gradient="adjoint")
    else:
        x = torch.as_tensor(coords).to(device=device, dtype=dtype)
        backend = SpinSectorBackend(device=device, dtype=dtype, kernel="torch")
    model = QuantumClassifier(circuit, backend, seed=0).to(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    seconds = _time_step(model, x, repeats)
    width = x.shape[1]
    # forward: one pass per gate; adjoint backward: undo on [psi | lambda] (2 states) and
    # the overlap, about three passes per gate
    passes = 4 * _gate_passes(circuit)
    moved = passes * 2 * batch * width * x.element_size()
    return {
        "seconds": seconds,
        "peak_gib": (
            torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else math.nan
        ),
        "bandwidth": moved / seconds,
    }


def run_peer(peer: str, n: int, batch: int, repeats: int) -> float | None:
    """Warm forward(+backward) seconds of a GPU peer, None when it is not installed."""
    from eqqnn.circuits import su2_qcnn
    from eqqnn.models import QuantumClassifier
    from eqqnn.symmetry import sector_to_qubit

    try:
        if peer == "lightning.gpu":
            from eqqnn.sim import PennyLaneBackend

            backend: Any = PennyLaneBackend("lightning.gpu", diff_method="adjoint")
        else:
            from qiskit_aer import AerSimulator

            from eqqnn.sim import QiskitBackend

            backend = QiskitBackend(AerSimulator(method="statevector", device="GPU"))
    except Exception as exc:  # not installed or no GPU support in this build
        print(f"  {peer}: unavailable ({type(exc).__name__}: {exc})")
        return None
    circuit = su2_qcnn(n)
    x = torch.as_tensor(sector_to_qubit(_singlets(n, batch, 0), n, 0))
    model = QuantumClassifier(circuit, backend, seed=0)
    grad = peer == "lightning.gpu"

    def step() -> None:
        if grad:
            model.zero_grad()
            model(x).sum().backward()
        else:
            with torch.no_grad():
                model(x)

    try:
        times = call_times(step, repeats)
    except Exception as exc:  # out of memory or a device error: the end of its range
        print(f"  {peer} n = {n}: failed ({type(exc).__name__}: {exc})")
        return None
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--single", action="store_true", help="complex64 instead of complex128")
    ap.add_argument("--min-dense", type=int, default=20)
    ap.add_argument("--max-dense", type=int, default=30)
    ap.add_argument("--min-sector", type=int, default=24)
    ap.add_argument("--max-sector", type=int, default=34)
    ap.add_argument("--peers-to", type=int, default=26, help="largest n for the peers")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dry-run", action="store_true", help="run the engines on CPU (a check)")
    args = ap.parse_args()
    if args.dry_run:
        device = torch.device("cpu")
        for engine, n in (("dense", args.min_dense), ("sector", args.min_sector)):
            r = run_engine(engine, n, args.batch, torch.complex128, device, 1)
            print(f"dry run {engine} n = {n}: {r['seconds']:.3f} s")
        return
    if not torch.cuda.is_available():
        print("no CUDA device: nothing to measure (run this on a machine with a GPU)")
        return
    device = torch.device("cuda")
    dtype = torch.complex64 if args.single else torch.complex128
    peak = peak_bandwidth(device)
    name = torch.cuda.get_device_name(device)
    total = torch.cuda.get_device_properties(device).total_memory / 2**30
    print(
        f"device {name}, {total:.0f} GiB, peak bandwidth "
        f"{'unknown' if peak is None else f'{peak / 1e12:.2f} TB/s'}, {dtype}, "
        f"batch {args.batch}, torch {torch.__version__}"
    )
    print("| engine | n | step [s] | peak [GiB] | bandwidth [TB/s] | of peak |")
    print("|---|---:|---:|---:|---:|---:|")
    for engine, lo, hi in (
        ("dense", args.min_dense, args.max_dense),
        ("sector", args.min_sector, args.max_sector),
    ):
        for n in range(lo, hi + 1, 2):
            try:
                r = run_engine(engine, n, args.batch, dtype, device, args.repeats)
            except (torch.cuda.OutOfMemoryError, RuntimeError) as exc:
                print(f"| {engine} | {n} | out of range: {type(exc).__name__} | | | |")
                torch.cuda.empty_cache()
                break
            share = "—" if peak is None else f"{r['bandwidth'] / peak:.0%}"
            print(
                f"| {engine} | {n} | {r['seconds']:.3f} | {r['peak_gib']:.1f} | "
                f"{r['bandwidth'] / 1e12:.2f} | {share} |",
                flush=True,
            )
            torch.cuda.empty_cache()
    print("| peer | n | step [s] |")
    print("|---|---:|---:|")
    for peer in ("lightning.gpu", "aer-gpu"):
        for n in range(args.min_dense, args.peers_to + 1, 2):
            seconds = run_peer(peer, n, args.batch, args.repeats)
            if seconds is None:
                break
            print(f"| {peer} | {n} | {seconds:.3f} |", flush=True)
    floor = 2 * 2**30 * 16 / (peak or math.inf)
    print(f"floor of one complex128 gate pass at n = 30 (one state): {1e3 * floor:.1f} ms")


if __name__ == "__main__":
    main()
