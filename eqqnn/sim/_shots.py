r"""Finite-shot estimation around any exact backend, with parameter-shift gradients.

Values
------
The readout observable is split into its spectral projectors,
:math:`O = \sum_k \lambda_k \Pi_k` (distinct eigenvalues :math:`\lambda_k`).  The wrapped
backend gives the exact outcome probabilities :math:`q_k = \langle\Pi_k\rangle` (for an
SU(2)-invariant :math:`O` the :math:`\Pi_k` are invariant too, so the spin-sector backend
can compute them); ``shots`` outcomes are drawn from them, one multinomial per input state,
with a seeded :class:`torch.Generator`, and

.. math:: \hat E = \frac1N \sum_k \lambda_k n_k, \qquad
          \mathbb E[\hat E] = \langle O\rangle, \qquad
          \mathrm{Var}[\hat E] = \frac{\langle O^2\rangle - \langle O\rangle^2}{N}

(for a projector readout, :math:`p(1-p)/N`).  Probabilities are
:math:`\hat p = (\hat E - o_{min})/(o_{max} - o_{min})` as for the exact backends.

Gradients
---------
Each occurrence of a parameter in a gate :math:`e^{-i\sum_a\theta_a G_a}` with pairwise
commuting generators is differentiated by a shift rule on its own generator :math:`G`.
If the differences of the eigenvalues of :math:`G` are the multiples
:math:`f, 2f, \dots, Rf` of one frequency (two eigenvalues: :math:`R = 1`), the
equidistant rule of Wierichs et al. (arXiv 2107.12390) is exact:

.. math::

    \frac{\partial E}{\partial\theta} = f\sum_{\mu=1}^{2R}
        \frac{(-1)^{\mu-1}}{4R\sin^2(x_\mu/2)}\,
        E\!\left(\theta + \frac{x_\mu}{f}\right), \qquad x_\mu = \frac{(2\mu-1)\pi}{2R}.

For :math:`R = 1` this is the two-term rule :math:`r\,[E(\theta+\tfrac{\pi}{4r}) -
E(\theta-\tfrac{\pi}{4r})]` with :math:`r = f/2` (SWAP: shifts :math:`\pm\pi/4`, factor
1; Pauli/2: :math:`\pm\pi/2`, factor 1/2).  The measurement-pooling generators
:math:`\Pi_s\otimes\mathrm{SWAP}` (eigenvalues :math:`-1, 0, 1`) take :math:`R = 2`.  Each
shifted value is itself a finite-shot estimate, so the gradient is an unbiased estimate of
the exact one.  Gates with non-commuting generators (commutant blocks on 3 or 4 qubits)
and channels have no such rule: asking for their gradient raises
:class:`~eqqnn.errors.BackendError`.  With ``shots=None`` values are exact and the
gradient is the exact shift rule (equal to autograd).

Examples
--------
>>> import torch
>>> from eqqnn.circuits import su2_qcnn
>>> from eqqnn.sim import StatevectorBackend
>>> c = su2_qcnn(4)
>>> psi = torch.zeros(1, 16, dtype=torch.complex128); psi[0, 1] = 1
>>> theta = torch.zeros(c.n_params)
>>> exact = StatevectorBackend().probabilities(c, theta, psi)
>>> est = ShotsBackend(StatevectorBackend(), shots=4000, seed=0).probabilities(c, theta, psi)
>>> bool(abs(float(est[0] - exact[0])) < 0.05)
True
"""

from __future__ import annotations

import dataclasses
import math
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from eqqnn._input_kind import InputKind
from eqqnn._validation import check_int
from eqqnn.circuits import ChannelPool, Circuit, ExpGate, Readout
from eqqnn.errors import BackendError, InvalidParameterError
from eqqnn.sim._backend import Backend, check_params

__all__ = ["MAX_SHIFT_FREQUENCIES", "ShiftRule", "ShotsBackend", "shift_rule"]

#: Largest number :math:`R` of equidistant frequencies of a generator (``2R`` shifts).
MAX_SHIFT_FREQUENCIES = 8

_EIG_TOL = 1e-9


@dataclass(frozen=True)
class ShiftRule:
    r"""An exact shift rule :math:`\partial_\theta E = \sum_\mu c_\mu E(\theta + s_\mu)`."""

    shifts: tuple[float, ...]
    coefficients: tuple[float, ...]


def shift_rule(generator: np.ndarray) -> ShiftRule:
    r"""The equidistant parameter-shift rule of a Hermitian generator (module docstring).

    Parameters
    ----------
    generator
        Hermitian matrix :math:`G` of the gate :math:`e^{-i\theta G}`.

    Raises
    ------
    BackendError
        If the eigenvalue differences are not multiples ``f, 2f, ..., Rf`` of one
        frequency with ``R <= MAX_SHIFT_FREQUENCIES``.

    Examples
    --------
    >>> from eqqnn.circuits._gates import SWAP, PAULI
    >>> rule = shift_rule(SWAP)
    >>> [round(s, 6) for s in rule.shifts], [round(c, 12) for c in rule.coefficients]
    ([0.785398, -0.785398], [1.0, -1.0])
    >>> [round(c, 12) for c in shift_rule(PAULI["Z"] / 2).coefficients]
    [0.5, -0.5]
    """
    evals = np.linalg.eigvalsh(np.asarray(generator, dtype=np.complex128))
    distinct: list[float] = []
    for v in evals:
        if not distinct or v - distinct[-1] > _EIG_TOL:
            distinct.append(float(v))
    if len(distinct) < 2:  # a phase: zero derivative
        return ShiftRule((), ())
    diffs = sorted({round(b - a, 9) for a in distinct for b in distinct if b - a > _EIG_TOL})
    f = diffs[0]
    ratios = [d / f for d in diffs]
    r = round(ratios[-1])
    if any(abs(x - round(x)) > 1e-6 for x in ratios) or r > MAX_SHIFT_FREQUENCIES:
        raise BackendError(
            f"no equidistant shift rule for a generator with eigenvalues {distinct}: the "
            f"eigenvalue differences {diffs} must be multiples 1..R of one frequency with "
            f"R <= {MAX_SHIFT_FREQUENCIES}"
        )
    shifts, coefs = [], []
    for mu in range(1, 2 * r + 1):
        x = (2 * mu - 1) * math.pi / (2 * r)
        shifts.append((x - 2 * math.pi if x > math.pi else x) / f)  # E is 2π-periodic in x
        coefs.append(f * (-1) ** (mu - 1) / (4 * r * math.sin(x / 2) ** 2))
    return ShiftRule(tuple(shifts), tuple(coefs))


@dataclass(eq=False)
class _Untied:
    """The circuit with one parameter slot per (gate, generator) occurrence."""

    circuit: Circuit
    source: np.ndarray  # slot of the original parameter of every occurrence
    rules: list[ShiftRule | None]  # None: no shift rule (message in `problems`)
    problems: list[str]
    projectors: list[tuple[float, Circuit]]  # (eigenvalue, circuit reading its projector)


def _untie(circuit: Circuit) -> _Untied:
    ops = []
    source: list[int] = []
    roles = []
    rules: list[ShiftRule | None] = []
    problems: list[str] = []
    for i, op in enumerate(circuit.operations):
        if isinstance(op, ExpGate):
            slots = tuple(range(len(source), len(source) + len(op.params)))
            source.extend(op.params)
            roles.extend(circuit.param_roles[p] for p in op.params)
            for a, g in enumerate(op.full_generators):
                if not op.commuting:
                    rules.append(None)
                    problems.append(
                        f"operation {i} ({op.label!r} on wires {op.all_wires}) has "
                        "non-commuting generators: no parameter-shift rule"
                    )
                    continue
                try:
                    rules.append(shift_rule(g))
                except BackendError as exc:
                    rules.append(None)
                    problems.append(f"operation {i} ({op.label!r}), generator {a}: {exc}")
            op = ExpGate(
                op.wires, op.generators, slots, op.label, op.controls, op.control_values, op.roles
            )
        elif isinstance(op, ChannelPool):
            slots = tuple(range(len(source), len(source) + len(op.params)))
            source.extend(op.params)
            roles.extend(circuit.param_roles[p] for p in op.params)
            rules.extend([None] * len(op.params))
            problems.append(f"operation {i} ({op.label!r}) is a channel: no parameter-shift rule")
            op = ChannelPool(op.wires_in, op.wires_out, slots, op.rank, op.label)
        ops.append(op)
    untied = Circuit(
        circuit.n_qubits,
        tuple(ops),
        circuit.readout,
        len(source),
        tuple(roles),
        circuit.layers,
        circuit.name,
        dict(circuit.metadata),
    )
    ro = circuit.readout
    evals, vecs = np.linalg.eigh(ro.observable)
    groups: list[list[int]] = []
    for idx, v in enumerate(evals):
        if groups and v - evals[groups[-1][-1]] <= _EIG_TOL:
            groups[-1].append(idx)
        else:
            groups.append([idx])
    projectors = []
    for group in groups:
        v = vecs[:, group]
        proj = v @ v.conj().T
        value = float(np.mean(evals[group]))
        readout = Readout(ro.wires, proj, label=f"Π[{value:g}]", low=0.0, high=1.0)
        projectors.append((value, dataclasses.replace(untied, readout=readout)))
    return _Untied(untied, np.asarray(source, dtype=np.int64), rules, problems, projectors)


class _ShiftExpectation(torch.autograd.Function):
    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any, params: torch.Tensor, owner: ShotsBackend, untied: _Untied, states: Any
    ) -> torch.Tensor:
        with torch.no_grad():
            phi = params.detach()[torch.as_tensor(untied.source, device=params.device)]
            value = owner._estimate(untied, phi, *states)
        ctx.owner, ctx.untied, ctx.states = owner, untied, states
        ctx.save_for_backward(params)
        return value.to(params.dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> Any:  # type: ignore[override]
        (params,) = ctx.saved_tensors
        owner: ShotsBackend = ctx.owner
        untied: _Untied = ctx.untied
        grad = torch.zeros(params.shape[0], dtype=torch.float64)
        g = grad_out.detach().to("cpu", torch.float64)
        with torch.no_grad():
            phi0 = params.detach()[torch.as_tensor(untied.source, device=params.device)]
            for occ, rule in enumerate(untied.rules):
                assert rule is not None
                if not rule.shifts:
                    continue
                total = torch.zeros_like(g)
                for shift, coef in zip(rule.shifts, rule.coefficients, strict=True):
                    phi = phi0.clone()
                    phi[occ] += shift
                    est = owner._estimate(untied, phi, *ctx.states).to("cpu", torch.float64)
                    total += coef * est
                grad[int(untied.source[occ])] += float((g * total).sum())
        return grad.to(dtype=params.dtype, device=params.device), None, None, None


class ShotsBackend(Backend):
    r"""Finite-shot estimates of a wrapped backend's readout, with parameter-shift gradients.

    Parameters
    ----------
    backend
        Any backend with ``expectation(circuit, params, states)`` (``None``:
        :class:`~eqqnn.sim.StatevectorBackend`), e.g. the spin-sector backend.
    shots
        Measurement shots per input state and per evaluation; ``None`` for exact values
        (and the exact shift rule for gradients).
    seed
        Seed of the :class:`torch.Generator` that draws the outcomes; successive calls
        continue the same stream (:meth:`reset` restarts it).

    Examples
    --------
    >>> from eqqnn.circuits import su2_qcnn
    >>> c = su2_qcnn(4)
    >>> psi = torch.zeros(2, 16, dtype=torch.complex128); psi[:, 0] = 1
    >>> ShotsBackend(shots=100, seed=1).probabilities(c, torch.zeros(c.n_params), psi)
    tensor([0., 0.], dtype=torch.float64)
    """

    name = "shots"
    transient = ("_untied",)

    def __init__(
        self, backend: Backend | None = None, shots: int | None = 1000, seed: int = 0
    ) -> None:
        if backend is None:
            from eqqnn.sim._statevector import StatevectorBackend

            backend = StatevectorBackend()
        if not isinstance(backend, Backend):
            raise InvalidParameterError(
                f"backend must be an eqqnn.sim.Backend (subclass it to wrap your own "
                f"simulator), got {backend!r}"
            )
        self.backend = backend
        self.shots = None if shots is None else check_int("shots", shots, minimum=1)
        self.seed = check_int("seed", seed, minimum=0)
        self._generator = torch.Generator().manual_seed(self.seed)
        self._init_transient()

    def _init_transient(self) -> None:
        self._untied: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @property
    def input_kinds(self) -> tuple[InputKind, ...]:  # type: ignore[override]
        """The wrapped backend's input forms (states pass through unchanged)."""
        return self.backend.input_kinds

    def __repr__(self) -> str:
        return f"ShotsBackend({self.backend!r}, shots={self.shots}, seed={self.seed})"

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state["_generator"] = self._generator.get_state()  # a Generator does not pickle
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        generator = torch.Generator()
        generator.set_state(state.pop("_generator"))
        super().__setstate__({**state, "_generator": generator})

    def reset(self, seed: int | None = None) -> None:
        """Restart the random stream (from ``seed``, default the constructor's)."""
        if seed is not None:
            self.seed = check_int("seed", seed, minimum=0)
        self._generator.manual_seed(self.seed)

    def _get_untied(self, circuit: Circuit) -> _Untied:
        if not isinstance(circuit, Circuit):
            raise InvalidParameterError(f"circuit must be an eqqnn Circuit, got {circuit!r}")
        out = self._untied.get(circuit)
        if out is None:
            out = _untie(circuit)
            self._untied[circuit] = out
        return out

    def outcome_probabilities(
        self, circuit: Circuit, params: Any, states: Any, **kwargs: Any
    ) -> tuple[np.ndarray, torch.Tensor]:
        r"""Exact spectral probabilities :math:`q_k = \langle\Pi_k\rangle`.

        Returns
        -------
        (eigenvalues, probabilities)
            ``(K,)`` distinct readout eigenvalues and ``(B, K)`` float64 probabilities.
        """
        untied = self._get_untied(circuit)
        if not isinstance(params, torch.Tensor):
            params = torch.as_tensor(params, dtype=torch.float64)
        phi = params.detach()[torch.as_tensor(untied.source, device=params.device)]
        return self._spectral(untied, phi, states, **kwargs)

    def _spectral(
        self, untied: _Untied, phi: torch.Tensor, states: Any, **kwargs: Any
    ) -> tuple[np.ndarray, torch.Tensor]:
        values = np.array([v for v, _ in untied.projectors])
        cols = [
            self.backend.expectation(circ, phi, states, **kwargs).detach().to("cpu", torch.float64)
            for _, circ in untied.projectors[:-1]
        ]
        q = torch.stack(cols, dim=1) if cols else torch.zeros((0,), dtype=torch.float64)
        batch = q.shape[0] if cols else None
        if batch is None:  # a single eigenvalue: the readout is constant
            e = self.backend.expectation(untied.circuit, phi, states, **kwargs)
            return values, torch.ones((e.shape[0], 1), dtype=torch.float64)
        q = q.clamp(0.0, 1.0)
        last = (1.0 - q.sum(dim=1, keepdim=True)).clamp(min=0.0)
        q = torch.cat([q, last], dim=1)
        return values, q / q.sum(dim=1, keepdim=True)

    def sample_counts(self, probabilities: torch.Tensor) -> torch.Tensor:
        """Multinomial counts ``(B, K)`` of ``shots`` outcomes (sequential binomials)."""
        if self.shots is None:
            raise InvalidParameterError("sample_counts needs a finite number of shots")
        q = probabilities.to("cpu", torch.float64)
        remaining = torch.full((q.shape[0],), float(self.shots), dtype=torch.float64)
        mass = torch.ones(q.shape[0], dtype=torch.float64)
        counts = torch.zeros_like(q)
        for k in range(q.shape[1] - 1):
            cond = torch.where(mass > 0, q[:, k] / mass.clamp(min=1e-300), torch.zeros_like(mass))
            draw = torch.binomial(remaining, cond.clamp(0.0, 1.0), generator=self._generator)
            counts[:, k] = draw
            remaining -= draw
            mass = (mass - q[:, k]).clamp(min=0.0)
        counts[:, -1] = remaining
        return counts

    def _estimate(
        self, untied: _Untied, phi: torch.Tensor, states: Any, kwargs: dict
    ) -> torch.Tensor:
        if self.shots is None:
            e = self.backend.expectation(untied.circuit, phi, states, **kwargs)
            return e.detach()
        values, q = self._spectral(untied, phi, states, **kwargs)
        counts = self.sample_counts(q)
        est = counts @ torch.as_tensor(values, dtype=torch.float64) / self.shots
        return est

    def expectation(
        self, circuit: Circuit, params: Any, states: Any, *, normalize: bool = False
    ) -> torch.Tensor:
        r"""Finite-shot estimate :math:`\hat E = \sum_k \lambda_k n_k / N` per input, ``(B,)``
        float64, differentiable (parameter shift).  ``states`` go to the wrapped backend
        as they are (with ``normalize=True`` when asked)."""
        untied = self._get_untied(circuit)
        params = check_params(params, circuit)
        if params.requires_grad and torch.is_grad_enabled() and untied.problems:
            raise BackendError(
                "ShotsBackend differentiates by parameter shift, which this circuit does not "
                f"allow: {untied.problems[0]}"
                + (f" (and {len(untied.problems) - 1} more)" if len(untied.problems) > 1 else "")
            )
        kwargs = {"normalize": True} if normalize else {}
        value = _ShiftExpectation.apply(params.to(torch.float64), self, untied, (states, kwargs))
        return value
