r"""Up-front estimates of a sweep's time and memory, per chain length.

A coarse cost model, calibrated on the project's 2-core machine (``benchmarks/RESULTS.md``),
printed before a sweep starts so a user can stop a run that would not fit:

* spin-sector EQCNN: one forward+backward of ``B`` states costs about
  :math:`d_0\,(c_0 + c_s B)` seconds (:math:`d_0` the singlet-sector dimension;
  :math:`c_0 \approx 1.9\cdot10^{-6}`, :math:`c_s \approx 5.6\cdot10^{-7}`, for the
  way a sweep runs its jobs: one thread each, next to another job.  At n = 28 an epoch
  then took about 8 s for 2 training states and 17 s for 8.  Session 6 had calibrated
  :math:`c_s = 1.5\cdot10^{-7}` on one idle step with two threads, 5.1 s for 2 states
  and 10.9 s for 16; that estimated 26 min for an n = 28 job with 8 states, which took
  about 85 CPU-minutes), an evaluation a third of it; memory: the split's states,
  a few work buffers per state and the cached sector operators (about
  :math:`1.9\,\mathrm{kB}\cdot d_0`, 4.8 GiB at n = 28);
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

The estimates are within a factor of about two of the measured times; RESULTS.md records
both.
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

_SECTOR_STATE_SECONDS = 5.6e-7
_SECTOR_STEP_SECONDS = 1.9e-6
_SECTOR_OPERATOR_BYTES = 1.9e3
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


def _job_cost(
    family: ModelFamily,
    n: int,
    size: int,
    test_points: int,
    shots: int,
    precision: str = "single",
) -> tuple[float, float]:
    """(seconds, bytes) of one job (sector states stored in ``precision``).  Screened
    restarts train ``restarts - 1`` extra candidates for ``restart_epochs`` each."""
    kind = family.input_kind
    epochs = family.epochs + (family.restarts - 1) * family.restart_epochs
    if kind is InputKind.SECTOR_STATE:
        d0 = singlet_dimension(n)
        per_state = _SECTOR_STATE_SECONDS * d0
        per_step = _SECTOR_STEP_SECONDS * d0
        seconds = epochs * (per_step + size * per_state + 0.003)
        seconds += (per_step + test_points * per_state) / 3
        state_bytes = (8 if precision == "single" else 16) * d0
        memory = (test_points + 8 * size) * state_bytes + _SECTOR_OPERATOR_BYTES * d0
        return seconds, memory
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
    """Estimated wall time of one job on an idle core (training and evaluation)."""
    task = job.task
    seconds, _ = _job_cost(
        job.family, task.n_qubits, task.train_size, task.test_points, task.shots, job.precision
    )
    return seconds


def job_memory(job: Job) -> float:
    """Estimated peak bytes of one job, its input data included (0.6 GiB of runtime)."""
    task = job.task
    _, memory = _job_cost(
        job.family, task.n_qubits, task.train_size, task.test_points, task.shots, job.precision
    )
    return 0.6 * 2**30 + memory


def guard_job_memory(job: Job) -> None:
    """Refuse a job whose estimated memory exceeds what is available, before any work."""
    from eqqnn._resources import require_memory

    family, n = job.family, job.task.n_qubits
    if family.input_kind is InputKind.SECTOR_STATE:
        alternative = (
            "the spin-sector EQCNN trains up to n = 28 on a 24 GiB machine; "
            "--precision single halves the states"
        )
    elif family.input_kind is InputKind.STATE:
        alternative = "the spin-sector family (eqcnn-sector) runs the EQCNN at this size"
    else:
        alternative = "use fewer --shots or a smaller n"
    require_memory(job_memory(job), f"{family.name} at n = {n}", alternative)


def _sector_points_to_solve(config: CompareConfig, n: int, cache: object) -> int:
    """Ground states of the sector grids at ``n`` that the dataset cache does not hold."""
    from eqqnn.data import DatasetConfig, as_cache

    grids = [DatasetConfig.test_grid(n, config.test_points, diagnostics=False)]
    grids += [DatasetConfig.train_grid(n, s, diagnostics=False) for s in config.train_sizes]
    store = as_cache(cache)
    missing = 0
    for grid in grids:
        sector = grid.replace(state_form="sector")
        if store is None or not store.path_for(sector.cache_params()).exists():
            missing += len(sector.ratio_values())
    return missing


def estimate_sweep(
    config: CompareConfig, *, cache: object = True, done: Collection[tuple] = ()
) -> list[SweepEstimate]:
    """One :class:`SweepEstimate` per chain length of ``config`` (its jobs as
    :meth:`~eqqnn.experiments.CompareConfig.jobs` lists them, less those whose key is in
    ``done``: a resumed sweep); sector datasets already in ``cache`` cost nothing."""
    jobs = [j for j in config.jobs() if j.key not in set(done)]
    out = []
    for n in config.n_qubits:
        at_n = [j for j in jobs if j.task.n_qubits == n]
        fams = {j.family.name: j.family for j in at_n}.values()
        points = config.test_points + sum(config.train_sizes)
        data = 0.0
        if any(f.input_kind is InputKind.SECTOR_STATE for f in fams):
            data += (
                _sector_points_to_solve(config, n, cache)
                * _SECTOR_GROUND_STATE_SECONDS
                * singlet_dimension(n) ** 1.1
            )
        if any(f.kind == "classical" for f in fams):
            data += points * (_DMRG_SECONDS * n if n > 16 else 0.01)
        costs = [
            _job_cost(j.family, n, j.task.train_size, config.test_points, config.shots, j.precision)
            for j in at_n
        ]
        out.append(
            SweepEstimate(
                n_qubits=n,
                jobs=len(at_n),
                data_seconds=data,
                train_seconds=sum(c[0] for c in costs),
                peak_gib=0.6 + max((c[1] for c in costs), default=0.0) / 2**30,
            )
        )
    return out
