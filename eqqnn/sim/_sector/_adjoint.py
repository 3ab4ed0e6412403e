r"""Simulate and differentiate on the torch and SciPy kernels (adjoint and autograd paths).

:class:`_Engine` applies compiled steps to the sectors of a batch with reusable buffers
(:class:`_Workspace`), on torch or SciPy kernels; :func:`_forward_inplace` runs a
program, and :class:`_AdjointExpectation` is the autograd function whose backward walks
the circuit in reverse on :math:`W = [\psi\,|\,\mu]` (:func:`_undo`), in memory
independent of the depth.  The ``*_functional`` helpers are the differentiable,
out-of-place forward of ``gradient="autograd"`` (the reference path).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch

from eqqnn.sim._backend import real_dtype_of
from eqqnn.sim._sector._compile import _GateStep, _Program, _Relabel
from eqqnn.sim._sector._kernels import _SectorKernel
from eqqnn.sim._sector._reduce import _axpby, _row_values, _vdot
from eqqnn.sim._sector._states import _Sector


class _Workspace:
    """Reusable ``(d, R)`` buffers (fresh large allocations page-fault on every call)."""

    def __init__(self, like: torch.Tensor) -> None:
        self.like = like
        self.free: list[torch.Tensor] = []

    def get(self) -> torch.Tensor:
        return self.free.pop() if self.free else torch.empty_like(self.like)

    def put(self, t: torch.Tensor) -> None:
        self.free.append(t)


class _Engine:
    """Applies compiled steps to the sectors of a batch with preallocated buffers."""

    def __init__(self, use_scipy: bool) -> None:
        self.use_scipy = use_scipy

    def element(
        self,
        kern: _SectorKernel,
        ws: _Workspace,
        p: int,
        q: int,
        ce: complex,
        ct: complex,
        v: torch.Tensor,
        keep_input: bool = True,
    ) -> torch.Tensor:
        r"""``(ce + ct D(τ_{pq})) v`` into a fresh buffer (conjugated from ``(q-1, q)``)."""
        cur = v
        owned = False
        for k in range(p, q - 1):
            nxt = ws.get()
            kern.apply(k, 0.0, 1.0, cur, nxt, self.use_scipy)
            if owned:
                ws.put(cur)
            cur, owned = nxt, True
        nxt = ws.get()
        kern.apply(q - 1, ce, ct, cur, nxt, self.use_scipy)
        if owned:
            ws.put(cur)
        cur = nxt
        for k in range(q - 2, p - 1, -1):
            nxt = ws.get()
            kern.apply(k, 0.0, 1.0, cur, nxt, self.use_scipy)
            ws.put(cur)
            cur = nxt
        if not keep_input:
            ws.put(v)
        return cur

    def axpby(self, y: torch.Tensor, a: complex, x: torch.Tensor, b: complex) -> None:
        """``y <- a y + b x`` in place."""
        if self.use_scipy:
            _axpby(y.numpy(), a, x.numpy(), b)
        else:
            y.mul_(a).add_(x, alpha=b)

    def relabel(
        self,
        kern: _SectorKernel,
        ws: _Workspace,
        ks: Iterable[int],
        v: torch.Tensor,
        owned: bool = True,
    ) -> torch.Tensor:
        """Apply ``s_k`` for every ``k`` in order; ``v`` is recycled only if ``owned``."""
        for k in ks:
            nxt = ws.get()
            kern.apply(k, 0.0, 1.0, v, nxt, self.use_scipy)
            if owned:
                ws.put(v)
            v, owned = nxt, True
        return v

    def traverse(
        self,
        kern: _SectorKernel,
        ws: _Workspace,
        step: _GateStep,
        v: torch.Tensor,
        visit: Callable[[int, torch.Tensor], None],
    ) -> None:
        """Call ``visit(slot, D(π) v)`` for every basis permutation (depth first)."""
        alg = step.algebra
        pos = step.positions

        def rec(node: int, vec: torch.Tensor) -> None:
            if alg.slot[node] >= 0:
                visit(alg.slot[node], vec)
            for child in alg.children[node]:
                i = alg.generator[child]
                cvec = self.element(kern, ws, pos[i], pos[i + 1], 0.0, 1.0, vec)
                rec(child, cvec)
                ws.put(cvec)

        rec(0, v)

    def apply(
        self, kern: _SectorKernel, ws: _Workspace, step: _GateStep, c: np.ndarray, v: torch.Tensor
    ) -> torch.Tensor:
        """``Σ_π c_π D(π) v`` into a fresh buffer (``v`` is left untouched)."""
        alg = step.algebra
        if alg.k == 2:
            return self.element(kern, ws, *step.positions, complex(c[0]), complex(c[1]), v)
        acc = ws.get()
        first = True

        def visit(slot: int, vec: torch.Tensor) -> None:
            nonlocal first
            if first:
                torch.mul(vec, complex(c[slot]), out=acc)
                first = False
            else:
                acc.add_(vec, alpha=complex(c[slot]))

        self.traverse(kern, ws, step, v, visit)
        return acc


def _forward_inplace(
    prog: _Program, sectors: list[_Sector], params: torch.Tensor, engine: _Engine
) -> tuple[list[torch.Tensor], list[_Workspace], list[bool]]:
    """Run the gates; ``owned[j]`` tells whether ``states[j]`` is a buffer of this call."""
    theta = params.detach().to("cpu", torch.float64)
    states = [s.data for s in sectors]
    spaces = [_Workspace(s.data) for s in sectors]
    owned = [False] * len(sectors)
    for step in prog.steps:
        if isinstance(step, _Relabel):
            for j, sec in enumerate(sectors):
                states[j] = engine.relabel(sec.kernel, spaces[j], step.ks, states[j], owned[j])
                owned[j] = owned[j] or bool(step.ks)
            continue
        c, _, _ = step.coefficients(theta)
        for j, sec in enumerate(sectors):
            out = engine.apply(sec.kernel, spaces[j], step, c, states[j])
            if owned[j]:
                spaces[j].put(states[j])
            states[j], owned[j] = out, True
    return states, spaces, owned


class _AdjointExpectation(torch.autograd.Function):
    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        params: torch.Tensor,
        prog: _Program,
        sectors: list[_Sector],
        batch: int,
        engine: _Engine,
    ) -> torch.Tensor:
        with torch.no_grad():
            states, spaces, _ = _forward_inplace(prog, sectors, params, engine)
            c = prog.readout.constant
            assert c is not None
            lams = []
            value = None
            for j, sec in enumerate(sectors):
                lam = engine.apply(sec.kernel, spaces[j], prog.readout, c, states[j])
                lams.append(lam)
                part = _row_values(states[j], lam, batch)
                value = part if value is None else value + part
        assert value is not None
        ctx.prog, ctx.sectors, ctx.engine, ctx.batch = prog, sectors, engine, batch
        ctx.states, ctx.lams = states, lams
        ctx.params_meta = (params.dtype, params.device)
        ctx.theta = params.detach().to("cpu", torch.float64)
        return value.to(params.dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> Any:  # type: ignore[override]
        prog: _Program = ctx.prog
        sectors: list[_Sector] = ctx.sectors
        engine: _Engine = ctx.engine
        theta = ctx.theta
        batch = ctx.batch
        grad = np.zeros(theta.shape[0], dtype=np.float64)
        with torch.no_grad():
            # ψ and μ = w ⊙ Oψ side by side, W = [ψ | μ] of shape (d, 2R): every undo is
            # one kernel call on both, and <μ|X|ψ> reads the two halves of D(π) W.
            stacked: list[torch.Tensor] = []
            spaces: list[_Workspace] = []
            for j in range(len(sectors)):
                psi, lam = ctx.states[j], ctx.lams[j]
                d, r = psi.shape
                w = torch.empty((d, 2 * r), dtype=psi.dtype, device=psi.device)
                g = grad_out.detach().to(device=w.device, dtype=real_dtype_of(w.dtype))
                shape = (d, batch, -1)
                if engine.use_scipy:  # NumPy: no thread wake-ups on a loaded CPU
                    wn = w.numpy()
                    np.copyto(wn[:, :r], psi.numpy())
                    np.multiply(
                        lam.numpy().reshape(shape),
                        g.numpy().reshape(1, batch, 1),
                        out=wn[:, r:].reshape(shape),
                    )
                else:
                    w[:, :r] = psi
                    w[:, r:] = (lam.reshape(shape) * g.reshape(1, batch, 1)).reshape(d, r)
                stacked.append(w)
                spaces.append(_Workspace(w))
            for step in reversed(prog.steps):
                if isinstance(step, _Relabel):
                    ks = step.ks[::-1]
                    for j, sec in enumerate(sectors):
                        stacked[j] = engine.relabel(sec.kernel, spaces[j], ks, stacked[j])
                    continue
                _, dcoef, xcoef = step.coefficients(theta)
                overlaps = np.zeros(step.algebra.size, dtype=np.complex128)
                needed = (
                    np.abs(xcoef).max(axis=0) > 0
                    if len(xcoef)
                    else np.zeros(step.algebra.size, dtype=bool)
                )
                for j, sec in enumerate(sectors):
                    stacked[j] = _undo(
                        engine, sec.kernel, spaces[j], step, dcoef, stacked[j], needed, overlaps
                    )
                if len(xcoef):
                    contrib = 2.0 * (xcoef @ overlaps).real
                    np.add.at(grad, list(step.params), contrib)
        dtype, device = ctx.params_meta
        return torch.as_tensor(grad, dtype=dtype, device=device), None, None, None, None


def _undo(
    engine: _Engine,
    kern: _SectorKernel,
    ws: _Workspace,
    step: _GateStep,
    dcoef: np.ndarray,
    w: torch.Tensor,
    needed: np.ndarray,
    overlaps: np.ndarray,
) -> torch.Tensor:
    r"""One adjoint step on ``W = [ψ | μ]``: ``overlaps[π] += <μ| D(π) |ψ>`` where
    ``needed``, and ``W <- U^\dagger W``.  Returns the new ``W``."""
    r = w.shape[1] // 2
    mu = w[:, r:]
    if step.algebra.k == 2:
        if needed[0]:
            overlaps[0] += _vdot(mu, w[:, :r])
        if needed[1]:  # τW serves the gradient and the undo: W <- d_e W + d_τ τW
            t = engine.element(kern, ws, *step.positions, 0.0, 1.0, w)
            overlaps[1] += _vdot(mu, t[:, :r])
            engine.axpby(w, complex(dcoef[0]), t, complex(dcoef[1]))
            ws.put(t)
            return w
        out = engine.element(kern, ws, *step.positions, complex(dcoef[0]), complex(dcoef[1]), w)
        ws.put(w)
        return out
    acc = ws.get()
    first = True

    def visit(slot: int, vec: torch.Tensor) -> None:
        nonlocal first
        if needed[slot]:
            overlaps[slot] += _vdot(mu, vec[:, :r])
        if first:
            torch.mul(vec, complex(dcoef[slot]), out=acc)
            first = False
        else:
            engine.axpby(acc, 1.0, vec, complex(dcoef[slot]))

    engine.traverse(kern, ws, step, w, visit)
    ws.put(w)
    return acc


# ---- functional engine (autograd path) ----------------------------------------------------


def _element_functional(
    kern: _SectorKernel, p: int, q: int, ce: Any, ct: Any, v: torch.Tensor
) -> torch.Tensor:
    for k in range(p, q - 1):
        v = kern.apply_functional(k, 0.0, 1.0, v)
    v = kern.apply_functional(q - 1, ce, ct, v)
    for k in range(q - 2, p - 1, -1):
        v = kern.apply_functional(k, 0.0, 1.0, v)
    return v


def _apply_functional(
    kern: _SectorKernel, step: _GateStep, c: torch.Tensor, v: torch.Tensor
) -> torch.Tensor:
    alg = step.algebra
    pos = step.positions
    if alg.k == 2:
        return _element_functional(kern, pos[0], pos[1], c[0], c[1], v)
    acc: torch.Tensor | None = None

    def rec(node: int, vec: torch.Tensor) -> None:
        nonlocal acc
        if alg.slot[node] >= 0:
            term = c[alg.slot[node]] * vec
            acc = term if acc is None else acc + term
        for child in alg.children[node]:
            i = alg.generator[child]
            rec(child, _element_functional(kern, pos[i], pos[i + 1], 0.0, 1.0, vec))

    rec(0, v)
    assert acc is not None
    return acc


def _forward_functional(
    prog: _Program, sectors: list[_Sector], params: torch.Tensor
) -> list[torch.Tensor]:
    states = [s.data for s in sectors]
    for step in prog.steps:
        if isinstance(step, _Relabel):
            for j, sec in enumerate(sectors):
                for k in step.ks:
                    states[j] = sec.kernel.apply_functional(k, 0.0, 1.0, states[j])
            continue
        dtype, device = states[0].dtype, states[0].device
        c = step.coefficients_torch(params, device, dtype)
        for j, sec in enumerate(sectors):
            states[j] = _apply_functional(sec.kernel, step, c, states[j])
    return states
