r"""Matrix-product-state ground states of the open chain by two-site DMRG (TeNPy).

This module computes the ground state of the open bond-alternating chain of
:class:`~eqqnn.data.BondAlternatingHeisenberg`

.. math::

    H = \sum_{i=0}^{n-2} J_i\big(S^x_i S^x_{i+1} + S^y_i S^y_{i+1}
        + \Delta S^z_i S^z_{i+1}\big) + h \sum_i S^z_i ,
    \qquad J_i = \begin{cases} J_1 & i \text{ even}\\ r J_1 & i \text{ odd}\end{cases},
    \qquad S = \sigma/2,

as a matrix-product state (MPS) with two-site DMRG, beyond the reach of the exact solvers
of :mod:`eqqnn.data._ground_state`, and returns it as an
:class:`~eqqnn.data.MPSGroundState` (:mod:`eqqnn.data._mps` reads the snapshots and
correlators off it exactly).  ``energy`` is the total
:math:`\langle\psi|H|\psi\rangle`, the normalization of
``BondAlternatingHeisenberg(...).ground_state().energy``.

**The total singlet.**  DMRG works in a sector of total :math:`S^z = M` (U(1) block
sparsity).  In the Haldane phase (``r > 1``) of the open chain the singlet ground state and
the ``M = 0`` member of the lowest triplet are split by an amount that vanishes
exponentially in ``n`` (3.7e-4 at ``n = 24, r = 1.5``, far below the DMRG resolution at
``n = 64``), so plain DMRG may return a mixture of the two.  For :math:`\Delta = 1` and
``r > 1`` the solver therefore minimizes

.. math::

    H + \lambda\,\Big(\vec S_{\rm tot}^{\,2} - \tfrac{3n}{4}\Big), \qquad
    \vec S_{\rm tot}^{\,2} = \tfrac{3n}{4} + 2\sum_{i<j}\Big(S^z_iS^z_j
        + \tfrac12\big(S^+_iS^-_j + S^-_iS^+_j\big)\Big),

(``λ = penalty``; an MPO of bond dimension 8 instead of 5), which leaves the states of
total spin ``S = |M|`` in place and lifts the others by at least :math:`2\lambda(|M|+1)`.
For ``r <= 1`` the plain ``H`` is used first and the penalized run follows only when
:math:`\langle\vec S_{\rm tot}^{\,2}\rangle - |M|(|M|+1) > 10^{-8}` (triplet weight above
``5e-9``).  ``energy`` is always :math:`\langle H\rangle` without the penalty, and
``spin_squared`` records :math:`\langle\vec S_{\rm tot}^{\,2}\rangle` (``≈ 1e-11`` for the
singlets here).  With zero field and :math:`\Delta = 1` the sector is ``M = 0``
(Lieb–Mattis: the singlet is the unique ground state for even ``n``).  Otherwise the sectors
``M = 0, s, 2s, …`` are solved in turn (``s = -sign(h)``, ``s = +1`` for ``h = 0`` where
``E(M) = E(-M)``) until the energy rises, which finds the ground state whenever the lowest
energy per sector is unimodal in ``M`` (a convex magnetization curve, as for the
antiferromagnetic chain).  The start is a seeded product state in which every ``J_1``
dimer carries its share of ``M``: with ``S^z`` conserved DMRG cannot move magnetization
across a bond that carries no term (``r = 0``).

**Cost** (``benchmarks/bench_mps.py --blas-threads 1``, 2 cores shared with other jobs,
load ≈ 6; defaults ``cutoff=1e-12``, ``tol=1e-11``; seconds):

=====  ==========  ====  =====  ======  ==============  ============
n      r           DMRG  χ      sweeps  1000 snapshots  correlators
=====  ==========  ====  =====  ======  ==============  ============
28     0.5         3.0   19     4       0.02            0.01
28     0.95        3.4   61     4       0.08            0.08
28     1.05        4.6   81     5       0.11            0.13
28     1.5         4.7   58     5       0.06            0.08
64     0.5         7.1   19     4       0.05            0.07
64     0.95        9.9   92     4       0.37            0.98
64     1.05        20.4  155    5       0.70            3.43
64     1.5         18.3  59     10      0.21            0.60
=====  ==========  ====  =====  ======  ==============  ============

Against the singlet-sector solver at ``n = 16, 20, 24`` (r = 0.5, 0.95, 1.05, 1.5) the
relative energy error is ≤ 5.6e-12 and the fidelity loss ≤ 1.4e-11.  With OpenBLAS's
default two threads on the loaded machine the small matrix products of DMRG slow down
several-fold (threads spin); set ``OPENBLAS_NUM_THREADS=1`` when the cores are shared.

**Library: TeNPy (``physics-tenpy``), chosen by measurement** against quimb, both from
PyPI, on the same machine and load, one BLAS thread, plain ``H`` (no penalty), DMRG
settings aimed at ~1e-11 in the energy (TeNPy: ``svd_min=1e-7``, no mixer; quimb
``DMRG2``: ``bond_dims=[16..256]``, ``cutoffs=1e-12``); exact energies from the
singlet-sector solver:

==============================  ============================  ===========================
measurement                     TeNPy 1.1.1 (U(1) ``Sz``)     quimb 1.15 (dense)
==============================  ============================  ===========================
rel. energy error n=24 r=0.5    1.1e-13 (1.2 s)               3.7e-12 (0.4 s)
rel. energy error n=24 r=0.95   2.7e-13 (2.2 s)               5.0e-12 (0.5 s)
rel. energy error n=24 r=1.5    1.7e-13, the singlet (5.0 s)  2.3e-6: singlet–triplet
                                                              mixture, 40 sweeps (4.6 s)
one ground state n=28 r=0.5     2.4 s (χ=28)                  0.3 s (χ=19)
one ground state n=28 r=0.95    3.1 s (χ=79)                  0.6 s (χ=62)
one ground state n=64 r=0.5     4.1 s (χ=28)                  0.8 s (χ=19)
one ground state n=64 r=0.95    10.9 s (χ=112)                4.0 s (χ=93)
download (wheel + new deps)     2.8 MB, no new dependency     2.1 MB + cotengra, cytoolz,
                                                              toolz, tqdm: 5.6 MB
==============================  ============================  ===========================

quimb is 2.5–8× faster per ground state (TeNPy's block-sparse tensors cost Python overhead
at these bond dimensions), and TeNPy is more accurate.  TeNPy wins on what a dependency
of this package must do: quimb >= 1.16 needs ``autoray >= 0.10`` while ``pennylane``
pins ``autoray == 0.8.4``; pip then resolves quimb 1.15 with cotengra 0.8.3, whose DMRG
crashes with that autoray (``AttributeError: 'numpy.ndarray' object has no attribute
'get_function'``), so quimb would need a pin to an old ``cotengra < 0.8`` (0.7.5 works but
warns at import about missing optimizers) that breaks when pennylane moves.  TeNPy needs
only numpy and scipy, conserves :math:`S^z` (the sector scan for fields, and no drift into
the triplet without the penalty at ``n = 24``), builds the :math:`\vec S^2` penalty MPO in
two calls (``add_exponentially_decaying_coupling``), and its tensors convert to plain
arrays for the sampler (``Array.to_ndarray``) as easily as quimb's.  At ``n = 64`` a
ground state takes 7–20 s here, well within what dataset grids need.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from eqqnn._validation import check_even_int, check_real
from eqqnn.data._chain import CHAIN_MAX_QUBITS, HeisenbergChain
from eqqnn.data._mps import DMRGSettings, MPSGroundState

__all__ = ["MPS_MAX_QUBITS", "mps_ground_state"]

#: Largest chain :func:`mps_ground_state` accepts.
MPS_MAX_QUBITS = CHAIN_MAX_QUBITS

_LOG = logging.getLogger(__name__)
# Largest <S_tot^2> - |M|(|M|+1) accepted from a run without the penalty: a singlet with
# triplet weight w has <S^2> = 2w, so this bounds w by 5e-9.
_SPIN_TOL = 1e-8


def _tenpy() -> Any:
    """Import TeNPy lazily (importing it costs ~0.5 s; most of eqqnn never needs it)."""
    import tenpy.algorithms.dmrg as dmrg
    from tenpy.models.lattice import Chain
    from tenpy.models.model import CouplingModel, MPOModel
    from tenpy.networks.mps import MPS
    from tenpy.networks.site import SpinHalfSite

    return dmrg, Chain, CouplingModel, MPOModel, MPS, SpinHalfSite


# --------------------------------------------------------------------------------------
# DMRG


def _couplings(n: int, ratio: float, j1: float) -> list[float]:
    """Exchange of each open-chain bond, from the Hamiltonian's own bond rule."""
    return [w for _, _, w in HeisenbergChain(n, ratio, j1=j1).bonds]


def _build_model(
    lattice: Any,
    couplings: Sequence[float],
    anisotropy: float,
    field: float,
    penalty: float,
) -> Any:
    """TeNPy MPO model of ``H + penalty · (S_tot^2 - 3n/4)``."""
    _, _, coupling_model, mpo_model, _, _ = _tenpy()

    class _Chain(coupling_model, mpo_model):
        def __init__(self) -> None:
            coupling_model.__init__(self, lattice)
            for i, j in enumerate(couplings):
                if j != 0.0:
                    self.add_coupling_term(0.5 * j, i, i + 1, "Sp", "Sm", plus_hc=True)
                    if anisotropy != 0.0:
                        self.add_coupling_term(j * anisotropy, i, i + 1, "Sz", "Sz")
            if field != 0.0:
                for i in range(lattice.N_sites):
                    self.add_onsite_term(field, i, "Sz")
            if penalty != 0.0:
                self.add_exponentially_decaying_coupling(2.0 * penalty, 1.0, "Sz", "Sz")
                self.add_exponentially_decaying_coupling(penalty, 1.0, "Sp", "Sm", plus_hc=True)
            mpo_model.__init__(self, lattice, self.calc_H_MPO())

    return _Chain()


def _initial_state(n: int, magnetization: int, seed: int, sector_index: int) -> list[str]:
    """Seeded product state of total ``S^z = M`` built from the ``J_1`` dimers.

    Every dimer ``(2k, 2k+1)`` holds one up and one down spin in random order, except
    ``|M|`` random dimers that are both up (``M > 0``) or both down.  Starting with the
    right magnetization on each dimer matters when a bond vanishes (``r = 0``): DMRG with
    conserved :math:`S^z` cannot move magnetization across a bond that carries no term.
    """
    rng = np.random.default_rng([seed, sector_index])
    dimers = n // 2
    order = rng.integers(0, 2, size=dimers)
    polarized = set(rng.permutation(dimers)[: abs(magnetization)].tolist())
    labels = []
    for k in range(dimers):
        if k in polarized:
            labels += ["up", "up"] if magnetization > 0 else ["down", "down"]
        else:
            labels += ["up", "down"] if order[k] else ["down", "up"]
    return labels


def _mark_used(config: Any) -> None:
    """Forget TeNPy's record of unread options (it warns about them when collected)."""
    from tenpy.tools.params import Config

    config.unused.clear()
    for value in config.options.values():
        if isinstance(value, Config):
            _mark_used(value)


@dataclass(frozen=True)
class _SectorResult:
    magnetization: int
    energy: float
    spin_squared: float
    psi: Any
    truncation_error: float
    converged: bool


class _SectorSolver:
    """DMRG in fixed total-S^z sectors of one chain; builds each MPO once."""

    def __init__(
        self,
        lattice: Any,
        couplings: list[float],
        anisotropy: float,
        field: float,
        settings: DMRGSettings,
    ) -> None:
        self.lattice = lattice
        self.settings = settings
        self.su2 = anisotropy == 1.0 and settings.penalty > 0.0
        self.model_h = _build_model(lattice, couplings, anisotropy, field, 0.0)
        self._args = (couplings, anisotropy, field)
        self._model_penalized: Any = None
        self._model_spin: Any = None
        self.sweeps = 0

    def _penalized(self) -> Any:
        if self._model_penalized is None:
            self._model_penalized = _build_model(self.lattice, *self._args, self.settings.penalty)
        return self._model_penalized

    def spin_squared(self, psi: Any) -> float:
        r""":math:`\langle\vec S_{\rm tot}^{\,2}\rangle` from the MPO of the penalty alone."""
        if self._model_spin is None:
            n = self.lattice.N_sites
            self._model_spin = _build_model(self.lattice, [0.0] * (n - 1), 1.0, 0.0, 1.0)
        value = float(np.real(self._model_spin.H_MPO.expectation_value(psi)))
        return value + 0.75 * self.lattice.N_sites

    def solve(self, magnetization: int, index: int, penalize: bool) -> _SectorResult:
        """Lowest state of sector ``M``; with S^2 conserved, the one of total spin ``|M|``."""
        penalize = penalize and self.su2
        model = self._penalized() if penalize else self.model_h
        result = self._run(model, magnetization, index)
        target = abs(magnetization) * (abs(magnetization) + 1.0)
        if self.su2 and not penalize and result.spin_squared - target > _SPIN_TOL:
            result = self._run(self._penalized(), magnetization, index)
        return result

    def _run(self, model: Any, magnetization: int, index: int) -> _SectorResult:
        dmrg, _, _, _, mps_cls, _ = _tenpy()
        from tenpy.tools.params import asConfig as as_config

        settings = self.settings
        lattice = self.lattice
        psi = mps_cls.from_product_state(
            lattice.mps_sites(),
            _initial_state(lattice.N_sites, magnetization, settings.seed, index),
            bc="finite",
            unit_cell_width=lattice.mps_unit_cell_width,
        )
        config = as_config(
            {
                "mixer": True,
                "mixer_params": {"amplitude": 1e-5, "decay": 2.0, "disable_after": 2},
                "diag_method": "lanczos",
                "combine": True,
                "max_E_err": settings.tol,
                "min_sweeps": 2,
                "max_sweeps": settings.max_sweeps,
                "trunc_params": {
                    "chi_max": settings.max_bond,
                    "trunc_cut": math.sqrt(settings.cutoff),
                },
            },
            "DMRG",
        )
        try:
            engine = dmrg.TwoSiteDMRGEngine(psi, model, config)
            engine.run()
            converged = bool(engine.is_converged())
        finally:
            _mark_used(config)
        psi.canonical_form_finite()
        stats = engine.sweep_stats
        self.sweeps += int(stats["sweep"][-1])
        return _SectorResult(
            magnetization=magnetization,
            energy=float(np.real(self.model_h.H_MPO.expectation_value(psi))),
            spin_squared=self.spin_squared(psi) if self.su2 else float("nan"),
            psi=psi,
            truncation_error=float(stats["max_trunc_err"][-1]),
            converged=converged,
        )


def mps_ground_state(
    n_qubits: int,
    ratio: float,
    *,
    j1: float = 1.0,
    anisotropy: float = 1.0,
    field: float = 0.0,
    max_bond: int = 512,
    cutoff: float = 1e-12,
    tol: float = 1e-11,
    max_sweeps: int = 60,
    penalty: float = 1.0,
    seed: int = 0,
) -> MPSGroundState:
    r"""DMRG ground state of the open bond-alternating Heisenberg chain.

    .. math::

        H = \sum_{i=0}^{n-2} J_i\big(S^x_i S^x_{i+1} + S^y_i S^y_{i+1}
            + \Delta S^z_i S^z_{i+1}\big) + h\sum_i S^z_i,\qquad
        J_{2k} = J_1,\ J_{2k+1} = r J_1 .

    Two-site DMRG (TeNPy, :math:`S^z` conserved), with the :math:`\vec S^2` penalty where
    :math:`\Delta = 1` and the singlet needs it, and a scan over :math:`S^z` sectors when
    the model is not SU(2) symmetric (module docstring).  Takes ~3–5 s at ``n = 28`` and
    7–20 s at ``n = 64`` on two cores (module docstring table).

    Parameters
    ----------
    n_qubits : int
        Even chain length ``n >= 4`` (two-site DMRG needs more than two sites).
    ratio : float
        :math:`r = J_2/J_1 \ge 0`.
    j1 : float, keyword-only
        :math:`J_1 > 0`.
    anisotropy : float, keyword-only
        :math:`\Delta`.
    field : float, keyword-only
        Uniform field :math:`h`.
    max_bond, cutoff, tol, max_sweeps, penalty, seed : keyword-only
        See :class:`DMRGSettings`.

    Returns
    -------
    MPSGroundState

    Raises
    ------
    InvalidParameterError
        For an odd or too small ``n_qubits`` or any out-of-range parameter.

    Examples
    --------
    >>> gs = mps_ground_state(4, 2.0)
    >>> round(gs.energy, 10), gs.magnetization
    (-2.0, 0)
    >>> gs.snapshots(5, seed=0).shape
    (5, 4, 3)
    """
    n = check_even_int("n_qubits", n_qubits, minimum=4, maximum=MPS_MAX_QUBITS)
    ratio = check_real("ratio", ratio, minimum=0.0)
    j1 = check_real("j1", j1, minimum=0.0, allow_equal=False)
    anisotropy = check_real("anisotropy", anisotropy)
    field = check_real("field", field)
    settings = DMRGSettings(
        max_bond=max_bond,
        cutoff=cutoff,
        tol=tol,
        max_sweeps=max_sweeps,
        penalty=penalty,
        seed=seed,
    )
    _, chain, _, _, _, spin_half = _tenpy()
    site = spin_half(conserve="Sz")
    lattice = chain(n, site, bc="open", bc_MPS="finite")
    solver = _SectorSolver(lattice, _couplings(n, ratio, j1), anisotropy, field, settings)
    # The penalty is needed where the singlet has near-degenerate triplet partners (the
    # edge spins of the Haldane phase, r > 1); elsewhere it is used only when the plain
    # run came out with the wrong total spin.
    penalize_first = ratio > 1.0
    results = [solver.solve(0, 0, penalize_first)]
    if not (anisotropy == 1.0 and field == 0.0):
        step = -1 if field > 0.0 else 1
        for k in range(1, n // 2 + 1):
            nxt = solver.solve(step * k, k, penalize_first)
            results.append(nxt)
            if nxt.energy >= results[-2].energy - 1e-12 * max(1.0, abs(nxt.energy)):
                break
    best = min(results, key=lambda r: r.energy)
    psi = best.psi
    tensors = _dense_tensors(psi, site)
    _LOG.debug("DMRG n=%d r=%g: E=%.12g chi=%d", n, ratio, best.energy, max(psi.chi))
    return MPSGroundState(
        n_qubits=n,
        ratio=ratio,
        j1=j1,
        anisotropy=anisotropy,
        field=field,
        energy=best.energy,
        bond_dim=int(max(psi.chi)),
        truncation_error=best.truncation_error,
        spin_squared=solver.spin_squared(psi),
        magnetization=best.magnetization,
        sweeps=solver.sweeps,
        converged=best.converged,
        settings=settings,
        mps=psi,
        tensors=tensors,
    )


def _dense_tensors(psi: Any, site: Any) -> tuple[np.ndarray, ...]:
    """Right-canonical ``B_i`` as read-only arrays ``(χ_L, 2, χ_R)``, physical 0 = up."""
    order = [site.state_labels["up"], site.state_labels["down"]]
    out = []
    for i in range(psi.L):
        b = psi.get_B(i, "B").transpose(["vL", "p", "vR"]).to_ndarray()
        b = np.ascontiguousarray(b[:, order, :])
        b.flags.writeable = False
        out.append(b)
    return tuple(out)
