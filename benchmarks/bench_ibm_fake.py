"""The trained EQCNN on a fake IBM device: test accuracy with shots and noise against exact.

Trains the default EQCNN (spin-sector engine, 4 training states, seed 0) at n = 8, saves
it, and evaluates the same weights on the 101-point test grid

* exactly (the sector engine),
* on a noiseless ``AerSimulator`` with ``--shots`` shots (shot noise only),
* on a fake IBM device of ``qiskit_ibm_runtime.fake_provider`` (its noise model, ISA
  circuits transpiled for its target, ``--shots`` shots),

through :class:`eqqnn.sim.EstimatorBackend` (local estimates: the device's noise model on
the active qubits' density matrix, then binomial shot noise per Pauli word). Prints
accuracy, the misclassified ratios, the mean |p - p_exact|, the ISA circuit's size and the
time.

    python benchmarks/bench_ibm_fake.py --device FakeGuadalupeV2 --shots 4000 --test-points 21
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np
import torch

from eqqnn.data import phase_label
from eqqnn.experiments import Job, TaskSpec, eqcnn_family, load, run_job
from eqqnn.experiments._task import PhaseTask
from eqqnn.models import InputKind
from eqqnn.sim import EstimatorBackend


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--device", default="FakeTorino", help="a class of the fake provider")
    ap.add_argument("--shots", type=int, default=4000)
    ap.add_argument("--test-points", type=int, default=101)
    ap.add_argument("--no-noiseless", action="store_true", help="skip the noiseless-shots row")
    args = ap.parse_args()
    from qiskit_aer import AerSimulator
    from qiskit_ibm_runtime import fake_provider

    folder = tempfile.mkdtemp()
    spec = TaskSpec(args.n, 4, args.test_points)
    record = run_job(Job(eqcnn_family(), spec, 0, save_to=f"{folder}/model.pt"))
    test = PhaseTask.test_split(spec)
    states = test.inputs(InputKind.STATE)
    ratios = test.ratios
    labels = np.array([phase_label(float(r)) for r in ratios])
    print(
        f"EQCNN n = {args.n}, 4 training states, seed 0: exact test accuracy "
        f"{record.test_accuracy:.3f}, errors at {list(record.test_errors)}"
    )
    exact = None
    device = getattr(fake_provider, args.device)()
    runs = [(f"{args.device}, shots", EstimatorBackend(device, shots=args.shots, seed=1))]
    if not args.no_noiseless:
        noiseless = EstimatorBackend(AerSimulator(), shots=args.shots, seed=1)
        runs.insert(0, ("noiseless Aer, shots", noiseless))
    model = load(folder)
    with torch.no_grad():
        exact = model(test.inputs(model.input_kind)).numpy()
    print("| evaluation | accuracy | errors at r | mean abs(p - p_exact) | seconds |")
    print("|---|---:|---|---:|---:|")
    from qiskit import transpile

    estimator = runs[-1][1]
    isa = estimator.isa_circuit(model.circuit, states[len(states) // 2].numpy()).circuit
    body = transpile(
        estimator._body(model.circuit).circuit, device, optimization_level=1, seed_transpiler=1
    )
    print(
        f"(ISA circuit on {args.device} at r = {float(ratios[len(ratios) // 2]):.2f}: "
        f"depth {isa.depth()}, {_two_qubit(isa)} two-qubit gates; the EQCNN alone, without "
        f"the state preparation: depth {body.depth()}, {_two_qubit(body)} two-qubit gates)"
    )
    print(
        f"| exact (sector engine) | {np.mean((exact > 0.5) == labels):.3f} | "
        f"{_errors(exact, labels, ratios)} | 0 | — |"
    )
    for name, backend in runs:
        model = load(folder, backend=backend)
        t = time.perf_counter()
        with torch.no_grad():
            p = model(states).numpy()
        seconds = time.perf_counter() - t
        print(
            f"| {name} | {np.mean((p > 0.5) == labels):.3f} | {_errors(p, labels, ratios)} | "
            f"{np.mean(np.abs(p - exact)):.4f} | {seconds:.0f} |",
            flush=True,
        )


def _two_qubit(circuit: object) -> int:
    return sum(n for g, n in circuit.count_ops().items() if g in ("cx", "cz", "ecr"))


def _errors(p: np.ndarray, labels: np.ndarray, ratios: np.ndarray) -> str:
    wrong = [f"{r:.3f}" for r, q, y in zip(ratios, p, labels, strict=True) if (q > 0.5) != y]
    return ", ".join(wrong) if wrong else "none"


if __name__ == "__main__":
    main()
