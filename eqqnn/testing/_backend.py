r"""Conformance checker of the backend contract (:class:`eqqnn.sim.Backend`).

:func:`assert_valid_backend` runs a backend through what every eqqnn backend promises,
against independent references:

* **values**: :math:`E_b(\theta)` on seeded random states and on ground states of the
  bond-alternating Heisenberg chain equal the dense statevector simulator's to ``atol``
  (1e-10 in complex128), in every input form the backend declares (qubit-basis vectors;
  singlet-sector coordinates where :attr:`~eqqnn.sim.Backend.input_kinds` names them);
* **gradients**: :math:`\nabla_\theta \sum_b w_b E_b` equals the reference's (random
  weights :math:`w`);
* **probabilities**: :math:`p_b = (E_b - o_{\min})/(o_{\max} - o_{\min})`;
* **equivariance**: the SU(2)-equivariant QCNN's output is unchanged when every input is
  rotated by :math:`u^{\otimes n}` (seeded Haar-random :math:`u`);
* **pickling**: an unpickled copy gives the same values;
* **dtype/device**: complex64 inputs give real ``(B,)`` outputs close to the reference or
  are refused with :class:`~eqqnn.errors.DimensionError`;
* **bad input**: NaN or non-normalised states, wrong shapes, wrong dtypes, wrong or
  non-finite parameters and non-circuits raise the project's errors
  (:class:`~eqqnn.errors.DimensionError` or :class:`~eqqnn.errors.InvalidParameterError`),
  and ``normalize=True`` normalises instead.

A circuit the backend refuses with :class:`~eqqnn.errors.BackendError` or
:class:`~eqqnn.errors.NotEquivariantError` (a non-equivariant circuit on the spin-sector
engine) is reported as skipped, not failed; the
SU(2)-equivariant QCNN must run.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from eqqnn._input_kind import InputKind
from eqqnn.errors import (
    BackendError,
    DimensionError,
    EqqnnError,
    InvalidParameterError,
    NotEquivariantError,
)

__all__ = ["BackendReport", "assert_valid_backend"]


@dataclass
class BackendReport:
    """What :func:`assert_valid_backend` checked."""

    backend: str
    passed: list[str] = field(default_factory=list)
    """Checks that passed."""
    skipped: list[str] = field(default_factory=list)
    """Checks not run, with the reason (a circuit the backend refuses, no gradients)."""
    failed: list[str] = field(default_factory=list)
    """Checks that failed, with what was seen."""


@dataclass(frozen=True)
class _Inputs:
    """One batch of test states in the forms a backend may take."""

    label: str
    qubit: torch.Tensor
    sector: torch.Tensor | None


def _inputs(n: int, seed: int) -> list[_Inputs]:
    from eqqnn.data import BondAlternatingHeisenberg
    from eqqnn.testing._equivariance import random_state_batch

    ground = [BondAlternatingHeisenberg(n, r).ground_state(method="sector") for r in (0.5, 1.6)]
    sector = torch.as_tensor(np.stack([g.sector_vector for g in ground])).to(torch.complex128)
    qubit = torch.as_tensor(np.stack([g.vector() for g in ground])).to(torch.complex128)
    return [
        _Inputs("random states", random_state_batch(n, 3, seed=seed), None),
        _Inputs("ground states", qubit, sector),
    ]


def _close(a: torch.Tensor, b: torch.Tensor, atol: float) -> tuple[bool, float]:
    a = torch.as_tensor(a).detach().to("cpu", torch.float64)
    b = torch.as_tensor(b).detach().to("cpu", torch.float64)
    if a.shape != b.shape:
        return False, float("inf")
    err = float((a - b).abs().max()) if a.numel() else 0.0
    return err <= atol, err


def _value_and_grad(
    backend: Any, circuit: Any, theta: torch.Tensor, states: torch.Tensor, weights: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor | None]:
    theta = theta.detach().clone().requires_grad_(True)
    value = backend.expectation(circuit, theta, states)
    (grad,) = torch.autograd.grad((value * weights.to(value.dtype)).sum(), theta)
    return value.detach(), grad


class _Checker:
    def __init__(self, backend: Any, report: BackendReport, atol: float) -> None:
        self.backend = backend
        self.report = report
        self.atol = atol

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        (self.report.passed if ok else self.report.failed).append(
            name if ok else f"{name}: {detail}"
        )
        return ok

    def raises(self, name: str, expected: type[Exception], call: Callable[[], Any]) -> None:
        try:
            call()
        except expected:
            self.check(name, True)
        except EqqnnError as exc:
            self.check(
                name, False, f"raised {type(exc).__name__} ({exc}), expected {expected.__name__}"
            )
        except Exception as exc:
            self.check(name, False, f"raised a bare {type(exc).__name__}: {exc}")
        else:
            self.check(name, False, f"accepted the bad input, expected {expected.__name__}")


def assert_valid_backend(
    backend: Any,
    *,
    n_qubits: int = 4,
    circuits: Sequence[Any] | None = None,
    atol: float = 1e-10,
    gradients: bool = True,
    seed: int = 0,
) -> BackendReport:
    """Check ``backend`` against the :class:`eqqnn.sim.Backend` contract.

    Parameters
    ----------
    backend
        The backend under test (an :class:`eqqnn.sim.Backend` subclass instance).
    n_qubits
        Register size of the test circuits (even, 4-8 keeps the check to seconds).
    circuits
        Circuits to run; default: the SU(2)-equivariant QCNN (:func:`eqqnn.circuits.su2_qcnn`)
        and the symmetry-agnostic baseline (:func:`eqqnn.circuits.qcnn`).  The first must
        run; the backend may refuse the others with :class:`~eqqnn.errors.BackendError`.
    atol
        Absolute tolerance of values and gradients against the dense reference.
    gradients
        Require gradients to match (``False`` for backends that do not differentiate).
    seed
        Seed of the random states, parameters, weights and rotations.

    Returns
    -------
    BackendReport
        What passed and what was skipped.

    Raises
    ------
    AssertionError
        Listing every failed check.
    """
    from eqqnn.circuits import qcnn, su2_qcnn
    from eqqnn.sim import Backend, StatevectorBackend
    from eqqnn.symmetry import SU2
    from eqqnn.symmetry._qubits import apply_qubit_rotation
    from eqqnn.testing._equivariance import random_parameters

    report = BackendReport(getattr(backend, "name", type(backend).__name__))
    chk = _Checker(backend, report, atol)
    if not chk.check(
        "subclasses eqqnn.sim.Backend",
        isinstance(backend, Backend),
        f"{type(backend).__name__} does not",
    ):
        raise AssertionError(_message(report))
    kinds = tuple(backend.input_kinds)
    chk.check(
        "declares its input kinds",
        bool(kinds) and all(isinstance(k, InputKind) for k in kinds),
        f"input_kinds = {kinds!r}",
    )
    takes_qubits = InputKind.STATE in kinds
    takes_sectors = InputKind.SECTOR_STATE in kinds
    circuits = list(circuits) if circuits is not None else [su2_qcnn(n_qubits), qcnn(n_qubits)]
    reference = StatevectorBackend()
    batches = _inputs(n_qubits, seed)
    rng = torch.Generator().manual_seed(seed)
    for index, circuit in enumerate(circuits):
        theta = random_parameters(circuit, seed=seed + index)
        tag = circuit.name
        try:
            backend.expectation(
                circuit, theta, batches[1].qubit if takes_qubits else batches[1].sector
            )
        except (BackendError, NotEquivariantError) as exc:
            if index == 0:
                chk.check(f"{tag}: runs", False, f"refused: {exc}")
            else:
                report.skipped.append(f"{tag}: refused ({exc})")
            continue
        for batch in batches:
            forms = []
            if takes_qubits:
                forms.append(("qubit basis", batch.qubit))
            if takes_sectors and batch.sector is not None:
                forms.append(("sector coordinates", batch.sector))
            weights = torch.randn(len(batch.qubit), dtype=torch.float64, generator=rng)
            ref_value, ref_grad = _value_and_grad(reference, circuit, theta, batch.qubit, weights)
            for form, states in forms:
                name = f"{tag}, {batch.label}, {form}"
                try:
                    value, grad = _value_and_grad(backend, circuit, theta, states, weights)
                except BackendError as exc:
                    if gradients:
                        chk.check(f"{name}: gradient", False, f"refused: {exc}")
                    else:
                        report.skipped.append(f"{name}: gradient ({exc})")
                    value, grad = backend.expectation(circuit, theta, states).detach(), None
                ok, err = _close(value, ref_value, atol)
                chk.check(f"{name}: values", ok, f"max error {err:.3g} > {atol:g}")
                if grad is not None:
                    ok, err = _close(grad, ref_grad, atol)
                    chk.check(f"{name}: gradient", ok, f"max error {err:.3g} > {atol:g}")
                probs = backend.probabilities(circuit, theta, states)
                lo, hi = circuit.readout.low, circuit.readout.high
                ok, err = _close(probs, (value - lo) / (hi - lo), atol)
                chk.check(f"{name}: probabilities", ok, f"max error {err:.3g}")
        _check_pickling(chk, circuit, theta, batches[1], takes_qubits)
        if index == 0 and takes_qubits:
            x = batches[0].qubit
            base = backend.expectation(circuit, theta, x).detach()
            worst = 0.0
            for u in SU2().sample(seed, size=3):
                turned = apply_qubit_rotation(x, torch.as_tensor(u))
                worst = max(
                    worst, _close(backend.expectation(circuit, theta, turned), base, atol)[1]
                )
            chk.check(
                f"{tag}: invariant under global SU(2) rotations",
                worst <= atol,
                f"max change {worst:.3g}",
            )
        if index == 0:
            _check_single_precision(chk, circuit, theta, batches[1], takes_qubits)
            _check_bad_input(chk, circuit, theta, batches, takes_qubits)
    if report.failed:
        raise AssertionError(_message(report))
    return report


def _check_pickling(
    chk: _Checker, circuit: Any, theta: torch.Tensor, batch: _Inputs, takes_qubits: bool
) -> None:
    states = batch.qubit if takes_qubits else batch.sector
    try:
        copy = pickle.loads(pickle.dumps(chk.backend))
    except Exception as exc:
        chk.check(f"{circuit.name}: pickling", False, f"{type(exc).__name__}: {exc}")
        return
    ok, err = _close(
        copy.expectation(circuit, theta, states),
        chk.backend.expectation(circuit, theta, states),
        chk.atol,
    )
    chk.check(f"{circuit.name}: pickling round trip", ok, f"max difference {err:.3g}")


def _check_single_precision(
    chk: _Checker, circuit: Any, theta: torch.Tensor, batch: _Inputs, takes_qubits: bool
) -> None:
    states = batch.qubit if takes_qubits else batch.sector
    reference = chk.backend.expectation(circuit, theta, states).detach()
    try:
        value = chk.backend.expectation(circuit, theta.float(), states.to(torch.complex64))
    except DimensionError:
        chk.check(f"{circuit.name}: complex64 refused with DimensionError", True)
        return
    ok = (
        isinstance(value, torch.Tensor)
        and value.shape == reference.shape
        and not value.is_complex()
        and _close(value, reference, 1e-4)[0]
    )
    chk.check(
        f"{circuit.name}: complex64 inputs",
        ok,
        f"got {getattr(value, 'dtype', type(value))} {tuple(getattr(value, 'shape', ()))}",
    )


def _check_bad_input(
    chk: _Checker, circuit: Any, theta: torch.Tensor, batches: list[_Inputs], takes_qubits: bool
) -> None:
    b = chk.backend
    states = batches[1].qubit if takes_qubits else batches[1].sector
    assert states is not None
    run = b.expectation

    def with_nan() -> Any:
        bad = states.clone()
        bad[0, 0] = complex("nan")
        return run(circuit, theta, bad)

    chk.raises("NaN amplitude -> InvalidParameterError", InvalidParameterError, with_nan)
    chk.raises(
        "norm 2 -> InvalidParameterError",
        InvalidParameterError,
        lambda: run(circuit, theta, 2 * states),
    )
    ok, err = _close(
        run(circuit, theta, 2 * states, normalize=True), run(circuit, theta, states), chk.atol
    )
    chk.check("normalize=True normalises", ok, f"max difference {err:.3g}")
    chk.raises(
        "one amplitude too many -> DimensionError",
        DimensionError,
        lambda: run(circuit, theta, torch.cat([states, states[:, :1]], dim=1)),
    )
    _check_real_inputs(chk, circuit, theta, states)
    chk.raises(
        "a 3-d batch -> DimensionError", DimensionError, lambda: run(circuit, theta, states[None])
    )
    chk.raises(
        "wrong parameter count -> DimensionError",
        DimensionError,
        lambda: run(circuit, theta[:-1], states),
    )
    chk.raises(
        "NaN parameter -> InvalidParameterError",
        InvalidParameterError,
        lambda: run(circuit, torch.full_like(theta, float("nan")), states),
    )
    chk.raises(
        "a non-circuit -> InvalidParameterError",
        InvalidParameterError,
        lambda: run("su2_qcnn", theta, states),
    )


def _check_real_inputs(chk: _Checker, circuit: Any, theta: torch.Tensor, states: Any) -> None:
    """Real-valued states are either refused (DimensionError) or taken as the same
    complex states; integer states are always refused."""
    real = states.real.contiguous()
    real = real / torch.linalg.vector_norm(real, dim=1, keepdim=True)
    try:
        value = chk.backend.expectation(circuit, theta, real)
    except DimensionError:
        chk.check("real dtype -> DimensionError", True)
    except Exception as exc:
        chk.check("real dtype", False, f"raised {type(exc).__name__}: {exc}")
    else:
        expect = chk.backend.expectation(circuit, theta, real.to(states.dtype))
        ok, err = _close(value, expect, chk.atol)
        chk.check("real dtype taken as complex", ok, f"max difference {err:.3g}")
    chk.raises(
        "integer dtype -> DimensionError",
        DimensionError,
        lambda: chk.backend.expectation(circuit, theta, torch.ones_like(real, dtype=torch.int64)),
    )


def _message(report: BackendReport) -> str:
    lines = [f"backend {report.backend!r} fails {len(report.failed)} check(s):"]
    lines += [f"  - {f}" for f in report.failed]
    return "\n".join(lines)
