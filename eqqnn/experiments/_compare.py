r"""The main job: test accuracy against training-set size for quantum and classical models.

For every ``n_qubits``, ``train_size`` and ``seed`` each model family is trained (Adam,
full batch, BCE) on the ground states at the training ratios and evaluated on the test
grid.  Inputs are prepared one chain length at a time and only in the forms the
families consume (the test split is shared by every training size).  Jobs run in this
process, in parallel local processes or on a Ray cluster; each finished job is appended
to ``results.jsonl`` at once, so a killed sweep loses nothing and ``resume=True`` skips
the jobs already recorded.  Long jobs (estimated over :data:`CHECKPOINT_AFTER_SECONDS`,
such as the EQCNN at n = 28) also checkpoint every :data:`CHECKPOINT_EVERY_EPOCHS`
epochs under ``OUT/jobs/``, and a resumed sweep continues them from the last checkpoint
with the result of an uninterrupted run.  Results depend only on the seeds, not on where
or in which order jobs ran.

Outputs in ``out``: ``results.jsonl`` (one :class:`~eqqnn.experiments.JobRecord` per
line), ``results.json``, ``results.csv``, ``generalization.png`` (accuracy against
training size, one panel per n) and, for several n, ``accuracy_vs_n.png``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from eqqnn._resources import make_output_folder
from eqqnn._validation import check_even_int, check_int
from eqqnn.errors import InvalidParameterError
from eqqnn.experiments._families import (
    classical_families,
    default_families,
    eqcnn_family,
    qcnn_family,
)
from eqqnn.experiments._jobs import SCREENED_FILE, Job, JobRecord, run_job
from eqqnn.experiments._summary import write_outputs
from eqqnn.experiments._task import PhaseTask, TaskSpec
from eqqnn.training import ModelFamily, TensorData, run_parallel

__all__ = ["PRESETS", "CompareConfig", "preset", "run_compare"]

#: ``precision="auto"`` runs chains up to this length in double precision, longer ones
#: in single precision (halves the memory of the n = 28 sector states).
AUTO_DOUBLE_MAX_QUBITS = 24


def _distinct(name: str, values: Sequence) -> tuple:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise InvalidParameterError(f"{name} must be a sequence, got {values!r}")
    values = tuple(values)
    try:
        repeated = len(set(values)) != len(values)
    except TypeError:
        raise InvalidParameterError(f"{name} must hold plain values, got {values!r}") from None
    if repeated:
        raise InvalidParameterError(f"{name} must not repeat values, got {values!r}")
    return values


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
    """Model families to train (distinct names); a family skips n above its ``max_qubits``."""
    test_points: int = 101
    """Size of the test grid (r = 1 excluded)."""
    shots: int = 1000
    """Classical-shadow shots per state for the classical models."""
    workers: int = 0
    """Parallel processes (0: one per CPU core, 1: run in this process)."""
    device: str = "cpu"
    """``"cpu"``, ``"cuda"``, ``"cuda:k"`` or ``"auto"`` (CUDA when available)."""
    precision: str = "double"
    """``"double"`` (complex128 / float64), ``"single"`` (complex64 / float32) or
    ``"auto"`` (double up to n = 24, single above)."""
    seed_caps: tuple[tuple[int, int], ...] = ()
    """``(n, k)`` pairs: chains of exactly ``n`` qubits run only the first ``k`` seeds
    (the n = 28 EQCNN costs half an hour per job; cheaper chain lengths keep every seed)."""
    figure_size: int = 4
    """Training size of the accuracy-against-n figure."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_qubits", _distinct("n_qubits", self.n_qubits))
        object.__setattr__(self, "train_sizes", _distinct("train_sizes", self.train_sizes))
        object.__setattr__(self, "seeds", _distinct("seeds", self.seeds))
        object.__setattr__(self, "families", tuple(self.families))
        for n in self.n_qubits:
            check_even_int("n_qubits", n, minimum=4)
        for t in self.train_sizes:
            check_int("train_size", t, minimum=2)
        for s in self.seeds:
            check_int("seed", s, minimum=0)
        if not self.n_qubits or not self.train_sizes or not self.seeds or not self.families:
            raise InvalidParameterError(
                "a comparison needs at least one n, training size, seed and model family; got "
                f"n_qubits={self.n_qubits!r}, train_sizes={self.train_sizes!r}, "
                f"seeds={self.seeds!r}, {len(self.families)} families"
            )
        for f in self.families:
            if not isinstance(f, ModelFamily):
                raise InvalidParameterError(f"families must be ModelFamily objects, got {f!r}")
        _distinct("family names", [f.name for f in self.families])
        check_int("test_points", self.test_points, minimum=2)
        check_int("shots", self.shots, minimum=1)
        check_int("workers", self.workers, minimum=0)
        check_int("figure_size", self.figure_size, minimum=2)
        if not isinstance(self.device, str) or (
            self.device not in ("cpu", "cuda", "auto") and not self.device.startswith("cuda:")
        ):
            raise InvalidParameterError(f"device must be cpu, cuda or auto, got {self.device!r}")
        if self.precision not in ("double", "single", "auto"):
            raise InvalidParameterError(
                f"precision must be 'double', 'single' or 'auto', got {self.precision!r}"
            )
        for pair in self.seed_caps:
            if len(pair) != 2:
                raise InvalidParameterError(f"seed_caps entries are (n, k), got {pair!r}")
            check_int("seed cap n_min", pair[0], minimum=2)
            check_int("seed cap k", pair[1], minimum=1)

    def precision_at(self, n_qubits: int) -> str:
        """The precision of the jobs at ``n_qubits``."""
        if self.precision != "auto":
            return self.precision
        return "double" if n_qubits <= AUTO_DOUBLE_MAX_QUBITS else "single"

    def seeds_at(self, n_qubits: int) -> tuple[int, ...]:
        """The seeds run at ``n_qubits`` (after :attr:`seed_caps`)."""
        caps = [k for n, k in self.seed_caps if n == n_qubits]
        return self.seeds[: min(caps)] if caps else self.seeds

    def jobs(self) -> list[Job]:
        """Every job of the sweep, grouped by n then training size."""
        out = []
        for n in self.n_qubits:
            for size in self.train_sizes:
                spec = TaskSpec(n, size, self.test_points, self.shots)
                for family in self.families:
                    if not family.supports(n):
                        continue
                    for seed in self.seeds_at(n):
                        out.append(Job(family, spec, seed, self.device, self.precision_at(n)))
        return out


def _quick() -> CompareConfig:
    return CompareConfig(
        families=(
            eqcnn_family(),
            qcnn_family(epochs=60),
            *classical_families(epochs=60, names=("ShadowGCNN", "CorrelatorGCNN", "MLP")),
        )
    )


def _paper() -> CompareConfig:
    return CompareConfig(
        n_qubits=(8, 10, 12),
        train_sizes=(2, 4, 6, 8, 10, 12),
        seeds=(0, 1, 2, 3, 4),
        families=tuple(default_families(epochs=200)),
    )


def _large() -> CompareConfig:
    return CompareConfig(
        n_qubits=(8, 12, 16, 20, 24, 28, 32, 48, 64),
        train_sizes=(2, 4, 8),
        seeds=(0, 1, 2, 3, 4),
        families=(
            replace(eqcnn_family(), max_qubits=28),
            qcnn_family(),
            *classical_families(epochs=100, names=("ShadowGCNN", "CorrelatorGCNN", "MLP")),
        ),
        workers=1,
        precision="auto",
        seed_caps=((28, 3),),
    )


#: Named sweeps of :func:`preset`.
PRESETS: dict[str, Callable[[], CompareConfig]] = {
    "quick": _quick,
    "paper": _paper,
    "large": _large,
}


def preset(name: str) -> CompareConfig:
    """Named sweeps: ``quick`` (the demo), ``paper`` (Nguyen et al. protocol), ``large``.

    * ``quick``: n = 8, train sizes 2, 4, 8, seeds 0-2; EQCNN (spin sector, 150 epochs),
      QCNN, ShadowGCNN, CorrelatorGCNN and MLP (60 epochs).
    * ``paper``: n = 8, 10, 12, train sizes 2..12, 101-point test grid, seeds 0-4.
    * ``large``: the whole table on one 2-core machine: n = 8, 12, 16, 20, 24, 28 and,
      for the classical models only, 32, 48, 64; train sizes 2, 4, 8; seeds 0-4 (0-2 at
      n = 28); the EQCNN on the spin-sector engine up to n = 28, the QCNN baseline up to
      n = 12 (dense simulation), ShadowGCNN, CorrelatorGCNN and MLP at every n (shadows
      from matrix-product states above n = 16).
    """
    if name not in PRESETS:
        raise InvalidParameterError(f"unknown preset {name!r}; choose from {sorted(PRESETS)}")
    return PRESETS[name]()


class _Inputs:
    """Input data of one chain length, built lazily and shared by its training sizes."""

    def __init__(self, config: CompareConfig, cache: object) -> None:
        self.config = config
        self.cache = cache
        self.n: int | None = None
        self.test: Any = None
        self.tasks: dict[int, PhaseTask] = {}

    def data(self, job: Job) -> tuple[TensorData, TensorData]:
        spec = job.task
        if spec.n_qubits != self.n:  # a new chain length: drop the previous one's data
            self.n = spec.n_qubits
            self.tasks = {}
            self.test = PhaseTask.test_split(spec, cache=self.cache, precision=job.precision)
        if spec.train_size not in self.tasks:
            self.tasks[spec.train_size] = PhaseTask(
                spec, cache=self.cache, precision=job.precision, test=self.test
            )
        return self.tasks[spec.train_size].data_for(job.family.input_kind)


def recorded_keys(out: str | Path) -> set[tuple[str, int, int, int]]:
    """Keys ``(model, n, train_size, seed)`` of the jobs ``out/results.jsonl`` already holds
    (what ``resume=True`` skips); empty when there is no log."""
    log = Path(out) / "results.jsonl"
    return {r.key for r in _load_records(log)} if log.exists() else set()


def _load_records(log: Path) -> list[JobRecord]:
    records = []
    for number, line in enumerate(log.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(JobRecord.from_dict(json.loads(line)))
        except (json.JSONDecodeError, TypeError) as err:
            raise InvalidParameterError(
                f"{log}:{number} is not a result record ({err}); move the file away or run "
                "without --resume"
            ) from None
    return records


def run_compare(
    config: CompareConfig,
    out: str | Path,
    *,
    resume: bool = False,
    ray_address: str | None = None,
    cache: object = True,
    progress: bool | None = None,
    on_record: Callable[[JobRecord], None] | None = None,
) -> list[JobRecord]:
    """Run the sweep, write the outputs, return the records (sorted by job key)."""
    if not isinstance(config, CompareConfig):
        raise InvalidParameterError(f"config must be a CompareConfig, got {config!r}")
    out = make_output_folder(out)
    log = out / "results.jsonl"
    records: list[JobRecord] = []
    if resume and log.exists():
        records = _load_records(log)
    elif log.exists():
        log.unlink()
    if not resume and (out / "jobs").exists():
        shutil.rmtree(out / "jobs")
    done = {r.key for r in records}
    models = out / "models"
    jobs = [
        _with_checkpoints(dataclasses.replace(j, save_to=str(models / j.model_file)), out)
        for j in config.jobs()
        if j.key not in done
    ]
    workers = config.workers or os.cpu_count() or 1
    _guard_memory(jobs, workers, cache)
    inputs = _Inputs(config, cache)
    # One BLAS thread: ARPACK and small LAPACK calls ran 10-50x slower with OpenBLAS's
    # spinning second thread whenever another process held a core (measured on 2 cores).
    with log.open("a") as fh, threadpool_limits(limits=1, user_api="blas"):
        for record in _execute(jobs, inputs, workers, ray_address, progress):
            records.append(record)
            fh.write(json.dumps(record.to_dict()) + "\n")
            fh.flush()
            if on_record is not None:
                on_record(record)
    records.sort(key=lambda r: r.key)
    write_outputs(records, out, figure_size=config.figure_size)
    return records


#: A job estimated to take longer than this (seconds, idle core) checkpoints under
#: ``OUT/jobs/<model>_n<n>_m<size>_s<seed>/`` every :data:`CHECKPOINT_EVERY_EPOCHS` epochs,
#: and a resumed sweep continues it from there instead of from scratch.
CHECKPOINT_AFTER_SECONDS = 120.0
CHECKPOINT_EVERY_EPOCHS = 10


def _with_checkpoints(job: Job, out: Path) -> Job:
    """``job`` with a run folder and checkpoints when it is long (see above); resumed from
    its checkpoint when one exists (the sweep runs in resume mode: a fresh sweep removes
    ``OUT/jobs``)."""
    from eqqnn.experiments._budget import job_seconds

    if job_seconds(job) < CHECKPOINT_AFTER_SECONDS:
        return job
    folder = out / "jobs" / Path(job.model_file).stem
    return dataclasses.replace(
        job,
        run_dir=str(folder),
        checkpoint_every=CHECKPOINT_EVERY_EPOCHS,
        resume=(folder / "checkpoint.pt").exists() or (folder / SCREENED_FILE).exists(),
    )


def _guard_memory(jobs: list[Job], workers: int, cache: object = True) -> None:
    """Refuse a sweep whose largest job (times the jobs running at once) would not fit, or
    whose input data (test splits the ``cache`` lacks, solved once) would not."""
    from eqqnn._resources import require_memory
    from eqqnn.experiments._budget import guard_job_memory, job_memory

    if not jobs:
        return
    biggest = max(jobs, key=lambda job: job_memory(job, cache))
    if workers > 1:
        running = max(jobs, key=lambda job: job_memory(job, solve=False))
        require_memory(
            min(workers, len(jobs)) * job_memory(running, solve=False),
            f"{workers} workers running {running.family.name} at n = {running.task.n_qubits}",
            "run with fewer --workers (1 runs the jobs one after the other)",
        )
    guard_job_memory(biggest, cache)


def _execute(
    jobs: list[Job],
    inputs: _Inputs,
    workers: int,
    ray_address: str | None,
    progress: bool | None,
) -> Iterator[JobRecord]:
    """Every job through :func:`eqqnn.training.run_parallel`: at most ``2 * workers`` jobs
    in flight locally, so only about one chain length's data is held (and shipped) at a
    time."""
    bar = _bar(progress, len(jobs))

    def calls() -> Iterator[tuple[Job, tuple[TensorData, TensorData]]]:
        for job in jobs:
            _describe(bar, job)  # serially, the job about to run
            yield job, inputs.data(job)

    try:
        for _, record in run_parallel(
            run_job, calls(), workers=max(1, workers), ray_address=ray_address
        ):
            yield record
            _advance(bar)
    finally:
        if bar is not None:
            bar.stop()


def _bar(enabled: bool | None, total: int) -> Any:
    from eqqnn._progress import progress_report

    return progress_report(enabled, total, "compare")


def _describe(bar: Any, job: Job) -> None:
    if bar is not None:
        spec = job.task
        bar.describe(f"{job.family.name} n={spec.n_qubits} size={spec.train_size} seed={job.seed}")


def _advance(bar: Any) -> None:
    if bar is not None:
        bar.advance()
