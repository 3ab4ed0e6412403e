r"""Export the circuit IR to Qiskit and run it on Aer or on (fake) IBM backends.

Qubit order
-----------
The IR is big-endian (wire 0 is the most significant bit); Qiskit is little-endian.
:func:`to_qiskit` maps IR wire ``i`` to Qiskit qubit ``n - 1 - i``.  Then a basis index
means the same in both (:math:`\sum_i b_i 2^{n-1-i}` with :math:`b_i` the bit of wire
``i`` = qubit ``n-1-i``), so state vectors are passed to ``initialize`` unchanged and
Qiskit's ``Statevector`` of an exported circuit equals the IR state.  A ``k``-qubit
matrix on IR wires :math:`(w_1, \dots, w_k)` (first wire most significant) is appended on
qubits ``[n-1-w_k, ..., n-1-w_1]``, and a Pauli word in IR wire order is the Qiskit label
of those qubits.

Gates
-----
Native gates (see :func:`eqqnn.sim._pennylane.native_decomposition`) become ``rx/ry/rz``,
``rxx/ryy/rzz``, ``PauliEvolutionGate`` for longer Pauli strings, and controlled
rotations ``RYGate(θ).control(k, ctrl_state=...)``; they accept symbolic parameters
(a ``ParameterVector`` named ``theta``).  Generic gates become a ``UnitaryGate`` of the
bound numeric matrix, so a symbolic export of a circuit that contains one raises
:class:`~eqqnn.errors.BackendError`.

Execution (:class:`QiskitBackend`)
----------------------------------
* ``shots=None`` (exact; needs an ``AerSimulator``): each input state is loaded with
  ``initialize`` (native in Aer; ``set_density_matrix`` for the density-matrix method),
  the circuit follows, and Aer's
  ``save_expectation_value`` of the readout's Pauli expansion gives
  :math:`\langle O\rangle` exactly.  The whole batch is one Aer job (one circuit per
  state; rotation angles bound through Aer's ``parameter_binds``).  A noisy
  ``AerSimulator`` gives exact noisy expectations with ``method="density_matrix"``; other
  methods would sample a single noise trajectory and are refused.
* ``shots=N``: the readout qubits are rotated to the eigenbasis of :math:`O`
  (:math:`O = V\Lambda V^\dagger`, a ``UnitaryGate`` :math:`V^\dagger`) and measured; the
  estimator is :math:`\hat O = \sum_k \lambda_k N_k / N` with :math:`N_k` the counts of
  eigenvector ``k``: unbiased, variance :math:`\mathrm{Var}_\psi(O)/N`.  Counts come from
  :class:`qiskit.primitives.BackendSamplerV2` (seeded with ``seed``).  On a non-Aer backend
  (fake IBM devices from ``qiskit_ibm_runtime.fake_provider``, ``GenericBackendV2``, real
  hardware) the states are prepared with ``StatePreparation`` and every circuit is
  transpiled for the backend, so noise models of fake devices apply.

Gradients
---------
Qiskit does not differentiate through torch.  When every gate is native, the backend
attaches an exact **parameter-shift** gradient: the circuit is re-expressed with one
angle :math:`\alpha_j` per Pauli rotation :math:`e^{-i\alpha_j P_j/2}` (controlled
rotations expanded into Pauli strings), :math:`\alpha = A\theta`, and

.. math:: \frac{\partial E}{\partial\theta} = A^\top \frac{E(\alpha + \tfrac\pi2 e_j)
          - E(\alpha - \tfrac\pi2 e_j)}{2},

``2R`` circuit evaluations per state for ``R`` rotations (estimates with shots).  Circuits
with generic gates raise :class:`~eqqnn.errors.BackendError` on ``backward``.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from eqqnn.circuits import Circuit, ExpGate
from eqqnn.circuits._native import native_decomposition
from eqqnn.errors import BackendError, InvalidParameterError
from eqqnn.sim._backend import Backend, double_params, double_states
from eqqnn.sim._qiskit_build import (
    _TOL,
    _Body,
    _build_body,
    _qargs,
    _readout_operator,
    backend_name,
)

__all__ = ["QiskitBackend", "to_qasm3", "to_qiskit"]


def _eigenbasis(circuit: Circuit) -> tuple[np.ndarray, np.ndarray | None]:
    """Eigenvalues of the readout and the rotation ``V^†`` (None when ``O`` is diagonal)."""
    obs = np.array(circuit.readout.observable)
    if np.abs(obs - np.diag(np.diag(obs))).max() < _TOL:
        return np.diag(obs).real.copy(), None
    evals, vecs = np.linalg.eigh(obs)
    return evals, vecs.conj().T


def _append_measurement(qc: Any, circuit: Circuit, creg: Any) -> np.ndarray:
    """Rotate the readout wires to the eigenbasis of ``O`` and measure them into ``creg``."""
    from qiskit.circuit.library import UnitaryGate

    n = circuit.n_qubits
    wires = circuit.readout.wires
    evals, vdag = _eigenbasis(circuit)
    if vdag is not None:
        qc.append(UnitaryGate(vdag, label="O-basis"), _qargs(n, wires))
    m = len(wires)
    for i, w in enumerate(wires):  # wire i of the readout -> classical bit m-1-i
        qc.measure(n - 1 - w, creg[m - 1 - i])
    return evals


def to_qiskit(circuit: Circuit, params: Any = None, *, measure: bool = False) -> Any:
    r"""The circuit as a :class:`qiskit.QuantumCircuit` (IR wire ``i`` → qubit ``n-1-i``).

    Parameters
    ----------
    circuit
        A unitary IR circuit.
    params
        Numeric ``(n_params,)`` values, or ``None`` for a symbolic circuit over the
        ``ParameterVector`` ``theta`` (bind with ``assign_parameters``); symbolic export
        needs every gate to be native (:class:`~eqqnn.errors.BackendError` otherwise).
    measure
        Append the readout measurement: the readout wires are rotated to the eigenbasis of
        :math:`O` and measured into a classical register ``readout`` whose integer value
        ``k`` (readout wire 0 most significant) indexes ``metadata["readout_eigenvalues"]``.

    Examples
    --------
    >>> from eqqnn.circuits import su2_qcnn
    >>> qc = to_qiskit(su2_qcnn(4))
    >>> qc.num_qubits, qc.num_parameters
    (4, 3)
    """
    from qiskit import ClassicalRegister

    if params is None:
        body = _build_body(circuit, "symbolic")
    else:
        theta = double_params(params, circuit).detach().cpu().numpy()
        body = _build_body(circuit, "bound", theta)
    qc = body.circuit
    ro = circuit.readout
    qc.metadata = {
        "eqqnn_circuit": circuit.name,
        "qubit_of_wire": [circuit.n_qubits - 1 - w for w in range(circuit.n_qubits)],
        "readout_wires": list(ro.wires),
        "readout_range": [ro.low, ro.high],
    }
    if measure:
        creg = ClassicalRegister(len(ro.wires), "readout")
        qc.add_register(creg)
        evals = _append_measurement(qc, circuit, creg)
        qc.metadata["readout_eigenvalues"] = [float(e) for e in evals]
    return qc


def to_qasm3(circuit: Circuit, params: Any = None) -> str:
    """OpenQASM 3 text of :func:`to_qiskit` (``qiskit.qasm3.dumps``).

    Symbolic (``input float[64]`` parameters) when ``params`` is None.  Pauli evolutions
    of three or more qubits are expanded into basis changes, CNOTs and ``rz``.
    """
    from qiskit import qasm3

    qc = to_qiskit(circuit, params)
    # the QASM 3 exporter cannot define PauliEvolutionGate with a symbolic time: expand it
    for _ in range(4):
        if "PauliEvolution" not in qc.count_ops():
            break
        qc = qc.decompose(gates_to_decompose=["PauliEvolution"])
    return qasm3.dumps(qc)


def _is_aer(backend: Any) -> bool:
    try:
        from qiskit_aer import AerSimulator
    except ImportError:  # pragma: no cover - qiskit-aer is a dependency
        return False
    return isinstance(backend, AerSimulator)


@dataclass
class _Template:
    body: _Body
    transpiled: Any
    """Body transpiled for the Aer backend (rotation-parametrized; native circuits only)."""


class _QiskitExpectation(torch.autograd.Function):
    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        params: torch.Tensor,
        backend: QiskitBackend,
        circuit: Circuit,
        states: np.ndarray,
    ) -> torch.Tensor:
        theta = params.detach().cpu().numpy().astype(np.float64)
        ctx.backend, ctx.circuit, ctx.states, ctx.theta = backend, circuit, states, theta
        ctx.param_dtype = params.dtype
        return torch.as_tensor(backend._evaluate(circuit, theta, states), dtype=torch.float64)

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> Any:  # type: ignore[override]
        jac = ctx.backend._jacobian(ctx.circuit, ctx.theta, ctx.states)  # (B, P)
        grad = grad_out.detach().cpu().to(torch.float64) @ torch.as_tensor(jac)
        return grad.to(ctx.param_dtype), None, None, None


class QiskitBackend(Backend):
    r"""Run circuits with Qiskit; same interface as the dense simulator.

    Parameters
    ----------
    backend
        A Qiskit ``BackendV2``: ``None`` means ``AerSimulator(method="statevector")``;
        ``AerSimulator(device="GPU")`` where qiskit-aer-gpu is installed; fake IBM devices
        (``qiskit_ibm_runtime.fake_provider``, optional extra ``ibm``) or
        ``GenericBackendV2`` with ``shots``.
    shots
        ``None``: exact expectations (Aer only); an integer: eigenbasis sampling (see the
        module docstring).
    seed
        Seed of the sampler and of the transpiler (``None``: unseeded).
    optimization_level
        Transpiler level for non-Aer backends (default 1).

    Notes
    -----
    Results are float64 torch tensors; gradients (parameter shift) are available for
    circuits whose gates are all native.

    Examples
    --------
    >>> from eqqnn.circuits import su2_qcnn
    >>> c = su2_qcnn(4)
    >>> psi = torch.zeros(1, 16, dtype=torch.complex128); psi[0, 0] = 1
    >>> float(QiskitBackend().probabilities(c, torch.zeros(c.n_params), psi)[0])
    0.0
    """

    name = "qiskit"
    transient = ("_templates",)

    def __init__(
        self,
        backend: Any = None,
        shots: int | None = None,
        seed: int | None = None,
        *,
        optimization_level: int = 1,
    ) -> None:
        if shots is not None and (isinstance(shots, bool) or int(shots) != shots or shots < 1):
            raise InvalidParameterError(f"shots must be None or a positive integer, got {shots!r}")
        if seed is not None and (isinstance(seed, bool) or int(seed) != seed or seed < 0):
            raise InvalidParameterError(
                f"seed must be None or a non-negative integer, got {seed!r}"
            )
        if optimization_level not in (0, 1, 2, 3):
            raise InvalidParameterError(
                f"optimization_level must be 0, 1, 2 or 3, got {optimization_level!r}"
            )
        if backend is None:
            from qiskit_aer import AerSimulator

            backend = AerSimulator(method="statevector")
        if not hasattr(backend, "run"):
            raise InvalidParameterError(f"backend must be a Qiskit backend, got {backend!r}")
        self.backend = backend
        self.shots = None if shots is None else int(shots)
        self.seed = None if seed is None else int(seed)
        self.optimization_level = optimization_level
        self._init_transient()

    def _init_transient(self) -> None:
        self._templates: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return f"QiskitBackend(backend={self.backend_name!r}, shots={self.shots}, seed={self.seed})"

    @property
    def backend_name(self) -> str:
        """Name of the Qiskit backend."""
        return backend_name(self.backend)

    @property
    def is_aer(self) -> bool:
        """Whether the backend is an ``AerSimulator``."""
        return _is_aer(self.backend)

    # -- public interface -------------------------------------------------------------

    def expectation(
        self, circuit: Circuit, params: Any, states: Any, *, normalize: bool = False
    ) -> torch.Tensor:
        r"""Readout expectations :math:`\langle O\rangle`, shape ``(B,)`` (float64).

        Differentiable in ``params`` by the parameter-shift rule when every gate is native.
        """
        self.check_circuit(circuit)
        self._check_mode(circuit)
        psi = double_states(states, circuit.n_qubits, normalize)
        theta = double_params(params, circuit)
        out_device = psi.device
        arr = psi.detach().cpu().numpy()
        arr = arr / np.linalg.norm(arr, axis=1, keepdims=True)
        out = _QiskitExpectation.apply(theta, self, circuit, arr)
        return out.to(out_device)

    def jacobian(
        self, circuit: Circuit, params: Any, states: Any, *, normalize: bool = False
    ) -> torch.Tensor:
        r"""Parameter-shift Jacobian :math:`\partial\langle O\rangle_b/\partial\theta_a`.

        Shape ``(B, n_params)``; native gates only (:class:`BackendError` otherwise).
        """
        self.check_circuit(circuit)
        self._check_mode(circuit)
        psi = double_states(states, circuit.n_qubits, normalize).detach().cpu().numpy()
        psi = psi / np.linalg.norm(psi, axis=1, keepdims=True)
        theta = double_params(params, circuit).detach().cpu().numpy()
        return torch.as_tensor(self._jacobian(circuit, theta, psi))

    # -- internals --------------------------------------------------------------------

    def _check_mode(self, circuit: Circuit) -> None:
        if self.shots is None and not self.is_aer:
            raise BackendError(
                f"exact expectations (shots=None) need an AerSimulator, got backend "
                f"{self.backend_name!r}: pass shots=... to sample on it"
            )
        if self.shots is None:
            noise = getattr(self.backend.options, "noise_model", None)
            method = getattr(self.backend.options, "method", "automatic")
            if noise is not None and not noise.is_ideal() and method != "density_matrix":
                raise BackendError(
                    f"exact expectations under a noise model need "
                    f"AerSimulator(method='density_matrix'), got method {method!r}: a "
                    "statevector run would sample one noise trajectory; pass shots=... or "
                    "change the method"
                )
        nq = getattr(self.backend, "num_qubits", None)
        if not self.is_aer and nq is not None and nq < circuit.n_qubits:
            raise BackendError(
                f"backend {self.backend_name!r} has {nq} qubits, the circuit needs "
                f"{circuit.n_qubits}"
            )

    def _template(self, circuit: Circuit) -> _Template | None:
        """Cached rotation-parametrized body (None when a gate is not native)."""
        if circuit in self._templates:
            return self._templates[circuit]
        try:
            body = _build_body(circuit, "rotations")
        except BackendError:
            template = None
        else:
            transpiled = None
            if self.is_aer:
                from qiskit import transpile

                transpiled = transpile(body.circuit, self.backend, optimization_level=0)
            template = _Template(body, transpiled)
        self._templates[circuit] = template
        return template

    def _evaluate(self, circuit: Circuit, theta: np.ndarray, states: np.ndarray) -> np.ndarray:
        template = self._template(circuit)
        if template is None:
            body = _build_body(circuit, "bound", theta).circuit
            return self._run(circuit, body, None, states)[:, 0]
        alpha = template.body.rotation_matrix @ theta
        return self._run(circuit, None, alpha[None], states)[:, 0]

    def _jacobian(self, circuit: Circuit, theta: np.ndarray, states: np.ndarray) -> np.ndarray:
        template = self._template(circuit)
        if template is None:
            bad = [
                f"{op.label!r} on wires {op.all_wires}"
                for op in circuit.operations
                if isinstance(op, ExpGate) and native_decomposition(op) is None
            ]
            raise BackendError(
                "QiskitBackend differentiates native gates only (parameter shift); "
                f"{circuit.name} contains {', '.join(bad[:3])}"
                f"{' ...' if len(bad) > 3 else ''}: use StatevectorBackend or PennyLaneBackend"
            )
        a = template.body.rotation_matrix
        n_rot = a.shape[0]
        if n_rot == 0:
            return np.zeros((len(states), circuit.n_params))
        alpha = a @ theta
        shifts = np.concatenate([np.eye(n_rot), -np.eye(n_rot)]) * (np.pi / 2)
        values = self._run(circuit, None, alpha[None] + shifts, states)  # (B, 2R)
        d_alpha = (values[:, :n_rot] - values[:, n_rot:]) / 2
        return d_alpha @ a

    def _run(
        self, circuit: Circuit, body: Any, alphas: np.ndarray | None, states: np.ndarray
    ) -> np.ndarray:
        """Expectations ``(B, K)`` for ``K`` rotation-angle sets (or one bound body)."""
        if self.shots is None:
            return self._run_exact(circuit, body, alphas, states)
        return self._run_sampled(circuit, body, alphas, states)

    def _aer_prepare(self, qc: Any, psi: np.ndarray) -> None:
        """Load ``psi``: ``initialize`` (``set_density_matrix`` for density-matrix runs)."""
        if getattr(self.backend.options, "method", "automatic") == "density_matrix":
            from qiskit_aer.library import SetDensityMatrix

            qc.append(SetDensityMatrix(np.outer(psi, psi.conj())), qc.qubits)
        else:
            qc.initialize(psi, qc.qubits)

    def _bodies(self, circuit: Circuit, body: Any) -> tuple[Any, Any]:
        """(Aer-ready body, its rotation ParameterVector or None)."""
        if body is not None:
            from qiskit import transpile

            return transpile(body, self.backend, optimization_level=0), None
        template = self._template(circuit)
        assert template is not None
        return template.transpiled, template.body.alpha

    def _run_exact(
        self, circuit: Circuit, body: Any, alphas: np.ndarray | None, states: np.ndarray
    ) -> np.ndarray:
        from qiskit import QuantumCircuit

        n = circuit.n_qubits
        ready, alpha = self._bodies(circuit, body)
        obs = _readout_operator(circuit)
        ro_qubits = _qargs(n, circuit.readout.wires)
        circuits = []
        for psi in states:
            qc = QuantumCircuit(n)
            self._aer_prepare(qc, psi)
            qc.compose(ready, inplace=True)
            qc.save_expectation_value(obs, ro_qubits)
            circuits.append(qc)
        kwargs: dict[str, Any] = {}
        k = 1
        if alpha is not None and len(alpha) and alphas is not None:
            k = alphas.shape[0]
            binds = {alpha[j]: list(alphas[:, j]) for j in range(len(alpha))}
            kwargs["parameter_binds"] = [binds] * len(circuits)
        result = self.backend.run(circuits, **kwargs).result()
        if not result.success:  # pragma: no cover - Aer reports failures here
            raise BackendError(f"Aer job failed: {result.status}")
        values = np.array(
            [
                float(np.real(result.data(i)["expectation_value"]))
                for i in range(len(result.results))
            ]
        )
        return values.reshape(len(states), k)

    def _run_sampled(
        self, circuit: Circuit, body: Any, alphas: np.ndarray | None, states: np.ndarray
    ) -> np.ndarray:
        from qiskit import ClassicalRegister, QuantumCircuit, transpile
        from qiskit.circuit.library import StatePreparation
        from qiskit.primitives import BackendSamplerV2

        n = circuit.n_qubits
        m = len(circuit.readout.wires)
        if self.is_aer:
            ready, alpha = self._bodies(circuit, body)
        else:
            template = None if body is not None else self._template(circuit)
            ready = body if body is not None else template.body.circuit
            alpha = None if template is None else template.body.alpha
        evals = None
        circuits = []
        for psi in states:
            creg = ClassicalRegister(m, "readout")
            qc = QuantumCircuit(n)
            qc.add_register(creg)
            if self.is_aer:
                self._aer_prepare(qc, psi)
            else:
                qc.append(StatePreparation(psi), qc.qubits)
            qc.compose(ready, inplace=True)
            evals = _append_measurement(qc, circuit, creg)
            circuits.append(qc)
        if not self.is_aer:
            circuits = transpile(
                circuits,
                self.backend,
                optimization_level=self.optimization_level,
                seed_transpiler=self.seed,
            )
        sampler = BackendSamplerV2(
            backend=self.backend,
            options={"default_shots": self.shots, "seed_simulator": self.seed},
        )
        k = 1 if alphas is None or alpha is None or not len(alpha) else alphas.shape[0]
        pubs = []
        for qc in circuits:
            if k == 1 and not qc.parameters:
                pubs.append((qc,))
                continue
            columns = [p.index for p in qc.parameters]
            pubs.append((qc, alphas[:, columns]))
        result = sampler.run(pubs).result()
        out = np.empty((len(states), k))
        for b, pub in enumerate(result):
            bits = pub.data.readout
            for j in range(k):
                counts = (bits[j] if bits.shape else bits).get_int_counts()
                total = sum(counts.values())
                out[b, j] = sum(evals[key] * v for key, v in counts.items()) / total
        return out
