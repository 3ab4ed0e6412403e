r"""Datasets of labelled ground states of the bond-alternating Heisenberg chain.

A :class:`DatasetConfig` fixes everything that determines the data (chain length, grid of
ratios, the Hamiltonian's terms as one :class:`~eqqnn.data.ChainSpec`, seeds, solver,
input form); :func:`build_dataset` turns it into a :class:`PhaseDataset` (a
``torch.utils.data.Dataset``), through the on-disk cache of :mod:`eqqnn.data._cache`
unless ``cache=None``.

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, asdict, dataclass
from dataclasses import replace as _dataclass_replace
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse.linalg
import torch
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from torch.utils.data import Dataset

from eqqnn._validation import check_choice, check_int, check_real
from eqqnn.data._cache import as_cache
from eqqnn.data._chain import CHAIN_SPEC_FIELDS, ChainSpec, HeisenbergChain
from eqqnn.data._diagnostics import diagnostics as _state_diagnostics
from eqqnn.data._diagnostics import phase_label
from eqqnn.data._grids import random_ratios, test_ratios, train_ratios
from eqqnn.data._hamiltonian import BondAlternatingHeisenberg
from eqqnn.errors import DimensionError, InvalidParameterError
from eqqnn.symmetry import SU2, apply_qubit_rotation

__all__ = ["DatasetConfig", "PhaseDataset", "RatioGrid", "build_dataset"]

GRID_KINDS = ("test", "train", "random")
METHODS = ("auto", "dense", "sparse", "sector", "sz")
STATE_FORMS = ("qubit", "sector")
ROTATIONS = ("none", "haar_triplet")
_COMPLEX_DTYPES = (torch.complex64, torch.complex128)
_LABEL_DTYPES = (torch.float32, torch.float64, torch.int64)
#: Sector dimension up to which the S^z = +1 problem is diagonalized densely.
_DENSE_SECTOR_MAX = 256


@dataclass(frozen=True)
class RatioGrid:
    """A rule for the ratios ``r = J2/J1`` of a dataset (see :mod:`eqqnn.data._grids`).

    Parameters
    ----------
    kind : {"test", "train", "random"}
        :func:`test_ratios` (uniform, ``n_points`` points), :func:`train_ratios`
        (symmetric about 1, ``n_points`` even) or :func:`random_ratios`.
    n_points : int
        Number of ratios.
    low, high : float
        Interval of ratios.
    seed : int
        Seed of the ``"random"`` grid (ignored otherwise).
    gap : float
        Excluded half-width around 1 of the ``"random"`` grid.

    Examples
    --------
    >>> RatioGrid("train", 4).values()
    array([0.25, 0.75, 1.25, 1.75])
    """

    kind: str = "test"
    n_points: int = 101
    low: float = 0.0
    high: float = 2.0
    seed: int = 0
    gap: float = 0.0

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, GRID_KINDS)
        object.__setattr__(self, "n_points", check_int("n_points", self.n_points, minimum=1))
        object.__setattr__(self, "low", check_real("low", self.low, minimum=0.0))
        object.__setattr__(self, "high", check_real("high", self.high))
        object.__setattr__(self, "seed", check_int("seed", self.seed, minimum=0))
        object.__setattr__(self, "gap", check_real("gap", self.gap, minimum=0.0))
        self.values()  # validate the combination now, not at build time

    def values(self) -> np.ndarray:
        """The ratios, float64 of shape ``(n_points,)``."""
        if self.kind == "test":
            return test_ratios(self.n_points, low=self.low, high=self.high)
        if self.kind == "train":
            return train_ratios(self.n_points, low=self.low, high=self.high)
        return random_ratios(self.n_points, self.seed, low=self.low, high=self.high, gap=self.gap)


def _fold_chain_terms(changes: dict[str, Any], base: ChainSpec) -> dict[str, Any]:
    """Move the flat :class:`ChainSpec` keywords of ``changes`` into its ``chain`` entry.

    ``{"anisotropy": 0.4, "rotation": "none"}`` on ``base`` becomes
    ``{"chain": base.replace(anisotropy=0.4), "rotation": "none"}``; an explicit
    ``chain`` in ``changes`` replaces ``base``.  Other keywords pass through unchanged.
    """
    terms = {name: changes.pop(name) for name in CHAIN_SPEC_FIELDS if name in changes}
    if terms:
        chain = changes.get("chain", base)
        if not isinstance(chain, ChainSpec):
            raise InvalidParameterError(f"chain must be a ChainSpec, got {chain!r}")
        changes["chain"] = chain.replace(**terms)
    return changes


@dataclass(frozen=True)
class DatasetConfig:
    """Everything that determines a phase-classification dataset.

    Parameters
    ----------
    n_qubits : int
        Even chain length ``n >= 2``.
    ratios : RatioGrid or sequence of float
        The grid rule, or explicit ratios (stored as a tuple of floats, each >= 0).
    chain : ChainSpec, keyword-only
        The Hamiltonian's couplings, fields and boundary (:class:`~eqqnn.data.ChainSpec`;
        default: the SU(2)-symmetric open chain with :math:`J_1 = 1`).  Sample ``k`` is
        ``BondAlternatingHeisenberg.from_spec(n_qubits, r_k, chain, ...)``.
    seed : int
        Root seed of the random fields and of the Haar rotations (see the module notes).
    method : {"auto", "dense", "sparse", "sector", "sz"}
        Ground-state solver.  With ``state_form="sector"``, ``"auto"`` means ``"sector"``.
    state_form : {"qubit", "sector"}
        ``"qubit"``: ``(N, 2^n)`` amplitudes; ``"sector"``: ``(N, d_0)`` coordinates in
        the singlet multiplicity space (SU(2)-symmetric models, ``rotation="none"`` only).
    rotation : {"none", "haar_triplet"}
        Input states: ground states, or Haar-rotated lowest ``S^z = +1`` states.
    diagnostics : bool
        Whether to compute the per-sample physical diagnostics.

    Notes
    -----
    :meth:`test_grid`, :meth:`train_grid` and :meth:`replace` also take the fields of
    :class:`~eqqnn.data.ChainSpec` as flat keywords (``anisotropy=0.4``,
    ``boundary="periodic"``) and fold them into ``chain``.  :meth:`to_dict` writes them
    flat as well, next to the other fields, which keeps the cache keys of
    :func:`build_dataset` those of the configs that held them as fields.

    Examples
    --------
    >>> cfg = DatasetConfig.train_grid(4, 2)
    >>> cfg.ratio_values().tolist(), cfg.state_form
    ([0.5, 1.5], 'qubit')
    >>> DatasetConfig.test_grid(4, 5, anisotropy=0.4).chain == ChainSpec(anisotropy=0.4)
    True
    """

    n_qubits: int
    ratios: RatioGrid | tuple[float, ...] = RatioGrid()
    _: KW_ONLY
    chain: ChainSpec = dataclasses.field(default_factory=ChainSpec)
    seed: int = 0
    method: str = "auto"
    state_form: str = "qubit"
    rotation: str = "none"
    diagnostics: bool = True

    def __post_init__(self) -> None:
        n = check_int("n_qubits", self.n_qubits, minimum=2)
        if n % 2:
            raise InvalidParameterError(
                f"n_qubits must be even (singlet ground states, M = 1 sector), got {n}"
            )
        set_ = object.__setattr__
        set_(self, "n_qubits", n)
        ratios = self.ratios
        if not isinstance(ratios, RatioGrid):
            if isinstance(ratios, str) or not isinstance(ratios, Sequence | np.ndarray):
                raise InvalidParameterError(
                    f"ratios must be a RatioGrid or a sequence of floats, got {ratios!r}"
                )
            values = tuple(check_real("ratio", r, minimum=0.0) for r in np.ravel(ratios))
            if not values:
                raise InvalidParameterError("ratios must contain at least one value, got none")
            set_(self, "ratios", values)
        if not isinstance(self.chain, ChainSpec):
            raise InvalidParameterError(
                f"chain must be a ChainSpec (eqqnn.data.ChainSpec), got {self.chain!r}"
            )
        set_(self, "seed", check_int("seed", self.seed, minimum=0))
        check_choice("method", self.method, METHODS)
        check_choice("state_form", self.state_form, STATE_FORMS)
        check_choice("rotation", self.rotation, ROTATIONS)
        if not isinstance(self.diagnostics, bool):
            raise InvalidParameterError(f"diagnostics must be a bool, got {self.diagnostics!r}")
        broken = ", ".join(self.chain.symmetry_breaking_terms)
        if self.state_form == "sector":
            if self.rotation != "none":
                raise InvalidParameterError(
                    f"state_form='sector' holds singlets only; rotation={self.rotation!r} "
                    "needs state_form='qubit'"
                )
            if broken:
                raise InvalidParameterError(
                    "state_form='sector' needs an SU(2)-symmetric model (anisotropy=1, no "
                    f"fields), got {broken}"
                )
            if self.method not in ("auto", "sector"):
                raise InvalidParameterError(
                    f"state_form='sector' needs method 'auto' or 'sector', got {self.method!r}"
                )
        if self.method == "sector" and broken:
            raise InvalidParameterError(
                "method='sector' needs an SU(2)-symmetric model (anisotropy=1, no fields), "
                f"got {broken}"
            )

    # -------------------------------------------------------------- constructors
    @classmethod
    def test_grid(cls, n_qubits: int, n_points: int = 101, **kwargs: Any) -> DatasetConfig:
        """Config on :func:`test_ratios` ``(n_points)``; ``kwargs`` set the other fields.

        ``kwargs`` may hold the :class:`~eqqnn.data.ChainSpec` fields flat
        (``field=0.5``); they are folded into ``chain``.
        """
        return cls(n_qubits, RatioGrid("test", n_points), **_fold_chain_terms(kwargs, ChainSpec()))

    @classmethod
    def train_grid(cls, n_qubits: int, train_size: int, **kwargs: Any) -> DatasetConfig:
        """Config on :func:`train_ratios` ``(train_size)``; ``kwargs`` set the other fields.

        ``kwargs`` may hold the :class:`~eqqnn.data.ChainSpec` fields flat, as in
        :meth:`test_grid`.
        """
        return cls(
            n_qubits, RatioGrid("train", train_size), **_fold_chain_terms(kwargs, ChainSpec())
        )

    # -------------------------------------------------------------- derived
    @property
    def is_su2_symmetric(self) -> bool:
        """Whether the Hamiltonian commutes with every global rotation."""
        return self.chain.is_su2_symmetric

    def ratio_values(self) -> np.ndarray:
        """The ratios of the samples, float64 of shape ``(N,)``."""
        if isinstance(self.ratios, RatioGrid):
            return self.ratios.values()
        return np.asarray(self.ratios, dtype=np.float64)

    def model(self, ratio: float, sample_seed: int | None = None) -> BondAlternatingHeisenberg:
        """The Hamiltonian of one sample (``sample_seed`` seeds its random fields, if any)."""
        seed = sample_seed if self.chain.random_field > 0.0 else None
        return BondAlternatingHeisenberg.from_spec(self.n_qubits, ratio, self.chain, seed=seed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly description, with the resolved ratios (used as the cache key).

        The :class:`~eqqnn.data.ChainSpec` fields appear flat, at the top level (not
        under ``"chain"``): this is format 1 of the cache key, shared with the configs
        that held those fields themselves, so existing cache files stay valid.

        >>> sorted(DatasetConfig(4, [0.5]).to_dict())[:4]
        ['anisotropy', 'boundary', 'diagnostics', 'field']
        """
        out = asdict(self)
        out.update(out.pop("chain"))
        out["ratios"] = {"grid": asdict(self.ratios)} if isinstance(self.ratios, RatioGrid) else {}
        out["ratios"]["values"] = [float(r) for r in self.ratio_values()]
        out["object"] = "eqqnn.data.PhaseDataset"
        return out

    @property
    def uses_seed(self) -> bool:
        """Whether ``seed`` influences the data (random fields or Haar rotations)."""
        return self.chain.random_field > 0.0 or self.rotation != "none"

    def cache_params(self) -> dict[str, Any]:
        """:meth:`to_dict` with ``seed`` set to ``None`` when it does not matter.

        This is what :func:`build_dataset` hashes into the cache key, so configs that
        differ only by an unused seed share one cache file.
        """
        out = self.to_dict()
        if not self.uses_seed:
            out["seed"] = None
        return out

    def replace(self, **changes: Any) -> DatasetConfig:
        """A copy with some fields changed (validated again).

        The :class:`~eqqnn.data.ChainSpec` fields may be given flat; they change
        ``chain``:

        >>> DatasetConfig(4, [0.5]).replace(boundary="periodic").chain.boundary
        'periodic'
        """
        return _dataclass_replace(self, **_fold_chain_terms(changes, self.chain))


class PhaseDataset(Dataset):
    """Labelled states for phase classification (a ``torch.utils.data.Dataset``).

    ``dataset[k]`` is ``(state_k, label_k)``.  Build one with :func:`build_dataset`.

    Attributes
    ----------
    states : torch.Tensor
        ``(N, 2^n)`` (``state_form="qubit"``) or ``(N, d_0)`` (``"sector"``), complex.
    labels : torch.Tensor
        ``(N,)``, 0 = trivial, 1 = Haldane, float or long.
    ratios : torch.Tensor
        ``(N,)`` float64, on the same device.
    diagnostics : dict of str to numpy.ndarray
        Per-sample float64 arrays of length ``N``: always ``input_energy`` (energy of the
        input state before any rotation); with ``config.diagnostics`` also the fields of
        :func:`eqqnn.data._diagnostics.diagnostics` of the ground state (``energy``,
        ``gap``, ``bond_j1``, ``bond_j2``, ``dimerization``, ``string_order``,
        ``string_order_dual``, ``predicted_label``; ``nan`` where undefined).
    config : DatasetConfig or None
        The generating configuration.
    """

    def __init__(
        self,
        states: torch.Tensor,
        labels: torch.Tensor,
        ratios: torch.Tensor,
        *,
        diagnostics: Mapping[str, np.ndarray] | None = None,
        config: DatasetConfig | None = None,
        state_form: str = "qubit",
    ) -> None:
        check_choice("state_form", state_form, STATE_FORMS)
        if states.ndim != 2:
            raise DimensionError(f"states must have shape (N, dim), got {tuple(states.shape)}")
        n = states.shape[0]
        if labels.shape != (n,) or ratios.shape != (n,):
            raise DimensionError(
                f"labels and ratios must have shape ({n},), got {tuple(labels.shape)} and "
                f"{tuple(ratios.shape)}"
            )
        diags = {k: np.asarray(v) for k, v in (diagnostics or {}).items()}
        for key, value in diags.items():
            if value.shape[:1] != (n,):
                raise DimensionError(
                    f"diagnostic {key!r} must have length {n}, got shape {value.shape}"
                )
        self._states = states
        self._labels = labels
        self._ratios = ratios
        self.diagnostics: dict[str, np.ndarray] = diags
        self.config = config
        self.state_form = state_form

    # -------------------------------------------------------------- access
    @property
    def states(self) -> torch.Tensor:
        """Input states, ``(N, dim)`` complex."""
        return self._states

    @property
    def labels(self) -> torch.Tensor:
        """Labels, ``(N,)``."""
        return self._labels

    @property
    def ratios(self) -> torch.Tensor:
        """Ratios ``J2/J1``, ``(N,)`` float64."""
        return self._ratios

    @property
    def dtype(self) -> torch.dtype:
        """Complex dtype of the states."""
        return self._states.dtype

    @property
    def device(self) -> torch.device:
        """Device of the tensors."""
        return self._states.device

    @property
    def n_qubits(self) -> int | None:
        """Chain length (from the config, or from the state length in qubit form)."""
        if self.config is not None:
            return self.config.n_qubits
        if self.state_form == "qubit":
            return int(self._states.shape[1]).bit_length() - 1
        return None

    def __len__(self) -> int:
        return int(self._states.shape[0])

    def __getitem__(self, index: Any) -> tuple[torch.Tensor, torch.Tensor]:
        return self._states[index], self._labels[index]

    def __repr__(self) -> str:
        return (
            f"PhaseDataset(n={len(self)}, state_form={self.state_form!r}, "
            f"shape={tuple(self._states.shape)}, dtype={self.dtype}, device={self.device})"
        )

    # -------------------------------------------------------------- conversion
    def to(
        self,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        *,
        label_dtype: torch.dtype | None = None,
    ) -> PhaseDataset:
        """A copy on ``device`` with states of ``dtype`` and labels of ``label_dtype``.

        Unspecified arguments keep their current value.  Ratios stay float64.
        """
        if dtype is not None:
            _check_complex_dtype(dtype)
        if label_dtype is not None:
            _check_label_dtype(label_dtype)
        return PhaseDataset(
            self._states.to(device=device, dtype=dtype),
            self._labels.to(device=device, dtype=label_dtype),
            self._ratios.to(device=device),
            diagnostics=self.diagnostics,
            config=self.config,
            state_form=self.state_form,
        )

    def subset(self, indices: Sequence[int] | np.ndarray | torch.Tensor) -> PhaseDataset:
        """The samples at ``indices`` (diagnostics included), as a new dataset."""
        idx = torch.as_tensor(np.asarray(indices), dtype=torch.long)
        if idx.ndim != 1:
            raise DimensionError(f"indices must be 1-D, got shape {tuple(idx.shape)}")
        if idx.numel() and (int(idx.min()) < -len(self) or int(idx.max()) >= len(self)):
            raise InvalidParameterError(
                f"indices must lie in [-{len(self)}, {len(self) - 1}], got {idx.tolist()}"
            )
        np_idx = idx.numpy()
        dev = idx.to(self.device)
        return PhaseDataset(
            self._states[dev],
            self._labels[dev],
            self._ratios[dev],
            diagnostics={k: v[np_idx] for k, v in self.diagnostics.items()},
            config=self.config,
            state_form=self.state_form,
        )


def _check_complex_dtype(dtype: object) -> torch.dtype:
    if dtype not in _COMPLEX_DTYPES:
        raise InvalidParameterError(
            f"dtype must be torch.complex64 or torch.complex128, got {dtype!r}"
        )
    return dtype  # type: ignore[return-value]


def _check_label_dtype(dtype: object) -> torch.dtype:
    if dtype not in _LABEL_DTYPES:
        raise InvalidParameterError(
            f"label_dtype must be torch.float32, torch.float64 or torch.long, got {dtype!r}"
        )
    return dtype  # type: ignore[return-value]


# ---------------------------------------------------------------------- generation
def _marshall_signs(basis: np.ndarray, n_qubits: int) -> np.ndarray:
    """``(-1)^(number of down spins on odd sites)`` for each basis index (bit 1 = down)."""
    parity = np.zeros(basis.shape[0], dtype=np.int64)
    for site in range(1, n_qubits, 2):
        parity ^= (basis >> (n_qubits - 1 - site)) & 1
    return 1.0 - 2.0 * parity


#: Relative tolerance that groups eigenvalues into one (degenerate) level.
_LEVEL_TOL = 1e-8


def _lowest_level(h: Any, v0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lowest eigenpairs of ``h``, ascending, enough of them to contain the whole lowest level.

    Dense ``eigh`` for small matrices; otherwise Lanczos (``eigsh``, start vector ``v0``)
    with ``k = 2`` levels, doubled while the highest computed level still belongs to the
    lowest one (a degenerate level, e.g. decoupled dimers at ``r = 0``).
    """
    dim = h.shape[0]
    if dim <= _DENSE_SECTOR_MAX:
        return scipy.linalg.eigh(h.toarray())
    k = 2
    while True:
        if k >= dim - 1:
            return scipy.linalg.eigh(h.toarray())
        w, v = scipy.sparse.linalg.eigsh(h, k=k, which="SA", v0=v0)
        order = np.argsort(w)
        w, v = w[order], v[:, order]
        if w[-1] - w[0] > _LEVEL_TOL * max(1.0, abs(w[0])):
            return w, v
        k *= 2


def lowest_sz1_state(model: HeisenbergChain) -> tuple[np.ndarray, float]:
    r"""Lowest-energy state of the total :math:`S^z = +1` sector, as ``2^n`` amplitudes.

    .. math::

        |t\rangle \propto P_{E_{\min}}\, \sum_{k:\,S^z_k = 1} (-1)^{N^{\rm odd}_\downarrow(k)}
        |k\rangle ,

    the projection of the Marshall-sign vector onto the lowest level of
    :math:`H_{M=1}` (the level itself when it is non-degenerate, with a fixed sign).

    Returns
    -------
    tuple of numpy.ndarray and float
        The complex128 vector (length ``2^n``) and its energy.

    Examples
    --------
    >>> vec, energy = lowest_sz1_state(BondAlternatingHeisenberg(2, 1.0))
    >>> vec.real.tolist(), energy
    ([1.0, 0.0, 0.0, 0.0], 0.25)
    """
    n = model.n_qubits
    basis = model.sz_sector_basis(1)
    h = model.sz_sector_matrix(1)
    dim = h.shape[0]
    marshall = _marshall_signs(basis, n) / math.sqrt(dim)
    w, v = _lowest_level(h, marshall)
    level = np.abs(w - w[0]) <= _LEVEL_TOL * max(1.0, abs(w[0]))
    block = v[:, level]
    vec = block @ (block.T @ marshall)
    norm = np.linalg.norm(vec)
    if norm < 1e-6:  # the level is orthogonal to the Marshall vector: fix the sign otherwise
        vec = v[:, 0] * np.sign(v[np.argmax(np.abs(v[:, 0])), 0])
        norm = np.linalg.norm(vec)
    out = np.zeros(2**n, dtype=np.complex128)
    out[basis] = vec / norm
    return out, float(w[0])


def _progress(enabled: bool | None) -> Progress:
    console = Console(stderr=True)
    show = console.is_terminal if enabled is None else bool(enabled)
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not show,
    )


def _generate_arrays(config: DatasetConfig, progress: bool | None = None) -> dict[str, np.ndarray]:
    """Compute every array of the dataset (complex128 states) — the expensive part."""
    ratios = config.ratio_values()
    n_samples = ratios.shape[0]
    field_seeds = np.random.SeedSequence([config.seed, 1]).generate_state(n_samples, np.uint32)
    method = config.method
    if config.state_form == "sector" and method == "auto":
        method = "sector"
    states: list[np.ndarray] = []
    input_energy = np.empty(n_samples)
    diags: dict[str, list[float]] = {}
    with _progress(progress) as bar:
        task = bar.add_task(f"states n={config.n_qubits}", total=n_samples, visible=n_samples > 1)
        for k, ratio in enumerate(ratios):
            model = config.model(float(ratio), int(field_seeds[k]))
            gs = None
            if config.rotation == "none" or config.diagnostics:
                gs = model.ground_state(method=method, compute_gap=config.diagnostics)
            if config.rotation == "haar_triplet":
                vec, energy = lowest_sz1_state(model)
                states.append(vec)
                input_energy[k] = energy
            elif config.state_form == "sector":
                if gs.sector_vector is None:
                    raise InvalidParameterError(
                        f"state_form='sector' needs sector coordinates; method {gs.method!r} "
                        "gave none (expected 'sector')"
                    )
                states.append(np.asarray(gs.sector_vector, dtype=np.complex128))
                input_energy[k] = gs.energy
            else:
                states.append(np.asarray(gs.vector(), dtype=np.complex128))
                input_energy[k] = gs.energy
            if config.diagnostics:
                for key, value in _diagnostic_record(_state_diagnostics(model, gs)).items():
                    diags.setdefault(key, []).append(value)
            bar.advance(task)
    stacked = np.stack(states)
    if config.rotation == "haar_triplet":
        rng = np.random.default_rng(np.random.SeedSequence([config.seed, 2]))
        rotations = SU2().sample(rng, size=n_samples)
        stacked = apply_qubit_rotation(stacked, rotations)
    arrays = {
        "states": stacked.astype(np.complex128),
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
        Show a progress bar on stderr; default: only when stderr is a terminal.

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
    make: Callable[[], dict[str, np.ndarray]] = lambda: _generate_arrays(config, progress)  # noqa: E731
    arrays = make() if store is None else store.get_or_create(config.cache_params(), make)
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
