"""Benchmark: the classical mirror (G-CNNs, steerable VectorNet, baselines) on phase data.

Trains every classical model on the bond-alternating Heisenberg chain (default n = 12,
open boundary) for several training-set sizes (``train_ratios(m)``) and seeds, and tests
on the 101-point grid ``test_ratios(101)``.  Shadows: 1000 randomized Pauli shots per
state (seeded); the estimated correlators are the shot means of those same shadows.

Training is a minimal local loop (a shared trainer will replace it): Adam, binary cross
entropy on the logits, full batch, a fixed number of epochs.  Shadow models see a fresh
seeded random subset of ``--train-shots`` shots of every training state per step (the
same subsampling for every model; the shot mean is then a noisier estimate, which also
acts as augmentation); testing uses all shots.  Augmented baselines ("+aug") transform
each training batch by seeded random elements of the data's symmetry group
(:func:`eqqnn.classical.augment`): the chain group for correlators, chain x O for shadows.

Prints a markdown table (model, input kind, n_parameters, train size, test accuracy mean
± std over seeds, seconds per run) and the equivariance errors of shadow models on real
shadow data: exact O (and chain) invariance against approximate SO(3) invariance.

Usage::

    .venv/bin/python benchmarks/bench_classical.py            # sizes 4 8 16, seeds 0 1 2
    .venv/bin/python benchmarks/bench_classical.py --quick    # size 8, seed 0, fewer epochs

``--threads`` (default 1) sets torch's intra-op threads: on a small shared machine one
thread per process is fastest for these small tensors.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

import eqqnn
from eqqnn.classical import (
    CNNClassifier,
    CorrelatorGCNN,
    MLPClassifier,
    ShadowGCNN,
    VectorNet,
    augment,
    chain_group,
    chain_octahedral_group,
    correlator_representation,
    shadow_representation,
)
from eqqnn.data import DatasetConfig, build_dataset, exact_correlators, shadow_snapshot_tensor
from eqqnn.models import InputKind
from eqqnn.symmetry import (
    SU2,
    MatrixRepresentation,
    PermutationRepresentation,
    Representation,
    SO3Vector,
    TrivialRepresentation,
)
from eqqnn.testing import equivariance_error


@dataclass(frozen=True)
class Spec:
    """One benchmarked model."""

    name: str
    input_kind: InputKind
    make: Callable[[int], torch.nn.Module]
    augmentation: tuple[object, Representation] | None = None


@dataclass
class Data:
    """Inputs of every kind, labels."""

    shadows: torch.Tensor
    correlators: torch.Tensor
    exact: torch.Tensor
    labels: torch.Tensor

    def inputs(self, kind: InputKind) -> torch.Tensor:
        return {
            InputKind.SHADOWS: self.shadows,
            InputKind.CORRELATORS: self.correlators,
            InputKind.EXACT_CORRELATORS: self.exact,
        }[kind]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-sites", type=int, default=12)
    parser.add_argument("--train-sizes", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--shots", type=int, default=1000, help="shots per state")
    parser.add_argument("--train-shots", type=int, default=64, help="shots per state per step")
    parser.add_argument("--test-points", type=int, default=101)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="size 8, seed 0, 60 epochs")
    parser.add_argument("--no-cache", action="store_true", help="do not use the dataset cache")
    args = parser.parse_args(argv)
    if args.quick:
        args.train_sizes, args.seeds, args.epochs = [8], [0], 60
    return args


def make_data(n: int, ratios_cfg: DatasetConfig, shots: int, seed: int, cache: bool) -> Data:
    dataset = build_dataset(ratios_cfg, cache=True if cache else None, dtype=torch.complex128)
    shadows = shadow_snapshot_tensor(dataset, shots, seed=seed)
    corr = torch.einsum("btia,btja->bij", shadows, shadows) / shots
    idx = torch.arange(n)
    corr[:, idx, idx] = 3.0  # exact diagonal, as in estimate_correlators
    exact = torch.as_tensor(
        np.stack([exact_correlators(s.numpy()) for s in dataset.states]), dtype=torch.float32
    )
    return Data(shadows, corr, exact, dataset.labels.to(torch.float32))


def specs(n: int) -> list[Spec]:
    chain = chain_group(n)
    product = chain_octahedral_group(n)
    corr_rep = correlator_representation(PermutationRepresentation(chain))

    def shadow_rep(t: int) -> Representation:
        c, o = product.factors
        return shadow_representation(
            t, n, site_rep=PermutationRepresentation(c), vector_rep=MatrixRepresentation(o)
        )

    corr_kind, exact_kind = InputKind.CORRELATORS, InputKind.EXACT_CORRELATORS
    return [
        Spec("CorrelatorGCNN", corr_kind, lambda s: CorrelatorGCNN(n_sites=n, seed=s)),
        Spec(
            "CorrelatorGCNN (exact)",
            exact_kind,
            lambda s: CorrelatorGCNN(n_sites=n, input_kind=exact_kind, seed=s),
        ),
        Spec("ShadowGCNN", InputKind.SHADOWS, lambda s: ShadowGCNN(n_sites=n, seed=s)),
        Spec("VectorNet", InputKind.SHADOWS, lambda s: VectorNet(n_sites=n, seed=s)),
        Spec("MLP", corr_kind, lambda s: MLPClassifier(n_sites=n, seed=s)),
        Spec("MLP +aug", corr_kind, lambda s: MLPClassifier(n_sites=n, seed=s), (chain, corr_rep)),
        Spec("CNN", InputKind.SHADOWS, lambda s: CNNClassifier(n_sites=n, seed=s)),
        Spec(
            "CNN +aug",
            InputKind.SHADOWS,
            lambda s: CNNClassifier(n_sites=n, seed=s),
            (product, shadow_rep),  # representation built per shot count
        ),
    ]


def train(
    spec: Spec, seed: int, data: Data, args: argparse.Namespace
) -> tuple[torch.nn.Module, float]:
    start = time.perf_counter()
    torch.manual_seed(seed)  # nothing should depend on it; belt and braces
    model = spec.make(seed)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    gen = torch.Generator().manual_seed(10_000 + seed)
    rng = np.random.default_rng(20_000 + seed)
    x_all, y = data.inputs(spec.input_kind), data.labels
    for _ in range(args.epochs):
        x = x_all
        if spec.input_kind is InputKind.SHADOWS and args.train_shots < x.shape[1]:
            pick = torch.randperm(x.shape[1], generator=gen)[: args.train_shots]
            x = x[:, pick]
        if spec.augmentation is not None:
            group, rep = spec.augmentation
            rep = rep if isinstance(rep, Representation) else rep(x.shape[1])
            x = augment(x, group, rep, rng)
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model.logits(x), y)
        loss.backward()
        opt.step()
    return model, time.perf_counter() - start


@torch.no_grad()
def accuracy(model: torch.nn.Module, data: Data, kind: InputKind) -> float:
    p = model(data.inputs(kind))
    return float(((p > 0.5).float() == data.labels).float().mean())


def equivariance_rows(
    models: dict[str, torch.nn.Module], data: Data, n: int, n_shots: int
) -> list[tuple[str, str, str, str]]:
    """Invariance errors on real shadows (test states), float32 and float64 models."""
    product = chain_octahedral_group(n)
    chain, octa = product.factors
    x = data.shadows[:: max(1, len(data.shadows) // 4)][:4, :n_shots]  # 4 states, T shots
    groups = {
        "O": (shadow_representation(n_shots, n, vector_rep=MatrixRepresentation(octa)), octa),
        "chain": (
            shadow_representation(n_shots, n, site_rep=PermutationRepresentation(chain)),
            chain,
        ),
        "SO(3)": (shadow_representation(n_shots, n, vector_rep=SO3Vector()), SU2()),
    }
    rows = []
    for name, model in models.items():
        for dtype in (torch.float32, torch.float64):
            m = copy.deepcopy(model).to(dtype)
            inputs = x.reshape(len(x), -1).to(dtype)

            def f(z: torch.Tensor, m: torch.nn.Module = m) -> torch.Tensor:
                return m(z.reshape(-1, n_shots, n, 3))[:, None]

            errs = []
            for _, (rep, group) in groups.items():
                err = equivariance_error(
                    f, rep, TrivialRepresentation(group), inputs, n_samples=8, seed=0
                )
                errs.append(f"{err:.1e}")
            rows.append((name, str(dtype).replace("torch.", ""), *errs))
    return rows


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    n = args.n_sites
    t0 = time.perf_counter()
    test = make_data(
        n, DatasetConfig.test_grid(n, args.test_points), args.shots, 0, not args.no_cache
    )
    trains = {
        m: make_data(n, DatasetConfig.train_grid(n, m), args.shots, 1 + m, not args.no_cache)
        for m in args.train_sizes
    }
    data_seconds = time.perf_counter() - t0

    rows = []
    keep: dict[str, torch.nn.Module] = {}
    for spec in specs(n):
        for m, train_data in trains.items():
            accs, secs, n_params = [], [], 0
            for seed in args.seeds:
                model, train_s = train(spec, seed, train_data, args)
                start = time.perf_counter()
                accs.append(accuracy(model, test, spec.input_kind))
                secs.append(train_s + time.perf_counter() - start)
                n_params = model.n_parameters
                if m == max(trains) and seed == args.seeds[0]:
                    keep[spec.name] = model
            std = statistics.stdev(accs) if len(accs) > 1 else 0.0
            rows.append(
                (
                    spec.name,
                    spec.input_kind.value,
                    str(n_params),
                    str(m),
                    f"{statistics.mean(accs):.3f} ± {std:.3f}",
                    f"{statistics.mean(secs):.1f}",
                )
            )
            print(" | ".join(rows[-1]), file=sys.stderr, flush=True)
    shadow_models = {
        k: v for k, v in keep.items() if getattr(v, "input_kind", None) is InputKind.SHADOWS
    }
    eq_rows = equivariance_rows(shadow_models, test, n, n_shots=32)

    command = shlex.join([os.path.basename(sys.executable), *sys.argv])
    load = os.getloadavg()
    print(f"## eqqnn {eqqnn.__version__} classical-mirror benchmark (n = {n})\n")
    print(f"- command: `{command}`")
    print(
        f"- data: train_ratios({', '.join(map(str, args.train_sizes))}), "
        f"test_ratios({args.test_points}), open chain, {args.shots} shadow shots per state "
        f"(built in {data_seconds:.1f} s)"
    )
    print(
        f"- training: Adam lr {args.lr}, {args.epochs} full-batch epochs, BCE, "
        f"{args.train_shots} random shots per state per step (shadow models), "
        f"seeds {args.seeds}"
    )
    print(
        f"- machine: {platform.machine()} {platform.system()}, {os.cpu_count()} cores, "
        f"torch threads {args.threads}, load average {load[0]:.2f}\n"
    )
    print("| model | input kind | n_parameters | train size | test accuracy | seconds |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(
        f"\nInvariance errors on real shadows (4 test states, T = 32 shots, n = {n}; "
        "max over 8 seeded group elements of |f(g·x) − f(x)|; models trained at the "
        f"largest train size, seed {args.seeds[0]}):\n"
    )
    print("| model | dtype | O | chain group | SO(3) |")
    print("|---|---|---|---|---|")
    for row in eq_rows:
        print("| " + " | ".join(row) + " |")
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
