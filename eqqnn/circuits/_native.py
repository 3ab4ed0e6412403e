r"""Native decompositions of generator gates into Pauli rotations (numpy only).

Exporters (:mod:`eqqnn.sim._pennylane`, :mod:`eqqnn.sim._qiskit`) use these to emit
hardware-native gates: a gate whose generators are Pauli strings that pairwise commute
is a product of Pauli rotations; :math:`e^{-i\theta\,\mathrm{SWAP}}` becomes
:math:`R_{XX}(\theta)R_{YY}(\theta)R_{ZZ}(\theta)` up to a global phase.
"""

from __future__ import annotations

import itertools
import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from eqqnn.circuits._gates import PAULI
from eqqnn.circuits._ir import Circuit, ExpGate

__all__ = ["NativeRotation", "is_native", "native_decomposition", "pauli_coefficients"]

_TOL = 1e-12


@dataclass(frozen=True)
class NativeRotation:
    r"""One native rotation :math:`R_P(\alpha) = e^{-i\alpha P/2}` of a decomposed gate.

    ``word`` is a Pauli string over ``wires`` (first letter on ``wires[0]``), ``coeffs``
    the linear map from the gate's parameter values to the angle,
    :math:`\alpha = \sum_a c_a\,\theta_{p_a}` with ``slots`` the slots :math:`p_a`.
    ``controls``/``control_values`` are non-empty only for controlled single-qubit
    rotations kept in controlled form.
    """

    word: str
    wires: tuple[int, ...]
    slots: tuple[int, ...]
    coeffs: tuple[float, ...]
    controls: tuple[int, ...] = ()
    control_values: tuple[int, ...] = ()

    def angle(self, theta: Any) -> Any:
        """The rotation angle for the full parameter vector ``theta`` (numpy or torch)."""
        out = 0.0
        for slot, c in zip(self.slots, self.coeffs, strict=True):
            out = out + c * theta[slot]
        return out


@lru_cache(maxsize=8)
def _pauli_words(k: int) -> tuple[tuple[str, ...], np.ndarray]:
    words = tuple("".join(p) for p in itertools.product("IXYZ", repeat=k))[1:]
    mats = np.empty((len(words), 2**k, 2**k), dtype=np.complex128)
    for i, word in enumerate(words):
        m = np.ones((1, 1), dtype=np.complex128)
        for ch in word:
            m = np.kron(m, PAULI[ch])
        mats[i] = m
    mats.setflags(write=False)
    return words, mats


def pauli_coefficients(generators: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
    r"""Pauli coordinates :math:`c_{aP} = \mathrm{tr}(P G_a)/2^k` of ``(m, 2^k, 2^k)`` generators.

    Returns the ``4^k - 1`` non-identity words (first letter on the most significant
    qubit, order ``itertools.product("IXYZ")``) and the real ``(m, 4^k - 1)`` matrix.

    Examples
    --------
    >>> from eqqnn.circuits import SWAP
    >>> words, c = pauli_coefficients(SWAP[None])
    >>> [(w, float(x)) for w, x in zip(words, c[0]) if abs(x) > 0]
    [('XX', 0.5), ('YY', 0.5), ('ZZ', 0.5)]
    """
    gens = np.asarray(generators, dtype=np.complex128)
    k = gens.shape[-1].bit_length() - 1
    words, mats = _pauli_words(k)
    coeffs = np.einsum("pij,aji->ap", mats, gens).real / 2**k
    coeffs[np.abs(coeffs) < _TOL] = 0.0
    return words, coeffs


def _commute(a: str, b: str) -> bool:
    clashes = sum(1 for x, y in zip(a, b, strict=True) if x != "I" and y != "I" and x != y)
    return clashes % 2 == 0


_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def native_decomposition(
    op: ExpGate, *, pauli_only: bool = False
) -> tuple[NativeRotation, ...] | None:
    r"""Native rotations whose product is ``op`` (up to a global phase), or ``None``.

    A gate is native when it is a (possibly controlled) single-qubit Pauli rotation, or
    when the Pauli strings of all its full generators commute pairwise; then

    .. math:: e^{-i\sum_a\theta_a G_a} \simeq \prod_P R_P\big(2\textstyle\sum_a
              \theta_a c_{aP}\big), \qquad c_{aP} = \mathrm{tr}(P G_a)/2^k .

    With ``pauli_only`` controlled rotations are expanded into Pauli strings too (every
    rotation then has a generator with eigenvalues :math:`\pm 1/2`, so the two-term
    parameter-shift rule applies to each).
    """
    per = _PLANS.setdefault(op, {})
    if pauli_only in per:
        return per[pauli_only]
    plan: tuple[NativeRotation, ...] | None = None
    gens = op.generators
    axis = op.label[1:] if op.label in ("RX", "RY", "RZ") else None
    if (
        not pauli_only
        and axis is not None
        and gens.shape == (1, 2, 2)
        and np.abs(gens[0] - PAULI[axis] / 2).max() < _TOL
    ):
        plan = (NativeRotation(axis, op.wires, op.params, (1.0,), op.controls, op.control_values),)
    else:
        words, coeffs = pauli_coefficients(op.full_generators)
        used = [i for i in range(len(words)) if np.abs(coeffs[:, i]).max() > 0]
        if all(_commute(words[i], words[j]) for i, j in itertools.combinations(used, 2)):
            rotations = []
            for i in used:
                nz = [a for a in range(len(op.params)) if coeffs[a, i] != 0.0]
                rotations.append(
                    NativeRotation(
                        words[i],
                        op.all_wires,
                        tuple(op.params[a] for a in nz),
                        tuple(2.0 * float(coeffs[a, i]) for a in nz),
                    )
                )
            plan = tuple(rotations)
    per[pauli_only] = plan
    return plan


def is_native(circuit: Circuit) -> bool:
    """Whether every gate of ``circuit`` decomposes into native rotations."""
    return all(
        native_decomposition(op) is not None for op in circuit.operations if isinstance(op, ExpGate)
    )
