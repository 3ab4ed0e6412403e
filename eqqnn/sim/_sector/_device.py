r"""The device class: :class:`SpinSectorBackend`, a thin front over the sector simulator.

It validates its options (dtype, gradient, kept spins, kernel family among
:data:`KERNELS`), compiles each circuit once (:mod:`eqqnn.sim._sector._compile`), turns
the inputs into sector states (:mod:`eqqnn.sim._sector._states`), picks the engine (the
numba, SciPy or torch kernels of the adjoint path, or the autograd reference) and returns
expectations, probabilities or the final sector states; the method is described in
:mod:`eqqnn.sim._sector`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from eqqnn._input_kind import InputKind
from eqqnn._validation import check_choice
from eqqnn.circuits import Circuit
from eqqnn.errors import InvalidParameterError
from eqqnn.sim._backend import COMPLEX_DTYPES, Backend, check_device, check_params, real_dtype_of
from eqqnn.sim._sector import _numba_kernels as _nb
from eqqnn.sim._sector._adjoint import (
    _AdjointExpectation,
    _apply_functional,
    _Engine,
    _forward_functional,
    _forward_inplace,
)
from eqqnn.sim._sector._compile import _GateStep, _ProgramCache
from eqqnn.sim._sector._kernels import _csr_matvecs
from eqqnn.sim._sector._numba_path import _numba_forward, _NumbaExpectation
from eqqnn.sim._sector._reduce import _row_values
from eqqnn.sim._sector._states import _input_sectors, _Options, _Sector

__all__ = ["KERNELS", "SpinSectorBackend"]

#: Kernel families of the adjoint path (``kernel=`` of :class:`SpinSectorBackend`).
KERNELS = ("auto", "numba", "scipy", "torch")
#: How the numba path holds its operators (``operators=``): stored sparse matrices, or
#: Young's orthogonal form recomputed per row from packed tableau words.
OPERATOR_MODES = ("auto", "stored", "on_the_fly")
#: Sector dimension from which ``operators="auto"`` computes them on the fly: stored
#: operators take about 1.9 kB per amplitude (4.8 GiB at n = 28, d = 2 674 440; 67 GiB
#: would be needed at n = 32), the packed words 8 bytes.
ON_THE_FLY_MIN_DIM = 2_000_000


class SpinSectorBackend(Backend):
    r"""Exact simulation of SU(2)-equivariant circuits in the Schur–Weyl sectors.

    See :mod:`eqqnn.sim._sector` for the method.  Inputs are any of

    * ``(B, 2^n)`` qubit state vectors (qubit 0 most significant), projected onto every
      :math:`V_J \otimes M_J` (``2J+1`` coordinate vectors per ``J``) with
      :func:`~eqqnn.symmetry._spin_coupling.qubit_to_sector`;
    * ``(B, d_0)`` coordinates in the singlet sector :math:`M_0` (even ``n``), e.g. the
      data module's ``GroundState.sector_vector`` (real inputs are accepted);
    * a mapping ``{J: (B, 2J+1, d_J)}`` of sector coordinates (as returned by
      :meth:`final_sector_states`).

    The input states are constants (no gradient flows to them).  What runs: every
    :class:`~eqqnn.circuits.ExpGate` without controls whose generators are combinations
    of the permutations of its (at most :data:`MAX_GATE_WIRES`) wires, every
    :class:`~eqqnn.circuits.FixedGate` that is such a combination (a fixed SWAP, say),
    discards, and an SU(2)-invariant readout.  Anything else raises
    :class:`~eqqnn.errors.NotEquivariantError` (controlled or symmetry-breaking gates,
    non-invariant readouts) or :class:`~eqqnn.errors.BackendError` (channels, gates on
    more wires), naming the operation.

    Parameters
    ----------
    device
        Torch device of the computation (``None``: the device of the inputs).
    dtype
        ``torch.complex64`` or ``torch.complex128`` (``None``: that of the inputs; real
        inputs map to the complex type of the same precision).
    gradient
        ``"adjoint"`` (memory independent of depth) or ``"autograd"`` (reference).
    spins
        Total spins ``J`` to keep (``None``: every sector in which the input has weight).
        The kept weight of each input must be 1 (or pass ``normalize=True``).
    kernel
        One of :data:`KERNELS`: ``"auto"`` (numba on CPU for the adjoint path, SciPy if
        numba cannot be imported, torch elsewhere), ``"numba"`` (CPU and adjoint only;
        raises :class:`~eqqnn.errors.InvalidParameterError` without numba), ``"scipy"``
        or ``"torch"``.
    operators
        One of :data:`OPERATOR_MODES`, for the numba path: ``"stored"`` (sparse
        operators built once per transposition and gate, fused where that saves passes),
        ``"on_the_fly"`` (Young's orthogonal form recomputed per row from packed tableau
        words, :mod:`eqqnn.sim._sector._free_kernels`: memory is the state buffers and
        8 bytes per amplitude, whatever the circuit) or ``"auto"`` (on the fly from
        :data:`ON_THE_FLY_MIN_DIM` amplitudes, i.e. n >= 28 for singlets).

    Examples
    --------
    >>> from eqqnn.circuits import su2_qcnn
    >>> c = su2_qcnn(4)
    >>> psi = torch.zeros(1, 16, dtype=torch.complex128); psi[0, 0] = 1
    >>> p = SpinSectorBackend().probabilities(c, torch.zeros(c.n_params), psi)
    >>> abs(float(p[0])) < 1e-12   # |0000> has no singlet weight on any pair
    True
    """

    name = "spin_sector"
    input_kinds = (InputKind.SECTOR_STATE, InputKind.STATE)
    transient = ("_programs",)

    def __init__(
        self,
        device: str | torch.device | None = None,
        dtype: torch.dtype | None = None,
        gradient: str = "adjoint",
        spins: Iterable[float] | None = None,
        kernel: str = "auto",
        operators: str = "auto",
    ) -> None:
        if dtype is not None and dtype not in COMPLEX_DTYPES:
            raise InvalidParameterError(f"dtype must be complex64 or complex128, got {dtype}")
        self.device = check_device(device)
        self.dtype = dtype
        self.gradient = check_choice("gradient", gradient, ("adjoint", "autograd"))
        self.kernel = check_choice("kernel", kernel, KERNELS)
        self.operators = check_choice("operators", operators, OPERATOR_MODES)
        if self.kernel == "numba":
            if not _nb.AVAILABLE:
                raise InvalidParameterError(
                    f"kernel='numba' needs numba, which cannot be imported here "
                    f"({_nb.IMPORT_ERROR}); install it (pip install 'numba>=0.59') or pass "
                    f"one of {KERNELS}"
                )
            if self.gradient != "adjoint":
                raise InvalidParameterError(
                    f"kernel='numba' runs the adjoint path only, got gradient={gradient!r} "
                    "(use kernel='auto' or 'torch' with gradient='autograd')"
                )
        self.spins: tuple[float, ...] | None = None
        if spins is not None:
            values = []
            for s in spins:
                try:
                    two = round(2 * float(s))
                except (TypeError, ValueError):
                    raise InvalidParameterError(
                        f"spins must hold non-negative multiples of 1/2, got {s!r}"
                    ) from None
                if two < 0 or abs(2 * float(s) - two) > 1e-9:
                    raise InvalidParameterError(
                        f"spins must hold non-negative multiples of 1/2, got {s!r}"
                    )
                values.append(two / 2)
            if not values:
                raise InvalidParameterError("spins must name at least one total spin")
            self.spins = tuple(sorted(set(values)))
        self._init_transient()

    def _init_transient(self) -> None:
        self._programs = _ProgramCache()

    def __repr__(self) -> str:
        return (
            f"SpinSectorBackend(device={self.device}, dtype={self.dtype}, "
            f"gradient={self.gradient!r}, spins={self.spins}, operators={self.operators!r})"
        )

    # ------------------------------------------------------------------ compilation
    def compile(self, circuit: Circuit) -> dict[str, Any]:
        """Validate ``circuit`` and describe its compiled form.

        Returns
        -------
        dict
            ``gates`` (steps), ``relabel_swaps`` (adjacent transpositions spent on
            relabelling), ``cost`` and ``cost_without_relabel`` (estimated gathers,
            forward + adjoint backward).

        Raises
        ------
        NotEquivariantError
            For a gate or readout outside the permutation algebra (naming the operation).
        BackendError
            For a ChannelPool or a gate on more than :data:`MAX_GATE_WIRES` wires.

        Examples
        --------
        >>> from eqqnn.circuits import su2_qcnn
        >>> info = SpinSectorBackend().compile(su2_qcnn(8))
        >>> info["cost"] <= info["cost_without_relabel"]
        True
        """
        prog = self._programs.get(self.check_circuit(circuit))
        return {
            "gates": sum(isinstance(s, _GateStep) for s in prog.steps),
            "relabel_swaps": len(prog.frame),
            "cost": prog.cost,
            "cost_without_relabel": prog.cost_without_relabel,
        }

    # ------------------------------------------------------------------ inputs
    def sector_states(
        self, n_qubits: int, states: Any, *, normalize: bool = False
    ) -> dict[float, torch.Tensor]:
        r"""The input as sector coordinates ``{J: (B, 2J+1, d_J)}`` (kept spins only).

        .. math:: c^{(J,m)}_t = \langle T_t, m | \psi\rangle

        Examples
        --------
        >>> psi = torch.tensor([[0, 1, -1, 0]], dtype=torch.complex128) / 2**0.5
        >>> out = SpinSectorBackend().sector_states(2, psi)
        >>> sorted(out), out[0.0].abs().tolist()
        ([0.0], [[[1.0]]])
        """
        sectors, batch = self._sectors(n_qubits, states, normalize)
        return {
            s.two_j / 2: s.data.reshape(s.data.shape[0], batch, s.multiplicity).permute(1, 2, 0)
            for s in sectors
        }

    def _sectors(self, n: int, states: Any, normalize: bool) -> tuple[list[_Sector], int]:
        """The input as sectors under this backend's settings (:func:`_input_sectors`)."""
        opts = _Options(self.dtype, self.device, self.spins)
        return _input_sectors(opts, n, states, normalize)

    # ------------------------------------------------------------------ running
    def _prepare(self, circuit: Circuit, params: Any, states: Any, normalize: bool) -> tuple:
        prog = self._programs.get(self.check_circuit(circuit))
        sectors, batch = self._sectors(circuit.n_qubits, states, normalize)
        params = check_params(params, circuit)
        data = sectors[0].data
        params = params.to(device=data.device, dtype=real_dtype_of(data.dtype))
        return prog, sectors, batch, params

    def _engine(self, device: torch.device) -> str:
        """``"numba"``, ``"scipy"`` or ``"torch"``: the kernels of the adjoint path."""
        if self.kernel == "numba":
            if device.type != "cpu":
                raise InvalidParameterError(
                    f"kernel='numba' runs on CPU, got states on {device}; use kernel='auto' "
                    "or 'torch' on accelerators"
                )
            return "numba"
        if self.kernel == "torch" or device.type != "cpu":
            return "torch"
        if self.kernel == "auto" and _nb.AVAILABLE:
            return "numba"
        return "scipy" if _csr_matvecs is not None else "torch"

    def _on_the_fly(self, sectors: list[_Sector]) -> bool:
        """Whether the numba path computes its operators per row (see ``operators``)."""
        if self.operators != "auto":
            return self.operators == "on_the_fly"
        return max(sec.kernel.dim for sec in sectors) >= ON_THE_FLY_MIN_DIM

    def _use_scipy(self, device: torch.device) -> bool:
        return self._engine(device) == "scipy"

    def expectation(
        self, circuit: Circuit, params: Any, states: Any, *, normalize: bool = False
    ) -> torch.Tensor:
        r"""Readout expectations :math:`\sum_J\sum_m\langle v_{J,m}|U^\dagger O U|v_{J,m}\rangle`,
        shape ``(B,)`` (real, the precision of the states)."""
        prog, sectors, batch, params = self._prepare(circuit, params, states, normalize)
        if self.gradient == "adjoint":
            kind = self._engine(sectors[0].data.device)
            if kind == "numba":
                free = self._on_the_fly(sectors)
                grad_enabled = torch.is_grad_enabled()  # inside apply it is always off
                return _NumbaExpectation.apply(params, prog, sectors, batch, free, grad_enabled)
            engine = _Engine(kind == "scipy")
            return _AdjointExpectation.apply(params, prog, sectors, batch, engine)
        finals = _forward_functional(prog, sectors, params)
        data = finals[0]
        c = prog.readout.coefficients_torch(params, data.device, data.dtype)
        value = None
        for sec, psi in zip(sectors, finals, strict=True):
            lam = _apply_functional(sec.kernel, prog.readout, c, psi)
            part = _row_values(psi, lam, batch)
            value = part if value is None else value + part
        assert value is not None
        return value

    def final_sector_states(
        self, circuit: Circuit, params: Any, states: Any, *, normalize: bool = False
    ) -> dict[float, torch.Tensor]:
        r"""The states after all gates as ``{J: (B, 2J+1, d_J)}`` coordinates.

        Discarded qubits are still present (as in
        :meth:`~eqqnn.sim.StatevectorBackend.final_states`); the coordinates are in the
        original labelling of the wires (the compiler's relabelling is undone).
        Differentiable with ``gradient="autograd"``.
        """
        prog, sectors, batch, params = self._prepare(circuit, params, states, normalize)
        if self.gradient == "autograd":
            finals = _forward_functional(prog, sectors, params)
            undone = []
            for sec, psi in zip(sectors, finals, strict=True):
                for k in reversed(prog.frame):
                    psi = sec.kernel.apply_functional(k, 0.0, 1.0, psi)
                undone.append(psi)
        elif self._engine(sectors[0].data.device) == "numba":
            with torch.no_grad():
                runs, owned = _numba_forward(prog, sectors, params, free=self._on_the_fly(sectors))
                undone = []
                for run, own in zip(runs, owned, strict=True):
                    word = tuple(reversed(prog.frame))
                    ops = run.word(word) if word else ()
                    run.perms(ops, own)
                    undone.append(torch.from_numpy(_nb.from_planar(run.cur)))  # a copy
                    run.release()
        else:
            engine = _Engine(self._use_scipy(sectors[0].data.device))
            with torch.no_grad():
                finals, spaces, owned = _forward_inplace(prog, sectors, params, engine)
                undone = []
                for j, sec in enumerate(sectors):
                    psi = engine.relabel(
                        sec.kernel, spaces[j], reversed(prog.frame), finals[j], owned[j]
                    )
                    undone.append(psi if (owned[j] or prog.frame) else psi.clone())
        return {
            sec.two_j / 2: psi.reshape(psi.shape[0], batch, sec.multiplicity).permute(1, 2, 0)
            for sec, psi in zip(sectors, undone, strict=True)
        }
