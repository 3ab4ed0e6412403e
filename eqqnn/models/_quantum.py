r"""The quantum classifier: a circuit, a backend and its trainable parameters.

.. math:: p_\theta(\psi) = \frac{\langle\psi|U(\theta)^\dagger O U(\theta)|\psi\rangle
          - o_{min}}{o_{max} - o_{min}}, \qquad
          P(y = 1 \mid \psi) = g_\phi\big(p_\theta(\psi)\big)

with :math:`g_\phi` an optional trainable output map (identity by default; e.g.
:class:`~eqqnn.models.AffineSigmoid`, :math:`\sigma(a(2p-1)+b)`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from eqqnn._validation import check_int, check_real
from eqqnn.circuits import Circuit, ParamRole
from eqqnn.errors import InvalidParameterError
from eqqnn.models._interface import InputKind

if TYPE_CHECKING:
    from eqqnn.sim import Backend

__all__ = ["QuantumClassifier"]


class QuantumClassifier(nn.Module):
    """A ``torch.nn.Module`` wrapping a circuit and a backend.

    Parameters
    ----------
    circuit
        The circuit IR (e.g. :func:`eqqnn.circuits.su2_qcnn`).
    backend
        An :class:`eqqnn.sim.Backend`; ``None`` means
        :class:`~eqqnn.sim.StatevectorBackend` with default settings.  The model's
        :attr:`input_kind` is the backend's preferred input form.
    seed
        Seed of the initial parameters.
    init_scale
        Equivariant and free parameters start uniform in ``[-init_scale·π, init_scale·π]``;
        symmetry-breaking parameters start at zero.
    dtype
        ``torch.float64`` (default) or ``torch.float32`` for the parameters.
    param_map
        Optional module mapping the weights to the circuit's slots (e.g.
        :class:`~eqqnn.models.LearnedDegree`); its parameters are trained too.
    output_map
        Optional module mapping the readout probabilities ``(B,)`` to the output
        probabilities (e.g. :class:`~eqqnn.models.AffineSigmoid`); trained too.

    Notes
    -----
    Inputs: a batch of state vectors ``(B, 2^n)`` (complex64/complex128) in the qubit
    basis, qubit 0 most significant; other forms where the backend accepts them (its
    ``input_kinds``; singlet-sector coordinates for :class:`~eqqnn.sim.SpinSectorBackend`).

    Examples
    --------
    >>> from eqqnn.circuits import su2_qcnn
    >>> model = QuantumClassifier(su2_qcnn(4), seed=0)
    >>> psi = torch.zeros(3, 16, dtype=torch.complex128); psi[:, 0] = 1
    >>> model(psi).shape
    torch.Size([3])
    """

    kind = "quantum"

    def __init__(
        self,
        circuit: Circuit,
        backend: Backend | None = None,
        *,
        seed: int = 0,
        init_scale: float = 1.0,
        dtype: torch.dtype = torch.float64,
        param_map: nn.Module | None = None,
        output_map: nn.Module | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(circuit, Circuit):
            raise InvalidParameterError(f"circuit must be an eqqnn Circuit, got {circuit!r}")
        if dtype not in (torch.float32, torch.float64):
            raise InvalidParameterError(f"dtype must be float32 or float64, got {dtype}")
        from eqqnn.sim import Backend, StatevectorBackend

        if backend is None:
            backend = StatevectorBackend()
        if not isinstance(backend, Backend):
            raise InvalidParameterError(
                f"backend must be an eqqnn.sim.Backend (subclass it to wrap your own "
                f"simulator), got {backend!r}"
            )
        self.circuit = circuit
        self.backend = backend
        scale = check_real("init_scale", init_scale, minimum=0.0)
        rng = np.random.default_rng(check_int("seed", seed, minimum=0))
        init = rng.uniform(-math.pi * scale, math.pi * scale, size=circuit.n_params)
        init[circuit.param_slots(ParamRole.BREAKING)] = 0.0
        self.weights = nn.Parameter(torch.as_tensor(init, dtype=dtype))
        self.param_map = param_map
        if output_map is not None and not isinstance(output_map, nn.Module):
            raise InvalidParameterError(
                f"output_map must be a torch.nn.Module or None, got {output_map!r}"
            )
        self.output_map = output_map

    @property
    def name(self) -> str:
        """The circuit's name (``su2_qcnn``, ``qcnn``, ...): what progress bars show."""
        return self.circuit.name

    @property
    def n_parameters(self) -> int:
        """Number of trainable real parameters (circuit slots plus the map's own)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def slot_values(self) -> torch.Tensor:
        """The circuit's parameter slots (the weights through the parameter map)."""
        return self.weights if self.param_map is None else self.param_map(self.weights)

    @property
    def input_kind(self) -> InputKind:
        """The input form the backend prefers (what the trainer feeds this model)."""
        return self.backend.input_kind

    @property
    def input_description(self) -> str:
        """What :meth:`forward` consumes."""
        n = self.circuit.n_qubits
        if self.input_kind is InputKind.SECTOR_STATE:
            return f"(B, d_0) singlet-sector coordinates of {n}-qubit states"
        return f"(B, {2**n}) complex state vectors on {n} qubits (qubit 0 most significant)"

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """Probabilities of label 1, shape ``(B,)``."""
        p = self.backend.probabilities(self.circuit, self.slot_values(), states)
        return p if self.output_map is None else self.output_map(p)

    def extra_repr(self) -> str:
        return f"circuit={self.circuit!r}, backend={self.backend!r}"
