r"""Equivariance errors of models, layers, data and parameters (one set of definitions
for the quantum and the classical side).

* **Model invariance error** of a classifier :math:`f` under a group acting on inputs:

  .. math:: \mathrm{EE}(f) = \mathbb E_x\,\mathbb E_g\, |f(g\cdot x) - f(x)| ,

  with seeded Haar (or uniform finite-group) samples :math:`g`.
* **Layerwise** error of a circuit layer :math:`U_L` on rotated inputs:
  :math:`\mathbb E_x \mathbb E_u \| U_L u^{\otimes n}\psi - u^{\otimes n} U_L \psi\|`.
* **Data** equivariance error of a generating process: the Hamiltonian's commutator norm
  :math:`\big(\sum_a \|[H, S^a]\|_F^2 / 2^n\big)^{1/2}` (for a field :math:`h\sum_i S^z_i`
  it is :math:`h\sqrt{n/2}`), and the states' infidelity with their rotated copies
  :math:`\mathbb E_x\mathbb E_u\,[1 - |\langle x|u^{\otimes n}|x\rangle|^2]`.
* **Local** error: the Lie derivative :math:`\frac{d}{dt} f(e^{-itS^a}x)|_{t=0}` along the
  collective spin generators (forward-mode autodiff).
* **Parameter** distance to the equivariant subspace of a gate's generator
  :math:`H = \sum_a\theta_a G_a`: :math:`\|H - \mathcal T[H]\|_F / \|H\|_F`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from eqqnn._validation import check_int
from eqqnn.circuits import Circuit, Discard, ExpGate
from eqqnn.errors import DimensionError

__all__ = [
    "distance_to_equivariant",
    "hamiltonian_equivariance_error",
    "invariance_error",
    "layerwise_equivariance_errors",
    "lie_derivative",
    "quantum_invariance_error",
    "state_invariance_error",
]


def invariance_error(
    f: Callable[[Any], torch.Tensor],
    inputs: Any,
    act: Callable[[Any, Any], Any],
    elements: Any,
) -> float:
    r"""Mean :math:`|f(g\cdot x) - f(x)|` over inputs and the given group elements.

    ``act(inputs, g)`` applies one element to a batch; ``elements`` is an iterable.
    """
    with torch.no_grad():
        base = f(inputs)
        diffs = [torch.abs(f(act(inputs, g)) - base).mean() for g in elements]
    return float(torch.stack(diffs).mean())


def _haar_batch(
    n_samples: int, seed: int, dtype: torch.dtype, device: torch.device
) -> list[torch.Tensor]:
    from eqqnn.symmetry import SU2

    us = SU2().sample(seed, check_int("n_samples", n_samples, minimum=1))
    return [torch.as_tensor(u, dtype=dtype, device=device) for u in us]


def _rotate(states: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    from eqqnn.symmetry import apply_qubit_rotation

    return apply_qubit_rotation(states, u)


def quantum_invariance_error(
    model: Callable, states: torch.Tensor, *, n_samples: int = 8, seed: int = 0
) -> float:
    r"""Invariance error of a quantum classifier under Haar rotations :math:`u^{\otimes n}`."""
    us = _haar_batch(n_samples, seed, states.dtype, states.device)
    return invariance_error(model, states, _rotate, us)


def layerwise_equivariance_errors(
    circuit: Circuit,
    params: torch.Tensor,
    states: torch.Tensor,
    *,
    n_samples: int = 4,
    seed: int = 0,
) -> dict[str, float]:
    r"""Per layer: :math:`\mathbb E\,\|U_L u^{\otimes n}\psi - u^{\otimes n} U_L\psi\|_2`.

    The inputs of each layer are the states produced by the layers before it, so the
    error measures the layer where it acts in the trained network.
    """
    from eqqnn.sim._kernels import CompiledCircuit, ExpStep, apply_matrix

    cc = CompiledCircuit(circuit, states.device, states.dtype)
    params = params.detach().to(
        device=states.device,
        dtype=torch.float64 if states.dtype == torch.complex128 else torch.float32,
    )
    step_of_op: dict[int, int] = {}
    k = 0
    for i, op in enumerate(circuit.operations):
        if not isinstance(op, Discard):
            step_of_op[i] = k
            k += 1
    us = _haar_batch(n_samples, seed, states.dtype, states.device)

    def run(psi: torch.Tensor, steps: list[int]) -> torch.Tensor:
        for s in steps:
            step = cc.steps[s]
            if isinstance(step, ExpStep):
                psi = apply_matrix(psi, step.unitary(params), step.wires, cc.n)
            else:
                psi = apply_matrix(psi, step[1], step[0], cc.n)
        return psi

    out = {}
    psi = states
    with torch.no_grad():
        for layer in circuit.layers:
            steps = [step_of_op[i] for i in range(layer.start, layer.stop) if i in step_of_op]
            after = run(psi, steps)
            errs = [
                torch.linalg.vector_norm(
                    run(_rotate(psi, u), steps) - _rotate(after, u), dim=1
                ).mean()
                for u in us
            ]
            out[layer.name] = float(torch.stack(errs).mean())
            psi = after
    return out


def _collective_spin_action(states: torch.Tensor, axis: int) -> torch.Tensor:
    r""":math:`S^a\psi = \sum_i \sigma^a_i/2\,\psi` for ``(B, 2^n)`` states."""
    from eqqnn.sim._kernels import apply_matrix

    paulis = [[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]]
    half = torch.as_tensor(paulis[axis], dtype=states.dtype, device=states.device) / 2
    n = states.shape[1].bit_length() - 1
    return sum(apply_matrix(states, half, (q,), n) for q in range(n))


def lie_derivative(model: Callable, states: torch.Tensor) -> torch.Tensor:
    r"""Lie derivatives :math:`\frac{d}{dt} f(e^{-itS^a}\psi)|_{t=0}`, shape ``(B, 3)``.

    Zero for an SU(2)-invariant model; its norm is the local equivariance error.  Uses
    forward-mode autodiff, so the model must be differentiable by torch in its inputs
    (``StatevectorBackend(gradient="autograd")``, the default).
    """
    out = []
    for axis in range(3):
        tangent = -1j * _collective_spin_action(states, axis)
        _, jvp = torch.func.jvp(model, (states,), (tangent,))
        out.append(jvp.real if jvp.is_complex() else jvp)
    return torch.stack(out, dim=-1).detach()


def hamiltonian_equivariance_error(model: Any) -> float:
    r""":math:`\big(\sum_a \|[H, S^a]\|_F^2 / 2^n\big)^{1/2}` of a chain Hamiltonian.

    Examples
    --------
    >>> from eqqnn.data import BondAlternatingHeisenberg
    >>> round(hamiltonian_equivariance_error(BondAlternatingHeisenberg(4, 1.0, field=0.5)), 10)
    0.7071067812
    """
    h = model.sparse_matrix().tocsr()
    n = model.n_qubits
    dim = 2**n
    idx = np.arange(dim)
    total = 0.0
    for axis in range(3):
        from scipy import sparse

        if axis == 2:
            bits = (idx[:, None] >> (n - 1 - np.arange(n))) & 1
            s = sparse.diags(((1 - 2 * bits).sum(1) / 2).astype(complex))
        else:
            rows, cols, vals = [], [], []
            for q in range(n):
                flip = idx ^ (1 << (n - 1 - q))
                bit = (idx >> (n - 1 - q)) & 1
                rows.append(flip)
                cols.append(idx)
                vals.append(
                    np.full(dim, 0.5 + 0j) if axis == 0 else np.where(bit == 0, 0.5j, -0.5j)
                )
            s = sparse.csr_matrix(
                (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                shape=(dim, dim),
            )
        comm = h @ s - s @ h
        total += float(np.sum(np.abs(comm.data) ** 2))
    return float(np.sqrt(total / dim))


def state_invariance_error(states: torch.Tensor, *, n_samples: int = 8, seed: int = 0) -> float:
    r"""Infidelity with rotated copies, 0 for singlets.

    .. math:: \mathbb E_x \mathbb E_u [1 - |\langle x|u^{\otimes n}|x\rangle|^2]
    """
    if states.ndim != 2:
        raise DimensionError(f"states must be (B, 2^n), got {tuple(states.shape)}")
    us = _haar_batch(n_samples, seed, states.dtype, states.device)
    vals = [1 - torch.abs(torch.sum(states.conj() * _rotate(states, u), dim=1)) ** 2 for u in us]
    return float(torch.stack(vals).mean())


def distance_to_equivariant(circuit: Circuit, params: torch.Tensor) -> list[float]:
    r"""Per gate: :math:`\|H - \mathcal T[H]\|_F/\|H\|_F` for :math:`H = \sum_a\theta_aG_a`.

    0 for gates inside the equivariant subspace; the twirl is exact (Euler quadrature).
    """
    from eqqnn.symmetry import qubit_representation, twirl

    theta = params.detach().cpu().numpy().astype(float)
    out = []
    for op in circuit.gates:
        if not isinstance(op, ExpGate):
            continue
        h = np.einsum("a,aij->ij", theta[list(op.params)], op.full_generators)
        norm = np.linalg.norm(h)
        if norm == 0:
            out.append(0.0)
            continue
        t = twirl(h, qubit_representation(len(op.all_wires)))
        out.append(float(np.linalg.norm(h - t) / norm))
    return out
