r"""The bond-alternating spin-1/2 Heisenberg chain: its specification and its operators.

.. math::

    H = \sum_{\langle i,j\rangle} J_{ij}\big(S^x_i S^x_j + S^y_i S^y_j + \Delta S^z_i S^z_j\big)
        + h \sum_i S^z_i + h_s \sum_i (-1)^i S^z_i + \sum_i h_i S^z_i,
    \qquad S = \sigma / 2,

with :math:`J_{i,i+1} = J_1` on the bonds ``(0,1), (2,3), …`` and :math:`J_{i,i+1} = J_2 = r J_1`
on the bonds ``(1,2), (3,4), …``.  The periodic chain adds the bond ``(n-1, 0)`` (a
:math:`J_2` bond for even ``n``).  The random fields :math:`h_i` are drawn uniformly from
:math:`[-w, w]` with an explicit seed.  At :math:`\Delta = 1` and zero fields the model is
SU(2) symmetric: for even ``n`` the ground state is a total singlet, in the trivial (dimer)
phase for ``r < 1`` and in the Haldane (SPT) phase for ``r > 1``.

This is the bottom of :mod:`eqqnn.data`: it imports numpy and scipy only (and the
package's argument checks and errors), never a solver, a label or a dataset.

* :class:`ChainSpec` — the couplings and fields :math:`(J_1, \Delta, h, h_s, w)` and the
  boundary: everything that defines :math:`H` apart from the size ``n`` and the ratio
  ``r`` (a dataset sweeps ``r`` at fixed ``n`` and fixed spec).
* :class:`HeisenbergChain` — one Hamiltonian ``(n, r, spec, seed)`` and its matrices:
  dense, sparse, and restricted to a total-:math:`S^z` sector.

The public model :class:`eqqnn.data.BondAlternatingHeisenberg` (``eqqnn.data._hamiltonian``)
is a :class:`HeisenbergChain` that adds the solver and label conveniences
(``ground_state()``, ``phase_label``) one layer up, so the import graph of the package
stays acyclic::

    _chain  <-  _ground_state  <-  _diagnostics  <-  _hamiltonian  <-  _dataset

Conventions: qubit 0 is the most significant bit of a basis index and ``|0⟩`` is spin up,
so the spin of qubit ``i`` in basis state ``k`` is ``1/2 - bit_i(k)`` with
``bit_i(k) = (k >> (n - 1 - i)) & 1``.  Every matrix is built with vectorized bit
operations over all basis states (Python loops run over bonds and sites only).
"""

from __future__ import annotations

from dataclasses import KW_ONLY, asdict, dataclass, fields
from dataclasses import field as dataclass_field
from dataclasses import replace as _dataclass_replace
from typing import Any, Self

import numpy as np
import scipy.sparse as sp

from eqqnn._validation import check_choice, check_int, check_real
from eqqnn.errors import InvalidParameterError, ProblemTooLargeError

__all__ = [
    "BOUNDARIES",
    "CHAIN_MAX_QUBITS",
    "CHAIN_SPEC_FIELDS",
    "DENSE_MAX_QUBITS",
    "MAX_QUBITS",
    "SPARSE_MAX_QUBITS",
    "SZ_SECTOR_MAX_QUBITS",
    "ChainSpec",
    "HeisenbergChain",
    "sz_sector_basis",
]

#: Largest chain accepted by :meth:`HeisenbergChain.dense_matrix` (2^14 = 16 384).
DENSE_MAX_QUBITS = 14
#: Largest chain accepted by :meth:`HeisenbergChain.sparse_matrix`.
SPARSE_MAX_QUBITS = 24
#: Largest chain accepted by :meth:`HeisenbergChain.sz_sector_matrix`.
SZ_SECTOR_MAX_QUBITS = 26
#: Largest chain whose basis states :func:`sz_sector_basis` can index (int64 bit strings).
MAX_QUBITS = 62
#: Largest chain :class:`HeisenbergChain` accepts: its couplings and fields need no basis,
#: and matrix-product states reach far beyond 62 sites (DMRG at n = 1024 is hours of work
#: at the bond dimensions the datasets use; a bound against typos, not a solver limit).
CHAIN_MAX_QUBITS = 1024
#: Accepted values of ``boundary``.
BOUNDARIES = ("open", "periodic")


def _check_qubit_limit(n_qubits: int, limit: int, what: str) -> None:
    if n_qubits > limit:
        raise ProblemTooLargeError(
            f"{what} is limited to n_qubits <= {limit} (2^{limit} amplitudes), got "
            f"n_qubits={n_qubits}; use a symmetry sector (method='sector' or 'sz') instead"
        )


def _fixed_popcount_states(n_qubits: int, n_ones: int) -> np.ndarray:
    """All ``n_qubits``-bit integers with exactly ``n_ones`` set bits, sorted ascending.

    Built by adding one leading bit at a time: the ``m``-bit numbers with ``q`` ones are
    the ``(m-1)``-bit ones with ``q`` ones followed by ``2^(m-1)`` plus those with
    ``q - 1`` ones, which keeps the order sorted.  Only popcounts that can still reach
    ``n_ones`` are kept, so memory stays of order ``C(n, n_ones)``.
    """
    if n_ones < 0 or n_ones > n_qubits:
        return np.zeros(0, dtype=np.int64)
    level: dict[int, np.ndarray] = {0: np.zeros(1, dtype=np.int64)}
    for m in range(1, n_qubits + 1):
        lead = np.int64(1) << np.int64(m - 1)
        lo_q = max(0, n_ones - (n_qubits - m))
        hi_q = min(n_ones, m)
        new: dict[int, np.ndarray] = {}
        for q in range(lo_q, hi_q + 1):
            parts = []
            if q in level:
                parts.append(level[q])
            if q - 1 in level:
                parts.append(level[q - 1] + lead)
            new[q] = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        level = new
    return level[n_ones]


def _magnetization_to_downs(n_qubits: int, magnetization: object) -> int:
    """Number of down spins (set bits) of the total-S^z sector ``magnetization``."""
    m = check_real("magnetization", magnetization)
    twice = 2.0 * m
    if abs(twice - round(twice)) > 1e-12:
        raise InvalidParameterError(
            f"magnetization must be an integer or half-integer, got {magnetization!r}"
        )
    n_down2 = n_qubits - round(twice)  # = 2 * n_down
    if n_down2 % 2 != 0:
        kind = "an integer" if n_qubits % 2 == 0 else "a half-integer"
        raise InvalidParameterError(
            f"magnetization must be {kind} for n_qubits={n_qubits}, got {magnetization!r}"
        )
    n_down = n_down2 // 2
    if n_down < 0 or n_down > n_qubits:
        raise InvalidParameterError(
            f"magnetization must lie in [-{n_qubits / 2}, {n_qubits / 2}] for "
            f"n_qubits={n_qubits}, got {magnetization!r}"
        )
    return n_down


def sz_sector_basis(n_qubits: int, magnetization: float) -> np.ndarray:
    r"""Basis indices of the total-:math:`S^z` sector, sorted ascending.

    .. math::

        \{k \in [0, 2^n) : \tfrac n2 - \mathrm{popcount}(k) = M\}

    Parameters
    ----------
    n_qubits : int
        Number of spins ``n``.
    magnetization : float
        Total :math:`S^z` eigenvalue ``M`` (integer for even ``n``, half-integer for odd).

    Returns
    -------
    numpy.ndarray
        int64 array of length ``C(n, n/2 - M)``.

    Examples
    --------
    >>> sz_sector_basis(4, 1).tolist()   # one down spin
    [1, 2, 4, 8]
    """
    n = check_int("n_qubits", n_qubits, minimum=1, maximum=MAX_QUBITS)
    return _fixed_popcount_states(n, _magnetization_to_downs(n, magnetization))


def _bit(states: np.ndarray, n_qubits: int, site: int) -> np.ndarray:
    """``bit_site(states)`` as int8 (qubit 0 = most significant bit)."""
    return ((states >> np.int64(n_qubits - 1 - site)) & 1).astype(np.int8)


@dataclass(frozen=True, kw_only=True)
class ChainSpec:
    r"""The couplings and fields of a bond-alternating Heisenberg chain (no size, no ratio).

    .. math::

        H_{\rm spec}(n, r) = \sum_{\langle i,j\rangle} J_{ij}\big(S^x_i S^x_j + S^y_i S^y_j
            + \Delta S^z_i S^z_j\big) + \sum_i \big(h + (-1)^i h_s + h_i\big) S^z_i ,
        \qquad h_i \sim U[-w, w],

    with :math:`J = J_1` on bonds ``(0,1), (2,3), …`` and :math:`J = r J_1` on bonds
    ``(1,2), (3,4), …``.  One spec describes the whole family :math:`H(n, r)`; a
    :class:`HeisenbergChain` fixes ``n``, ``r`` and the seed of the random fields.
    All fields are keyword-only and validated on construction.

    Examples
    --------
    >>> spec = ChainSpec(anisotropy=0.5)
    >>> spec.is_su2_symmetric, spec.symmetry_breaking_terms
    (False, ['anisotropy=0.5 (SU(2) needs 1.0)'])
    >>> HeisenbergChain.from_spec(4, 2.0, spec).bonds
    [(0, 1, 1.0), (1, 2, 2.0), (2, 3, 1.0)]
    """

    j1: float = 1.0
    r""":math:`J_1 > 0` (antiferromagnetic; sets the energy unit)."""
    anisotropy: float = 1.0
    r""":math:`\Delta`, the XXZ anisotropy; ``1`` is the isotropic model."""
    field: float = 0.0
    r"""Uniform field :math:`h` along z."""
    boundary: str = "open"
    """``"open"`` or ``"periodic"`` (adds the bond ``(n-1, 0)``; needs ``n >= 3``)."""
    staggered_field: float = 0.0
    r""":math:`h_s`: the field :math:`(-1)^i h_s` on site ``i``."""
    random_field: float = 0.0
    r"""Width :math:`w \ge 0` of the random fields :math:`h_i \sim U[-w, w]` (the seed
    belongs to each :class:`HeisenbergChain`, one disorder draw per Hamiltonian)."""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "j1", check_real("j1", self.j1, minimum=0.0, allow_equal=False))
        set_(self, "anisotropy", check_real("anisotropy", self.anisotropy))
        set_(self, "field", check_real("field", self.field))
        set_(self, "boundary", check_choice("boundary", self.boundary, BOUNDARIES))
        set_(self, "staggered_field", check_real("staggered_field", self.staggered_field))
        set_(self, "random_field", check_real("random_field", self.random_field, minimum=0.0))

    @property
    def is_su2_symmetric(self) -> bool:
        r"""``True`` when :math:`\Delta = 1` and all fields vanish (H commutes with
        :math:`u^{\otimes n}` for every :math:`u \in SU(2)`)."""
        return (
            self.anisotropy == 1.0
            and self.field == 0.0
            and self.staggered_field == 0.0
            and self.random_field == 0.0
        )

    @property
    def symmetry_breaking_terms(self) -> list[str]:
        """Human-readable list of the terms that break SU(2) (empty when symmetric).

        >>> ChainSpec(field=0.1).symmetry_breaking_terms
        ['field=0.1 (SU(2) needs 0)']
        """
        out = []
        if self.anisotropy != 1.0:
            out.append(f"anisotropy={self.anisotropy} (SU(2) needs 1.0)")
        if self.field != 0.0:
            out.append(f"field={self.field} (SU(2) needs 0)")
        if self.staggered_field != 0.0:
            out.append(f"staggered_field={self.staggered_field} (SU(2) needs 0)")
        if self.random_field != 0.0:
            out.append(f"random_field={self.random_field} (SU(2) needs 0)")
        return out

    def to_dict(self) -> dict[str, Any]:
        """The fields as a flat JSON-friendly dict (the keyword arguments of the chain).

        >>> ChainSpec(boundary="periodic").to_dict()["boundary"]
        'periodic'
        """
        return asdict(self)

    def replace(self, **changes: Any) -> ChainSpec:
        """A copy with some fields changed (validated again).

        >>> ChainSpec().replace(field=0.5).field
        0.5
        """
        return _dataclass_replace(self, **changes)


#: Names of the :class:`ChainSpec` fields, in declaration order.
CHAIN_SPEC_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ChainSpec))


@dataclass(frozen=True)
class HeisenbergChain:
    r"""One bond-alternating Heisenberg Hamiltonian and its matrices (no solver, no label).

    .. math::

        H = \sum_{\langle i,j\rangle} J_{ij}\big(S^x_i S^x_j + S^y_i S^y_j
            + \Delta S^z_i S^z_j\big) + \sum_i \big(h + (-1)^i h_s + h_i\big) S^z_i ,

    with :math:`J = J_1` on bonds ``(0,1), (2,3), …`` and :math:`J = r J_1` on bonds
    ``(1,2), (3,4), …``.  The terms other than ``n`` and ``r`` form a :class:`ChainSpec`
    (:attr:`spec`, :meth:`from_spec`).  Use :class:`eqqnn.data.BondAlternatingHeisenberg`,
    which adds ``ground_state()`` and ``phase_label``; the solvers and diagnostics of
    :mod:`eqqnn.data` accept any :class:`HeisenbergChain`.

    Parameters
    ----------
    n_qubits : int
        Number of spins ``n >= 2``.  Odd ``n`` is accepted for the Hamiltonian itself;
        the phase task and the SU(2) singlet sector need even ``n``.
    ratio : float
        :math:`r = J_2 / J_1 \ge 0`.
    j1, anisotropy, field, boundary, staggered_field, random_field : keyword-only
        The fields of :class:`ChainSpec` (:math:`J_1 > 0`, :math:`\Delta`, :math:`h`,
        ``"open"``/``"periodic"``, :math:`h_s`, :math:`w \ge 0`).
    seed : int or None, keyword-only
        Seed of the random fields (``numpy.random.default_rng(seed)``); required when
        ``random_field > 0``.

    Attributes
    ----------
    local_fields : tuple of float
        The random fields :math:`h_i` (all zero when ``random_field == 0``).

    Examples
    --------
    >>> chain = HeisenbergChain(4, 2.0)
    >>> chain.bonds
    [(0, 1, 1.0), (1, 2, 2.0), (2, 3, 1.0)]
    >>> float(np.linalg.eigvalsh(chain.dense_matrix())[0].round(12))
    -2.0
    """

    n_qubits: int
    ratio: float
    _: KW_ONLY
    j1: float = 1.0
    anisotropy: float = 1.0
    field: float = 0.0
    boundary: str = "open"
    staggered_field: float = 0.0
    random_field: float = 0.0
    seed: int | None = None
    local_fields: tuple[float, ...] = dataclass_field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = check_int("n_qubits", self.n_qubits, minimum=2, maximum=CHAIN_MAX_QUBITS)
        ratio = check_real("ratio", self.ratio, minimum=0.0)
        spec = ChainSpec(**{name: getattr(self, name) for name in CHAIN_SPEC_FIELDS})
        if spec.boundary == "periodic" and n < 3:
            raise InvalidParameterError(
                f"boundary='periodic' needs n_qubits >= 3 (n = 2 would double the only bond), "
                f"got n_qubits={n}"
            )
        seed = self.seed
        if seed is not None:
            seed = check_int("seed", seed, minimum=0)
        width = spec.random_field
        if width > 0.0 and seed is None:
            raise InvalidParameterError(
                f"random_field={width} needs an explicit integer seed, got seed=None"
            )
        if width > 0.0:
            rng = np.random.default_rng(seed)
            local = tuple(float(x) for x in rng.uniform(-width, width, size=n))
        else:
            local = (0.0,) * n
        values = {"n_qubits": n, "ratio": ratio, **spec.to_dict(), "seed": seed}
        for name, value in values.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "local_fields", local)

    @classmethod
    def from_spec(
        cls, n_qubits: int, ratio: float, spec: ChainSpec, *, seed: int | None = None
    ) -> Self:
        """The chain of ``n_qubits`` spins at ``ratio`` with the terms of ``spec``.

        Returns an instance of ``cls`` (a :class:`BondAlternatingHeisenberg` when called
        on it).

        >>> HeisenbergChain.from_spec(4, 0.5, ChainSpec(field=0.2)).field
        0.2
        """
        if not isinstance(spec, ChainSpec):
            raise InvalidParameterError(f"spec must be a ChainSpec, got {type(spec).__name__}")
        return cls(n_qubits, ratio, **spec.to_dict(), seed=seed)

    # ------------------------------------------------------------------ properties
    @property
    def spec(self) -> ChainSpec:
        """The terms of the Hamiltonian other than ``n_qubits``, ``ratio`` and ``seed``.

        >>> HeisenbergChain(4, 1.0, anisotropy=0.5).spec.anisotropy
        0.5
        """
        return ChainSpec(**{name: getattr(self, name) for name in CHAIN_SPEC_FIELDS})

    @property
    def j2(self) -> float:
        """:math:`J_2 = r J_1`."""
        return self.ratio * self.j1

    @property
    def bonds(self) -> list[tuple[int, int, float]]:
        """Bonds ``(i, j, J_ij)``: ``(i, i+1)`` for ``i < n-1``, plus ``(n-1, 0)`` if periodic.

        Bond ``(i, i+1)`` carries :math:`J_1` for even ``i`` and :math:`J_2` for odd ``i``.

        >>> HeisenbergChain(4, 0.5, boundary="periodic").bonds[-1]
        (3, 0, 0.5)
        """
        n = self.n_qubits
        last = n if self.boundary == "periodic" else n - 1
        return [(i, (i + 1) % n, self.j1 if i % 2 == 0 else self.j2) for i in range(last)]

    @property
    def site_fields(self) -> np.ndarray:
        r"""Total z field on every site, :math:`h + (-1)^i h_s + h_i` (float64, length n)."""
        sign = np.where(np.arange(self.n_qubits) % 2 == 0, 1.0, -1.0)
        return self.field + self.staggered_field * sign + np.asarray(self.local_fields)

    @property
    def is_su2_symmetric(self) -> bool:
        """``True`` when :math:`\\Delta = 1` and all fields vanish (H commutes with U^{⊗n})."""
        return self.spec.is_su2_symmetric

    @property
    def conserves_sz(self) -> bool:
        """``True``: every term commutes with total :math:`S^z` (no transverse fields)."""
        return True

    @property
    def symmetry_breaking_terms(self) -> list[str]:
        """Human-readable list of the terms that break SU(2) (empty when symmetric)."""
        return self.spec.symmetry_breaking_terms

    def parameters(self) -> dict[str, Any]:
        """All defining parameters as a JSON-friendly dict (stable keys, for cache keys).

        >>> sorted(HeisenbergChain(4, 1.5).parameters())[:3]
        ['anisotropy', 'boundary', 'field']
        """
        return {
            "model": "bond_alternating_heisenberg",
            "n_qubits": self.n_qubits,
            "ratio": self.ratio,
            **self.spec.to_dict(),
            "seed": self.seed,
        }

    # ------------------------------------------------------------------ matrices
    def _diagonal(self, states: np.ndarray) -> np.ndarray:
        n = self.n_qubits
        spins = [0.5 - _bit(states, n, i) for i in range(n)]  # float64 arrays
        diag = np.zeros(states.shape[0], dtype=np.float64)
        if self.anisotropy != 0.0:
            for i, j, coupling in self.bonds:
                if coupling != 0.0:
                    diag += (coupling * self.anisotropy) * (spins[i] * spins[j])
        for i, hz in enumerate(self.site_fields):
            if hz != 0.0:
                diag += hz * spins[i]
        return diag

    def _flip_pairs(self, states: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, float]]:
        """Per bond: positions with opposite spins, flipped states, and the element J/2."""
        n = self.n_qubits
        out = []
        for i, j, coupling in self.bonds:
            if coupling == 0.0:
                continue
            differ = np.flatnonzero(_bit(states, n, i) != _bit(states, n, j))
            mask = (np.int64(1) << np.int64(n - 1 - i)) | (np.int64(1) << np.int64(n - 1 - j))
            out.append((differ, states[differ] ^ mask, 0.5 * coupling))
        return out

    def sparse_matrix(self) -> sp.csr_matrix:
        r"""H as a real ``2^n × 2^n`` scipy CSR matrix (float64).

        .. math::

            \langle k'|H|k\rangle = \delta_{kk'}\Big(\sum_{\langle ij\rangle} J_{ij}\Delta
            s_i s_j + \sum_i h^{\rm tot}_i s_i\Big) + \sum_{\langle ij\rangle}
            \tfrac{J_{ij}}2\,[s_i \ne s_j]\,\delta_{k', k \oplus 2^{n-1-i} \oplus 2^{n-1-j}}

        Raises
        ------
        ProblemTooLargeError
            For ``n_qubits > SPARSE_MAX_QUBITS`` (24).

        Examples
        --------
        >>> HeisenbergChain(2, 1.0).sparse_matrix().toarray()
        array([[ 0.25,  0.  ,  0.  ,  0.  ],
               [ 0.  , -0.25,  0.5 ,  0.  ],
               [ 0.  ,  0.5 , -0.25,  0.  ],
               [ 0.  ,  0.  ,  0.  ,  0.25]])
        """
        _check_qubit_limit(self.n_qubits, SPARSE_MAX_QUBITS, "sparse_matrix")
        states = np.arange(2**self.n_qubits, dtype=np.int64)
        return self._assemble(states, lambda flipped: flipped)

    def dense_matrix(self) -> np.ndarray:
        """H as a dense real ``2^n × 2^n`` array (float64).

        Raises
        ------
        ProblemTooLargeError
            For ``n_qubits > DENSE_MAX_QUBITS`` (14).

        Examples
        --------
        >>> HeisenbergChain(2, 1.0, field=1.0).dense_matrix().diagonal()
        array([ 1.25, -0.25, -0.25, -0.75])
        """
        _check_qubit_limit(self.n_qubits, DENSE_MAX_QUBITS, "dense_matrix")
        return self.sparse_matrix().toarray()

    def sz_sector_basis(self, magnetization: float) -> np.ndarray:
        """Sorted basis indices of the total-S^z = ``magnetization`` sector.

        See :func:`sz_sector_basis`; column ``a`` of :meth:`sz_sector_matrix` is the
        basis state ``sz_sector_basis(M)[a]``.

        >>> HeisenbergChain(2, 1.0).sz_sector_basis(0).tolist()
        [1, 2]
        """
        return sz_sector_basis(self.n_qubits, magnetization)

    def sz_sector_matrix(self, magnetization: float) -> sp.csr_matrix:
        r"""Restriction of H to the sector of total :math:`S^z = M` (real CSR).

        .. math::

            H_M = P_M H P_M, \qquad P_M = \sum_{k:\ n/2 - \mathrm{popcount}(k) = M}
            |k\rangle\langle k|

        Rows and columns follow :meth:`sz_sector_basis` (ascending basis index).

        Parameters
        ----------
        magnetization : float
            ``M``: an integer for even ``n``, a half-integer for odd ``n``.

        Raises
        ------
        InvalidParameterError
            If ``M`` is not allowed for this ``n``.
        ProblemTooLargeError
            For ``n_qubits > SZ_SECTOR_MAX_QUBITS`` (26).

        Examples
        --------
        >>> HeisenbergChain(2, 1.0).sz_sector_matrix(0).toarray()
        array([[-0.25,  0.5 ],
               [ 0.5 , -0.25]])
        """
        _check_qubit_limit(self.n_qubits, SZ_SECTOR_MAX_QUBITS, "sz_sector_matrix")
        states = self.sz_sector_basis(magnetization)
        return self._assemble(states, lambda flipped: np.searchsorted(states, flipped))

    def _assemble(self, states: np.ndarray, locate: Any) -> sp.csr_matrix:
        dim = states.shape[0]
        rows = [np.arange(dim, dtype=np.int64)]
        cols = [np.arange(dim, dtype=np.int64)]
        vals = [self._diagonal(states)]
        for positions, flipped, element in self._flip_pairs(states):
            rows.append(locate(flipped))
            cols.append(positions)
            vals.append(np.full(positions.shape[0], element))
        matrix = sp.coo_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(dim, dim),
        ).tocsr()
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        return matrix
