r"""Permutation-algebra bases of the gates of ``k`` wires (compile-time mathematics).

A gate on ``k`` wires whose generators are combinations of the permutations of its wires
is stored by its coefficients on a basis of the image of :math:`\mathbb C[S_k]` in the
``2^k`` operators: :class:`_Algebra` (built once per ``k`` by :func:`_algebra`) holds that
basis, its pseudo-inverse and the breadth-first traversal tree of neighbouring
transpositions along which the basis permutations are applied; :func:`_sorting_operator`
reorders a gate's wires by position and :func:`_spectral_map` diagonalizes commuting
generators in the basis.  Nothing here depends on ``n``, on a sector or on a state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from eqqnn.symmetry._qubits import permutation_operator


@dataclass(frozen=True, eq=False)
class _Algebra:
    """Image of :math:`\\mathbb C[S_k]` in the ``2^k`` operators, with a traversal plan.

    Positions are the gate's wires in increasing order; the generators of the walk are the
    transpositions ``(i, i+1)`` of neighbouring positions.
    """

    k: int
    basis: tuple[int, ...]  # node ids of the basis permutations (node 0 = identity)
    parent: tuple[int, ...]  # parent node of every node of the traversal tree
    generator: tuple[int, ...]  # position i of the transposition (i, i+1) from the parent
    children: tuple[tuple[int, ...], ...]
    slot: tuple[int, ...]  # basis slot of every node, -1 if the node is not in the basis
    pinv: np.ndarray  # (nb, 4^k) complex128
    span: np.ndarray  # (4^k, nb) complex128

    @property
    def size(self) -> int:
        return len(self.basis)

    def coefficients(self, matrix: np.ndarray) -> np.ndarray:
        """Coefficients of an operator in the span (least squares)."""
        return self.pinv @ np.asarray(matrix, dtype=np.complex128).reshape(-1)

    def residual(self, matrix: np.ndarray) -> float:
        """Distance of ``matrix`` to the span of the permutation operators."""
        vec = np.asarray(matrix, dtype=np.complex128).reshape(-1)
        return float(np.linalg.norm(self.span @ (self.pinv @ vec) - vec))

    def dfs_order(self) -> list[int]:
        """Nodes in depth-first order (parents first)."""
        out: list[int] = []
        stack = [0]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(self.children[node]))
        return out


@lru_cache(maxsize=8)
def _algebra(k: int) -> _Algebra:
    identity = tuple(range(k))
    nodes = [identity]
    parent = [-1]
    generator = [-1]
    index = {identity: 0}
    head = 0
    while head < len(nodes):
        node = nodes[head]
        for i in range(k - 1):
            t = list(range(k))
            t[i], t[i + 1] = i + 1, i
            child = tuple(t[node[a]] for a in range(k))  # t ∘ node
            if child not in index:
                index[child] = len(nodes)
                nodes.append(child)
                parent.append(head)
                generator.append(i)
        head += 1
    ops = [permutation_operator(list(p), k).reshape(-1) if k else np.ones(1) for p in nodes]
    basis: list[int] = []
    cols: list[np.ndarray] = []
    rank = 0
    for node_id, vec in enumerate(ops):
        trial = np.stack([*cols, vec], axis=1)
        r = np.linalg.matrix_rank(trial, tol=1e-9)
        if r > rank:
            basis.append(node_id)
            cols.append(vec)
            rank = r
    needed: set[int] = set()
    for b in basis:
        node = b
        while node >= 0 and node not in needed:
            needed.add(node)
            node = parent[node]
    children: list[list[int]] = [[] for _ in nodes]
    for node_id in sorted(needed):
        if node_id:
            children[parent[node_id]].append(node_id)
    slot = [-1] * len(nodes)
    for s, b in enumerate(basis):
        slot[b] = s
    span = np.stack(cols, axis=1).astype(np.complex128)
    pinv = np.linalg.pinv(span)
    span.setflags(write=False)
    pinv.setflags(write=False)
    return _Algebra(
        k=k,
        basis=tuple(basis),
        parent=tuple(parent),
        generator=tuple(generator),
        children=tuple(tuple(c) for c in children),
        slot=tuple(slot),
        pinv=pinv,
        span=span,
    )


def _sorting_operator(positions: Sequence[int]) -> tuple[np.ndarray, tuple[int, ...]]:
    """Local operator reordering a gate's wires by position, and the sorted positions."""
    k = len(positions)
    order = sorted(range(k), key=lambda a: positions[a])
    rank = [0] * k
    for r, a in enumerate(order):
        rank[a] = r
    return permutation_operator(rank, k), tuple(positions[a] for a in order)


def _spectral_map(gens: np.ndarray, alg: _Algebra) -> tuple[np.ndarray, np.ndarray] | None:
    """Common eigenbasis of commuting generators: eigenvalues ``(m, D)`` and the permutation
    coefficients of every eigenprojector ``(nb, D)`` (``None`` if the check fails)."""
    weights = np.random.default_rng(12345).uniform(0.5, 1.5, size=len(gens))
    _, vecs = np.linalg.eigh(np.einsum("a,aij->ij", weights, gens))
    evals = np.einsum("ji,ajk,ki->ai", vecs.conj(), gens, vecs).real
    recon = np.einsum("ij,aj,kj->aik", vecs, evals, vecs.conj())
    if np.abs(recon - gens).max() > 1e-10:
        return None
    phase_map = np.stack(
        [alg.coefficients(np.outer(vecs[:, j], vecs[:, j].conj())) for j in range(len(vecs))],
        axis=1,
    )
    return evals, phase_map
