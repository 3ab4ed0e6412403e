r"""The public model :class:`BondAlternatingHeisenberg`: the chain, its ground state and label.

.. math::

    H = \sum_{\langle i,j\rangle} J_{ij}\big(S^x_i S^x_j + S^y_i S^y_j + \Delta S^z_i S^z_j\big)
        + \sum_i \big(h + (-1)^i h_s + h_i\big) S^z_i,
    \qquad J_{i,i+1} = \begin{cases} J_1 & i \text{ even} \\ r J_1 & i \text{ odd}\end{cases}

The Hamiltonian itself — its parameters (:class:`~eqqnn.data._chain.ChainSpec`) and its
dense, sparse and :math:`S^z`-sector matrices — lives in :mod:`eqqnn.data._chain`, the
bottom of the package.  This module sits one layer above the solvers and the labels and
adds their conveniences to the chain: :meth:`BondAlternatingHeisenberg.ground_state`
(:func:`eqqnn.data.ground_state`) and :attr:`BondAlternatingHeisenberg.phase_label`
(:func:`eqqnn.data.phase_label`).  Imports flow one way::

    _chain  <-  _ground_state  <-  _diagnostics  <-  _hamiltonian  <-  _dataset

The constants and :func:`sz_sector_basis` of :mod:`eqqnn.data._chain` are re-exported
here, where they used to be defined.
"""

from __future__ import annotations

from dataclasses import dataclass

from eqqnn.data._chain import (
    DENSE_MAX_QUBITS,
    MAX_QUBITS,
    SPARSE_MAX_QUBITS,
    SZ_SECTOR_MAX_QUBITS,
    ChainSpec,
    HeisenbergChain,
    sz_sector_basis,
)
from eqqnn.data._diagnostics import phase_label as _phase_label
from eqqnn.data._ground_state import GroundState
from eqqnn.data._ground_state import ground_state as _ground_state

__all__ = [
    "DENSE_MAX_QUBITS",
    "MAX_QUBITS",
    "SPARSE_MAX_QUBITS",
    "SZ_SECTOR_MAX_QUBITS",
    "BondAlternatingHeisenberg",
    "ChainSpec",
    "HeisenbergChain",
    "sz_sector_basis",
]


@dataclass(frozen=True)
class BondAlternatingHeisenberg(HeisenbergChain):
    r"""Bond-alternating Heisenberg chain with optional symmetry-breaking terms.

    .. math::

        H = \sum_{\langle i,j\rangle} J_{ij}\big(S^x_i S^x_j + S^y_i S^y_j
            + \Delta S^z_i S^z_j\big) + \sum_i \big(h + (-1)^i h_s + h_i\big) S^z_i ,

    with :math:`J = J_1` on bonds ``(0,1), (2,3), …`` and :math:`J = r J_1` on bonds
    ``(1,2), (3,4), …``.  The matrices, bonds and fields come from
    :class:`~eqqnn.data._chain.HeisenbergChain`; this class adds :meth:`ground_state`
    and :attr:`phase_label`.

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
    >>> import numpy as np
    >>> model = BondAlternatingHeisenberg(4, 2.0)
    >>> model.bonds
    [(0, 1, 1.0), (1, 2, 2.0), (2, 3, 1.0)]
    >>> float(np.linalg.eigvalsh(model.dense_matrix())[0].round(12))
    -2.0
    >>> model.phase_label, round(model.ground_state().energy, 12)
    (1, -2.0)
    >>> BondAlternatingHeisenberg.from_spec(4, 2.0, ChainSpec(field=0.5)).field
    0.5
    """

    @property
    def phase_label(self) -> int:
        """Phase label of the SU(2)-symmetric model at this ratio: ``int(ratio > 1)``.

        0 = trivial (dimer), 1 = Haldane; ``ratio == 1`` gives 0 (see
        :func:`eqqnn.data.phase_label`).  Symmetry-breaking terms do not change the
        label: it is the target of the classification task.
        """
        return _phase_label(self.ratio)

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
        return _ground_state(self, method, n_excited=n_excited, compute_gap=compute_gap)
