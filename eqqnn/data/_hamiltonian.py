r"""The bond-alternating spin-1/2 Heisenberg chain.

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

Conventions: qubit 0 is the most significant bit of a basis index and ``|0⟩`` is spin up,
so the spin of qubit ``i`` in basis state ``k`` is ``1/2 - bit_i(k)`` with
``bit_i(k) = (k >> (n - 1 - i)) & 1``.  Every matrix is built with vectorized bit
operations over all basis states (Python loops run over bonds and sites only).
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from eqqnn._validation import check_choice, check_int, check_real
from eqqnn.errors import InvalidParameterError, ProblemTooLargeError

if TYPE_CHECKING:
    from eqqnn.data._ground_state import GroundState

__all__ = [
    "DENSE_MAX_QUBITS",
    "MAX_QUBITS",
    "SPARSE_MAX_QUBITS",
    "SZ_SECTOR_MAX_QUBITS",
    "BondAlternatingHeisenberg",
    "sz_sector_basis",
]

#: Largest chain accepted by :meth:`BondAlternatingHeisenberg.dense_matrix` (2^14 = 16 384).
DENSE_MAX_QUBITS = 14
#: Largest chain accepted by :meth:`BondAlternatingHeisenberg.sparse_matrix`.
SPARSE_MAX_QUBITS = 24
#: Largest chain accepted by :meth:`BondAlternatingHeisenberg.sz_sector_matrix`.
SZ_SECTOR_MAX_QUBITS = 26
#: Largest chain the model accepts at all (basis indices must fit in int64).
MAX_QUBITS = 62

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


@dataclass(frozen=True)
class BondAlternatingHeisenberg:
    r"""Bond-alternating Heisenberg chain with optional symmetry-breaking terms.

    .. math::

        H = \sum_{\langle i,j\rangle} J_{ij}\big(S^x_i S^x_j + S^y_i S^y_j
            + \Delta S^z_i S^z_j\big) + \sum_i \big(h + (-1)^i h_s + h_i\big) S^z_i ,

    with :math:`J = J_1` on bonds ``(0,1), (2,3), …`` and :math:`J = r J_1` on bonds
    ``(1,2), (3,4), …``.

    Parameters
    ----------
    n_qubits : int
        Number of spins ``n >= 2``.  Odd ``n`` is accepted for the Hamiltonian itself;
        the phase task and the SU(2) singlet sector need even ``n``.
    ratio : float
        :math:`r = J_2 / J_1 \ge 0`.
    j1 : float, keyword-only
        :math:`J_1 > 0` (antiferromagnetic; sets the energy unit).
    anisotropy : float, keyword-only
        :math:`\Delta` (XXZ anisotropy); ``1`` is the isotropic model.
    field : float, keyword-only
        Uniform field :math:`h` along z.
    boundary : {"open", "periodic"}, keyword-only
        ``"periodic"`` adds the bond ``(n-1, 0)``; it needs ``n >= 3`` (for ``n = 2`` it
        would double the only bond).
    staggered_field : float, keyword-only
        :math:`h_s`, the field :math:`(-1)^i h_s` on site ``i``.
    random_field : float, keyword-only
        Width ``w >= 0`` of the random fields :math:`h_i \sim U[-w, w]`.
    seed : int or None, keyword-only
        Seed of the random fields (``numpy.random.default_rng(seed)``); required when
        ``random_field > 0``.

    Attributes
    ----------
    local_fields : tuple of float
        The random fields :math:`h_i` (all zero when ``random_field == 0``).

    Examples
    --------
    >>> model = BondAlternatingHeisenberg(4, 2.0)
    >>> model.bonds
    [(0, 1, 1.0), (1, 2, 2.0), (2, 3, 1.0)]
    >>> float(np.linalg.eigvalsh(model.dense_matrix())[0].round(12))
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
        n = check_int("n_qubits", self.n_qubits, minimum=2, maximum=MAX_QUBITS)
        ratio = check_real("ratio", self.ratio, minimum=0.0)
        j1 = check_real("j1", self.j1, minimum=0.0, allow_equal=False)
        anisotropy = check_real("anisotropy", self.anisotropy)
        h = check_real("field", self.field)
        boundary = check_choice("boundary", self.boundary, BOUNDARIES)
        if boundary == "periodic" and n < 3:
            raise InvalidParameterError(
                f"boundary='periodic' needs n_qubits >= 3 (n = 2 would double the only bond), "
                f"got n_qubits={n}"
            )
        hs = check_real("staggered_field", self.staggered_field)
        width = check_real("random_field", self.random_field, minimum=0.0)
        seed = self.seed
        if seed is not None:
            seed = check_int("seed", seed, minimum=0)
        if width > 0.0 and seed is None:
            raise InvalidParameterError(
                f"random_field={width} needs an explicit integer seed, got seed=None"
            )
        if width > 0.0:
            rng = np.random.default_rng(seed)
            local = tuple(float(x) for x in rng.uniform(-width, width, size=n))
        else:
            local = (0.0,) * n
        for name, value in (
            ("n_qubits", n),
            ("ratio", ratio),
            ("j1", j1),
            ("anisotropy", anisotropy),
            ("field", h),
            ("boundary", boundary),
            ("staggered_field", hs),
            ("random_field", width),
            ("seed", seed),
            ("local_fields", local),
        ):
            object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ properties
    @property
    def j2(self) -> float:
        """:math:`J_2 = r J_1`."""
        return self.ratio * self.j1

    @property
    def bonds(self) -> list[tuple[int, int, float]]:
        """Bonds ``(i, j, J_ij)``: ``(i, i+1)`` for ``i < n-1``, plus ``(n-1, 0)`` if periodic.

        Bond ``(i, i+1)`` carries :math:`J_1` for even ``i`` and :math:`J_2` for odd ``i``.

        >>> BondAlternatingHeisenberg(4, 0.5, boundary="periodic").bonds[-1]
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
        return (
            self.anisotropy == 1.0
            and self.field == 0.0
            and self.staggered_field == 0.0
            and self.random_field == 0.0
        )

    @property
    def conserves_sz(self) -> bool:
        """``True``: every term commutes with total :math:`S^z` (no transverse fields)."""
        return True

    @property
    def symmetry_breaking_terms(self) -> list[str]:
        """Human-readable list of the terms that break SU(2) (empty when symmetric)."""
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

    @property
    def phase_label(self) -> int:
        """Phase label of the SU(2)-symmetric model at this ratio: ``int(ratio > 1)``.

        0 = trivial (dimer), 1 = Haldane; ``ratio == 1`` gives 0 (see
        :func:`eqqnn.data.phase_label`).  Symmetry-breaking terms do not change the
        label: it is the target of the classification task.
        """
        from eqqnn.data._diagnostics import phase_label

        return phase_label(self.ratio)

    def parameters(self) -> dict[str, Any]:
        """All defining parameters as a JSON-friendly dict (stable keys, for cache keys).

        >>> sorted(BondAlternatingHeisenberg(4, 1.5).parameters())[:3]
        ['anisotropy', 'boundary', 'field']
        """
        return {
            "model": "bond_alternating_heisenberg",
            "n_qubits": self.n_qubits,
            "ratio": self.ratio,
            "j1": self.j1,
            "anisotropy": self.anisotropy,
            "field": self.field,
            "boundary": self.boundary,
            "staggered_field": self.staggered_field,
            "random_field": self.random_field,
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
        >>> BondAlternatingHeisenberg(2, 1.0).sparse_matrix().toarray()
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
        >>> BondAlternatingHeisenberg(2, 1.0, field=1.0).dense_matrix().diagonal()
        array([ 1.25, -0.25, -0.25, -0.75])
        """
        _check_qubit_limit(self.n_qubits, DENSE_MAX_QUBITS, "dense_matrix")
        return self.sparse_matrix().toarray()

    def sz_sector_basis(self, magnetization: float) -> np.ndarray:
        """Sorted basis indices of the total-S^z = ``magnetization`` sector.

        See :func:`sz_sector_basis`; column ``a`` of :meth:`sz_sector_matrix` is the
        basis state ``sz_sector_basis(M)[a]``.

        >>> BondAlternatingHeisenberg(2, 1.0).sz_sector_basis(0).tolist()
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
        >>> BondAlternatingHeisenberg(2, 1.0).sz_sector_matrix(0).toarray()
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

    # ------------------------------------------------------------------ ground states
    def ground_state(
        self,
        method: str = "auto",
        *,
        n_excited: int = 1,
        compute_gap: bool = True,
    ) -> GroundState:
        """Exact ground state; see :func:`eqqnn.data.ground_state` for the full contract.

        >>> gs = BondAlternatingHeisenberg(2, 1.0).ground_state("dense")
        >>> gs.energy, gs.total_spin
        (-0.75, 0.0)
        """
        from eqqnn.data._ground_state import ground_state

        return ground_state(self, method, n_excited=n_excited, compute_gap=compute_gap)
