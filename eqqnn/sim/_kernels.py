r"""Torch kernels shared by the dense simulators: apply a small matrix to chosen qubits.

States are ``(B, 2^n)`` complex tensors with qubit 0 the most significant bit.  A
``k``-qubit matrix :math:`M` on wires :math:`(w_1, \dots, w_k)` acts as
:math:`M \otimes I` after moving those wires to the front, in that order.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch

from eqqnn.circuits import Circuit, ExpGate, FixedGate


@lru_cache(maxsize=8192)
def _layout(n: int, wires: tuple[int, ...]) -> tuple:
    """Shape with one axis per target wire and one per run of untouched qubits.

    Returns ``(dims, perm, inv, rest_dims, contiguous)`` where ``perm`` moves the target
    axes (in gate order) right after the batch axis.  Merging untouched runs keeps the
    permutes short (a 2-axis permute instead of an (n+1)-axis one).
    """
    k = len(wires)
    if list(wires) == list(range(wires[0], wires[0] + k)):
        return (), (), (), (), True
    dims: list[int] = [-1]
    axis_of: dict[int, int] = {}
    prev = 0
    for w in sorted(wires):
        if w > prev:
            dims.append(2 ** (w - prev))
        axis_of[w] = len(dims)
        dims.append(2)
        prev = w + 1
    if prev < n:
        dims.append(2 ** (n - prev))
    targets = [axis_of[w] for w in wires]
    rest = [i for i in range(1, len(dims)) if i not in targets]
    perm = (0, *targets, *rest)
    inv = tuple(int(i) for i in np.argsort(perm))
    return tuple(dims), perm, inv, tuple(dims[i] for i in rest), False


def apply_matrix(
    psi: torch.Tensor, mat: torch.Tensor, wires: tuple[int, ...], n: int
) -> torch.Tensor:
    """Return :math:`(M \\otimes I)\\psi` for ``psi`` of shape ``(B, 2^n)``.

    ``mat`` is ``(d, d)`` (one matrix for the batch) or ``(B, d, d)``.  Contiguous wires
    in increasing order need no permute at all: ``psi`` is viewed as
    ``(B, 2^w, 2^k, 2^{n-w-k})`` and multiplied in place of the middle axis.
    """
    b = psi.shape[0]
    k = len(wires)
    dims, perm, inv, rest_dims, contiguous = _layout(n, tuple(wires))
    if contiguous:
        w = wires[0]
        x = psi.reshape(b, 2**w, 2**k, 2 ** (n - w - k))
        m = mat if mat.ndim == 2 else mat[:, None]
        return torch.matmul(m, x).reshape(b, 2**n)
    x = psi.reshape(b, *dims[1:]).permute(perm).reshape(b, 2**k, -1)
    x = torch.matmul(mat, x)
    x = x.reshape(b, *([2] * k), *rest_dims).permute(inv)
    return x.reshape(b, 2**n)


def _swapped(psi: torch.Tensor, i: int, j: int, n: int) -> torch.Tensor:
    """:math:`\\mathrm{SWAP}_{ij}\\psi` through a strided view (no permute of other axes)."""
    a, c = min(i, j), max(i, j)
    b = psi.shape[0]
    x = psi.reshape(b * 2**a, 2, 2 ** (c - a - 1), 2, 2 ** (n - c - 1))
    return x.transpose(1, 3).reshape(b, 2**n)


def expectation(
    psi: torch.Tensor, obs: torch.Tensor, wires: tuple[int, ...], n: int
) -> torch.Tensor:
    r""":math:`\langle\psi|O\otimes I|\psi\rangle` per batch row (real)."""
    return torch.sum(psi.conj() * apply_matrix(psi, obs, wires, n), dim=-1).real


class ExpStep:
    r"""A compiled :class:`~eqqnn.circuits.ExpGate`.

    Commuting generators share an eigenbasis :math:`V` (found by diagonalizing a generic
    real combination), so :math:`U = V\,\mathrm{diag}(e^{-i\sum_a\theta_a\lambda_a})V^\dagger`
    exactly, with exact derivatives :math:`-iG_aU`; other gates use ``matrix_exp``.
    """

    def __init__(self, op: ExpGate, device: torch.device, dtype: torch.dtype) -> None:
        self.wires = op.all_wires
        gens = np.asarray(op.full_generators)
        self.gens = torch.tensor(gens, dtype=dtype, device=device)
        self.idx = torch.as_tensor(op.params, dtype=torch.long, device=device)
        self.commuting = op.commuting
        from eqqnn.circuits import SWAP

        self.is_swap = (
            len(gens) == 1 and len(self.wires) == 2 and np.abs(gens[0] - SWAP).max() < 1e-14
        )
        self.eigvecs: torch.Tensor | None = None
        if op.commuting:
            weights = np.random.default_rng(12345).uniform(0.5, 1.5, size=len(gens))
            _, vecs = np.linalg.eigh(np.einsum("a,aij->ij", weights, gens))
            diag = np.einsum("ji,ajk,ki->ai", vecs.conj(), gens, vecs)
            recon = np.einsum("ij,aj,kj->aik", vecs, diag, vecs.conj())
            if np.abs(recon - gens).max() < 1e-10:
                self.eigvecs = torch.tensor(vecs, dtype=dtype, device=device)
                self.eigvals = torch.tensor(diag.real, dtype=torch.float64, device=device)

    def unitary(self, params: torch.Tensor) -> torch.Tensor:
        r""":math:`\exp(-i\sum_a\theta_a G_a)` (differentiable in ``params``)."""
        theta = params[self.idx]
        if self.eigvecs is not None:
            phase = torch.einsum("a,ai->i", theta, self.eigvals.to(theta.dtype))
            v = self.eigvecs
            return (v * torch.exp(-1j * phase).to(v.dtype)) @ v.conj().T
        return gate_unitary(self.gens, theta)

    def apply(
        self, psi: torch.Tensor, params: torch.Tensor, n: int, *, dagger: bool = False
    ) -> torch.Tensor:
        r""":math:`U\psi` (or :math:`U^\dagger\psi`); SWAP-exponentials use
        :math:`\cos\theta\,\psi \mp i \sin\theta\,\mathrm{SWAP}\,\psi`."""
        if self.is_swap:
            theta = params[self.idx[0]]
            sign = 1j if dagger else -1j
            if not (torch.is_grad_enabled() and (theta.requires_grad or psi.requires_grad)):
                t = float(theta)  # no graph needed: fused in-place update, one copy
                out = _swapped(psi, *self.wires, n).mul_(sign * math.sin(t))
                return out.add_(psi, alpha=math.cos(t))
            c, s = torch.cos(theta).to(psi.dtype), torch.sin(theta).to(psi.dtype)
            return c * psi + sign * s * _swapped(psi, *self.wires, n)
        u = self.unitary(params)
        return apply_matrix(psi, u.conj().T if dagger else u, self.wires, n)

    def apply_derivatives(
        self, psi: torch.Tensor, params: torch.Tensor, n: int
    ) -> list[torch.Tensor]:
        r""":math:`\partial_a U\,\psi` for every generator ``a``."""
        if self.is_swap:
            theta = params[self.idx[0]]
            c, s = torch.cos(theta).to(psi.dtype), torch.sin(theta).to(psi.dtype)
            return [-s * psi - 1j * c * _swapped(psi, *self.wires, n)]
        u = self.unitary(params)
        return [apply_matrix(psi, d, self.wires, n) for d in self.derivatives(params, u)]

    def adjoint_step(
        self,
        psi: torch.Tensor,
        lam: torch.Tensor,
        params: torch.Tensor,
        n: int,
        weights: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
        r"""One step of the adjoint method, walking backwards through this gate.

        Given :math:`\psi = U\psi_{-}` and :math:`\lambda` after the gate, return
        :math:`U^\dagger\psi`, :math:`U^\dagger\lambda` and the gradient terms
        :math:`2\,\mathrm{Re}\sum_b w_b\langle\lambda_b|\partial_a U|\psi_{-,b}\rangle`.
        When the generators commute, :math:`\partial_a U\,\psi_- = -iG_a\psi`, so no
        derivative matrix is needed; SWAP-exponentials reuse one strided copy.
        """
        if self.is_swap:
            t = float(params[self.idx[0]])
            c, s = math.cos(t), math.sin(t)
            swapped = _swapped(psi, *self.wires, n)
            # <lam| -i SWAP psi> summed with the batch weights
            term = 2 * (torch.vdot(lam.reshape(-1), (swapped * weights).reshape(-1)) * -1j).real
            psi = swapped.mul_(1j * s).add_(psi, alpha=c)
            lam = _swapped(lam, *self.wires, n).mul_(1j * s).add_(lam, alpha=c)
            return psi, lam, [term]
        terms = []
        if self.commuting:
            for g in self.gens:
                moved = apply_matrix(psi, -1j * g, self.wires, n)
                terms.append(2 * torch.sum(lam.conj() * moved * weights).real)
            psi = self.apply(psi, params, n, dagger=True)
        else:
            psi = self.apply(psi, params, n, dagger=True)
            for moved in self.apply_derivatives(psi, params, n):
                terms.append(2 * torch.sum(lam.conj() * moved * weights).real)
        lam = self.apply(lam, params, n, dagger=True)
        return psi, lam, terms

    def derivatives(self, params: torch.Tensor, unitary: torch.Tensor) -> torch.Tensor:
        r""":math:`\partial U/\partial\theta_a`, shape ``(m, d, d)``."""
        return gate_derivatives(self.gens, params[self.idx], unitary, self.commuting)


class CompiledCircuit:
    """A circuit's matrices as tensors on one device and dtype (built once, cached)."""

    def __init__(self, circuit: Circuit, device: torch.device, dtype: torch.dtype) -> None:
        self.circuit = circuit
        self.n = circuit.n_qubits
        self.steps: list[ExpStep | tuple[tuple[int, ...], torch.Tensor]] = []
        for op in circuit.gates:
            if isinstance(op, ExpGate):
                self.steps.append(ExpStep(op, device, dtype))
            elif isinstance(op, FixedGate):
                self.steps.append((op.wires, torch.tensor(op.matrix, dtype=dtype, device=device)))
        ro = circuit.readout
        self.readout_wires = ro.wires
        self.observable = torch.tensor(ro.observable, dtype=dtype, device=device)
        self.low, self.high = ro.low, ro.high


def gate_unitary(gens: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    r""":math:`\exp(-i\sum_a\theta_a G_a)` (differentiable in ``theta``)."""
    a = torch.einsum("a,aij->ij", theta.to(gens.dtype), gens)
    return torch.linalg.matrix_exp(-1j * a)


def gate_derivatives(
    gens: torch.Tensor, theta: torch.Tensor, unitary: torch.Tensor, commuting: bool
) -> torch.Tensor:
    r""":math:`\partial U/\partial\theta_a` for every generator, shape ``(m, d, d)``.

    Commuting generators give :math:`-iG_a U`; otherwise the Fréchet derivative of the
    exponential from the block identity
    :math:`\exp\begin{pmatrix}A & E\\ 0 & A\end{pmatrix} =
    \begin{pmatrix}e^A & L(A, E)\\ 0 & e^A\end{pmatrix}`.
    """
    if commuting:
        return -1j * gens @ unitary
    m, d, _ = gens.shape
    a = -1j * torch.einsum("a,aij->ij", theta.to(gens.dtype), gens)
    block = torch.zeros((m, 2 * d, 2 * d), dtype=gens.dtype, device=gens.device)
    block[:, :d, :d] = a
    block[:, d:, d:] = a
    block[:, :d, d:] = -1j * gens
    return torch.linalg.matrix_exp(block)[:, :d, d:]
