r"""Batched, differentiable dense statevector simulator (torch, CPU or CUDA).

For a circuit :math:`U(\theta) = U_L \cdots U_1` and readout :math:`O` on the surviving
wires, the backend returns

.. math:: E_b(\theta) = \langle\psi_b| U(\theta)^\dagger (O \otimes I) U(\theta) |\psi_b\rangle

for each input state :math:`\psi_b` (discarded qubits are traced out implicitly: nothing
acts on them after the discard, so the reduced expectation equals the full one).

Gradients
---------
``gradient="autograd"`` differentiates through every gate (memory grows with depth).
``gradient="adjoint"`` uses the adjoint method (Jones & Gacon, arXiv 2009.02823): only
the final state :math:`\psi` and :math:`\lambda = O\psi` are kept, and the circuit is
walked backwards undoing gates,

.. math:: \frac{\partial E}{\partial \theta_a} = 2\,\mathrm{Re}\,
          \langle \lambda_k | \partial_a U_k | \psi_{k-1} \rangle ,

so memory is :math:`O(B\,2^n)` whatever the depth.
"""

from __future__ import annotations

import weakref
from typing import Any

import torch

from eqqnn._validation import check_choice
from eqqnn.circuits import Circuit
from eqqnn.errors import BackendError, DimensionError, InvalidParameterError
from eqqnn.sim._kernels import CompiledCircuit, ExpStep, apply_matrix, expectation

__all__ = ["StatevectorBackend", "check_states", "real_dtype_of"]

_COMPLEX = (torch.complex64, torch.complex128)


def real_dtype_of(dtype: torch.dtype) -> torch.dtype:
    """float32 for complex64, float64 for complex128."""
    return torch.float32 if dtype == torch.complex64 else torch.float64


def check_states(
    states: Any,
    n_qubits: int,
    *,
    dtype: torch.dtype | None,
    device: torch.device | None,
    normalize: bool = False,
) -> torch.Tensor:
    """Validate a ``(B, 2^n)`` batch of state vectors (dtype, device, shape, norm)."""
    if not isinstance(states, torch.Tensor):
        raise DimensionError(f"states must be a torch.Tensor, got {type(states).__name__}")
    if states.ndim == 1:
        states = states[None]
    dim = 2**n_qubits
    if states.ndim != 2 or states.shape[1] != dim:
        raise DimensionError(
            f"states for {n_qubits} qubits must have shape (B, {dim}), got {tuple(states.shape)}"
        )
    if states.dtype not in _COMPLEX:
        raise DimensionError(f"states must be complex64 or complex128, got {states.dtype}")
    if dtype is not None and states.dtype != dtype:
        raise DimensionError(f"this backend runs in {dtype}, got states of dtype {states.dtype}")
    if device is not None and states.device != torch.device(device):
        raise DimensionError(f"this backend runs on {device}, got states on {states.device}")
    norms = torch.linalg.vector_norm(states.detach(), dim=1)
    tol = 1e-4 if states.dtype == torch.complex64 else 1e-8
    if normalize:
        if bool((norms == 0).any()):
            raise InvalidParameterError("cannot normalize a zero state vector")
        return states / norms[:, None].to(states.dtype)
    bad = torch.nonzero(torch.abs(norms - 1) > tol).flatten()
    if len(bad):
        i = int(bad[0])
        raise InvalidParameterError(
            f"state {i} has norm {float(norms[i]):.6g}, expected 1 (tolerance {tol:g}); "
            "pass normalize=True to normalize inputs"
        )
    return states


def check_params(params: torch.Tensor, circuit: Circuit) -> torch.Tensor:
    """Validate the parameter vector (shape and finiteness)."""
    if not isinstance(params, torch.Tensor):
        params = torch.as_tensor(params, dtype=torch.float64)
    if params.shape != (circuit.n_params,):
        raise DimensionError(
            f"{circuit.name} takes {circuit.n_params} parameters, got shape {tuple(params.shape)}"
        )
    if params.is_complex() or not bool(torch.isfinite(params.detach()).all()):
        raise InvalidParameterError("parameters must be finite real numbers")
    return params


class _Compiled:
    """Per-backend cache of compiled circuits, keyed weakly by circuit."""

    def __init__(self) -> None:
        self._cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get(self, circuit: Circuit, device: torch.device, dtype: torch.dtype) -> CompiledCircuit:
        per = self._cache.setdefault(circuit, {})
        key = (str(device), dtype)
        if key not in per:
            per[key] = CompiledCircuit(circuit, device, dtype)
        return per[key]


def _forward(cc: CompiledCircuit, params: torch.Tensor, psi: torch.Tensor) -> torch.Tensor:
    for step in cc.steps:
        if isinstance(step, ExpStep):
            psi = step.apply(psi, params, cc.n)
        else:
            psi = apply_matrix(psi, step[1], step[0], cc.n)
    return psi


class _AdjointExpectation(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, params: torch.Tensor, psi0: torch.Tensor, cc: CompiledCircuit) -> Any:
        with torch.no_grad():
            psi = _forward(cc, params, psi0)
            lam = apply_matrix(psi, cc.observable, cc.readout_wires, cc.n)
            value = torch.sum(psi.conj() * lam, dim=-1).real
        ctx.save_for_backward(params, psi, lam)
        ctx.cc = cc
        return value

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> Any:
        params, psi, lam = ctx.saved_tensors
        cc: CompiledCircuit = ctx.cc
        grad = torch.zeros_like(params)
        g = grad_out.to(psi.dtype)[:, None]
        with torch.no_grad():
            for step in reversed(cc.steps):
                if not isinstance(step, ExpStep):
                    wires, udag = step[0], step[1].conj().T
                    psi = apply_matrix(psi, udag, wires, cc.n)
                    lam = apply_matrix(lam, udag, wires, cc.n)
                    continue
                psi, lam, terms = step.adjoint_step(psi, lam, params, cc.n, g)
                for a, term in enumerate(terms):
                    grad[step.idx[a]] += term.to(grad.dtype)
        return grad, None, None


class StatevectorBackend:
    r"""Dense ``2^n`` statevector simulation in torch.

    Parameters
    ----------
    device
        Torch device of the states (``None``: the device of the inputs).
    dtype
        ``torch.complex64`` or ``torch.complex128`` (``None``: the dtype of the inputs).
    gradient
        ``"autograd"`` or ``"adjoint"`` (see the module docstring).

    Examples
    --------
    >>> from eqqnn.circuits import su2_qcnn
    >>> c = su2_qcnn(4)
    >>> psi = torch.zeros(1, 16, dtype=torch.complex128); psi[0, 0] = 1
    >>> p = StatevectorBackend().probabilities(c, torch.zeros(c.n_params), psi)
    >>> float(p[0])   # |0000> has no singlet weight on any pair
    0.0
    """

    name = "statevector"

    def __init__(
        self,
        device: str | torch.device | None = None,
        dtype: torch.dtype | None = None,
        gradient: str = "autograd",
    ) -> None:
        if dtype is not None and dtype not in _COMPLEX:
            raise InvalidParameterError(f"dtype must be complex64 or complex128, got {dtype}")
        self.device = None if device is None else torch.device(device)
        self.dtype = dtype
        self.gradient = check_choice("gradient", gradient, ("autograd", "adjoint"))
        self.chunk_bytes = 4 << 20
        self._compiled = _Compiled()

    def __repr__(self) -> str:
        return (
            f"StatevectorBackend(device={self.device}, dtype={self.dtype}, "
            f"gradient={self.gradient!r})"
        )

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_compiled"] = None  # caches are rebuilt after unpickling
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._compiled = _Compiled()

    def _prepare(self, circuit: Circuit, params: Any, states: Any, normalize: bool) -> tuple:
        if circuit.has_channels:
            raise BackendError(
                f"{circuit.name} contains non-unitary channels (ChannelPool); run it on "
                "DensityMatrixBackend"
            )
        states = check_states(
            states, circuit.n_qubits, dtype=self.dtype, device=self.device, normalize=normalize
        )
        params = check_params(params, circuit)
        rdtype = real_dtype_of(states.dtype)
        params = params.to(device=states.device, dtype=rdtype)
        return states, params, self._compiled.get(circuit, states.device, states.dtype)

    def final_states(
        self, circuit: Circuit, params: Any, states: Any, *, normalize: bool = False
    ) -> torch.Tensor:
        """The states after all gates, ``(B, 2^n)`` (discarded qubits still present)."""
        states, params, cc = self._prepare(circuit, params, states, normalize)
        return _forward(cc, params, states)

    def expectation(
        self, circuit: Circuit, params: Any, states: Any, *, normalize: bool = False
    ) -> torch.Tensor:
        r"""Readout expectations :math:`\langle O\rangle`, shape ``(B,)``.

        The batch is processed in chunks of about ``chunk_bytes`` (4 MiB) so that the
        working set stays in cache: 64 states of 16 qubits are 64 MB, and full-batch
        temporaries that large made every allocation page-fault.
        """
        states, params, cc = self._prepare(circuit, params, states, normalize)
        rows = max(1, self.chunk_bytes // (states.shape[1] * states.element_size()))
        outs = []
        for chunk in states.split(rows):
            if self.gradient == "adjoint":
                outs.append(_AdjointExpectation.apply(params, chunk, cc))
            else:
                psi = _forward(cc, params, chunk)
                outs.append(expectation(psi, cc.observable, cc.readout_wires, cc.n))
        return outs[0] if len(outs) == 1 else torch.cat(outs)

    def probabilities(
        self, circuit: Circuit, params: Any, states: Any, *, normalize: bool = False
    ) -> torch.Tensor:
        """Probabilities of label 1: the readout expectation mapped by its range."""
        e = self.expectation(circuit, params, states, normalize=normalize)
        ro = circuit.readout
        return (e - ro.low) / (ro.high - ro.low)
