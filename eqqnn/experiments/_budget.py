r"""Up-front estimates of a sweep's time and memory, per chain length.

A coarse cost model, calibrated on the project's 2-core machine (``benchmarks/RESULTS.md``),
printed before a sweep starts so a user can stop a run that would not fit:

* spin-sector EQCNN, time: one forward+backward of ``B`` states costs about
  :math:`d_0\,(c_0 + c_s B)` seconds (:math:`d_0` the singlet-sector dimension;
  :math:`c_0 \approx 1.9\cdot10^{-6}`, :math:`c_s \approx 5.6\cdot10^{-7}`, for the
  way a sweep runs its jobs: one thread each, next to another job.  At n = 28 an epoch
  then took about 8 s for 2 training states and 17 s for 8.  Session 6 had calibrated
  :math:`c_s = 1.5\cdot10^{-7}` on one idle step with two threads, 5.1 s for 2 states
  and 10.9 s for 16; that estimated 26 min for an n = 28 job with 8 states, which took
  about 85 CPU-minutes), an evaluation a third of it;
* spin-sector EQCNN, memory (:func:`_sector_memory`): the larger of two phases, with
  :math:`s` the bytes of one state in the job's precision (:math:`8d_0` single,
  :math:`16d_0` double), :math:`m` training and :math:`T` test states,
  :math:`E = \min(T, \lfloor 256\,\mathrm{MiB}/s\rfloor)` rows per evaluation pass
  (``EVAL_CHUNK_BYTES``):

  .. math::

     M = \max\bigl(\underbrace{(m + T)\,s + R}_{\text{data}},\;
         \underbrace{(T + m)\,s + \max(6m\,s,\ 5E\,s) + P + O}_{\text{training}}\bigr)

  - *data*: the dataset cache stores complex128 and hashes its checksum in place; a
    single-precision job's states are converted block by block as they are read
    (``READ_BLOCK_BYTES``: 64 MiB of stored rows, at least one row, so
    :math:`R = 16d_0\min(T, \max(1, \lfloor 64\,\mathrm{MiB}/16d_0\rfloor))`), a
    double-precision job's are read as stored (:math:`R = 0`).  This phase is now below
    the training phase at every size; before commit 1d8e126 the read held the complex128
    test split twice (8.1 GiB at n = 28, 29.2 GiB at n = 30) and was the peak from
    n = 28 on;
  - *generation* (a cache miss: :attr:`_SectorMemory.generation`, not part of
    :math:`M`): the test split is solved into one complex128 array, :math:`16d_0T`, next
    to the solver's work space (``SECTOR_SOLVER_BYTES_PER_AMPLITUDE``, 600 bytes per
    amplitude); it is stored, and a single-precision job reads it back converted
    (``DatasetCache.get_or_create``), so the two are never held together:
    :math:`G = m\,s + 16d_0T + 600\,d_0`.
    :func:`estimate_sweep` counts it at a chain length whose test split the dataset
    cache does not hold;
  - *training*: the split's states; per training state 6 more copies at the peak of the
    backward pass (``_numba_path``): the batch ``inputs[idx]``, its transposed sector
    copy, :math:`W = [ψ|μ]` and its ping-pong buffer (two each); ψ and λ are freed
    before the sweep (since 1d8e126: two copies fewer; 5.2-5.4 measured at n = 26 above
    the input batch).  Per evaluation row 5 (sector copy, planar copy, ping-pong, λ,
    readout spare);
  - :math:`P = \min(6m\,s,\ 5E\,s,\ 256\,\mathrm{MiB})`: the other phase's buffers,
    kept by the scratch pool (``_buffers``: 256 MiB in all, of buffers up to 32 MiB; the
    size limit is left out so that the estimate stays monotone, which counts up to
    0.25 GiB too much where the buffers are larger, from n = 26 on);
  - :math:`O`: the operators. Stored sparse operators, about 3.0 kB per amplitude at
    the peak (built while the step runs), below ``ON_THE_FLY_MIN_DIM`` = 2 M amplitudes
    (n <= 26); from there on (n >= 28) the numba path computes them on the fly from
    packed tableau words, 8 bytes per amplitude (so an n = 26 job, with 2.1 GiB of
    stored operators, needs more than an n = 28 one).  A family whose backend names
    ``operators=`` explicitly is counted in that mode.

  :func:`job_memory` adds 0.6 GiB of runtime (Python, torch, numba and its compiled
  kernels: 0.41 GiB after import, 0.47 with the kernels).  Measured (after 1d8e126
  unless marked) against predicted:

  ================================================  =========  =========  ==========
  complex64, peak RSS of the process [GiB]          measured   predicted  peak in
  ================================================  =========  =========  ==========
  n = 24 job, m = 2, on the fly / stored            1.37/2.02  1.56/2.14  evaluation
  n = 24 job, m = 8, on the fly / stored            1.49/1.89  1.63/2.21  evaluation
  n = 24 job, m = 2 / 8, test split read [a]        0.26/0.27  0.22/0.23  data
  n = 24, T = 40 split generated / read [a]         0.22/0.16  0.24/0.12  gen./data
  n = 26 step, batch 8 / 16, on the fly             0.74/1.01  0.87/1.14  step
  n = 26 step, batch 16, stored                     3.07       3.21       step
  n = 28 step, batch 16, stored (before 1d8e126)    10.05      9.99       step
  ================================================  =========  =========  ==========

  (n = 24 jobs: 2 epochs each in fresh processes, 101 test points, one thread; [a]: the
  increase of the process while that phase runs, runtime not included; steps: one
  forward and backward of a random batch in a fresh process, n = 28 with
  ``benchmarks/bench_sector_scale.py``, modelled as :math:`0.6\,\mathrm{GiB} + 6Bs + O`
  with the input batch as the batch copy.  A stored step peaks in the forward, where the
  operators are built, which 1d8e126 did not change: at n = 26 its forward and backward
  peaks are equal, 2.98 GiB before 1d8e126 and 3.07 after.)  Predicted from there on,
  single precision, 101 test points, runtime included: an n = 28 job 4.1, 4.2 and
  4.2 GiB with 2, 4 and 8 training states (the evaluation passes peak; the read
  2.7-2.8 GiB; solving the test split first 6.2-6.3 GiB); an n = 30 job 9.5, 10.2 and
  12.3 GiB with 2, 4 and 8 (the read 8.2-8.6 GiB; solving the split first
  20.8-21.2 GiB: its complex128 array next to the solver).
  Before 1d8e126 the n = 28 jobs peaked while their test split was read, 8.41-8.53 GiB
  measured, and at n = 30 that read alone took 29.2 GiB;
* dense statevector (EQCNN-dense, QCNN): :math:`g\,(t_0 + c_d\,B\,2^n)` per epoch for
  ``g`` gates and ``B`` states (:math:`t_0` = 0.3 ms of per-gate overhead: the QCNN's
  150 epochs take 9 s at n = 8 and 34 s at n = 12); memory :math:`16\cdot 2^n` bytes per
  state and buffer;
* classical models: :math:`c_c\,T\,n^2` per state and epoch on ``T`` shadow snapshots
  (the ShadowGCNN lifts each snapshot's :math:`3n` values to :math:`G_{chain}\times O`,
  whose order grows as :math:`n`: 15 s for 100 epochs at n = 12, 67–134 s at n = 48
  with 2 training states), :math:`c_r n^2` on correlators;
* input data: exact sector ground states cost about :math:`c_g d_0^{1.1}` each (13 s at
  n = 28 with one BLAS thread; nothing when the dataset cache holds them); DMRG ground
  states a few seconds each.

The time estimates are within a factor of about two of the measured times, the memory
estimates within 30 %; RESULTS.md records both.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from eqqnn.models import InputKind
from eqqnn.training import ModelFamily

# ``job`` is an :class:`~eqqnn.experiments.Job` and ``config`` a
# :class:`~eqqnn.experiments.CompareConfig`: annotated as ``Any`` so that this cost model
# sits below the modules that use it (no import, not even for type checking, back up).
Job = Any
CompareConfig = Any

__all__ = ["SweepEstimate", "estimate_sweep", "guard_job_memory", "job_memory", "singlet_dimension"]

#: Bytes of inputs per evaluation pass of a job (the simulators hold a few buffers of this
#: size); ``eqqnn.experiments._jobs`` sizes its passes by it.
EVAL_CHUNK_BYTES = 256 * 2**20

_SECTOR_STATE_SECONDS = 5.6e-7
_SECTOR_STEP_SECONDS = 1.9e-6
#: Peak bytes per amplitude of stored sector operators (sparse CSR, built during the first
#: step): 2.3-2.6 kB measured at n = 24 and 26, 2.85 kB at n = 28, 3.6 kB when a job
#: builds the operators of both state sizes (n = 24, 2 training states).
_STORED_OPERATOR_BYTES = 3.0e3
#: Bytes per amplitude of the packed tableau words of on-the-fly operators.
_TABLEAU_WORD_BYTES = 8
#: State-sized buffers per training state at the peak of a step, beyond the split's own
#: copy: the batch, its sector copy, W = [ψ | μ] and W's ping-pong buffer (2 each); ψ and
#: λ are freed before the backward sweep (5.2-5.4 measured at n = 26 without the batch).
_TRAIN_STEP_COPIES = 6
#: State-sized buffers per evaluation row: sector copy, planar copy, ping-pong, λ, spare.
_EVAL_COPIES = 5
#: Bytes of one stored (complex128) sector amplitude in the dataset cache.
_CACHED_AMPLITUDE_BYTES = 16
_RUNTIME_BYTES = 0.6 * 2**30
_DENSE_GATE_OVERHEAD = 3.2e-4
_DENSE_GATE_SECONDS = 3.7e-8
_SHADOW_SECONDS = 7.5e-8
_CORRELATOR_SECONDS = 2.0e-6
_SECTOR_GROUND_STATE_SECONDS = 13.0 / 2_674_440**1.1
_DMRG_SECONDS = 0.15


def singlet_dimension(n_qubits: int) -> int:
    r""":math:`d_0 = \binom{n}{n/2} - \binom{n}{n/2-1}` (the Catalan number :math:`C_{n/2}`).

    >>> singlet_dimension(28)
    2674440
    """
    h = n_qubits // 2
    return math.comb(n_qubits, h) - math.comb(n_qubits, h - 1)


@dataclass(frozen=True)
class SweepEstimate:
    """Estimated cost of one chain length of a sweep."""

    n_qubits: int
    jobs: int
    data_seconds: float
    """Ground states and shadows, once per sweep (cached afterwards)."""
    train_seconds: float
    """All jobs at this n, one after the other."""
    peak_gib: float
    """Largest memory of one job at this n."""


def _gates(n_qubits: int, family: ModelFamily) -> int:
    return 4 * n_qubits if family.name.startswith("EQCNN") else 20 * n_qubits


def _sector_operators(family: ModelFamily) -> str:
    """``operators=`` of the family's spin-sector backend (``"auto"`` unless it names one)."""
    options = dict(getattr(family.build, "backend_options", ()) or ())
    return str(options.get("operators", "auto"))


@dataclass(frozen=True)
class _SectorMemory:
    """Peak bytes of one spin-sector job by phase (the module docstring's formula)."""

    data: float
    """Reading the test split from the dataset cache next to the training states."""
    training: float
    """Training and evaluation, operators included."""
    operators: float
    """The operators' part of :attr:`training` (stored, or packed words on the fly)."""
    on_the_fly: bool
    generation: float = 0.0
    """Solving the test split instead (a cache miss): not part of :attr:`peak`."""

    @property
    def peak(self) -> float:
        """The job's peak with its input data in the dataset cache."""
        return max(self.data, self.training)

    @property
    def peak_generating(self) -> float:
        """The job's peak when it solves its test split first."""
        return max(self.peak, self.generation)


def _sector_memory(
    n: int, size: int, test_points: int, precision: str = "single", operators: str = "auto"
) -> _SectorMemory:
    """Memory of a spin-sector EQCNN job on the numba path (runtime not included)."""
    from eqqnn._buffers import MAX_POOL_BYTES
    from eqqnn.data._cache import READ_BLOCK_BYTES
    from eqqnn.data._ground_state import SECTOR_SOLVER_BYTES_PER_AMPLITUDE
    from eqqnn.sim._sector._device import ON_THE_FLY_MIN_DIM

    d0 = singlet_dimension(n)
    single = precision == "single"
    state = (8 if single else 16) * d0
    row = _CACHED_AMPLITUDE_BYTES * d0  # one stored state
    # read: the states in the job's precision; single precision converts them as read,
    # one block of stored rows (at least one row) at a time
    block = row * min(test_points, max(1, READ_BLOCK_BYTES // row)) if single else 0
    data = (size + test_points) * state + block
    # generated: one complex128 array of the split next to the solver; it is stored and
    # then read back converted, so the two copies are never held together
    generation = size * state + test_points * row + SECTOR_SOLVER_BYTES_PER_AMPLITUDE * d0
    on_the_fly = operators == "on_the_fly" or (operators == "auto" and d0 >= ON_THE_FLY_MIN_DIM)
    ops = (_TABLEAU_WORD_BYTES if on_the_fly else _STORED_OPERATOR_BYTES) * d0
    rows = min(test_points, max(1, EVAL_CHUNK_BYTES // state))
    train = _TRAIN_STEP_COPIES * size * state
    evaluate = _EVAL_COPIES * rows * state
    # the phase not running may leave its buffers in the scratch pool (counted even where
    # they exceed MAX_BUFFER_BYTES and are not kept: at most 256 MiB too many, and the
    # estimate stays monotone in n and in the training size)
    pooled = min(train, evaluate, MAX_POOL_BYTES)
    training = (test_points + size) * state + max(train, evaluate) + pooled + ops
    return _SectorMemory(float(data), float(training), float(ops), on_the_fly, float(generation))


def _job_cost(
    family: ModelFamily,
    n: int,
    size: int,
    test_points: int,
    shots: int,
    precision: str = "single",
) -> tuple[float, float]:
    """(seconds, bytes) of one job (sector states stored in ``precision``; bytes without
    the runtime).  Screened restarts train ``restarts - 1`` extra candidates for
    ``restart_epochs`` each."""
    kind = family.input_kind
    epochs = family.epochs + (family.restarts - 1) * family.restart_epochs
    if kind is InputKind.SECTOR_STATE:
        d0 = singlet_dimension(n)
        per_state = _SECTOR_STATE_SECONDS * d0
        per_step = _SECTOR_STEP_SECONDS * d0
        seconds = epochs * (per_step + size * per_state + 0.003)
        seconds += (per_step + test_points * per_state) / 3
        memory = _sector_memory(n, size, test_points, precision, _sector_operators(family))
        return seconds, memory.peak
    if kind is InputKind.STATE:
        gates = _gates(n, family)
        epoch = gates * (_DENSE_GATE_OVERHEAD + _DENSE_GATE_SECONDS * size * 2**n)
        seconds = epochs * epoch + gates * _DENSE_GATE_SECONDS * test_points * 2**n
        return seconds, (test_points + 4 * size) * 16 * 2**n
    if kind is InputKind.SHADOWS:
        per_state = _SHADOW_SECONDS * shots * n * n
        memory = (test_points + size) * shots * n * 3 * 8 * 4
    else:
        per_state = _CORRELATOR_SECONDS * n * n
        memory = (test_points + size) * n * n * 8 * 4
    seconds = epochs * (size * per_state * 3) + test_points * per_state
    return seconds, memory


def job_seconds(job: Job) -> float:
    """Estimated wall time of one job (training and evaluation), one thread next to another
    job, as a sweep runs them."""
    task = job.task
    seconds, _ = _job_cost(
        job.family, task.n_qubits, task.train_size, task.test_points, task.shots, job.precision
    )
    return seconds


def job_memory(job: Job, cache: object = True, *, solve: bool = True) -> float:
    """Estimated peak bytes of a process that prepares one job's input data and runs it (as
    ``eqqnn train`` and a one-worker sweep do), 0.6 GiB of runtime included.  A spin-sector
    job whose test split the dataset ``cache`` does not hold solves it first
    (:attr:`_SectorMemory.generation`), which can be its peak; ``solve=False`` leaves
    that out (the job's own run, for workers that receive their data)."""
    task = job.task
    _, memory = _job_cost(
        job.family, task.n_qubits, task.train_size, task.test_points, task.shots, job.precision
    )
    if (
        solve
        and job.family.input_kind is InputKind.SECTOR_STATE
        and not _test_split_cached(task.n_qubits, task.test_points, cache)
    ):
        parts = _sector_memory(
            task.n_qubits,
            task.train_size,
            task.test_points,
            job.precision,
            _sector_operators(job.family),
        )
        memory = max(memory, parts.generation)
    return _RUNTIME_BYTES + memory


def _cached(grid: Any, store: Any) -> bool:
    """Whether ``store`` (a dataset cache or None) holds ``grid``'s sector states."""
    sector = grid.replace(state_form="sector")
    return store is not None and store.path_for(sector.cache_params()).exists()


def _test_split_cached(n: int, test_points: int, cache: object = True) -> bool:
    """Whether the dataset cache holds the sector test split a job at ``n`` reads."""
    from eqqnn.data import DatasetConfig, as_cache

    return _cached(DatasetConfig.test_grid(n, test_points, diagnostics=False), as_cache(cache))


def guard_job_memory(job: Job, cache: object = True) -> None:
    """Refuse a job whose estimated memory (:func:`job_memory`, solving its test split
    where ``cache`` lacks it) exceeds what is available, before any work."""
    from eqqnn._resources import require_memory

    family, n = job.family, job.task.n_qubits
    if family.input_kind is InputKind.SECTOR_STATE:
        task = job.task
        parts = _sector_memory(
            n, task.train_size, task.test_points, job.precision, _sector_operators(family)
        )
        gib = 2**30
        remedy = (
            "--precision single halves the states"
            if job.precision != "single"
            else "fewer test points (test_points in a compare TOML) shrink the split"
        )
        alternative = (
            f"its {task.test_points} test states take about {parts.data / gib:.1f} GiB as "
            f"read from the dataset cache (about {parts.generation / gib:.1f} GiB where they "
            f"are solved first), training about {parts.training / gib:.1f} GiB; {remedy}"
        )
    elif family.input_kind is InputKind.STATE:
        alternative = "the spin-sector family (eqcnn-sector) runs the EQCNN at this size"
    else:
        alternative = "use fewer --shots or a smaller n"
    require_memory(job_memory(job, cache), f"{family.name} at n = {n}", alternative)


def _sector_points_to_solve(config: CompareConfig, n: int, cache: object) -> tuple[int, bool]:
    """Ground states of the sector grids at ``n`` that the dataset cache does not hold, and
    whether the test split is among them."""
    from eqqnn.data import DatasetConfig, as_cache

    grids = [DatasetConfig.test_grid(n, config.test_points, diagnostics=False)]
    grids += [DatasetConfig.train_grid(n, s, diagnostics=False) for s in config.train_sizes]
    store = as_cache(cache)
    missing, test_missing = 0, False
    for k, grid in enumerate(grids):
        if not _cached(grid, store):
            missing += len(grid.ratio_values())
            test_missing = test_missing or k == 0
    return missing, test_missing


def estimate_sweep(
    config: CompareConfig, *, cache: object = True, done: Collection[tuple] = ()
) -> list[SweepEstimate]:
    """One :class:`SweepEstimate` per chain length of ``config`` (its jobs as
    :meth:`~eqqnn.experiments.CompareConfig.jobs` lists them, less those whose key is in
    ``done``: a resumed sweep); sector datasets already in ``cache`` cost nothing.  Where the
    cache lacks a chain length's sector test split, its jobs' peak is that of solving it
    (:attr:`_SectorMemory.generation`) if that is larger."""
    jobs = [j for j in config.jobs() if j.key not in set(done)]
    out = []
    for n in config.n_qubits:
        at_n = [j for j in jobs if j.task.n_qubits == n]
        fams = {j.family.name: j.family for j in at_n}.values()
        points = config.test_points + sum(config.train_sizes)
        data = 0.0
        generate = False
        if any(f.input_kind is InputKind.SECTOR_STATE for f in fams):
            to_solve, generate = _sector_points_to_solve(config, n, cache)
            data += to_solve * _SECTOR_GROUND_STATE_SECONDS * singlet_dimension(n) ** 1.1
        if any(f.kind == "classical" for f in fams):
            data += points * (_DMRG_SECONDS * n if n > 16 else 0.01)
        costs = [
            _job_cost(j.family, n, j.task.train_size, config.test_points, config.shots, j.precision)
            for j in at_n
        ]
        if generate:  # the first job at n solves the test split
            costs += [
                (
                    0.0,
                    _sector_memory(
                        n, j.task.train_size, config.test_points, j.precision
                    ).generation,
                )
                for j in at_n
                if j.family.input_kind is InputKind.SECTOR_STATE
            ]
        out.append(
            SweepEstimate(
                n_qubits=n,
                jobs=len(at_n),
                data_seconds=data,
                train_seconds=sum(c[0] for c in costs),
                peak_gib=(_RUNTIME_BYTES + max((c[1] for c in costs), default=0.0)) / 2**30,
            )
        )
    return out
