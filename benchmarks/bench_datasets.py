"""Benchmark: dataset generation (cold / warm cache) and classical-shadow sampling.

Run from the repository root::

    .venv/bin/python benchmarks/bench_datasets.py            # n = 12, 101 points, 1000 shots
    .venv/bin/python benchmarks/bench_datasets.py --n-qubits 10 --repeats 1

Prints a markdown table with the command line and the number of CPU cores.  Targets:
the default 101-point test grid at ``n = 12`` in under 30 s cold, and 1000 shadow shots
of one ``n = 12`` state well under a second.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np
import torch

import eqqnn
from eqqnn.data._cache import DatasetCache
from eqqnn.data._dataset import build_dataset
from eqqnn.data._dataset_config import DatasetConfig
from eqqnn.data._shadows import estimate_correlators, sample_shadows, shadow_correlator_tensor


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median and minimum wall time of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-qubits", type=int, default=12)
    parser.add_argument("--n-points", type=int, default=101)
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3, help="repeats of the fast rows")
    args = parser.parse_args(argv)
    n, points, shots = args.n_qubits, args.n_points, args.shots
    torch.set_num_threads(os.cpu_count() or 1)

    rows: list[tuple[str, str, str]] = []
    configs = {
        "ground states, diagnostics on (default)": DatasetConfig.test_grid(n, points),
        "ground states, diagnostics off": DatasetConfig.test_grid(n, points, diagnostics=False),
        "ground states, sector form": DatasetConfig.test_grid(n, points, state_form="sector"),
        "haar_triplet, diagnostics off": DatasetConfig.test_grid(
            n, points, rotation="haar_triplet", diagnostics=False
        ),
    }
    with tempfile.TemporaryDirectory() as tmp:
        cache = DatasetCache(tmp)
        for label, cfg in configs.items():
            start = time.perf_counter()
            build_dataset(cfg, cache=cache)  # cold: generate + write
            cold = time.perf_counter() - start
            warm, warm_min = timed(lambda cfg=cfg: build_dataset(cfg, cache=cache), args.repeats)
            size = cache.path_for(cfg.cache_params()).stat().st_size / 2**20
            rows.append((f"{label}: cold (generate + write cache)", f"{cold:.2f} s", ""))
            rows.append(
                (
                    f"{label}: warm cache (load, {size:.1f} MiB file)",
                    f"{warm * 1e3:.1f} ms",
                    f"min {warm_min * 1e3:.1f} ms",
                )
            )
        cfg = configs["ground states, diagnostics on (default)"]
        start = time.perf_counter()
        data = build_dataset(cfg, cache=None, dtype=torch.complex128)
        rows.append(
            ("ground states, diagnostics on: no cache", f"{time.perf_counter() - start:.2f} s", "")
        )

    psi = data.states[points // 2].numpy()
    sample_shadows(psi, 10, seed=0)  # warm-up
    med, low = timed(lambda: sample_shadows(psi, shots, seed=1), max(args.repeats, 5))
    rows.append(
        (
            f"sample_shadows: {shots} shots, one state",
            f"{med * 1e3:.1f} ms",
            f"min {low * 1e3:.1f} ms",
        )
    )
    shadows = sample_shadows(psi, shots, seed=1)
    med, low = timed(lambda: estimate_correlators(shadows), max(args.repeats, 5))
    rows.append(
        (f"estimate_correlators: {shots} shots", f"{med * 1e3:.1f} ms", f"min {low * 1e3:.1f} ms")
    )
    start = time.perf_counter()
    shadow_correlator_tensor(data, shots, seed=2)
    rows.append(
        (
            f"shadow_correlator_tensor: {points} states x {shots} shots",
            f"{time.perf_counter() - start:.2f} s",
            "",
        )
    )

    command = " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv])
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(f"## eqqnn {eqqnn.__version__} dataset benchmark (n = {n}, {points} ratios)\n")
    print(f"- command: `{command}`")
    print(
        f"- nproc: {affinity} (os.cpu_count() = {os.cpu_count()}), "
        f"torch threads {torch.get_num_threads()}"
    )
    print(
        f"- python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}"
    )
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    print(f"- machine: {platform.machine()} {platform.system()}, load average {load[0]:.2f}\n")
    print("| task | time (median) | note |")
    print("|---|---|---|")
    for task, value, note in rows:
        print(f"| {task} | {value} | {note} |")


if __name__ == "__main__":
    main()
