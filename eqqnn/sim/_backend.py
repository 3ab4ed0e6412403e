r"""The backend contract: what every simulator or device wrapper of :mod:`eqqnn.sim` is.

A backend evaluates the readout of a circuit :math:`U(\theta)` on a batch of input states,

.. math:: E_b(\theta) = \langle\psi_b|U(\theta)^\dagger (O\otimes I)\,U(\theta)|\psi_b\rangle,
          \qquad p_b = \frac{E_b - o_{\min}}{o_{\max} - o_{\min}},

differentiably in :math:`\theta` where it can.  :class:`Backend` fixes the shared part
once: the probability map :math:`p_b` (:meth:`Backend.probabilities`), the input checks
(:func:`check_states`, :func:`check_params`, :meth:`Backend.check_circuit`), pickling
(caches named in :attr:`Backend.transient` are dropped and rebuilt, so a backend travels
to worker processes) and the input forms it accepts (:attr:`Backend.input_kinds`, the
preferred one first: a model asks its backend what to feed it).  A subclass implements
:meth:`Backend.expectation` and nothing else is required.

:func:`eqqnn.testing.assert_valid_backend` checks a backend against this contract (values
and gradients against the dense reference, equivariance, pickling, dtype/device, bad
input); a third-party backend can run it too.
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar

import numpy as np
import torch

from eqqnn._input_kind import InputKind
from eqqnn.circuits import ChannelPool, Circuit
from eqqnn.errors import BackendError, DimensionError, InvalidParameterError

__all__ = [
    "COMPLEX_DTYPES",
    "Backend",
    "check_device",
    "check_finite",
    "check_norms",
    "check_params",
    "check_states",
    "check_unitary",
    "double_params",
    "double_states",
    "real_dtype_of",
]

#: The dtypes a state may have.
COMPLEX_DTYPES = (torch.complex64, torch.complex128)


def check_device(device: Any) -> torch.device | None:
    """``None`` or a usable torch device: an unknown name, or CUDA on a machine without
    it, is refused here rather than at the first computation."""
    if device is None:
        return None
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise InvalidParameterError(
            f"unknown device {device!r}; expected 'cpu', 'cuda', 'cuda:k' or a torch.device"
        ) from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise InvalidParameterError(f"device {device!r} requested but CUDA is not available")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise InvalidParameterError(
                f"device {device!r}: this machine has {torch.cuda.device_count()} CUDA devices"
            )
    return dev


def real_dtype_of(dtype: torch.dtype) -> torch.dtype:
    """float32 for complex64, float64 for complex128."""
    return torch.float32 if dtype == torch.complex64 else torch.float64


def check_states(
    states: Any,
    n_qubits: int,
    *,
    dtype: torch.dtype | None = None,
    device: torch.device | None = None,
    normalize: bool = False,
) -> torch.Tensor:
    r"""Validate a ``(B, 2^n)`` batch of state vectors (type, shape, dtype, device, norm).

    A NumPy array is taken as a tensor; one vector ``(2^n,)`` as a batch of one.  Every
    state must be finite and have :math:`\|\psi_b\| = 1` to 1e-8 (complex128) or 1e-4
    (complex64), unless ``normalize`` is set, which divides by the norm instead.

    Raises
    ------
    DimensionError
        Not a tensor, wrong shape, not complex, or not the backend's dtype/device.
    InvalidParameterError
        A non-finite amplitude, a zero state, or a norm off 1 without ``normalize``.
    """
    if isinstance(states, np.ndarray):
        states = torch.from_numpy(states)
    if not isinstance(states, torch.Tensor):
        raise DimensionError(f"states must be a torch.Tensor, got {type(states).__name__}")
    if states.ndim == 1:
        states = states[None]
    dim = 2**n_qubits
    if states.ndim != 2 or states.shape[1] != dim:
        raise DimensionError(
            f"states for {n_qubits} qubits must have shape (B, {dim}), got {tuple(states.shape)}"
        )
    if states.dtype not in COMPLEX_DTYPES:
        raise DimensionError(f"states must be complex64 or complex128, got {states.dtype}")
    if dtype is not None and states.dtype != dtype:
        raise DimensionError(f"this backend runs in {dtype}, got states of dtype {states.dtype}")
    if device is not None and states.device != torch.device(device):
        raise DimensionError(f"this backend runs on {device}, got states on {states.device}")
    return check_norms(states, normalize)


def check_finite(states: torch.Tensor) -> None:
    """Refuse a batch ``(B, ...)`` (real or complex) holding a NaN or infinite entry,
    naming the first bad row, before any arithmetic touches it."""
    x = states.detach()
    flat = torch.view_as_real(x) if x.is_complex() else x
    if bool(torch.isfinite(flat.sum())):
        # one read: a NaN or an infinity anywhere makes the sum non-finite (a sum that
        # overflows from finite entries takes the exact path below and passes)
        return
    finite = torch.isfinite(flat).reshape(x.shape[0], -1).all(dim=1)
    if not bool(finite.all()):
        i = int(torch.nonzero(~finite).flatten()[0])
        raise InvalidParameterError(f"state {i} has a non-finite amplitude (NaN or inf)")


def check_norms(states: torch.Tensor, normalize: bool) -> torch.Tensor:
    """Refuse non-finite rows and rows of norm off 1 (or divide by the norm when
    ``normalize``); ``states`` is ``(B, d)`` in any basis."""
    check_finite(states)
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


def check_params(params: Any, circuit: Circuit) -> torch.Tensor:
    """Validate the parameter vector: shape ``(circuit.n_params,)``, real and finite."""
    if not isinstance(params, torch.Tensor):
        try:
            params = torch.as_tensor(np.asarray(params, dtype=np.float64))
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(
                f"parameters must be real numbers, got {type(params).__name__}"
            ) from exc
    if params.shape != (circuit.n_params,):
        raise DimensionError(
            f"{circuit.name} takes {circuit.n_params} parameters, got shape {tuple(params.shape)}"
        )
    if params.is_complex() or not params.is_floating_point():
        raise InvalidParameterError(f"parameters must be real floating point, got {params.dtype}")
    if not bool(torch.isfinite(params.detach()).all()):
        raise InvalidParameterError("parameters must be finite real numbers")
    return params


def double_params(params: Any, circuit: Circuit) -> torch.Tensor:
    """:func:`check_params`, then float64 (what the device wrappers hand their devices)."""
    return check_params(params, circuit).to(dtype=torch.float64)


def double_states(states: Any, n_qubits: int, normalize: bool) -> torch.Tensor:
    """:func:`check_states` in any dtype/device, then complex128."""
    return check_states(states, n_qubits, normalize=normalize).to(torch.complex128)


def check_unitary(circuit: Any, user: str) -> Circuit:
    """Refuse anything but an eqqnn :class:`~eqqnn.circuits.Circuit` without channels
    (``user`` names who refuses it: a backend or an exporter)."""
    if not isinstance(circuit, Circuit):
        raise InvalidParameterError(f"expected an eqqnn Circuit, got {type(circuit).__name__}")
    for i, op in enumerate(circuit.operations):
        if isinstance(op, ChannelPool):
            label = getattr(op, "label", type(op).__name__)
            raise BackendError(
                f"{user} runs unitary circuits only; operation {i} ({label!r}, "
                f"{type(op).__name__}) of {circuit.name} is a channel: use a density-matrix "
                "backend (DensityMatrixBackend)"
            )
    return circuit


class Backend(abc.ABC):
    r"""Base class of every backend: evaluate a circuit's readout on a batch of states.

    Subclasses implement :meth:`expectation`; they set :attr:`name`, and where it differs
    from the default, :attr:`input_kinds`, :attr:`runs_channels` and :attr:`transient`
    (attributes holding caches, dropped when pickled and rebuilt by :meth:`_init_transient`).

    Contract (checked by :func:`eqqnn.testing.assert_valid_backend`):

    * ``expectation(circuit, params, states, *, normalize=False)`` returns the readout
      expectations :math:`E_b`, shape ``(B,)``, real, differentiable in ``params`` where
      the backend supports gradients;
    * bad inputs raise the project's errors (:class:`~eqqnn.errors.DimensionError`,
      :class:`~eqqnn.errors.InvalidParameterError`, :class:`~eqqnn.errors.BackendError`),
      never a bare traceback from inside the simulator;
    * a pickled and unpickled backend gives the same values.
    """

    name: ClassVar[str] = "backend"
    """Short name recorded in results."""
    input_kinds: tuple[InputKind, ...] = (InputKind.STATE,)
    """Input forms accepted, the preferred one first (what a model feeds this backend)."""
    runs_channels: ClassVar[bool] = False
    """Whether non-unitary operations (:class:`~eqqnn.circuits.ChannelPool`) are supported."""
    transient: ClassVar[tuple[str, ...]] = ()
    """Attributes holding caches: not pickled, rebuilt by :meth:`_init_transient`."""

    @abc.abstractmethod
    def expectation(
        self, circuit: Circuit, params: Any, states: Any, *, normalize: bool = False
    ) -> torch.Tensor:
        r"""Readout expectations :math:`E_b(\theta)`, shape ``(B,)``."""

    def probabilities(
        self, circuit: Circuit, params: Any, states: Any, *, normalize: bool = False
    ) -> torch.Tensor:
        r"""Probabilities of label 1, :math:`p_b = (E_b - o_{\min})/(o_{\max} - o_{\min})`."""
        e = self.expectation(circuit, params, states, normalize=normalize)
        ro = circuit.readout
        return (e - ro.low) / (ro.high - ro.low)

    @property
    def input_kind(self) -> InputKind:
        """The preferred input form (the first of :attr:`input_kinds`)."""
        return self.input_kinds[0]

    def check_circuit(self, circuit: Any) -> Circuit:
        """Refuse anything but an eqqnn :class:`~eqqnn.circuits.Circuit`, and channels
        where :attr:`runs_channels` is false."""
        if self.runs_channels:
            if not isinstance(circuit, Circuit):
                raise InvalidParameterError(
                    f"expected an eqqnn Circuit, got {type(circuit).__name__}"
                )
            return circuit
        return check_unitary(circuit, type(self).__name__)

    def _init_transient(self) -> None:
        """Create the attributes named in :attr:`transient` (called by ``__setstate__``);
        the default has none to create."""
        return None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for name in self.transient:
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_transient()
