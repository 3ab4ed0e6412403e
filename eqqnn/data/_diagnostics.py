r"""Phase labels and physical diagnostics of the bond-alternating Heisenberg chain.

**Label.**  ``phase_label(r) = 1`` (Haldane / SPT) for :math:`r = J_2/J_1 > 1` and ``0``
(trivial dimer) for :math:`r \le 1`.  The critical point :math:`r = 1` gets ``0`` by this
rule (``strict=True`` raises instead): dataset grids such as ``linspace(0, 2, 101)``
contain it, and the finite open chains used here, whose end bonds are :math:`J_1` bonds,
are still on the dimer side there (their dimerization below is negative at ``r = 1``).

**Bond correlations.**  :math:`\langle \vec S_i\cdot\vec S_j\rangle = \tfrac14
(p_{00} + p_{11} - p_{01} - p_{10}) + \mathrm{Re}\sum \bar\psi_{\dots0\dots1\dots}
\psi_{\dots1\dots0\dots}`, averaged over the :math:`J_1` and the :math:`J_2` bonds; a
singlet bond has :math:`-3/4`, and the singlet fraction of a bond is
:math:`1/4 - \langle \vec S_i\cdot\vec S_j\rangle`.  The *dimerization*
:math:`D = \langle \vec S\cdot\vec S\rangle_{J_1} - \langle \vec S\cdot\vec S\rangle_{J_2}` is
:math:`-3/4` at ``r = 0`` and tends to :math:`+3/4` as :math:`r \to \infty` (positive in
the Haldane phase, the sign of the label).

**String order.**  For spin-1/2 sites,
:math:`e^{i\pi S^z_k} = i\sigma^z_k`, and the raw string correlator

.. math::

    O(a, b) = \Big\langle S^z_a \exp\Big(i\pi\!\!\sum_{a<k<b}\! S^z_k\Big) S^z_b\Big\rangle

is real when :math:`b - a` is odd.  In a product of singlets it is :math:`-1/4` when
``a`` is the left end and ``b`` the right end of singlet bonds with all singlets in
between inside the string, and ``0`` when ``a`` or ``b`` forms a singlet with a site
outside the string.  The strong bonds of the Haldane phase are the :math:`J_2` bonds
``(1,2), (3,4), …``: the Haldane string order therefore starts on an **odd** site and
ends on an **even** site (the pair of spins ``(2k-1, 2k)`` is the effective spin 1; this
is the spin-1/2 analogue of the den Nijs–Rommelse string order of that spin-1 chain).
The reported, normalized value is

.. math:: \mathcal O = -4\, O(a, b), \qquad a \text{ odd},\ b \text{ even},

which is ``0`` at ``r = 0`` and tends to ``1`` as :math:`r \to \infty`.  The *dual* string
order :math:`\mathcal O' = -4\,O(a+1, b-1)` (even start, odd end) is the same quantity for
the trivial phase (``1`` at ``r = 0``).  The default sites are the bulk pair
``a = q`` or ``q - 1`` (the odd one), ``q = max(1, n // 4)``, and ``b = n - 1 - a``
(mirror symmetric; e.g. ``(3, 8)`` at ``n = 12``, ``(3, 12)`` at ``n = 16``, ``(5, 18)``
at ``n = 24``).

**Finite open chains.**  The open chain ends on :math:`J_1` bonds, which favours the dimer
side: the crossing :math:`\mathcal O = \mathcal O'` lies at ``r ≈ 1.47, 1.22, 1.18`` and
the zero of ``D`` at ``r ≈ 1.37, 1.22, 1.16`` for ``n = 8, 12, 16``, moving towards 1 as
``n`` grows (tutorial 02).  For ``r <= 1`` and for ``r >= 1.5`` (``n >= 8``) both criteria
agree with :func:`phase_label` (tested at ``n = 8, 12``); in between, finite open chains
can disagree with the thermodynamic label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eqqnn._validation import check_int, check_real
from eqqnn.data._chain import HeisenbergChain
from eqqnn.data._ground_state import GroundState
from eqqnn.errors import DimensionError, InvalidParameterError

__all__ = [
    "PhaseDiagnostics",
    "bond_correlation",
    "default_string_sites",
    "diagnostics",
    "phase_label",
    "string_correlator",
]


def phase_label(ratio: float, *, strict: bool = False) -> int:
    r"""Phase of the SU(2)-symmetric bond-alternating chain at :math:`r = J_2/J_1`.

    .. math:: \ell(r) = [\,r > 1\,] \qquad (0 = \text{trivial dimer},\ 1 = \text{Haldane})

    Parameters
    ----------
    ratio : float
        :math:`r \ge 0`, finite.
    strict : bool
        If ``True``, the critical point ``r == 1`` raises instead of giving ``0``.

    Examples
    --------
    >>> phase_label(0.5), phase_label(1.0), phase_label(1.5)
    (0, 0, 1)
    """
    r = check_real("ratio", ratio, minimum=0.0)
    if strict and r == 1.0:
        raise InvalidParameterError(
            "ratio=1.0 is the critical point and has no phase label; expected ratio != 1"
        )
    return int(r > 1.0)


def _as_vector(state: object) -> tuple[np.ndarray, int]:
    """A 2^n state as a 1-d complex128 array and its qubit count ``n``."""
    psi = state.vector() if isinstance(state, GroundState) else np.asarray(state)
    if psi.ndim != 1 or psi.shape[0] < 2 or psi.shape[0] & (psi.shape[0] - 1):
        raise DimensionError(
            f"state must be a 1-d vector of length 2^n (n >= 1), got shape {psi.shape}"
        )
    n = psi.shape[0].bit_length() - 1
    return psi.astype(np.complex128, copy=False), n


def _check_sites(n: int, i: object, j: object, names: tuple[str, str]) -> tuple[int, int]:
    i = check_int(names[0], i, minimum=0, maximum=n - 1)
    j = check_int(names[1], j, minimum=0, maximum=n - 1)
    if i >= j:
        raise InvalidParameterError(f"expected {names[0]} < {names[1]}, got {i} and {j}")
    return i, j


def _five_axes(psi: np.ndarray, n: int, i: int, j: int) -> np.ndarray:
    """View ``psi`` as ``(2^i, 2, 2^(j-i-1), 2, 2^(n-j-1))`` (qubit i and j exposed)."""
    return psi.reshape(2**i, 2, 2 ** (j - i - 1), 2, 2 ** (n - j - 1))


def bond_correlation(state: GroundState | np.ndarray, i: int, j: int) -> float:
    r"""Spin–spin correlation :math:`\langle \vec S_i\cdot\vec S_j\rangle` of a pure state.

    .. math::

        \langle \vec S_i\cdot\vec S_j\rangle = \tfrac14\,(p_{00}+p_{11}-p_{01}-p_{10})
        + \mathrm{Re}\!\!\sum_{x} \bar\psi_{x|0_i1_j}\,\psi_{x|1_i0_j}

    Parameters
    ----------
    state : GroundState or array_like
        A normalized vector of length ``2^n`` (qubit 0 most significant).
    i, j : int
        Sites, ``i < j``.

    Examples
    --------
    >>> singlet = np.array([0, 1, -1, 0]) / np.sqrt(2)
    >>> round(bond_correlation(singlet, 0, 1), 12)
    -0.75
    """
    psi, n = _as_vector(state)
    i, j = _check_sites(n, i, j, ("i", "j"))
    v = _five_axes(psi, n, i, j)
    prob = np.abs(v) ** 2
    same = prob[:, 0, :, 0].sum() + prob[:, 1, :, 1].sum()
    opposite = prob[:, 0, :, 1].sum() + prob[:, 1, :, 0].sum()
    zz = 0.25 * float(same - opposite)
    flip = float(np.real(np.vdot(v[:, 0, :, 1], v[:, 1, :, 0])))
    return zz + flip


def string_correlator(state: GroundState | np.ndarray, a: int, b: int) -> float:
    r"""Raw string correlator :math:`\langle S^z_a e^{i\pi\sum_{a<k<b} S^z_k} S^z_b\rangle`.

    .. math::

        O(a, b) = i^{\,b-a-1}\sum_k |\psi_k|^2\, s_a(k)\, s_b(k)\,
        (-1)^{\#\{a<c<b\,:\ \text{spin } c \text{ down in } k\}}

    with :math:`s_c(k) = \pm 1/2` the spin of site ``c`` in basis state ``k``.

    Parameters
    ----------
    state : GroundState or array_like
        A normalized vector of length ``2^n``.
    a, b : int
        End sites, ``a < b`` with ``b - a`` odd (an even number of string sites; the
        correlator is then real).

    Examples
    --------
    >>> singlet = np.array([0, 1, -1, 0]) / np.sqrt(2)
    >>> round(string_correlator(singlet, 0, 1), 12)
    -0.25
    """
    psi, n = _as_vector(state)
    a, b = _check_sites(n, a, b, ("a", "b"))
    m = b - a - 1
    if m % 2:
        raise InvalidParameterError(
            f"string correlator needs b - a odd (a real value), got a={a}, b={b}"
        )
    prob = (np.abs(_five_axes(psi, n, a, b)) ** 2).sum(axis=(0, 4))  # (2, 2^m, 2)
    inner = np.arange(2**m, dtype=np.int64)
    parity = np.zeros(2**m, dtype=np.int64)
    for bit in range(m):
        parity ^= (inner >> bit) & 1
    string = (1.0 - 2.0 * parity) * (-1.0) ** (m // 2)
    spin = np.array([0.5, -0.5])
    return float(np.einsum("a,akb,b,k->", spin, prob, spin, string))


def default_string_sites(n_qubits: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Sites ``(a, b)`` of the Haldane string order and ``(a+1, b-1)`` of the dual one.

    ``a`` is the odd one of ``q, q - 1`` with ``q = max(1, n // 4)``, ``b = n - 1 - a``
    (mirror-symmetric for even ``n``; for odd ``n``, ``b`` is lowered by one to be even).
    The dual pair is ``(a + 1, b - 1)`` when ``b - a >= 3``, else ``(a - 1, b + 1)``.

    >>> default_string_sites(12)
    ((3, 8), (4, 7))
    """
    n = check_int("n_qubits", n_qubits, minimum=4)
    q = max(1, n // 4)
    a = q if q % 2 else q - 1
    b = n - 1 - a
    if b % 2:
        b -= 1
    dual = (a + 1, b - 1) if b - a >= 3 else (a - 1, b + 1)
    return (a, b), dual


@dataclass(frozen=True)
class PhaseDiagnostics:
    r"""Physical diagnostics of a chain state (see the module docstring for definitions).

    .. math::

        D = \langle\vec S\cdot\vec S\rangle_{J_1} - \langle\vec S\cdot\vec S\rangle_{J_2},
        \qquad \mathcal O = -4\,O(a, b), \qquad \mathcal O' = -4\,O(a+1, b-1)

    Attributes
    ----------
    n_qubits, ratio, label
        The model's size, :math:`r` and :func:`phase_label`.
    energy : float
        :math:`\langle H\rangle`.
    gap : float or None
        From the :class:`GroundState`, ``None`` for a bare vector.
    bond_j1, bond_j2 : float
        Mean :math:`\langle\vec S_i\cdot\vec S_j\rangle` over the :math:`J_1` / :math:`J_2`
        bonds (the periodic closing bond included).
    dimerization : float
        ``bond_j1 - bond_j2``: negative in the dimer phase, positive in the Haldane phase.
    string_order, string_order_dual : float
        :math:`\mathcal O` and :math:`\mathcal O'` (``nan`` for ``n < 4``).
    string_sites, dual_sites : tuple of int
        The end sites used.
    """

    n_qubits: int
    ratio: float
    label: int
    energy: float
    gap: float | None
    bond_j1: float
    bond_j2: float
    dimerization: float
    string_order: float
    string_order_dual: float
    string_sites: tuple[int, int] | None
    dual_sites: tuple[int, int] | None

    @property
    def singlet_fraction_j1(self) -> float:
        r"""Mean singlet weight :math:`1/4 - \langle\vec S\cdot\vec S\rangle` on J1 bonds."""
        return 0.25 - self.bond_j1

    @property
    def singlet_fraction_j2(self) -> float:
        r"""Mean singlet weight :math:`1/4 - \langle\vec S\cdot\vec S\rangle` on J2 bonds."""
        return 0.25 - self.bond_j2

    @property
    def predicted_label(self) -> int:
        """``1`` if the Haldane string order exceeds the dual one, else ``0``."""
        return int(self.string_order > self.string_order_dual)


def diagnostics(model: HeisenbergChain, state: GroundState | np.ndarray) -> PhaseDiagnostics:
    r"""Gap, bond correlations, dimerization and string orders of a state of ``model``.

    .. math::

        \mathcal O = -4\Big\langle S^z_a\, e^{i\pi\sum_{a<k<b} S^z_k}\, S^z_b\Big\rangle,
        \quad a \text{ odd},\ b \text{ even}

    Parameters
    ----------
    model : BondAlternatingHeisenberg
        Supplies the bonds, the ratio and the label (any
        :class:`~eqqnn.data._chain.HeisenbergChain`).
    state : GroundState or array_like
        The state (``2^n`` vector, qubit 0 most significant); a bare vector gets its
        energy from the sparse matrix and no gap.

    Raises
    ------
    DimensionError
        If the state does not have ``2^n_qubits`` amplitudes.

    Examples
    --------
    >>> from eqqnn.data import BondAlternatingHeisenberg
    >>> model = BondAlternatingHeisenberg(8, 0.0)
    >>> d = diagnostics(model, model.ground_state("sz"))
    >>> [round(x, 12) + 0.0 for x in (d.bond_j1, d.bond_j2, d.string_order, d.string_order_dual)]
    [-0.75, 0.0, 0.0, 1.0]
    """
    if not isinstance(model, HeisenbergChain):
        raise InvalidParameterError(
            f"model must be a BondAlternatingHeisenberg, got {type(model).__name__}"
        )
    psi, n = _as_vector(state)
    if n != model.n_qubits:
        raise DimensionError(
            f"state has {psi.shape[0]} amplitudes (n={n}) but the model has "
            f"n_qubits={model.n_qubits} (expected {2**model.n_qubits})"
        )
    if isinstance(state, GroundState):
        energy, gap = state.energy, state.gap
    else:
        energy = float(np.real(np.vdot(psi, model.sparse_matrix() @ psi)))
        gap = None
    groups: dict[int, list[float]] = {0: [], 1: []}
    for index, (i, j, _) in enumerate(model.bonds):
        groups[index % 2].append(bond_correlation(psi, min(i, j), max(i, j)))
    bond_j1 = float(np.mean(groups[0]))
    bond_j2 = float(np.mean(groups[1])) if groups[1] else float("nan")
    if n >= 4:
        sites, dual = default_string_sites(n)
        order = -4.0 * string_correlator(psi, *sites)
        order_dual = -4.0 * string_correlator(psi, *dual)
    else:
        sites = dual = None
        order = order_dual = float("nan")
    return PhaseDiagnostics(
        n_qubits=n,
        ratio=model.ratio,
        label=phase_label(model.ratio),
        energy=float(energy),
        gap=gap,
        bond_j1=bond_j1,
        bond_j2=bond_j2,
        dimerization=bond_j1 - bond_j2,
        string_order=order,
        string_order_dual=order_dual,
        string_sites=sites,
        dual_sites=dual,
    )
