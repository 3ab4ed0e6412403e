"""The EQCNN's readout: fixed singlet weight against a trained output map, by experiment.

For each n and training size, trains the default EQCNN (``su2_qcnn``, spin-sector engine,
Adam 0.05, 150 epochs, full batch, BCE) from ``--seeds`` initializations with each
readout variant and prints mean test accuracy with its 95 % Student-t interval (one JSON
line per variant):

* ``fixed``: p = (1 - <SWAP>)/2 thresholded at 1/2 (no trainable output map);
* ``a=+1``, ``a=0``, ``a=-1``: σ(a(2p - 1) + b), b = 0 at the start, a as named.

Usage::

    python benchmarks/bench_eqcnn_readout.py --n 8 12 16 --sizes 4 --seeds 20
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from scipy.stats import t as student_t

from eqqnn.circuits import su2_qcnn
from eqqnn.experiments import build_task
from eqqnn.models import AffineSigmoid, InputKind, QuantumClassifier
from eqqnn.sim import SpinSectorBackend
from eqqnn.training import TrainConfig, train

VARIANTS: dict[str, float | None] = {"fixed": None, "a=+1": 1.0, "a=0": 0.0, "a=-1": -1.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[8])
    parser.add_argument("--sizes", type=int, nargs="+", default=[4])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--quick", action="store_true", help="n = 8, 3 seeds")
    args = parser.parse_args()
    if args.quick:
        args.n, args.seeds = [8], 3
    torch.set_num_threads(1)
    for n in args.n:
        for size in args.sizes:
            train_data, test_data = build_task(n, size).data_for(InputKind.SECTOR_STATE)
            for name in args.variants:
                scale = VARIANTS[name]
                accs, start = [], time.perf_counter()
                for seed in range(args.seeds):
                    model = QuantumClassifier(
                        su2_qcnn(n),
                        SpinSectorBackend(),
                        seed=seed,
                        output_map=None if scale is None else AffineSigmoid(scale),
                    )
                    config = TrainConfig(
                        epochs=args.epochs, lr=0.05, seed=seed, eval_every=args.epochs
                    )
                    accs.append(train(model, train_data, test_data, config).test_accuracy)
                a = np.array(accs)
                half = student_t.ppf(0.975, len(a) - 1) * a.std(ddof=1) / np.sqrt(len(a))
                row = {
                    "variant": name,
                    "n": n,
                    "train_size": size,
                    "seeds": len(a),
                    "mean": round(float(a.mean()), 4),
                    "ci95": round(float(half), 4),
                    "min": round(float(a.min()), 4),
                    "seconds": round(time.perf_counter() - start, 1),
                }
                print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
