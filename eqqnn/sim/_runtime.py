r"""Qiskit V2 primitives: ISA circuits for a backend's target, a batch as one Estimator job.

:class:`EstimatorBackend` runs an eqqnn circuit the way IBM Quantum users run circuits
now (Qiskit Runtime ``EstimatorV2`` with instruction-set-architecture circuits):

* the circuit is exported with one angle per Pauli rotation (:math:`\alpha = A\theta`,
  as in :mod:`eqqnn.sim._qiskit`), each input state is prepared with
  ``StatePreparation``, and the whole is **transpiled once** per (circuit, input state)
  for the backend's target (``optimization_level``, ``seed_transpiler``); the ISA circuit
  and its layout are cached, so training on a fixed set of states transpiles in the first
  epoch only;
* the readout :math:`O` is expanded in Pauli words on the readout qubits and mapped
  through the ISA layout (``SparsePauliOp.apply_layout``);
* a call binds parameters only: one **PUB** per input state, ``(isa_circuit, observable,
  angle_sets)``, and the batch is **one** ``EstimatorV2`` job.  With gradients required
  the angle sets are :math:`\alpha` and the :math:`2R` parameter shifts
  :math:`\alpha \pm \tfrac\pi2 e_j`, so value and gradient come from the same job:

  .. math:: \frac{\partial E}{\partial\theta} = A^\top
            \frac{E(\alpha + \tfrac\pi2 e_j) - E(\alpha - \tfrac\pi2 e_j)}{2}.

Primitives: ``shots=None`` on an ``AerSimulator`` (the default backend) uses Aer's
``EstimatorV2`` at precision 0 (exact expectations; the contract's reference checks run
on it).  With ``shots``, a simulated device — a fake device of
``qiskit_ibm_runtime.fake_provider`` or an ``AerSimulator`` — is estimated locally by
:class:`~eqqnn.sim._device_estimate.DeviceEstimator`: the exact noisy expectation of each
Pauli word on the active qubits' density matrix, then binomial shot noise.  A real
``QiskitRuntimeService().backend(...)`` (for a user with an account; not tested here)
runs Qiskit Runtime's estimator (the client-side
``qiskit_ibm_runtime.executor_estimator.Estimator`` from 0.50 on, ``EstimatorV2`` before)
with ``default_shots = shots``.  Requires the ``ibm`` extra (``pip install 'eqqnn[ibm]'``)
for fake devices and the runtime primitives.
"""

from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from eqqnn._validation import check_int
from eqqnn.circuits import Circuit, ExpGate
from eqqnn.circuits._native import native_decomposition
from eqqnn.errors import BackendError, InvalidParameterError
from eqqnn.sim._backend import Backend, double_params, double_states
from eqqnn.sim._device_estimate import DeviceEstimator
from eqqnn.sim._qiskit_build import backend_name

__all__ = ["EstimatorBackend"]


@dataclass
class _Isa:
    circuit: Any
    """The ISA circuit (state preparation + rotation body) for the backend's target."""
    observable: Any
    """The readout as a ``SparsePauliOp`` on the ISA circuit's physical qubits."""
    columns: list[int]
    """Rotation-angle index of each of the ISA circuit's parameters, in its order."""


class _EstimatorExpectation(torch.autograd.Function):
    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any, params: torch.Tensor, backend: EstimatorBackend, circuit: Circuit, states: Any
    ) -> torch.Tensor:
        theta = params.detach().cpu().numpy().astype(np.float64)
        with_grad = bool(ctx.needs_input_grad[0])
        values, jacobian = backend._evaluate(circuit, theta, states, with_grad)
        ctx.jacobian, ctx.param_dtype = jacobian, params.dtype
        return torch.as_tensor(values, dtype=torch.float64)

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> Any:  # type: ignore[override]
        grad = torch.as_tensor(ctx.jacobian).T @ grad_out.to(torch.float64).cpu()
        return grad.to(ctx.param_dtype), None, None, None


def _is_ibm_service_backend(backend: Any) -> bool:
    """Whether ``backend`` is a real Qiskit Runtime service backend (not a fake device)."""
    try:
        from qiskit_ibm_runtime import IBMBackend
    except ImportError:
        return False
    return isinstance(backend, IBMBackend)


def _runtime_estimator() -> Any:
    """Qiskit Runtime's estimator class: the client-side ``executor_estimator.Estimator``
    (qiskit-ibm-runtime >= 0.50, where ``EstimatorV2`` is deprecated), else ``EstimatorV2``."""
    try:
        from qiskit_ibm_runtime.executor_estimator import Estimator

        return Estimator
    except ImportError:
        pass
    try:
        from qiskit_ibm_runtime import EstimatorV2
    except ImportError as exc:
        raise BackendError(
            "sampled estimates need qiskit-ibm-runtime: pip install 'eqqnn[ibm]'"
        ) from exc
    return EstimatorV2


class EstimatorBackend(Backend):
    r"""Evaluate circuits with Qiskit's ``EstimatorV2`` on ISA circuits (see the module
    docstring).

    Parameters
    ----------
    backend
        A Qiskit ``BackendV2``: ``None`` means a noiseless ``AerSimulator``; a fake IBM
        device (``qiskit_ibm_runtime.fake_provider.FakeTorino()``, ...) or a real
        ``QiskitRuntimeService`` backend.
    shots
        ``None``: exact expectations (``AerSimulator`` only); an integer: shots per Pauli
        word of the readout on a simulated device (binomial sampling, see
        :mod:`eqqnn.sim._device_estimate`), the Runtime estimator's ``default_shots`` on a
        real one.
    seed
        Seed of the transpiler and, in local mode, of the simulator.
    optimization_level
        Preset pass manager level (0-3).

    Examples
    --------
    >>> from eqqnn.circuits import su2_qcnn
    >>> c = su2_qcnn(4)
    >>> psi = torch.zeros(1, 16, dtype=torch.complex128); psi[0, 0] = 1
    >>> float(EstimatorBackend().probabilities(c, torch.zeros(c.n_params), psi)[0])
    0.0
    """

    name = "estimator_v2"
    transient = ("_isa", "_estimator")

    def __init__(
        self,
        backend: Any = None,
        shots: int | None = None,
        seed: int | None = 0,
        *,
        optimization_level: int = 1,
    ) -> None:
        if backend is None:
            from qiskit_aer import AerSimulator

            backend = AerSimulator()
        if not hasattr(backend, "target") and not hasattr(backend, "run"):
            raise InvalidParameterError(f"backend must be a Qiskit BackendV2, got {backend!r}")
        self.backend = backend
        self.shots = None if shots is None else check_int("shots", shots, minimum=1)
        self.seed = None if seed is None else check_int("seed", seed, minimum=0)
        self.optimization_level = check_int(
            "optimization_level", optimization_level, minimum=0, maximum=3
        )
        if self.shots is None and not self._is_aer:
            raise InvalidParameterError(
                f"exact expectations (shots=None) need an AerSimulator, got "
                f"{self.backend_name!r}: pass shots=..."
            )
        self._init_transient()

    def _init_transient(self) -> None:
        self._isa: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._estimator: Any = None

    def __repr__(self) -> str:
        return (
            f"EstimatorBackend(backend={self.backend_name!r}, shots={self.shots}, "
            f"seed={self.seed}, optimization_level={self.optimization_level})"
        )

    @property
    def backend_name(self) -> str:
        """Name of the Qiskit backend."""
        return backend_name(self.backend)

    @property
    def _is_aer(self) -> bool:
        from qiskit_aer import AerSimulator

        return isinstance(self.backend, AerSimulator)

    @property
    def estimator(self) -> Any:
        """The estimator (built on first use): Aer's exact ``EstimatorV2``, a local
        :class:`~eqqnn.sim._device_estimate.DeviceEstimator`, or Qiskit Runtime's."""
        if self._estimator is None:
            if self.shots is None:
                from qiskit_aer.primitives import EstimatorV2

                self._estimator = EstimatorV2(options={"default_precision": 0.0})
            elif not _is_ibm_service_backend(self.backend):
                self._estimator = DeviceEstimator(self.backend, self.shots, self.seed)
            else:
                est = _runtime_estimator()(mode=self.backend)
                est.options.default_shots = self.shots
                if self.seed is not None and hasattr(est.options, "simulator"):
                    est.options.simulator.seed_simulator = self.seed
                self._estimator = est
        return self._estimator

    def isa_circuit(self, circuit: Circuit, state: np.ndarray) -> _Isa:
        """The cached ISA form of ``circuit`` on the input ``state``."""
        per = self._isa.setdefault(circuit, {})
        key = hashlib.sha1(np.ascontiguousarray(state).tobytes()).hexdigest()
        if key not in per:
            per[key] = self._transpile(circuit, state)
        return per[key]

    def _transpile(self, circuit: Circuit, state: np.ndarray) -> _Isa:
        from qiskit import QuantumCircuit, transpile
        from qiskit.circuit.library import StatePreparation

        from eqqnn.sim._qiskit_build import _qargs, _readout_operator

        body = self._body(circuit)
        n = circuit.n_qubits
        full = QuantumCircuit(n)
        full.append(StatePreparation(state), full.qubits)
        full.compose(body.circuit, inplace=True)
        isa = transpile(
            full,
            self.backend,
            optimization_level=self.optimization_level,
            seed_transpiler=self.seed,
        )
        readout = _readout_operator(circuit).apply_layout(_qargs(n, circuit.readout.wires), n)
        observable = readout.apply_layout(isa.layout)
        return _Isa(isa, observable, [p.index for p in isa.parameters])

    def _body(self, circuit: Circuit) -> Any:
        from eqqnn.sim._qiskit_build import _build_body

        try:
            return _build_body(circuit, "rotations")
        except BackendError:
            bad = [
                f"{op.label!r} on wires {op.all_wires}"
                for op in circuit.operations
                if isinstance(op, ExpGate) and native_decomposition(op) is None
            ]
            raise BackendError(
                f"EstimatorBackend runs native gates only (Pauli rotations, bound per call); "
                f"{circuit.name} contains {', '.join(bad[:3])}: use QiskitBackend"
            ) from None

    def expectation(
        self, circuit: Circuit, params: Any, states: Any, *, normalize: bool = False
    ) -> torch.Tensor:
        r"""Readout expectations :math:`\langle O\rangle`, shape ``(B,)`` (float64), from one
        ``EstimatorV2`` job; differentiable by the parameter-shift rule."""
        self.check_circuit(circuit)
        psi = double_states(states, circuit.n_qubits, normalize)
        theta = double_params(params, circuit)
        nq = getattr(self.backend, "num_qubits", None)
        if not self._is_aer and nq is not None and nq < circuit.n_qubits:
            raise BackendError(
                f"backend {self.backend_name!r} has {nq} qubits, the circuit needs "
                f"{circuit.n_qubits}"
            )
        arr = psi.detach().cpu().numpy()
        arr = arr / np.linalg.norm(arr, axis=1, keepdims=True)
        if not (torch.is_grad_enabled() and theta.requires_grad):
            # no gradient wanted (e.g. under torch.no_grad): no parameter shifts either,
            # which would cost 2R more angle sets per state
            angles = theta.detach().cpu().numpy().astype(np.float64)
            values, _ = self._evaluate(circuit, angles, arr, False)
            return torch.as_tensor(values, dtype=torch.float64, device=psi.device)
        out = _EstimatorExpectation.apply(theta, self, circuit, arr)
        return out.to(psi.device)

    def _evaluate(
        self, circuit: Circuit, theta: np.ndarray, states: np.ndarray, with_grad: bool
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Values ``(B,)`` and, with ``with_grad``, the Jacobian ``(B, n_params)``."""
        a = self._body(circuit).rotation_matrix
        n_rot = a.shape[0]
        alpha = a @ theta
        sets = [alpha[None]]
        if with_grad and n_rot:
            shifts = np.concatenate([np.eye(n_rot), -np.eye(n_rot)]) * (np.pi / 2)
            sets.append(alpha[None] + shifts)
        angles = np.concatenate(sets)  # (K, R)
        pubs = []
        for psi in states:
            isa = self.isa_circuit(circuit, psi)
            values = angles[:, isa.columns] if isa.columns else None
            pubs.append((isa.circuit, isa.observable, values))
        if isinstance(self.estimator, DeviceEstimator):
            evs = self.estimator.run(pubs)
        else:
            result = self.estimator.run(pubs).result()
            evs = np.stack(
                [np.atleast_1d(np.asarray(r.data.evs, dtype=np.float64)) for r in result]
            )
        if evs.shape[1] == 1 and angles.shape[0] > 1:  # no parameters survived transpiling
            evs = np.repeat(evs, angles.shape[0], axis=1)
        values = evs[:, 0]
        if not with_grad:
            return values, None
        if not n_rot:
            return values, np.zeros((len(states), circuit.n_params))
        d_alpha = (evs[:, 1 : 1 + n_rot] - evs[:, 1 + n_rot :]) / 2
        return values, d_alpha @ a
