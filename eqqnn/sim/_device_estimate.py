r"""Local estimates of ISA circuits on a simulated device: its noise model, then shot noise.

Qiskit Runtime's local mode runs a fake device's circuits through a full-width simulator
(it grew to 10 GB and over 40 minutes for 21 eight-qubit circuits on a 16-qubit fake
device here), so :class:`~eqqnn.sim.EstimatorBackend` estimates locally with Aer
directly, in two exact steps and one sampled one:

1. **Noisy state.** ``AerSimulator.from_backend(device)`` carries the device's gate
   errors and thermal relaxation per physical qubit (a noiseless simulator evolves the
   pure state instead).  Each Pauli word :math:`P_k` of the
   observable :math:`O = c_0 + \sum_k c_k P_k` is saved on its own support only, so Aer
   drops the idle physical qubits and simulates the density matrix
   :math:`\rho = \mathcal{E}(|\psi\rangle\langle\psi|)` of the active ones
   (``density_matrix`` up to :data:`DENSITY_MATRIX_MAX_QUBITS` active qubits; above, the
   ``statevector`` method averages ``shots`` noise trajectories).  This gives
   :math:`e_k = \operatorname{tr}(\rho P_k)` exactly.
2. **Shot noise.** Each Pauli word is measured in its own basis with ``shots`` shots, as
   an estimator does for qubit-wise non-commuting terms.  The number of :math:`+1` outcomes
   is :math:`m_k \sim \mathrm{Binomial}(\text{shots}, (1 + e_k)/2)`, and the estimate is

   .. math:: \hat O = c_0 + \sum_k c_k \left(\frac{2 m_k}{\text{shots}} - 1\right),
             \qquad \operatorname{Var}\hat O = \sum_k c_k^2\,\frac{1 - e_k^2}{\text{shots}}.

Readout (measurement) error is not applied.  The estimate therefore corresponds to an
estimator with readout-error mitigation, which is Runtime's default (TREX at resilience
level 1).  A real ``QiskitRuntimeService`` backend does not go through this module: it
uses the Runtime estimator.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["DENSITY_MATRIX_MAX_QUBITS", "DeviceEstimator"]

DENSITY_MATRIX_MAX_QUBITS = 12
"""Above this many active physical qubits, noise is sampled by trajectories, because the
density matrix (:math:`16 \\cdot 4^q` bytes) would exceed 256 MiB."""


class DeviceEstimator:
    r"""Estimate :math:`\langle O\rangle` of parametrised ISA circuits on a simulated device
    (see the module docstring for the two exact steps and the sampled one).

    Parameters
    ----------
    device
        A Qiskit ``BackendV2`` with a target (a fake IBM device) or an ``AerSimulator``
        (noiseless unless it was built with a noise model).
    shots
        Shots per Pauli word.
    seed
        Seed of the shot sampling and of Aer's trajectories.
    """

    def __init__(self, device: Any, shots: int, seed: int | None = None) -> None:
        from qiskit_aer import AerSimulator

        self.simulator = (
            device if isinstance(device, AerSimulator) else AerSimulator.from_backend(device)
        )
        noise = getattr(self.simulator.options, "noise_model", None)
        self.noisy = noise is not None and not getattr(noise, "is_ideal", lambda: False)()
        """Whether the simulator carries a noise model (else the pure state is simulated)."""
        self.shots = shots
        self.seed = seed
        self._rng = np.random.default_rng(seed)

    def run(self, pubs: Sequence[tuple[Any, Any, np.ndarray | None]]) -> np.ndarray:
        """Estimates for PUBs ``(isa_circuit, observable, angle_sets)``: shape ``(B, K)``,
        one row per PUB and one column per angle set (``K = 1`` without parameters)."""
        return np.stack([self._pub(*pub) for pub in pubs])

    def _pub(self, circuit: Any, observable: Any, values: np.ndarray | None) -> np.ndarray:
        from qiskit.quantum_info import Pauli

        qc = circuit.copy()
        constant = 0.0
        coefficients = []
        for k, (label, coeff) in enumerate(observable.to_list()):
            pauli = Pauli(label)
            support = [int(q) for q in np.flatnonzero(pauli.x | pauli.z)]
            if not support:
                constant += float(np.real(coeff))
                continue
            qc.save_expectation_value(pauli[support], support, label=f"term{k}")
            coefficients.append((f"term{k}", float(np.real(coeff))))
        options: dict[str, Any] = {"method": self._method(qc) if self.noisy else "statevector"}
        if options["method"] == "density_matrix":
            options["shots"] = 1  # the saved value is exact; one pass suffices
        else:
            options["shots"] = self.shots
        if self.seed is not None:
            options["seed_simulator"] = self.seed
        if values is not None and len(qc.parameters):
            binds = {p: values[:, i] for i, p in enumerate(qc.parameters)}
            result = self.simulator.run(qc, parameter_binds=[binds], **options).result()
            n_sets = values.shape[0]
        else:
            result = self.simulator.run(qc, **options).result()
            n_sets = 1
        estimates = np.full(n_sets, constant)
        for j in range(n_sets):
            data = result.data(j)
            for name, coeff in coefficients:
                estimates[j] += coeff * self._sample(float(np.real(data[name])))
        return estimates

    def _sample(self, expectation: float) -> float:
        """One ``shots``-shot estimate of a Pauli word with exact value ``expectation``."""
        p_plus = min(max((1.0 + expectation) / 2.0, 0.0), 1.0)
        return 2.0 * self._rng.binomial(self.shots, p_plus) / self.shots - 1.0

    @staticmethod
    def _method(circuit: Any) -> str:
        """``density_matrix`` when the active physical qubits are few enough."""
        from qiskit.converters import circuit_to_dag

        dag = circuit_to_dag(circuit)
        idle = set(dag.idle_wires())
        active = sum(1 for q in dag.qubits if q not in idle)
        return "density_matrix" if active <= DENSITY_MATRIX_MAX_QUBITS else "statevector"
