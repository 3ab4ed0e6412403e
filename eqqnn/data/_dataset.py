r"""Datasets of labelled ground states of the bond-alternating Heisenberg chain.

A :class:`~eqqnn.data.DatasetConfig` fixes everything that determines the data (chain
length, grid of ratios, the Hamiltonian's terms as one :class:`~eqqnn.data.ChainSpec`,
seeds, solver, input form); :func:`build_dataset` turns it into a
:class:`~eqqnn.data.PhaseDataset` (a ``torch.utils.data.Dataset``), through the on-disk
cache of :mod:`eqqnn.data._cache` unless ``cache=None``.

The configuration lives in :mod:`eqqnn.data._dataset_config`, the container in
:mod:`eqqnn.data._phase_dataset` and the unrotated triplet state in
:mod:`eqqnn.data._triplet`; this module generates the arrays and assembles the dataset.

Samples
-------
Sample ``k`` has ratio :math:`r_k`, label :math:`y_k = [r_k > 1]` (0 = trivial,
1 = Haldane, from :func:`eqqnn.data._diagnostics.phase_label`) and input state

* ``rotation="none"``: the ground state :math:`|\psi_0(r_k)\rangle` — for the SU(2)
  symmetric chain a total singlet, invariant under every global rotation
  :math:`u^{\otimes n}`; in ``state_form="sector"`` its coordinates in the singlet
  multiplicity space :math:`M_0` (dimension 132 at ``n = 12``).
* ``rotation="haar_triplet"``: :math:`u_k^{\otimes n} |t(r_k)\rangle`, where
  :math:`|t\rangle` is the lowest-energy state of the total :math:`S^z = +1` sector
  (for the SU(2) chain the :math:`m = 1` member of the lowest triplet, so
  :math:`\langle S^2\rangle = 2`) and :math:`u_k` is a Haar-random SU(2) matrix.  Here
  SU(2) acts non-trivially on the inputs (a rotated triplet is a different state), so
  an equivariant model differs from a non-equivariant one already on the data.

  Where the lowest :math:`S^z = +1` level is degenerate (only at ``r = 0``, where the
  chain falls apart into dimers) the state is the projection onto that level of the
  Marshall-sign vector :math:`\sum_k (-1)^{N_\downarrow^{\rm odd}(k)} |k\rangle`, which
  is also how the global sign is fixed in general; this makes the data independent of
  the eigensolver.

Seeds
-----
``config.seed`` is the root of :class:`numpy.random.SeedSequence` streams: entry ``k``
of ``SeedSequence([seed, 1]).generate_state(N)`` seeds the random fields of sample
``k`` (one disorder draw per sample) and ``default_rng(SeedSequence([seed, 2]))`` draws
the Haar rotations in sample order.  Both are prefix-stable: sample ``k`` does not
depend on how many samples follow it.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import time
from collections.abc import Callable, Mapping

import numpy as np
import torch

from eqqnn._progress import progress_report
from eqqnn.data._cache import as_cache
from eqqnn.data._dataset_config import DatasetConfig
from eqqnn.data._diagnostics import diagnostics as _state_diagnostics
from eqqnn.data._diagnostics import phase_label
from eqqnn.data._partial import PartialItems
from eqqnn.data._phase_dataset import PhaseDataset, _check_complex_dtype, _check_label_dtype
from eqqnn.data._triplet import lowest_sz1_state
from eqqnn.errors import DimensionError, InvalidParameterError
from eqqnn.symmetry import SU2, apply_qubit_rotation

__all__ = ["build_dataset"]


# ---------------------------------------------------------------------- generation
#: A sample that took at least this long to solve is kept on disk until its dataset is
#: written (:class:`~eqqnn.data._partial.PartialItems`); cheaper ones are solved again.
KEEP_ITEM_SECONDS = 1.0


def _solve_item(
    config: DatasetConfig, method: str, ratio: float, field_seed: int
) -> dict[str, np.ndarray]:
    """One sample: its input state ``vec``, ``energy`` and diagnostics ``d_<name>``."""
    model = config.model(ratio, field_seed)
    gs = None
    if config.rotation == "none" or config.diagnostics:
        gs = model.ground_state(method=method, compute_gap=config.diagnostics)
    if config.rotation == "haar_triplet":
        vec, energy = lowest_sz1_state(model)
    elif config.state_form == "sector":
        if gs.sector_vector is None:
            raise InvalidParameterError(
                f"state_form='sector' needs sector coordinates; method {gs.method!r} "
                "gave none (expected 'sector')"
            )
        vec, energy = gs.sector_vector, gs.energy
    else:
        vec, energy = gs.vector(), gs.energy
    item = {"vec": np.asarray(vec), "energy": np.asarray(float(energy))}
    if config.diagnostics:
        for key, value in _diagnostic_record(_state_diagnostics(model, gs)).items():
            item[f"d_{key}"] = np.asarray(float(value))
    return item


def _generate_arrays(
    config: DatasetConfig, progress: bool | None = None, partial: PartialItems | None = None
) -> dict[str, np.ndarray]:
    """Compute every array of the dataset (complex128 states) — the expensive part.  With
    ``partial``, every finished sample is kept on disk and a killed build resumes there."""
    ratios = config.ratio_values()
    n_samples = ratios.shape[0]
    field_seeds = np.random.SeedSequence([config.seed, 1]).generate_state(n_samples, np.uint32)
    method = config.method
    if config.state_form == "sector" and method == "auto":
        method = "sector"
    # one (N, dim) array filled row by row: a list of states and its stack would hold the
    # split twice (31 GiB for 101 sector states at n = 30)
    stacked: np.ndarray | None = None

    def keep(k: int, vec: np.ndarray) -> None:
        nonlocal stacked
        if stacked is None:
            stacked = np.empty((n_samples, *np.shape(vec)), dtype=np.complex128)
        stacked[k] = vec

    input_energy = np.empty(n_samples)
    diags: dict[str, list[float]] = {}
    bar = progress_report(
        progress if n_samples > 1 else False, n_samples, f"states n={config.n_qubits}"
    )
    try:
        for k, ratio in enumerate(ratios):
            item = partial.load(k) if partial is not None else None
            if item is None:
                start = time.perf_counter()
                item = _solve_item(config, method, float(ratio), int(field_seeds[k]))
                if partial is not None and time.perf_counter() - start >= KEEP_ITEM_SECONDS:
                    partial.save(k, item)
            keep(k, item["vec"])
            input_energy[k] = float(item["energy"])
            for key in item:
                if key.startswith("d_"):
                    diags.setdefault(key[2:], []).append(float(item[key]))
            if bar is not None:
                bar.advance()
    finally:
        if bar is not None:
            bar.stop()
    assert stacked is not None  # the grid has at least one ratio
    if config.rotation == "haar_triplet":
        rng = np.random.default_rng(np.random.SeedSequence([config.seed, 2]))
        rotations = SU2().sample(rng, size=n_samples)
        stacked = apply_qubit_rotation(stacked, rotations)
    arrays = {
        "states": np.asarray(stacked, dtype=np.complex128),  # no copy when it is already
        "labels": np.array([phase_label(float(r)) for r in ratios], dtype=np.int64),
        "ratios": ratios.astype(np.float64),
        "diagnostics/input_energy": input_energy,
    }
    for key, values in diags.items():
        if len(values) != n_samples:
            raise DimensionError(f"diagnostic {key!r} was not computed for every sample")
        arrays[f"diagnostics/{key}"] = np.asarray(values, dtype=np.float64)
    return arrays


#: Fields of :class:`~eqqnn.data._diagnostics.PhaseDiagnostics` already stored elsewhere.
_SKIPPED_DIAGNOSTICS = frozenset({"n_qubits", "ratio", "label"})


def _diagnostic_record(result: object) -> dict[str, float]:
    """Numeric scalar entries of a diagnostics result (dataclass or mapping); None -> nan."""
    if isinstance(result, Mapping):
        items = list(result.items())
    elif dataclasses.is_dataclass(result):
        items = [(f.name, getattr(result, f.name)) for f in dataclasses.fields(result)]
        if hasattr(result, "predicted_label"):
            items.append(("predicted_label", result.predicted_label))
    else:
        raise InvalidParameterError(
            f"diagnostics must return a mapping or a dataclass, got {type(result).__name__}"
        )
    out: dict[str, float] = {}
    for key, value in items:
        if key in _SKIPPED_DIAGNOSTICS:
            continue
        if value is None:
            out[key] = math.nan
        elif isinstance(value, numbers.Real):
            out[key] = float(value)
    return out


def build_dataset(
    config: DatasetConfig,
    *,
    cache: object = True,
    dtype: torch.dtype = torch.complex64,
    label_dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
    progress: bool | None = None,
) -> PhaseDataset:
    r"""Generate (or load from the cache) the dataset described by ``config``.

    Parameters
    ----------
    config : DatasetConfig
        What to generate.
    cache : bool, str, os.PathLike, DatasetCache or None
        ``True`` (default): the default cache folder (``$EQQNN_CACHE_DIR`` or the
        platform cache dir); a path or :class:`~eqqnn.data._cache.DatasetCache`: that
        cache; ``None`` or ``False``: no caching.  The cache always stores complex128.
    dtype : torch.dtype
        ``torch.complex64`` (default, the speed setting) or ``torch.complex128``.
    label_dtype : torch.dtype, optional
        ``torch.float32``, ``torch.float64`` or ``torch.long``; default: the real dtype
        matching ``dtype``.
    device : torch.device or str, optional
        Where the tensors live (default CPU).
    progress : bool, optional
        Report progress on stderr (a bar on a terminal, elsewhere a line every 30 s of a
        long build); ``False``: nothing.

    Returns
    -------
    PhaseDataset

    Examples
    --------
    >>> data = build_dataset(DatasetConfig.train_grid(4, 2), cache=None)
    >>> data.states.shape, data.labels.tolist()
    (torch.Size([2, 16]), [0.0, 1.0])
    """
    if not isinstance(config, DatasetConfig):
        raise InvalidParameterError(f"config must be a DatasetConfig, got {type(config).__name__}")
    _check_complex_dtype(dtype)
    if label_dtype is None:
        label_dtype = torch.float32 if dtype == torch.complex64 else torch.float64
    _check_label_dtype(label_dtype)
    store = as_cache(cache)
    params = config.cache_params()
    partial = store.partial(params) if store is not None else None
    make: Callable[[], dict[str, np.ndarray]] = lambda: _generate_arrays(config, progress, partial)  # noqa: E731
    # single precision: the stored complex128 states are converted as they are read
    as_read = {"states": np.complex64} if dtype == torch.complex64 else None
    arrays = make() if store is None else store.get_or_create(params, make, as_read)
    prefix = "diagnostics/"
    diags = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
    return PhaseDataset(
        torch.as_tensor(arrays["states"]).to(device=device, dtype=dtype),
        torch.as_tensor(arrays["labels"]).to(device=device, dtype=label_dtype),
        torch.as_tensor(arrays["ratios"], dtype=torch.float64).to(device=device),
        diagnostics=diags,
        config=config,
        state_form=config.state_form,
    )
