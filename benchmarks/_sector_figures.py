"""The spin-sector engine's headline figures, each idle and next to one busy process.

Called by ``python benchmarks/bench_spin_sector.py --figures``.  Every measurement runs
in a fresh process (peak memory is per process), first on its own ("idle") and then
next to one single-threaded busy loop ("loaded": a user's laptop is never idle):

1. n = 16, batch 64, forward+backward of the EQCNN: sector coordinates against
   qubit-form (2^n) singlet inputs (``bench_sector_inputs.py``; target: within 2x);
2. n = 16, batch 64: the sector engine (complex128) against PennyLane ``lightning.qubit``
   (adjoint), best of repeats (target: >= 300x);
3. n = 28, batch 16, complex64, operators on the fly: cold and warm training step and
   peak RSS (``bench_sector_scale.py``; targets: < 4 GiB, warm step <= 14 s);
4. two sector jobs at once (``bench_sector_concurrency.py``, eqqnn's default threading;
   target: each within 3x of idle) — this table has its own idle and busy columns;
5. with ``--with-32``: n = 32, batch 8, one step, and the restricted-circuit value check
   of n = 32 against the n = 28 engine (``bench_sector_scale.py --restricted-check``).
   These need about 18 GiB free.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent


@contextlib.contextmanager
def _busy_loop(busy: bool) -> Iterator[None]:
    """A single-threaded busy process while the block runs (if ``busy``)."""
    spinner = None
    if busy:
        spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.5)
    try:
        yield
    finally:
        if spinner is not None:
            spinner.kill()


def _run(argv: list[str], busy: bool) -> subprocess.CompletedProcess:
    with _busy_loop(busy):
        return subprocess.run(
            argv,
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
            capture_output=True,
            text=True,
            check=False,
        )


def _script(name: str, *args: str, busy: bool) -> str:
    """Run ``benchmarks/name args`` (next to a busy loop if ``busy``); its stdout."""
    out = _run([sys.executable, str(HERE / name), *args], busy)
    if out.returncode:
        return f"(failed: {out.stderr.strip().splitlines()[-1] if out.stderr else out.returncode})"
    return out.stdout


def _table_rows(text: str, label: str) -> list[str]:
    """The markdown table of ``text`` with a first column ``label`` added to each row."""
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    if len(lines) < 3:
        return [f"| {label} | {text.strip()} |"]
    return [f"| {label} {ln}" for ln in lines[2:]]


def _table_header(text: str) -> list[str]:
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    if len(lines) < 2:
        return ["| load | result |", "|---|---|"]
    return ["| load " + lines[0], "|---" + lines[1]]


def _idle_and_loaded(title: str, name: str, *args: str) -> None:
    print(f"## {title}\n")
    print(f"`python benchmarks/{name} {' '.join(args)}`\n", flush=True)
    runs = [(load, _script(name, *args, busy=load == "loaded")) for load in ("idle", "loaded")]
    print("\n".join(_table_header(runs[0][1])))
    for load, text in runs:
        print("\n".join(_table_rows(text, load)))
    print(flush=True)


LIGHTNING_WORKER = r"""
import sys, time, torch
sys.path.insert(0, sys.argv[1])
from bench_spin_sector import _backend, _singlets, _time
from eqqnn.circuits import su2_qcnn
n, batch = int(sys.argv[2]), int(sys.argv[3])
circuit = su2_qcnn(n)
coords, dense = _singlets(n, batch, 0)
theta0 = torch.linspace(-1, 1, circuit.n_params, dtype=torch.float64)
def step(backend, x):
    theta = theta0.clone().requires_grad_(True)
    backend.expectation(circuit, theta, x).sum().backward()
sector, _ = _backend("sector")
lightning, _ = _backend("pl-lightning")
t_sector, _ = _time(lambda: step(sector, coords), 20, 60)
t_light, _ = _time(lambda: step(lightning, dense), 3, 600)
print("| n | batch | sector fwd+bwd [ms] | lightning.qubit fwd+bwd [ms] | ratio |")
print("|---:|---:|---:|---:|---:|")
print(f"| {n} | {batch} | {1e3 * t_sector:.1f} | {1e3 * t_light:.0f} | {t_light / t_sector:.0f}x |")
"""


def _lightning(busy: bool) -> str:
    out = _run([sys.executable, "-c", LIGHTNING_WORKER, str(HERE), "16", "64"], busy)
    return out.stdout if not out.returncode else f"(failed: {out.stderr.strip()[-300:]})"


def main(with_32: bool) -> int:
    print("# Spin-sector engine: the headline figures, idle and loaded\n")
    print(f"cores {os.cpu_count()}, load average at start {os.getloadavg()[0]:.2f}\n")
    _idle_and_loaded(
        "1. Qubit-form against sector-form inputs (n = 16, batch 64)",
        "bench_sector_inputs.py",
        "--n",
        "16",
    )
    print("## 2. Against PennyLane lightning.qubit (n = 16, batch 64, complex128)\n")
    runs = [(load, _lightning(load == "loaded")) for load in ("idle", "loaded")]
    print("\n".join(_table_header(runs[0][1])))
    for load, text in runs:
        print("\n".join(_table_rows(text, load)))
    print(flush=True)
    _idle_and_loaded(
        "3. A training step at n = 28 (batch 16, complex64, operators on the fly)",
        "bench_sector_scale.py",
        "--n",
        "28",
        "--batch",
        "16",
        "--repeats",
        "1",
    )
    print("## 4. Two sector jobs at once (n = 16, batch 64, complex128)\n")
    print("`python benchmarks/bench_sector_concurrency.py --settings passive`\n")
    print(_script("bench_sector_concurrency.py", "--settings", "passive", busy=False), flush=True)
    if with_32:
        print("## 5. n = 32\n")
        for args in (
            ("--n", "32", "--batch", "8", "--repeats", "0"),
            ("--n", "32", "--batch", "1", "--restricted-check", "--double"),
        ):
            print(f"`python benchmarks/bench_sector_scale.py {' '.join(args)}`\n")
            print(_script("bench_sector_scale.py", *args, busy=False), flush=True)
    return 0
