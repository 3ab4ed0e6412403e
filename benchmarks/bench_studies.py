"""Runner: the four approximate-equivariance studies, printing their tables and findings.

Run from the repository root::

    .venv/bin/python benchmarks/bench_studies.py --quick            # all four, quick size
    .venv/bin/python benchmarks/bench_studies.py --only augmentation layerwise
    .venv/bin/python benchmarks/bench_studies.py                    # full-size configs

Writes ``<out>/<study>.json`` and ``<out>/<study>.png`` and prints each study's tables,
its findings, the wall time, the command line and the number of CPU cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import torch

import eqqnn
from eqqnn.studies import (
    AugmentationConfig,
    DegreeConfig,
    LayerwiseConfig,
    TradeoffConfig,
    format_result,
    run_augmentation,
    run_layerwise,
    run_learned_degree,
    run_tradeoff,
)

STUDIES = {
    "tradeoff": (run_tradeoff, TradeoffConfig),
    "augmentation": (run_augmentation, AugmentationConfig),
    "layerwise": (run_layerwise, LayerwiseConfig),
    "learned_degree": (run_learned_degree, DegreeConfig),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="quick configs (minutes)")
    parser.add_argument("--only", nargs="+", choices=list(STUDIES), default=list(STUDIES))
    parser.add_argument("--out", type=Path, default=Path("runs/studies"))
    parser.add_argument("--threads", type=int, default=1, help="torch threads (0: torch default)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(
        f"eqqnn {eqqnn.__version__}, torch {torch.__version__}, {platform.processor() or 'cpu'}"
        f", {os.cpu_count()} cores, {torch.get_num_threads()} torch threads"
    )
    print("command:", shlex.join([sys.executable, *sys.argv]))
    for name in args.only:
        run, config_cls = STUDIES[name]
        config = config_cls.quick() if args.quick else config_cls()
        start, cpu = time.perf_counter(), time.process_time()
        result = run(config, args.out, progress=False)
        print()
        print(format_result(result))
        print(
            f"[{name}: {time.perf_counter() - start:.1f} s wall, "
            f"{time.process_time() - cpu:.1f} s CPU; wrote {result['outputs']['json']}]"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
