r"""Density-matrix simulator: channels (Choi pooling), discards as partial traces, noise.

The state of the live wires is a batch of density matrices stored as a tensor with one
row axis and one column axis per live wire.  Operations act as

.. math:: \rho \mapsto U\rho U^\dagger, \qquad
          \rho \mapsto \Phi(\rho) = \sum_{ij} \rho_{ij}\, \Phi(|i\rangle\langle j|)
          \ \text{(Choi)}, \qquad \rho \mapsto \mathrm{Tr}_w \rho \ \text{(discard)},

and after every gate an optional :class:`NoiseModel` applies single-qubit depolarizing
(:math:`\rho\mapsto(1-p)\rho + \tfrac p3\sum_a\sigma^a\rho\sigma^a`, SU(2)-invariant) and
amplitude damping (which prefers :math:`|0\rangle` and so breaks the symmetry) to each
wire the gate touched.  Memory is :math:`B\,4^n`: meant for ``n`` up to about 10.
Gradients flow through torch autograd.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from eqqnn._validation import check_int, check_real
from eqqnn.circuits import ChannelPool, Circuit, Discard
from eqqnn.circuits._channels import twirled_kraus_choi
from eqqnn.errors import DimensionError, InvalidParameterError, ProblemTooLargeError
from eqqnn.sim._backend import (
    COMPLEX_DTYPES,
    Backend,
    check_device,
    check_norms,
    check_params,
    check_states,
    real_dtype_of,
)
from eqqnn.sim._kernels import ExpStep
from eqqnn.sim._statevector import _Compiled

__all__ = ["DensityMatrixBackend", "NoiseModel"]

_LETTERS = string.ascii_letters


@dataclass(frozen=True)
class NoiseModel:
    """Single-qubit noise applied after every gate to each wire it acts on."""

    depolarizing: float = 0.0
    """Depolarizing probability p (SU(2)-invariant)."""
    amplitude_damping: float = 0.0
    """Amplitude-damping rate γ (relaxes towards |0⟩; breaks SU(2) symmetry)."""

    def __post_init__(self) -> None:
        check_real("depolarizing", self.depolarizing, minimum=0.0, maximum=1.0)
        check_real("amplitude_damping", self.amplitude_damping, minimum=0.0, maximum=1.0)

    @property
    def is_trivial(self) -> bool:
        return self.depolarizing == 0 and self.amplitude_damping == 0

    def kraus_sets(self) -> list[np.ndarray]:
        """Kraus operator sets ``(k, 2, 2)`` applied in order."""
        sets = []
        p = self.depolarizing
        if p > 0:
            paulis = np.array([[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]])
            sets.append(np.concatenate([np.sqrt(1 - p) * np.eye(2)[None], np.sqrt(p / 3) * paulis]))
        g = self.amplitude_damping
        if g > 0:
            sets.append(np.array([[[1, 0], [0, np.sqrt(1 - g)]], [[0, np.sqrt(g)], [0, 0]]]))
        return sets


class _State:
    """Batch of density matrices over ``live`` wires, axes (batch, rows..., cols...)."""

    def __init__(self, rho: torch.Tensor, live: list[int]) -> None:
        self.rho = rho
        self.live = live

    def _letters(self) -> tuple[dict[int, str], dict[int, str]]:
        m = len(self.live)
        rows = {w: _LETTERS[1 + i] for i, w in enumerate(self.live)}
        cols = {w: _LETTERS[1 + m + i] for i, w in enumerate(self.live)}
        return rows, cols

    def apply_kraus(self, kraus: torch.Tensor, wires: tuple[int, ...]) -> None:
        r""":math:`\sum_k K_k \rho K_k^\dagger` for ``kraus`` ``(r, d, d)`` on ``wires``."""
        k = len(wires)
        rows, cols = self._letters()
        fresh = _LETTERS[1 + 2 * len(self.live) :]
        new_r, new_c, kk = fresh[:k], fresh[k : 2 * k], fresh[2 * k]
        t = kraus.reshape(kraus.shape[0], *([2] * (2 * k)))
        old = "a" + "".join(rows.values()) + "".join(cols.values())
        out = old
        for i, w in enumerate(wires):
            out = out.replace(rows[w], new_r[i]).replace(cols[w], new_c[i])
        left = kk + "".join(new_r) + "".join(rows[w] for w in wires)
        right = kk + "".join(new_c) + "".join(cols[w] for w in wires)
        self.rho = torch.einsum(f"{left},{old},{right}->{out}", t, self.rho, t.conj())

    def apply_choi(
        self, choi: torch.Tensor, wires_in: tuple[int, ...], wires_out: tuple[int, ...]
    ) -> None:
        k_in, k_out = len(wires_in), len(wires_out)
        rows, cols = self._letters()
        fresh = _LETTERS[1 + 2 * len(self.live) :]
        new_r, new_c = fresh[:k_out], fresh[k_out : 2 * k_out]
        j = choi.reshape(*([2] * k_in), *([2] * k_out), *([2] * k_in), *([2] * k_out))
        old = "a" + "".join(rows.values()) + "".join(cols.values())
        j_idx = (
            "".join(rows[w] for w in wires_in)
            + "".join(new_r)
            + "".join(cols[w] for w in wires_in)
            + "".join(new_c)
        )
        keep = [w for w in self.live if w not in wires_in or w in wires_out]
        out_rows = "".join(new_r[wires_out.index(w)] if w in wires_out else rows[w] for w in keep)
        out_cols = "".join(new_c[wires_out.index(w)] if w in wires_out else cols[w] for w in keep)
        self.rho = torch.einsum(f"{old},{j_idx}->a{out_rows}{out_cols}", self.rho, j)
        self.live = keep

    def trace_out(self, wires: tuple[int, ...]) -> None:
        rows, cols = self._letters()
        old = "a" + "".join(rows.values()) + "".join(cols.values())
        for w in wires:
            old = old.replace(cols[w], rows[w])
        keep = [w for w in self.live if w not in wires]
        out = "a" + "".join(rows[w] for w in keep) + "".join(cols[w] for w in keep)
        self.rho = torch.einsum(f"{old}->{out}", self.rho)
        self.live = keep

    def matrix(self) -> torch.Tensor:
        d = 2 ** len(self.live)
        return self.rho.reshape(self.rho.shape[0], d, d)


class DensityMatrixBackend(Backend):
    r"""Exact density-matrix simulation with channels and noise (torch autograd).

    Parameters
    ----------
    device, dtype
        As for :class:`~eqqnn.sim.StatevectorBackend` (``None``: taken from the inputs).
    noise
        Optional :class:`NoiseModel` applied after every gate.
    max_qubits
        Refuse larger registers (memory is :math:`B\,4^n` complex numbers).

    Notes
    -----
    Inputs are state vectors ``(B, 2^n)`` or density matrices ``(B, 2^n, 2^n)``.

    Examples
    --------
    >>> from eqqnn.circuits import su2_qcnn, Pooling
    >>> c = su2_qcnn(4, pooling=Pooling.CHOI)
    >>> psi = torch.zeros(1, 16, dtype=torch.complex128); psi[0, 0] = 1
    >>> p = DensityMatrixBackend().probabilities(c, torch.zeros(c.n_params), psi)
    >>> abs(float(p[0])) < 1e-12   # |0000> has no singlet weight
    True
    """

    name = "density_matrix"
    runs_channels = True
    transient = ("_compiled",)

    def __init__(
        self,
        device: str | torch.device | None = None,
        dtype: torch.dtype | None = None,
        noise: NoiseModel | None = None,
        max_qubits: int = 10,
    ) -> None:
        if dtype is not None and dtype not in COMPLEX_DTYPES:
            raise InvalidParameterError(f"dtype must be complex64 or complex128, got {dtype}")
        if noise is not None and not isinstance(noise, NoiseModel):
            raise InvalidParameterError(f"noise must be a NoiseModel, got {noise!r}")
        self.device = check_device(device)
        self.dtype = dtype
        self.noise = noise or NoiseModel()
        self.max_qubits = check_int("max_qubits", max_qubits, minimum=1, maximum=14)
        self._init_transient()

    def _init_transient(self) -> None:
        self._compiled = _Compiled()

    def __repr__(self) -> str:
        return f"DensityMatrixBackend(device={self.device}, dtype={self.dtype}, noise={self.noise})"

    def _initial(self, circuit: Circuit, states: Any, normalize: bool) -> torch.Tensor:
        self.check_circuit(circuit)
        n = circuit.n_qubits
        if n > self.max_qubits:
            raise ProblemTooLargeError(
                f"density-matrix simulation of {n} qubits exceeds max_qubits={self.max_qubits}"
            )
        if isinstance(states, torch.Tensor) and states.ndim == 3:
            d = 2**n
            if states.shape[1:] != (d, d):
                raise DimensionError(
                    f"density matrices for {n} qubits must be (B, {d}, {d}), got "
                    f"{tuple(states.shape)}"
                )
            if states.dtype not in COMPLEX_DTYPES:
                raise DimensionError(f"states must be complex, got {states.dtype}")
            check_norms(states.flatten(1), normalize=True)  # finite entries, not all zero
            tr = torch.diagonal(states, dim1=1, dim2=2).sum(-1).real
            if normalize:
                return states / tr[:, None, None].to(states.dtype)
            if bool((torch.abs(tr - 1) > 1e-6).any()):
                raise InvalidParameterError(
                    f"density matrices must have unit trace, got traces {tr.tolist()[:4]}"
                )
            return states
        psi = check_states(states, n, dtype=self.dtype, device=self.device, normalize=normalize)
        return psi[:, :, None] * psi.conj()[:, None, :]

    def final_density(
        self, circuit: Circuit, params: Any, states: Any, *, normalize: bool = False
    ) -> tuple[torch.Tensor, list[int]]:
        """Density matrices of the surviving wires and the list of those wires."""
        rho = self._initial(circuit, states, normalize)
        params = check_params(params, circuit).to(device=rho.device, dtype=real_dtype_of(rho.dtype))
        n = circuit.n_qubits
        state = _State(rho.reshape(rho.shape[0], *([2] * (2 * n))), list(range(n)))
        noise = [
            torch.as_tensor(k, dtype=rho.dtype, device=rho.device) for k in self.noise.kraus_sets()
        ]
        steps = iter(self._compiled.get(circuit, rho.device, rho.dtype).steps)
        for op in circuit.operations:
            if isinstance(op, Discard):
                state.trace_out(op.wires)
                continue
            if isinstance(op, ChannelPool):
                basis = torch.as_tensor(np.array(op.choi_basis), dtype=rho.dtype, device=rho.device)
                theta = params[list(op.params)]
                choi = twirled_kraus_choi(
                    theta, basis, len(op.wires_in), len(op.wires_out), op.rank
                )
                state.apply_choi(choi, op.wires_in, op.wires_out)
                continue
            step = next(steps)
            u = step.unitary(params) if isinstance(step, ExpStep) else step[1]
            state.apply_kraus(u[None], op.all_wires)
            for kraus in noise:
                for w in op.all_wires:
                    state.apply_kraus(kraus, (w,))
        return state.matrix(), state.live

    def expectation(
        self, circuit: Circuit, params: Any, states: Any, *, normalize: bool = False
    ) -> torch.Tensor:
        r""":math:`\mathrm{tr}(O\rho_{\text{readout}})`, shape ``(B,)``."""
        rho, live = self.final_density(circuit, params, states, normalize=normalize)
        state = _State(rho.reshape(rho.shape[0], *([2] * (2 * len(live)))), list(live))
        ro = circuit.readout
        state.trace_out(tuple(w for w in live if w not in ro.wires))
        # order the remaining axes as the readout wires
        order = [state.live.index(w) for w in ro.wires]
        k = len(ro.wires)
        perm = [0, *(1 + i for i in order), *(1 + k + i for i in order)]
        red = state.rho.permute(perm).reshape(rho.shape[0], 2**k, 2**k)
        obs = torch.as_tensor(np.array(ro.observable), dtype=red.dtype, device=red.device)
        return torch.einsum("bij,ji->b", red, obs).real
