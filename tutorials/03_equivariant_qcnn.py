# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 03 — The SU(2)-equivariant QCNN, the baseline, and three simulators
#
# We build the EQCNN (`su2_qcnn`) and the symmetry-agnostic QCNN (`qcnn`), draw them,
# check their (in)variance under global rotations, and run the same EQCNN on eqqnn's
# statevector simulator, a PennyLane device and Qiskit (Aer exactly, and a noisy
# simulated device with shots).  Runs as a script in well under a minute.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch

from eqqnn import QuantumClassifier
from eqqnn.circuits import Pooling, qcnn, su2_qcnn
from eqqnn.data import BondAlternatingHeisenberg
from eqqnn.metrics import quantum_invariance_error
from eqqnn.sim import (
    DensityMatrixBackend,
    PennyLaneBackend,
    QiskitBackend,
    StatevectorBackend,
    to_qasm3,
    to_qiskit,
)

OUT = Path(os.environ.get("EQQNN_TUTORIAL_OUT", "runs/tutorials"))
OUT.mkdir(parents=True, exist_ok=True)
n = 6

# %% [markdown]
# ## The two circuits
# The EQCNN convolves with $e^{-i\theta\,\mathrm{SWAP}}$ (Heisenberg exchange), pools by
# an equivariant gate and a discard, and reads out the singlet weight of the last pair.
# The baseline uses general two-qubit blocks and measurement-controlled rotations.

# %%
eq = su2_qcnn(n)
base = qcnn(n)
print(eq.summary())
print(eq.draw())
print(base.summary())
print("EQCNN parameters:", eq.n_params, " baseline parameters:", base.n_params)

# %% [markdown]
# ## Invariance under global rotations
# For Haar-random $u$, $|f(u^{\otimes n}\psi) - f(\psi)|$ on random input states.

# %%
g = torch.Generator().manual_seed(0)
psi = torch.randn(8, 2**n, dtype=torch.complex128, generator=g)
psi = psi / psi.norm(dim=1, keepdim=True)
eq_model = QuantumClassifier(eq, seed=1)
base_model = QuantumClassifier(base, seed=1)
err_eq = quantum_invariance_error(eq_model, psi)
err_base = quantum_invariance_error(base_model, psi)
print(f"invariance error: EQCNN {err_eq:.2e}, baseline {err_base:.2e}")
assert err_eq < 1e-10 < 1e-3 < err_base

# %% [markdown]
# ## One model, several simulators
# Ground states of the chain at a few ratios, the same parameters everywhere.

# %%
ratios = [0.3, 0.8, 1.3, 1.8]
states = torch.stack(
    [torch.as_tensor(BondAlternatingHeisenberg(n, r).ground_state().vector()) for r in ratios]
)
theta = eq_model.weights.detach()
backends = {
    "eqqnn statevector": StatevectorBackend(),
    "eqqnn density matrix": DensityMatrixBackend(),
    "PennyLane default.qubit": PennyLaneBackend("default.qubit"),
    "PennyLane lightning.qubit": PennyLaneBackend("lightning.qubit"),
    "Qiskit Aer (exact)": QiskitBackend(),
}
results = {}
for name, backend in backends.items():
    results[name] = backend.probabilities(eq, theta, states).detach()
    print(f"{name:>26}: {results[name].numpy().round(6)}")
reference = results["eqqnn statevector"]
for name, values in results.items():
    assert torch.allclose(values, reference, atol=1e-8), name

# %% [markdown]
# ## Finite shots on a noisy simulated device
# `GenericBackendV2` is a noisy 6-qubit device model from Qiskit; the circuit is transpiled
# for it and the readout estimated from 2000 shots.  (With `pip install 'eqqnn[ibm]'`,
# the fake IBM devices of `qiskit_ibm_runtime.fake_provider`, or a real IBM backend through
# `QiskitRuntimeService`, are used the same way.)

# %%
from qiskit.providers.fake_provider import GenericBackendV2

noisy = QiskitBackend(GenericBackendV2(n, seed=7), shots=2000, seed=11)
results["noisy device, 2000 shots"] = noisy.probabilities(eq, theta, states).detach()
print("noisy device:", results["noisy device, 2000 shots"].numpy().round(3))

# %% [markdown]
# `EstimatorBackend` runs the same device the way IBM users run circuits now (V2
# primitives on ISA circuits): each input state's circuit is transpiled once for the
# device's target, and parameters are bound per call.  On a simulated device the estimate
# is the exact expectation on the noisy density matrix of the active qubits, then binomial
# shot noise per Pauli word.  A real `QiskitRuntimeService().backend(...)` goes to Qiskit
# Runtime's estimator instead.

# %%
from eqqnn.sim import EstimatorBackend

estimator = EstimatorBackend(GenericBackendV2(n, seed=7), shots=2000, seed=11)
results["EstimatorBackend, 2000 shots"] = estimator.probabilities(eq, theta, states).detach()
print("estimator:", results["EstimatorBackend, 2000 shots"].numpy().round(3))

# %% [markdown]
# ## Export
# The EQCNN as a Qiskit circuit with symbolic parameters, and as OpenQASM 3 text.

# %%
qc = to_qiskit(eq)
print(qc.num_qubits, "qubits,", len(qc.parameters), "parameters,", qc.size(), "operations")
print(to_qasm3(eq, theta)[:400])

# %% [markdown]
# The Choi-pooling variant needs a density-matrix simulator; it is invariant as well.

# %%
choi = su2_qcnn(n, pooling=Pooling.CHOI)
choi_model = QuantumClassifier(choi, DensityMatrixBackend(), seed=2)
print("Choi-pooling EQCNN invariance error:", quantum_invariance_error(choi_model, psi[:3]))

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, values in results.items():
    noisy_style = "noisy" in name or "shots" in name
    ax.plot(ratios, values.numpy(), "s--" if noisy_style else "o-", label=name)
ax.set(xlabel="r = J2/J1", ylabel="p(Haldane)", title="One EQCNN, several simulators")
ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(OUT / "03_simulators.png", dpi=110)
print("saved", OUT / "03_simulators.png")
