r"""Run the circuit IR on PennyLane devices (torch interface).

Gate translation
----------------
Every :class:`~eqqnn.circuits.ExpGate` :math:`\exp(-i\sum_a\theta_a G_a)` is decided from
its generator matrices (see :func:`native_decomposition`, shared with the Qiskit
exporter):

* single-qubit Pauli rotations (label ``RX``/``RY``/``RZ``, generator :math:`P/2`) become
  ``qml.RX``/``qml.RY``/``qml.RZ``, wrapped in :func:`qml.ctrl` (with ``control_values``)
  when the gate is controlled;
* gates whose full generators expand into *pairwise commuting* Pauli strings become
  products of Pauli rotations: ``IsingXX``/``IsingYY``/``IsingZZ`` for two-qubit
  ``XX``/``YY``/``ZZ`` strings (so :math:`e^{-i\theta\,\mathrm{SWAP}} = e^{-i\theta/2}
  R_{XX}(\theta)R_{YY}(\theta)R_{ZZ}(\theta)`), ``RX``/``RY``/``RZ`` for one-qubit
  strings and ``qml.PauliRot`` otherwise (e.g. the measurement pooling
  ``M(S²)→SWAP^t``, 15 commuting four-qubit strings).  The identity component is a
  global phase and is dropped;
* anything else (``EQ3``/``EQ4`` commutant blocks, relaxed ``…+ε`` gates) is *generic*:
  ``qml.QubitUnitary`` of :func:`torch.linalg.matrix_exp` on backprop devices
  (differentiable through torch), and ``qml.SpecialUnitary`` with the Pauli coordinates
  :math:`\phi_P = -\sum_a\theta_a\,\mathrm{tr}(P G_a)/2^k` elsewhere, which PennyLane
  differentiates exactly (adjoint or generalized parameter shift).

:class:`~eqqnn.circuits.FixedGate` CNOTs become ``qml.CNOT``, other constant matrices
``qml.QubitUnitary``.  :class:`~eqqnn.circuits.Discard` needs nothing on a pure-state
device.  Wire ``i`` of the IR is PennyLane wire ``i`` (both most significant first).

Choice of ``diff_method`` (``"best"``)
--------------------------------------
* ``default.*`` devices without shots: ``"backprop"`` (broadcast over the batch, generic
  gates as matrix exponentials);
* ``lightning.*`` devices without shots: ``"adjoint"`` (the device's C++ adjoint; the
  batch is split into single-state tapes by PennyLane);
* with shots: ``"parameter-shift"``.

Lightning devices return Python floats that PennyLane's torch layer turns into
*float32* tensors; the backend evaluates them under ``torch.float64`` as the default
dtype so that results keep double precision.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from eqqnn.circuits import Circuit, Discard, ExpGate, FixedGate
from eqqnn.circuits._gates import CNOT
from eqqnn.circuits._native import (
    NativeRotation,
    is_native,
    native_decomposition,
    pauli_coefficients,
)
from eqqnn.errors import BackendError, InvalidParameterError
from eqqnn.sim._backend import Backend, check_unitary, double_params, double_states

__all__ = [
    "NativeRotation",
    "PennyLaneBackend",
    "draw_pennylane",
    "draw_pennylane_mpl",
    "native_decomposition",
    "pauli_coefficients",
    "pennylane_ops",
]

_TOL = 1e-12


# ---------------------------------------------------------------------------------------
# PennyLane operations
# ---------------------------------------------------------------------------------------


def _generic_theta(op: ExpGate, theta: torch.Tensor) -> torch.Tensor:
    """SpecialUnitary coordinates of a generic gate (PennyLane's Pauli-word order)."""
    from pennylane.ops.qubit.special_unitary import pauli_basis_strings

    k = len(op.all_wires)
    words, coeffs = pauli_coefficients(op.full_generators)
    order = {w: i for i, w in enumerate(words)}
    perm = [order[w] for w in pauli_basis_strings(k)]
    mat = torch.as_tensor(coeffs[:, perm], dtype=theta.dtype, device=theta.device)
    return -(theta @ mat)


def pennylane_ops(circuit: Circuit, params: Any, *, generic: str = "matrix") -> list[Any]:
    r"""Queue the operations of ``circuit`` (call inside a QNode or a tape context).

    Parameters
    ----------
    circuit
        A unitary circuit (no channels).
    params
        ``(n_params,)`` parameter vector (torch tensor for gradients; numpy also works).
    generic
        How non-native gates are queued: ``"matrix"`` — ``qml.QubitUnitary`` of the
        matrix exponential (differentiable with backprop); ``"special_unitary"`` —
        ``qml.SpecialUnitary`` (differentiable with adjoint or parameter shift).

    Returns
    -------
    The queued operations.
    """
    import pennylane as qml

    check_unitary(circuit, "PennyLane")
    if generic not in ("matrix", "special_unitary"):
        raise InvalidParameterError(
            f"generic must be 'matrix' or 'special_unitary', got {generic!r}"
        )
    from eqqnn.sim._backend import check_params

    if not isinstance(params, torch.Tensor):
        params = torch.as_tensor(np.asarray(params, dtype=np.float64))
    params = check_params(params, circuit)
    ops: list[Any] = []
    for op in circuit.operations:
        if isinstance(op, Discard):
            continue
        if isinstance(op, FixedGate):
            if op.matrix.shape == (4, 4) and np.abs(op.matrix - CNOT).max() < _TOL:
                ops.append(qml.CNOT(wires=list(op.wires)))
            else:
                ops.append(qml.QubitUnitary(np.array(op.matrix), wires=list(op.wires)))
            continue
        plan = native_decomposition(op)
        if plan is None:
            theta = params[list(op.params)]
            if generic == "matrix":
                gens = torch.as_tensor(np.array(op.full_generators), device=params.device)
                u = torch.linalg.matrix_exp(
                    -1j * torch.einsum("a,aij->ij", theta.to(gens.dtype), gens)
                )
                ops.append(qml.QubitUnitary(u, wires=list(op.all_wires)))
            else:
                ops.append(qml.SpecialUnitary(_generic_theta(op, theta), wires=list(op.all_wires)))
            continue
        for rot in plan:
            ops.append(_rotation(qml, rot, rot.angle(params)))
    return ops


def _rotation(qml: Any, rot: NativeRotation, angle: Any) -> Any:
    word, wires = rot.word, list(rot.wires)
    if rot.controls:
        base = {"X": qml.RX, "Y": qml.RY, "Z": qml.RZ}[word](angle, wires=wires)
        return qml.ctrl(base, control=list(rot.controls), control_values=list(rot.control_values))
    support = [i for i, ch in enumerate(word) if ch != "I"]
    letters = "".join(word[i] for i in support)
    on = [wires[i] for i in support]
    if len(letters) == 1:
        return {"X": qml.RX, "Y": qml.RY, "Z": qml.RZ}[letters](angle, wires=on)
    if letters in ("XX", "YY", "ZZ"):
        return {"XX": qml.IsingXX, "YY": qml.IsingYY, "ZZ": qml.IsingZZ}[letters](angle, wires=on)
    return qml.PauliRot(angle, letters, wires=on)


def _readout(qml: Any, circuit: Circuit) -> Any:
    ro = circuit.readout
    return qml.expval(qml.Hermitian(np.array(ro.observable), wires=list(ro.wires)))


@contextlib.contextmanager
def _default_float64() -> Iterator[None]:
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(old)


# ---------------------------------------------------------------------------------------
# backend
# ---------------------------------------------------------------------------------------


@dataclass
class _Entry:
    qnode: Any
    diff_method: str | None
    generic: str
    native: bool


class PennyLaneBackend(Backend):
    r"""Run circuits on a PennyLane device; same interface as the dense simulator.

    Parameters
    ----------
    device
        Device name (``"default.qubit"``, ``"lightning.qubit"``, ...) created with
        ``wires=n`` per circuit, or a device instance (used for every circuit).
    diff_method
        ``"best"`` (see the module docstring), or any PennyLane ``diff_method``.
    shots
        ``None`` for exact expectations, or a number of shots (finite-shot estimates).
    device_kwargs
        Passed to :func:`qml.device` (e.g. ``seed=...``, ``c_dtype=...``).

    Notes
    -----
    Input states are prepared with ``qml.StatePrep`` (``normalize=False``), broadcast over
    the batch, and the readout is ``qml.expval(qml.Hermitian(O, wires))``.  Results are
    float64 torch tensors; gradients flow to the parameters (not to the states).  QNodes
    are cached per circuit.

    Examples
    --------
    >>> from eqqnn.circuits import su2_qcnn
    >>> c = su2_qcnn(4)
    >>> psi = torch.zeros(1, 16, dtype=torch.complex128); psi[0, 0] = 1
    >>> float(PennyLaneBackend().probabilities(c, torch.zeros(c.n_params), psi)[0])
    0.0
    """

    name = "pennylane"
    transient = ("_cache",)

    def __init__(
        self,
        device: Any = "default.qubit",
        diff_method: str | None = "best",
        shots: int | None = None,
        **device_kwargs: Any,
    ) -> None:
        if not isinstance(device, str) and not hasattr(device, "execute"):
            raise InvalidParameterError(
                f"device must be a PennyLane device name or instance, got {device!r}"
            )
        if shots is not None and (isinstance(shots, bool) or int(shots) != shots or shots < 1):
            raise InvalidParameterError(f"shots must be None or a positive integer, got {shots!r}")
        self.device = device
        self.diff_method = diff_method
        self.shots = None if shots is None else int(shots)
        self.device_kwargs = dict(device_kwargs)
        self._init_transient()

    def _init_transient(self) -> None:
        self._cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        name = self.device if isinstance(self.device, str) else type(self.device).__name__
        return (
            f"PennyLaneBackend(device={name!r}, diff_method={self.diff_method!r}, "
            f"shots={self.shots})"
        )

    @property
    def device_name(self) -> str:
        """Short name of the device."""
        if isinstance(self.device, str):
            return self.device
        return str(getattr(self.device, "name", type(self.device).__name__))

    def _resolve_diff_method(self) -> str | None:
        if self.diff_method != "best":
            return self.diff_method
        if self.shots is not None:
            return "parameter-shift"
        if self.device_name.startswith("default."):
            return "backprop"
        if self.device_name.startswith("lightning."):
            return "adjoint"
        return "parameter-shift"

    def _make_device(self, n: int) -> Any:
        import pennylane as qml

        if not isinstance(self.device, str):
            return self.device
        try:
            return qml.device(self.device, wires=n, **self.device_kwargs)
        except Exception as exc:  # PennyLane raises several kinds for unknown devices
            raise BackendError(f"cannot create PennyLane device {self.device!r}: {exc}") from exc

    def _entry(self, circuit: Circuit) -> _Entry:
        entry = self._cache.get(circuit)
        if entry is not None:
            return entry
        import pennylane as qml

        n = circuit.n_qubits
        dev = self._make_device(n)
        diff_method = self._resolve_diff_method()
        generic = "matrix" if diff_method == "backprop" else "special_unitary"

        def qfunc(params: torch.Tensor, states: torch.Tensor) -> Any:
            qml.StatePrep(states, wires=range(n), normalize=False)
            pennylane_ops(circuit, params, generic=generic)
            return _readout(qml, circuit)

        kwargs: dict[str, Any] = {"interface": "torch", "diff_method": diff_method}
        if self.shots is not None:
            kwargs["shots"] = self.shots
        entry = _Entry(qml.QNode(qfunc, dev, **kwargs), diff_method, generic, is_native(circuit))
        self._cache[circuit] = entry
        return entry

    def expectation(
        self, circuit: Circuit, params: Any, states: Any, *, normalize: bool = False
    ) -> torch.Tensor:
        r"""Readout expectations :math:`\langle O\rangle`, shape ``(B,)`` (float64)."""
        self.check_circuit(circuit)
        states = double_states(states, circuit.n_qubits, normalize)
        params = double_params(params, circuit)
        entry = self._entry(circuit)
        out_device = states.device
        states = states.cpu()
        params_cpu = params.cpu() if params.device.type != "cpu" else params
        if entry.diff_method is None and params.requires_grad:
            raise BackendError(
                "PennyLaneBackend(diff_method=None) cannot differentiate; detach the "
                "parameters or choose a diff_method"
            )
        with _default_float64():
            out = entry.qnode(params_cpu, states)
        if isinstance(out, (list, tuple)):
            out = torch.stack([torch.as_tensor(o) for o in out])
        out = torch.as_tensor(out).reshape(-1).to(torch.float64)
        return out.to(out_device)


# ---------------------------------------------------------------------------------------
# drawing
# ---------------------------------------------------------------------------------------


def _drawing_qnode(circuit: Circuit) -> Any:
    import pennylane as qml

    check_unitary(circuit, "PennyLane")
    dev = qml.device("default.qubit", wires=circuit.n_qubits)

    def qfunc(params: torch.Tensor) -> Any:
        pennylane_ops(circuit, params)
        return _readout(qml, circuit)

    return qml.QNode(qfunc, dev, interface="torch")


def _draw_params(circuit: Circuit, params: Any) -> torch.Tensor:
    if params is None:
        return torch.zeros(circuit.n_params, dtype=torch.float64)
    return double_params(params, circuit).detach()


def draw_pennylane(circuit: Circuit, params: Sequence[float] | Any = None, **kwargs: Any) -> str:
    """Text drawing of the PennyLane translation (``qml.draw``; zeros when ``params`` is None).

    Keyword arguments go to :func:`qml.draw` (``decimals``, ``max_length``, ...).
    """
    import pennylane as qml

    return qml.draw(_drawing_qnode(circuit), **kwargs)(_draw_params(circuit, params))


def draw_pennylane_mpl(
    circuit: Circuit, params: Sequence[float] | Any = None, **kwargs: Any
) -> Any:
    """Matplotlib figure of the PennyLane translation (``qml.draw_mpl``)."""
    import pennylane as qml

    fig, _ = qml.draw_mpl(_drawing_qnode(circuit), **kwargs)(_draw_params(circuit, params))
    return fig
