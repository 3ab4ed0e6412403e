r"""Equivariant linear maps: nullspace, twirling and orthonormal bases.

A linear map :math:`X: V_{in} \to V_{out}` is *equivariant* when

.. math:: X \rho_{in}(g) = \rho_{out}(g) X \quad \forall g \in G .

Two independent constructions are implemented (Nguyen et al., arXiv 2210.08566):

* **nullspace** — it suffices to impose the condition on the Lie-algebra basis and on the
  discrete generators.  With row-major vectorization
  :math:`\mathrm{vec}(A X B) = (A \otimes B^T)\,\mathrm{vec}(X)` the conditions read

  .. math:: \big(I \otimes d\rho_{in}(x)^T - d\rho_{out}(x) \otimes I\big) \mathrm{vec}(X) = 0,
            \qquad
            \big(I \otimes \rho_{in}(g)^T - \rho_{out}(g) \otimes I\big) \mathrm{vec}(X) = 0 ,

  and the solutions are the null vectors of the stacked constraint matrix (eigenvectors
  of its Gram matrix with eigenvalue below a tolerance).  Dense: the Gram matrix has
  :math:`(d_{in} d_{out})^2` entries, so it stops scaling around
  :math:`d_{in} d_{out} \approx 4096` (``max_dim``), i.e. 6-qubit operators.
* **twirling** — the group average

  .. math:: \mathcal T[X] = \int dg \; \rho_{out}(g) \, X \, \rho_{in}(g)^\dagger

  is the Hilbert–Schmidt orthogonal projection onto the equivariant maps.  Finite groups
  are averaged exactly; SU(2) is integrated *exactly* by a product quadrature on Euler
  angles (uniform grids in :math:`\alpha, \gamma`, Gauss–Legendre in :math:`\cos\beta`)
  whose order follows the representations' spin content, since the integrand only
  contains Wigner functions of spin at most :math:`j_{in} + j_{out}`.  A Monte-Carlo Haar
  average with its standard error is provided as a reference.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from eqqnn.errors import DimensionError, InvalidParameterError, ProblemTooLargeError
from eqqnn.symmetry._groups import SU2, DirectProduct, FiniteGroup, Group, as_generator
from eqqnn.symmetry._representations import Representation

__all__ = [
    "equivariant_basis",
    "haar_quadrature",
    "hermitian_basis",
    "orthonormal_span",
    "project_onto_span",
    "same_span",
    "twirl",
    "twirl_monte_carlo",
]

#: Largest ``d_in * d_out`` handled by the dense nullspace solver.
MAX_NULLSPACE_DIM = 4096


def _pair(rep_in: Representation, rep_out: Representation | None) -> Representation:
    rep_out = rep_in if rep_out is None else rep_out
    if rep_in.group != rep_out.group:
        raise DimensionError(
            f"input and output representations act on different groups: "
            f"{rep_in.group!r} and {rep_out.group!r}"
        )
    return rep_out


def _check_operand(x: np.ndarray, rep_in: Representation, rep_out: Representation) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim < 2 or x.shape[-2:] != (rep_out.dim, rep_in.dim):
        raise DimensionError(
            f"operator of shape {x.shape} does not map the {rep_in.dim}-dimensional input "
            f"representation to the {rep_out.dim}-dimensional output one "
            f"(expected (..., {rep_out.dim}, {rep_in.dim}))"
        )
    return x


def orthonormal_span(mats: np.ndarray, *, tol: float = 1e-9, real: bool = False) -> np.ndarray:
    r"""Orthonormal basis (Hilbert–Schmidt inner product) of the span of ``mats``.

    Parameters
    ----------
    mats
        ``(k, m, n)`` array of matrices.
    tol
        Singular values below ``tol * max(1, largest)`` count as zero.
    real
        Span over the reals (for real matrices); the basis is then real.

    Returns
    -------
    ``(r, m, n)`` array with :math:`\mathrm{tr}(B_i^\dagger B_j) = \delta_{ij}`.
    """
    mats = np.asarray(mats)
    k = mats.shape[0]
    if k == 0:
        return mats
    flat = mats.reshape(k, -1)
    if real:
        flat = flat.real
    _, s, vh = np.linalg.svd(flat, full_matrices=False)
    rank = int((s > tol * max(1.0, s[0] if s.size else 0.0)).sum())
    return vh[:rank].reshape(rank, *mats.shape[1:])


def hermitian_basis(basis: np.ndarray, *, tol: float = 1e-9) -> np.ndarray:
    r"""An orthonormal Hermitian basis of a span closed under :math:`X \mapsto X^\dagger`.

    The Hermitian parts :math:`(B + B^\dagger)/2` and :math:`(B - B^\dagger)/2i` of a complex
    basis span the same real form; they are orthonormalized over the reals.  Raises when
    the span is not closed under the adjoint (then no Hermitian basis exists).
    """
    basis = np.asarray(basis)
    herm = np.concatenate(
        [
            (basis + np.swapaxes(basis, -1, -2).conj()) / 2,
            (basis - np.swapaxes(basis, -1, -2).conj()) / 2j,
        ]
    )
    # Hermitian matrices form a real vector space; embed as real vectors
    flat = herm.reshape(len(herm), -1)
    real_vecs = np.concatenate([flat.real, flat.imag], axis=1)
    _, s, vh = np.linalg.svd(real_vecs, full_matrices=False)
    rank = int((s > tol * max(1.0, s[0])).sum())
    if rank != len(basis):
        raise InvalidParameterError(
            f"the span (dimension {len(basis)}) is not closed under the adjoint: its Hermitian "
            f"parts span a real space of dimension {rank}"
        )
    half = flat.shape[1]
    out = vh[:rank, :half] + 1j * vh[:rank, half:]
    return out.reshape(rank, *basis.shape[1:])


def project_onto_span(x: np.ndarray, basis: np.ndarray) -> np.ndarray:
    r"""Orthogonal projection onto the span of an orthonormal basis.

    .. math:: X \mapsto \sum_i \mathrm{tr}(B_i^\dagger X)\, B_i
    """
    x = np.asarray(x)
    coeffs = np.einsum("kij,...ij->...k", basis.conj(), x)
    return np.einsum("...k,kij->...ij", coeffs, basis)


def same_span(a: np.ndarray, b: np.ndarray, *, atol: float = 1e-9) -> bool:
    """Whether two orthonormal bases span the same space (equal projectors)."""
    if len(a) != len(b):
        return False
    pa = np.einsum("kx,ky->xy", a.reshape(len(a), -1), a.reshape(len(a), -1).conj())
    pb = np.einsum("kx,ky->xy", b.reshape(len(b), -1), b.reshape(len(b), -1).conj())
    return bool(np.abs(pa - pb).max() < atol)


def _constraints(rep_in: Representation, rep_out: Representation) -> list[np.ndarray]:
    din, dout = rep_in.dim, rep_out.dim
    blocks = []
    pairs = [
        (rep_in.algebra_matrix(x), rep_out.algebra_matrix(x))
        for x in rep_in.group.lie_algebra_basis()
    ]
    pairs += [(rep_in.matrix(g), rep_out.matrix(g)) for g in rep_in.group.discrete_generators()]
    for a_in, a_out in pairs:
        blocks.append(np.kron(np.eye(dout), a_in.T) - np.kron(a_out, np.eye(din)))
    return blocks


def equivariant_basis(
    rep_in: Representation,
    rep_out: Representation | None = None,
    *,
    method: str = "nullspace",
    real: bool = False,
    tol: float = 1e-8,
    seed: int | np.random.Generator = 0,
    max_dim: int = MAX_NULLSPACE_DIM,
) -> np.ndarray:
    r"""Orthonormal basis of the equivariant maps :math:`\rho_{in} \to \rho_{out}`.

    Parameters
    ----------
    rep_in, rep_out
        Representations of the same group (``rep_out`` defaults to ``rep_in``: the
        commutant).
    method
        ``"nullspace"`` (Lie-algebra + generator constraints) or ``"twirl"`` (twirl seeded
        random operators until their span saturates).
    real
        Return a real basis of the real equivariant maps (classical layers).
    tol
        Eigenvalue / singular value threshold.
    seed
        Seed of the random operators of the twirl method.
    max_dim
        Refuse problems with ``d_in * d_out > max_dim`` (dense limit).

    Returns
    -------
    ``(k, d_out, d_in)`` array, orthonormal in the Hilbert–Schmidt inner product.

    Examples
    --------
    >>> from eqqnn.symmetry import SpinIrrep, TensorProduct
    >>> half = SpinIrrep(0.5)
    >>> equivariant_basis(TensorProduct(half, half)).shape   # span{I, SWAP}
    (2, 4, 4)
    """
    rep_out = _pair(rep_in, rep_out)
    size = rep_in.dim * rep_out.dim
    if size > max_dim:
        raise ProblemTooLargeError(
            f"dense equivariant basis for d_in * d_out = {size} exceeds max_dim = {max_dim}"
        )
    if method == "nullspace":
        blocks = _constraints(rep_in, rep_out)
        if not blocks:
            basis = np.eye(size, dtype=np.complex128).reshape(size, rep_out.dim, rep_in.dim)
        else:
            if real:
                blocks = [b.real for b in blocks] + [b.imag for b in blocks]
            gram = sum(b.conj().T @ b for b in blocks)
            evals, evecs = np.linalg.eigh(gram)
            scale = max(1.0, float(np.abs(evals).max()))
            null = evecs[:, evals < tol * scale]
            basis = null.T.reshape(-1, rep_out.dim, rep_in.dim)
        basis = orthonormal_span(basis, real=real)
        return basis.astype(np.float64 if real else np.complex128)
    if method == "twirl":
        rng = as_generator(seed)
        count = 8
        while True:
            shape = (count, rep_out.dim, rep_in.dim)
            x = rng.standard_normal(shape)
            if not real:
                x = x + 1j * rng.standard_normal(shape)
            span = orthonormal_span(twirl(x, rep_in, rep_out), real=real)
            if len(span) < count or count >= size:
                return span.real if real else span
            count = min(2 * count, size)
    raise InvalidParameterError(f"method must be 'nullspace' or 'twirl', got {method!r}")


def haar_quadrature(group: Group, degree: float) -> tuple[Any, np.ndarray]:
    r"""Elements and weights of a rule exact for Wigner functions of spin ``<= degree``.

    For SU(2) with Euler angles :math:`U = e^{-i\alpha\sigma^z/2} e^{-i\beta\sigma^y/2}
    e^{-i\gamma\sigma^z/2}` (:math:`\alpha \in [0, 2\pi)`, :math:`\gamma \in [0, 4\pi)`,
    Haar density :math:`\propto \sin\beta`), the rule uses :math:`\lfloor L\rfloor + 1`
    values of :math:`\alpha`, :math:`\lfloor 2L \rfloor + 1` values of :math:`\gamma` and
    :math:`\lceil (L+1)/2 \rceil` Gauss–Legendre nodes in :math:`\cos\beta`, which
    integrates every :math:`D^J_{m'm}`, :math:`J \le L`, exactly.  Finite groups use all
    elements with weight :math:`1/|G|`; direct products use the product rule.

    Returns
    -------
    (elements, weights): a batch of group elements and weights summing to one.
    """
    if isinstance(group, FiniteGroup):
        return group.elements(), np.full(group.order, 1.0 / group.order)
    if isinstance(group, SU2):
        big_l = float(degree)
        n_alpha = math.floor(big_l) + 1
        n_gamma = math.floor(2 * big_l) + 1
        n_beta = max(1, math.ceil((big_l + 1) / 2))
        alpha = 2 * np.pi * np.arange(n_alpha) / n_alpha
        gamma = 4 * np.pi * np.arange(n_gamma) / n_gamma
        x, wx = np.polynomial.legendre.leggauss(n_beta)
        beta = np.arccos(x)
        a, b, c = np.meshgrid(alpha, beta, gamma, indexing="ij")
        w = np.broadcast_to(wx[None, :, None] / 2, a.shape) / (n_alpha * n_gamma)
        a, b, c, w = a.ravel(), b.ravel(), c.ravel(), w.ravel()
        rz_a = np.zeros((a.size, 2, 2), dtype=np.complex128)
        rz_a[:, 0, 0], rz_a[:, 1, 1] = np.exp(-0.5j * a), np.exp(0.5j * a)
        rz_c = np.zeros_like(rz_a)
        rz_c[:, 0, 0], rz_c[:, 1, 1] = np.exp(-0.5j * c), np.exp(0.5j * c)
        ry = np.zeros_like(rz_a)
        ry[:, 0, 0] = ry[:, 1, 1] = np.cos(b / 2)
        ry[:, 0, 1], ry[:, 1, 0] = -np.sin(b / 2), np.sin(b / 2)
        return rz_a @ ry @ rz_c, w
    if isinstance(group, DirectProduct):
        rules = [haar_quadrature(f, degree) for f in group.factors]
        sizes = [len(w) for _, w in rules]
        grids = np.meshgrid(*[np.arange(s) for s in sizes], indexing="ij")
        idx = [g.ravel() for g in grids]
        elems = tuple(e[i] for (e, _), i in zip(rules, idx, strict=True))
        weights = np.prod([w[i] for (_, w), i in zip(rules, idx, strict=True)], axis=0)
        return elems, weights
    raise InvalidParameterError(f"no Haar quadrature for group {group!r}")


def twirl(
    x: np.ndarray,
    rep_in: Representation,
    rep_out: Representation | None = None,
    *,
    chunk: int | None = None,
) -> np.ndarray:
    r"""Exact group average (batched over ``x``).

    .. math:: \mathcal T[X] = \int dg\, \rho_{out}(g) X \rho_{in}(g)^\dagger

    Examples
    --------
    >>> from eqqnn.symmetry import qubit_representation
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((4, 4))
    >>> t = twirl(x, qubit_representation(2))   # a combination of I and SWAP
    >>> bool(abs(t[0, 0] - t[3, 3]) < 1e-12 and abs(t[0, 1]) < 1e-12)
    True
    """
    rep_out = _pair(rep_in, rep_out)
    x = _check_operand(x, rep_in, rep_out)
    elems, weights = haar_quadrature(rep_in.group, rep_in.degree + rep_out.degree)
    if chunk is None:  # keep the (chunk, *x.shape) intermediate near 2^22 entries
        chunk = max(1, min(256, 2**22 // max(1, x.size)))
    out = np.zeros(x.shape, dtype=np.result_type(x.dtype, np.complex128))
    for start in range(0, len(weights), chunk):
        sl = slice(start, start + chunk)
        part = tuple(e[sl] for e in elems) if isinstance(elems, tuple) else elems[sl]
        r_in, r_out = rep_in.matrix(part), rep_out.matrix(part)
        tmp = np.einsum("qab,...bc,qdc->q...ad", r_out, x, r_in.conj(), optimize=True)
        out += np.einsum("q,q...->...", weights[sl], tmp)
    return out


def twirl_monte_carlo(
    x: np.ndarray,
    rep_in: Representation,
    rep_out: Representation | None = None,
    *,
    n_samples: int = 1000,
    seed: int | np.random.Generator = 0,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Monte-Carlo Haar twirl: the sample mean of :math:`\rho_{out}(g) X \rho_{in}(g)^\dagger`
    over ``n_samples`` seeded Haar elements, and its entry-wise standard error."""
    rep_out = _pair(rep_in, rep_out)
    x = _check_operand(x, rep_in, rep_out)
    g = rep_in.group.sample(seed, n_samples)
    r_in, r_out = rep_in.matrix(g), rep_out.matrix(g)
    samples = np.einsum("qab,...bc,qdc->q...ad", r_out, x, r_in.conj(), optimize=True)
    mean = samples.mean(axis=0)
    stderr = np.abs(samples - mean).std(axis=0, ddof=1) / np.sqrt(n_samples)
    return mean, stderr
