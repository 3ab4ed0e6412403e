r"""The main job: test accuracy against training-set size for quantum and classical models.

For every ``n_qubits``, ``train_size`` and ``seed`` each model family is trained (Adam,
full batch, BCE) on the ground states at the training ratios and evaluated on the test
grid.  Jobs run in parallel local processes (or on a Ray cluster); each finished job is
appended to ``results.jsonl`` at once, so a killed sweep loses nothing and
``resume=True`` skips the jobs already recorded.  Results depend only on the seeds, not
on where or in which order jobs ran.

Outputs in ``out``: ``results.json`` (list of records), ``results.csv``,
``generalization.png`` (mean ± std over seeds, one line per model, one panel per n).
"""

from __future__ import annotations

import concurrent.futures
import csv
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from eqqnn._validation import check_even_int, check_int
from eqqnn.errors import InvalidParameterError
from eqqnn.experiments._families import ModelFamily, default_families
from eqqnn.models import InputKind

__all__ = ["RECORD_FIELDS", "CompareConfig", "preset", "run_compare", "summarize"]

#: Fields every result record carries.
RECORD_FIELDS = (
    "model",
    "kind",
    "n_qubits",
    "train_size",
    "seed",
    "test_accuracy",
    "train_accuracy",
    "n_parameters",
    "backend",
    "seconds",
    "input_kind",
    "epochs",
    "final_loss",
)


@dataclass(frozen=True)
class CompareConfig:
    """What :func:`run_compare` sweeps."""

    n_qubits: tuple[int, ...] = (8,)
    """Chain lengths (even)."""
    train_sizes: tuple[int, ...] = (2, 4, 8)
    """Training-set sizes (even: symmetric about r = 1)."""
    seeds: tuple[int, ...] = (0, 1, 2)
    """Seeds of model initialization."""
    families: tuple[ModelFamily, ...] = field(default_factory=lambda: tuple(default_families()))
    """Model families to train."""
    test_points: int = 101
    """Size of the test grid (r = 1 excluded)."""
    shots: int = 1000
    """Classical-shadow shots per state for the classical models."""
    workers: int = 0
    """Parallel processes (0: one per CPU core, 1: run in this process)."""
    device: str = "cpu"
    """``"cpu"``, ``"cuda"`` or ``"auto"`` (CUDA when available)."""
    precision: str = "double"
    """``"double"`` (complex128 / float64) or ``"single"`` (complex64 / float32)."""

    def __post_init__(self) -> None:
        for n in self.n_qubits:
            check_even_int("n_qubits", n, minimum=4)
        for t in self.train_sizes:
            check_int("train_size", t, minimum=2)
        if not self.seeds or not self.families:
            raise InvalidParameterError("at least one seed and one model family are needed")
        check_int("test_points", self.test_points, minimum=2)
        check_int("shots", self.shots, minimum=1)
        check_int("workers", self.workers, minimum=0)
        if self.device not in ("cpu", "cuda", "auto") and not self.device.startswith("cuda:"):
            raise InvalidParameterError(f"device must be cpu, cuda or auto, got {self.device!r}")
        if self.precision not in ("double", "single"):
            raise InvalidParameterError(
                f"precision must be 'double' or 'single', got {self.precision!r}"
            )


def preset(name: str) -> CompareConfig:
    """Named sweeps: ``quick`` (the demo), ``paper`` (Nguyen et al. protocol), ``large``.

    * ``quick``: n = 8, train sizes 2, 4, 8, seeds 0-2, 60 epochs; EQCNN, QCNN,
      ShadowGCNN, CorrelatorGCNN and MLP.
    * ``paper``: n = 8, 10, 12, train sizes 2..12, 101-point test grid, seeds 0-4.
    * ``large``: the EQCNN alone through the spin-sector engine at n = 16, 20, 24.
    """
    from eqqnn.experiments._families import eqcnn_family

    if name == "quick":
        return CompareConfig(families=tuple(default_families(epochs=60, quick=True)))
    if name == "paper":
        return CompareConfig(
            n_qubits=(8, 10, 12),
            train_sizes=(2, 4, 6, 8, 10, 12),
            seeds=(0, 1, 2, 3, 4),
            families=tuple(default_families(epochs=200)),
        )
    if name == "large":
        return CompareConfig(
            n_qubits=(16, 20, 24),
            train_sizes=(2, 4, 8),
            seeds=(0, 1, 2),
            families=(eqcnn_family(sector=True, epochs=100),),
            workers=1,
        )
    raise InvalidParameterError(f"unknown preset {name!r}; choose quick, paper or large")


def _job_key(record: dict[str, Any]) -> tuple:
    return (
        record["model"],
        int(record["n_qubits"]),
        int(record["train_size"]),
        int(record["seed"]),
    )


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Train one family on one split with one seed (runs in a worker)."""
    import torch

    from eqqnn.training import TrainConfig, cast_precision, resolve_device, train

    torch.set_num_threads(job.get("threads", 1))
    family: ModelFamily = job["family"]
    torch.manual_seed(job["seed"])
    device = resolve_device(job.get("device", "cpu"))
    precision = job.get("precision", "double")
    model = family.build(job["n_qubits"], job["seed"])
    model = model.to(device=device, dtype=torch.float32 if precision == "single" else None)
    train_data = cast_precision(job["train"], precision).to(device)
    test_data = cast_precision(job["test"], precision).to(device)
    start = time.perf_counter()
    result = train(
        model,
        train_data,
        test_data,
        TrainConfig(
            epochs=family.epochs,
            lr=family.lr,
            seed=job["seed"],
            eval_every=max(1, family.epochs),
            augment=family.augment,
        ),
        progress=False,
    )
    return {
        "model": family.name,
        "kind": family.kind,
        "n_qubits": job["n_qubits"],
        "train_size": job["train_size"],
        "seed": job["seed"],
        "test_accuracy": result.test_accuracy,
        "train_accuracy": result.train_accuracy,
        "n_parameters": int(
            getattr(model, "n_parameters", sum(p.numel() for p in model.parameters()))
        ),
        "backend": family.backend or "torch",
        "seconds": time.perf_counter() - start,
        "input_kind": family.input_kind.value,
        "epochs": result.epochs_run,
        "final_loss": result.final_loss,
    }


def _jobs(config: CompareConfig, done: set[tuple], cache: object) -> list[dict[str, Any]]:
    from eqqnn.experiments._task import build_task

    jobs = []
    sector = any(f.input_kind is InputKind.SECTOR_STATE for f in config.families)
    for n in config.n_qubits:
        for size in config.train_sizes:
            pending = [
                (f, s)
                for f in config.families
                for s in config.seeds
                if (f.name, n, size, s) not in done
            ]
            if not pending:
                continue
            task = build_task(
                n,
                size,
                test_points=config.test_points,
                shots=config.shots,
                sector=sector,
                cache=cache,
            )
            data = {f.input_kind: task.data_for(f.input_kind) for f in config.families}
            for family, seed in pending:
                train_data, test_data = data[family.input_kind]
                jobs.append(
                    {
                        "family": family,
                        "n_qubits": n,
                        "train_size": size,
                        "seed": seed,
                        "train": train_data,
                        "test": test_data,
                        "device": config.device,
                        "precision": config.precision,
                    }
                )
    return jobs


def run_compare(
    config: CompareConfig,
    out: str | Path,
    *,
    resume: bool = False,
    ray_address: str | None = None,
    cache: object = True,
    progress: bool | None = None,
    on_record: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run the sweep, write the outputs, return the records (sorted)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    log = out / "results.jsonl"
    records: list[dict[str, Any]] = []
    if resume and log.exists():
        records = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    elif log.exists():
        log.unlink()
    done = {_job_key(r) for r in records}
    jobs = _jobs(config, done, cache)
    workers = config.workers or os.cpu_count() or 1
    with log.open("a") as fh:

        def keep(record: dict[str, Any]) -> None:
            records.append(record)
            fh.write(json.dumps(record) + "\n")
            fh.flush()
            if on_record is not None:
                on_record(record)

        for record in _execute(jobs, workers, ray_address, progress):
            keep(record)
    records.sort(key=_job_key)
    write_outputs(records, out)
    return records


def _execute(
    jobs: list[dict[str, Any]], workers: int, ray_address: str | None, progress: bool | None
) -> Any:
    bar = _bar(progress, len(jobs))
    try:
        if ray_address is not None:
            yield from _execute_ray(jobs, ray_address, bar)
        elif workers <= 1 or len(jobs) <= 1:
            for job in jobs:
                yield run_job(job)
                _advance(bar)
        else:
            ctx = multiprocessing.get_context("spawn")
            with concurrent.futures.ProcessPoolExecutor(workers, mp_context=ctx) as pool:
                futures = [pool.submit(run_job, job) for job in jobs]
                for fut in concurrent.futures.as_completed(futures):
                    yield fut.result()
                    _advance(bar)
    finally:
        if bar is not None:
            bar.stop()


def _execute_ray(jobs: list[dict[str, Any]], address: str, bar: Any) -> Any:
    try:
        import ray
    except ImportError as err:
        raise InvalidParameterError(
            "--ray-address needs the 'ray' extra: pip install 'eqqnn[ray]'"
        ) from err
    started = not ray.is_initialized()
    if started:
        ray.init(
            address=None if address == "local" else address,
            ignore_reinit_error=True,
            log_to_driver=False,
        )
    try:
        remote = ray.remote(run_job)
        pending = [remote.remote(job) for job in jobs]
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            yield ray.get(ready[0])
            _advance(bar)
    finally:
        if started:
            ray.shutdown()


def _bar(enabled: bool | None, total: int) -> Any:
    import sys

    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled or total == 0:
        return None
    from rich.progress import Progress

    bar = Progress(transient=True)
    bar.start()
    bar.add_task("training", total=total)
    return bar


def _advance(bar: Any) -> None:
    if bar is not None:
        bar.advance(bar.task_ids[0])


def summarize(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and std of test accuracy over seeds per (model, n_qubits, train_size)."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault((r["model"], r["n_qubits"], r["train_size"]), []).append(r)
    rows = []
    for (model, n, size), rs in sorted(
        groups.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2])
    ):
        acc = np.array([r["test_accuracy"] for r in rs])
        rows.append(
            {
                "model": model,
                "kind": rs[0]["kind"],
                "n_qubits": n,
                "train_size": size,
                "mean": float(acc.mean()),
                "std": float(acc.std()),
                "seeds": len(rs),
                "n_parameters": rs[0]["n_parameters"],
                "seconds": float(np.mean([r["seconds"] for r in rs])),
            }
        )
    return rows


def write_outputs(records: Sequence[dict[str, Any]], out: Path) -> None:
    """``results.json``, ``results.csv`` and ``generalization.png``."""
    (out / "results.json").write_text(json.dumps(list(records), indent=1))
    with (out / "results.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(RECORD_FIELDS), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
    plot_generalization(summarize(records), out / "generalization.png")


def plot_generalization(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Test accuracy against training size, mean ± std over seeds, one panel per n."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = sorted({r["n_qubits"] for r in rows})
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colors = {
        m: palette[i % len(palette)] for i, m in enumerate(sorted({r["model"] for r in rows}))
    }
    fig, axes = plt.subplots(
        1, max(1, len(ns)), figsize=(4.5 * max(1, len(ns)), 3.8), squeeze=False
    )
    for ax, n in zip(axes[0], ns, strict=False):
        models = sorted({r["model"] for r in rows if r["n_qubits"] == n})
        for model in models:
            rs = sorted(
                (r for r in rows if r["n_qubits"] == n and r["model"] == model),
                key=lambda r: r["train_size"],
            )
            x = [r["train_size"] for r in rs]
            y = np.array([r["mean"] for r in rs])
            s = np.array([r["std"] for r in rs])
            style = "-o" if rs[0]["kind"] == "quantum" else "--s"
            ax.plot(x, y, style, color=colors[model], label=f"{model} ({rs[0]['n_parameters']} p)")
            ax.fill_between(x, y - s, y + s, alpha=0.15, color=colors[model])
        ax.set(title=f"n = {n}", xlabel="training points", ylabel="test accuracy", ylim=(0.4, 1.02))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
