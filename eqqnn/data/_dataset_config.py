r"""What determines a phase-classification dataset: :class:`RatioGrid` and :class:`DatasetConfig`.

A :class:`DatasetConfig` fixes everything that determines the data (chain length, grid of
ratios, the Hamiltonian's terms as one :class:`~eqqnn.data.ChainSpec`, seeds, solver,
input form); its :meth:`~DatasetConfig.cache_params` are what
:func:`~eqqnn.data.build_dataset` (:mod:`eqqnn.data._dataset`, which also describes the
samples and the seeds) hashes into the cache key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import KW_ONLY, asdict, dataclass
from dataclasses import replace as _dataclass_replace
from typing import Any

import numpy as np

from eqqnn._validation import check_choice, check_int, check_real
from eqqnn.data._chain import CHAIN_SPEC_FIELDS, ChainSpec
from eqqnn.data._grids import random_ratios, test_ratios, train_ratios
from eqqnn.data._hamiltonian import BondAlternatingHeisenberg
from eqqnn.errors import InvalidParameterError

__all__ = ["DatasetConfig", "RatioGrid"]

GRID_KINDS = ("test", "train", "random")
METHODS = ("auto", "dense", "sparse", "sector", "sz")
STATE_FORMS = ("qubit", "sector")
ROTATIONS = ("none", "haar_triplet")


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
        Root seed of the random fields and of the Haar rotations (see :mod:`eqqnn.data._dataset`).
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
    :func:`~eqqnn.data.build_dataset` those of the configs that held them as fields.

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

        This is what :func:`~eqqnn.data.build_dataset` hashes into the cache key, so configs that
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
