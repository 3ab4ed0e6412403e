r"""Conjugacy classes, character tables, isotypic projectors and partial twirls.

For a finite group :math:`G` (a :class:`~eqqnn.symmetry.FiniteGroup` or a
:class:`~eqqnn.symmetry.DirectProduct` of them, in the row-major flat indexing of
:class:`eqqnn.classical.GroupTable`) this module computes

* the **conjugacy classes** :math:`C_k = \{h g h^{-1}\}` from the Cayley table;
* the **character table** by the Burnside–Dixon method: the class sums span the centre
  of the group algebra, :math:`C_i C_j = \sum_k c_{ijk} C_k` with
  :math:`c_{ijk} = \#\{x \in C_i : x^{-1} z_k \in C_j\}` (:math:`z_k \in C_k` fixed), and
  the central characters :math:`\omega_\sigma(C_k) = |C_k| \chi_\sigma(C_k) / d_\sigma` are
  the simultaneous eigenvectors of the matrices :math:`(A_i)_{jk} = c_{ijk}`,

  .. math:: \sum_k c_{ijk}\, \omega_\sigma(C_k) = \omega_\sigma(C_i)\, \omega_\sigma(C_j),

  normalized by :math:`\omega_\sigma(\{e\}) = 1` and the orthogonality relation
  :math:`\sum_k |C_k| |\chi_\sigma(C_k)|^2 = |G|`, which fixes :math:`d_\sigma`.  The
  table of a direct product is the Kronecker product of the factors' tables;
* the **isotypic projectors** of any representation,

  .. math:: P_\sigma = \frac{d_\sigma}{|G|} \sum_{g} \overline{\chi_\sigma(g)}\, \rho(g) ;

* the **partial twirl** by a class-function measure :math:`\mu` of an operator
  :math:`W: V_{in} \to V_{out}` (the action :math:`W \mapsto \rho_{out}(g) W
  \rho_{in}(g)^{-1}`),

  .. math:: \mathcal T_\mu[W] = \sum_g \mu(g)\, \rho_{out}(g)\, W \rho_{in}(g)^{-1},
            \qquad \mu = \sum_\sigma f_\sigma \frac{d_\sigma}{|G|}\overline{\chi_\sigma},
            \qquad \mathcal T_\mu = \sum_\sigma f_\sigma P_\sigma .

  :math:`f = (1, 0, \dots, 0)` is the full twirl :func:`eqqnn.symmetry.twirl` (projection
  onto the equivariant maps), :math:`f = (1, \dots, 1)` the identity: the finite-group
  version of Veefkind & Cesa's learned degree of equivariance (arXiv 2406.03946).

Real arithmetic.  For a real (orthogonal) representation the projectors onto the
components of complex-conjugate irreps :math:`\sigma \ne \sigma^*` are complex, but
:math:`P_\sigma + P_{\sigma^*}` is real.  With ``real=True`` the functions work with the
*real irrep types* (:attr:`CharacterTable.real_types`): one per real or quaternionic
irrep (Frobenius–Schur indicator :math:`\pm 1`) and one per conjugate pair (indicator
0), with :math:`f_\sigma = f_{\sigma^*}` tied.
"""

from __future__ import annotations

import math
import string
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from eqqnn.errors import DimensionError, InvalidParameterError, RepresentationError
from eqqnn.symmetry._group_tables import finite_factors, representation_matrices
from eqqnn.symmetry._groups import DirectProduct, FiniteGroup, Group
from eqqnn.symmetry._representations import Representation

__all__ = [
    "CharacterTable",
    "character_table",
    "conjugacy_classes",
    "isotypic_measures",
    "isotypic_projectors",
    "measure_twirl",
    "partial_twirl",
]

#: Largest group order whose character table is computed (Cayley table limit).
MAX_CHARACTER_ORDER = 5000


def _check_finite(group: object) -> tuple[FiniteGroup, ...]:
    return finite_factors(group, "characters")


@dataclass(frozen=True, eq=False)
class CharacterTable:
    r"""The character table of a finite group (build with :func:`character_table`).

    Irreps are ordered with the trivial one first; for a :class:`FiniteGroup` then by
    dimension, for a direct product row-major in the factors' irreps.  Labels are the
    dimension and a letter (``"1a"`` trivial, ``"1b"``, ``"2a"``, ``"3a"``, ...), joined
    by ``"x"`` for direct products.
    """

    group: Group
    """The group."""
    order: int
    """:math:`|G|`."""
    classes: tuple[np.ndarray, ...]
    """Conjugacy classes as sorted flat element indices; the identity class first."""
    class_of: np.ndarray
    """``(|G|,)`` class index of every element."""
    characters: np.ndarray
    """``(n_irreps, n_classes)`` complex values :math:`\\chi_\\sigma(C_k)`."""
    dims: np.ndarray
    """``(n_irreps,)`` irrep dimensions :math:`d_\\sigma = \\chi_\\sigma(e)`."""
    indicators: np.ndarray
    """Frobenius–Schur indicators: 1 real, 0 complex, -1 quaternionic."""
    conjugate: np.ndarray
    """Index of the complex-conjugate irrep :math:`\\sigma^*`."""
    labels: tuple[str, ...]
    """One label per irrep."""

    @property
    def n_classes(self) -> int:
        """Number of conjugacy classes (= number of irreps)."""
        return len(self.classes)

    @property
    def class_sizes(self) -> np.ndarray:
        """``(n_classes,)`` sizes :math:`|C_k|`."""
        return np.array([len(c) for c in self.classes])

    def on_elements(self) -> np.ndarray:
        """``(n_irreps, |G|)`` characters on every element (flat indexing)."""
        return self.characters[:, self.class_of]

    @property
    def real_types(self) -> tuple[tuple[int, ...], ...]:
        r"""Real irrep types: ``(σ,)`` for indicator :math:`\pm 1`, ``(σ, σ*)`` for pairs."""
        out, seen = [], set()
        for s in range(len(self.dims)):
            if s in seen:
                continue
            pair = (s,) if self.conjugate[s] == s else (s, int(self.conjugate[s]))
            seen.update(pair)
            out.append(pair)
        return tuple(out)

    @property
    def real_type_labels(self) -> tuple[str, ...]:
        """Labels of the real types (``"1b+1c"`` for a conjugate pair)."""
        return tuple("+".join(self.labels[s] for s in t) for t in self.real_types)

    def __repr__(self) -> str:
        return f"CharacterTable({self.group!r}, order={self.order}, irreps={list(self.labels)})"


def _snap(x: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Round real and imaginary parts that are within ``tol`` of an integer."""
    re, im = x.real.copy(), x.imag.copy()
    for part in (re, im):
        near = np.abs(part - np.round(part)) < tol
        part[near] = np.round(part[near])
    return re + 1j * im


def _finite_classes(group: FiniteGroup) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cayley, inverse, class label per element) with classes numbered by smallest member."""
    cayley = group.cayley_table
    inv = np.asarray(group.inverse(group.elements()), dtype=np.int64)
    conj = cayley[cayley, inv[:, None]]  # conj[h, g] = h g h^{-1}
    smallest = conj.min(axis=0)
    _, class_of = np.unique(smallest, return_inverse=True)
    return cayley, inv, class_of.astype(np.int64)


def _burnside_dixon(
    cayley: np.ndarray, inv: np.ndarray, class_of: np.ndarray, n_classes: int
) -> np.ndarray:
    """``(n_irreps, n_classes)`` characters (unsorted) from the class multiplication."""
    order = len(inv)
    reps = np.array([int(np.flatnonzero(class_of == k)[0]) for k in range(n_classes)])
    sizes = np.bincount(class_of, minlength=n_classes).astype(float)
    coeff = np.zeros((n_classes, n_classes, n_classes))
    for k, z in enumerate(reps):
        y = cayley[inv, z]  # y[x] = x^{-1} z
        np.add.at(coeff[:, :, k], (class_of, class_of[y]), 1.0)
    rng = np.random.default_rng(0)  # fixed: the table must not depend on global state
    for _ in range(20):
        t = rng.standard_normal(n_classes)
        m = np.einsum("i,ijk->jk", t, coeff)
        evals, evecs = np.linalg.eig(m)
        gaps = np.abs(evals[:, None] - evals[None, :]) + np.eye(n_classes) * 1e300
        if gaps.min() > 1e-6 * max(1.0, np.abs(evals).max()):
            break
    else:  # pragma: no cover - a random combination separates the characters a.s.
        raise InvalidParameterError("Burnside–Dixon: could not separate the characters")
    omega = evecs / evecs[0]  # omega(identity class) = 1
    norm = np.einsum("kc,k->c", np.abs(omega) ** 2, 1.0 / sizes)
    dims = np.sqrt(order / norm)
    chars = (dims[None, :] * omega / sizes[:, None]).T
    om = omega.T  # (irreps, classes)
    residual = np.abs(np.einsum("ijk,ck->cij", coeff, om) - om[:, :, None] * om[:, None, :])
    if residual.max() > 1e-6 * order:  # pragma: no cover - numerical safeguard
        raise InvalidParameterError(
            "Burnside–Dixon eigenvectors are not central characters "
            f"(residual {residual.max():.1e})"
        )
    return chars


def _sort_and_label(chars: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    dims = np.round(chars[:, 0].real).astype(int)

    def key(s: int) -> tuple:
        return (
            dims[s],
            tuple(np.round(-chars[s].real, 6)),
            tuple(np.round(-chars[s].imag, 6)),
        )

    order = sorted(range(len(dims)), key=key)
    chars = chars[order]
    labels, count = [], {}
    for d in dims[order]:
        i = count.get(d, 0)
        count[d] = i + 1
        letters = string.ascii_lowercase
        suffix = letters[i] if i < 26 else letters[i // 26 - 1] + letters[i % 26]
        labels.append(f"{d}{suffix}")
    return chars, tuple(labels)


def _finite_table(group: FiniteGroup) -> CharacterTable:
    if group.order > MAX_CHARACTER_ORDER:
        raise InvalidParameterError(
            f"character tables are computed for groups of order <= {MAX_CHARACTER_ORDER}, "
            f"got {group.name} of order {group.order}"
        )
    cayley, inv, class_of = _finite_classes(group)
    n_classes = int(class_of.max()) + 1
    sizes = np.bincount(class_of, minlength=n_classes)
    chars = _snap(_burnside_dixon(cayley, inv, class_of, n_classes))
    chars, labels = _sort_and_label(chars, sizes)
    dims = np.round(chars[:, 0].real).astype(int)
    squares = class_of[cayley[np.arange(group.order), np.arange(group.order)]]
    indicators = np.round((chars[:, squares].sum(axis=1) / group.order).real).astype(int)
    conj = np.array(
        [int(np.argmin(np.abs(chars - c.conj()).max(axis=1))) for c in chars], dtype=np.int64
    )
    classes = tuple(np.flatnonzero(class_of == k) for k in range(n_classes))
    return CharacterTable(
        group, group.order, classes, class_of, chars, dims, indicators, conj, labels
    )


def _product_table(group: DirectProduct, tables: Sequence[CharacterTable]) -> CharacterTable:
    chars = tables[0].characters
    class_of = tables[0].class_of
    dims, ind, conj = tables[0].dims, tables[0].indicators, tables[0].conjugate
    labels = list(tables[0].labels)
    n_cls = tables[0].n_classes
    n_irr = len(dims)
    for t in tables[1:]:
        chars = np.kron(chars, t.characters)
        class_of = (class_of[:, None] * t.n_classes + t.class_of[None, :]).reshape(-1)
        dims = np.outer(dims, t.dims).reshape(-1)
        ind = np.outer(ind, t.indicators).reshape(-1)
        conj = (conj[:, None] * len(t.dims) + t.conjugate[None, :]).reshape(-1)
        labels = [f"{a}x{b}" for a in labels for b in t.labels]
        n_cls *= t.n_classes
        n_irr *= len(t.dims)
    classes = tuple(np.flatnonzero(class_of == k) for k in range(n_cls))
    order = math.prod(t.order for t in tables)
    return CharacterTable(group, order, classes, class_of, chars, dims, ind, conj, tuple(labels))


@lru_cache(maxsize=64)
def character_table(group: Group) -> CharacterTable:
    r"""The character table of a finite group or a direct product of finite groups (cached).

    Burnside–Dixon for a :class:`~eqqnn.symmetry.FiniteGroup` (see the module notes),
    Kronecker products of the factors' tables for a direct product.  Rows are
    orthonormal in :math:`\langle \chi, \psi \rangle = |G|^{-1} \sum_g \chi(g)
    \overline{\psi(g)}`.

    Examples
    --------
    >>> from eqqnn.symmetry import octahedral_group
    >>> table = character_table(octahedral_group())
    >>> table.dims.tolist(), table.class_sizes.tolist()
    ([1, 1, 2, 3, 3], [1, 6, 3, 8, 6])
    """
    factors = _check_finite(group)
    if isinstance(group, FiniteGroup):
        return _finite_table(group)
    return _product_table(group, [character_table(f) for f in factors])  # type: ignore[arg-type]


def conjugacy_classes(group: Group) -> tuple[np.ndarray, ...]:
    r"""Conjugacy classes :math:`\{h g h^{-1} : h \in G\}` as sorted flat element indices.

    The identity class comes first.

    Examples
    --------
    >>> from eqqnn.symmetry import dihedral_group
    >>> [c.size for c in conjugacy_classes(dihedral_group(4))]
    [1, 2, 2, 1, 2]
    """
    return character_table(group).classes


def _check_rep(rep: object, what: str = "rep") -> Representation:
    if not isinstance(rep, Representation):
        raise RepresentationError(f"{what} must be a Representation, got {rep!r}")
    _check_finite(rep.group)
    return rep


def _resolve_real(rep_in: Representation, rep_out: Representation, real: bool | None) -> bool:
    both = rep_in.is_real and rep_out.is_real
    if real is None:
        return both
    if real and not both:
        raise RepresentationError(
            f"real=True needs real (orthogonal) representations, got {rep_in!r} and {rep_out!r}"
        )
    return bool(real)


def isotypic_measures(group: Group, *, real: bool = True) -> np.ndarray:
    r"""The class functions :math:`m_\sigma(g) = d_\sigma \overline{\chi_\sigma(g)} / |G|`.

    :math:`P_\sigma = \sum_g m_\sigma(g) \rho(g)` for every representation.  With
    ``real=True`` one real row per real type (:attr:`CharacterTable.real_types`, conjugate
    pairs summed), otherwise one complex row per irrep.  Shape ``(n_types, |G|)``.

    Examples
    --------
    >>> from eqqnn.symmetry import cyclic_group
    >>> isotypic_measures(cyclic_group(4)).shape      # 1a, the pair 1b+1c, the sign 1d
    (3, 4)
    """
    table = character_table(group)
    m = table.dims[:, None] * table.on_elements().conj() / table.order
    if not real:
        return m
    return np.stack([m[list(t)].sum(axis=0).real for t in table.real_types])


def isotypic_projectors(rep: Representation, *, real: bool | None = None) -> np.ndarray:
    r"""Isotypic projectors :math:`P_\sigma = \frac{d_\sigma}{|G|}\sum_g
    \overline{\chi_\sigma(g)}\,\rho(g)` of a finite-group representation.

    Parameters
    ----------
    rep
        Representation of a :class:`~eqqnn.symmetry.FiniteGroup` or a direct product of
        them.
    real
        One real projector per real irrep type (default for real representations) or one
        complex projector per irrep.

    Returns
    -------
    ``(n_types, d, d)`` array: idempotent, mutually orthogonal, summing to the identity
    (zero for irreps that do not occur in ``rep``).

    Examples
    --------
    >>> from eqqnn.symmetry import RegularRepresentation, symmetric_group
    >>> p = isotypic_projectors(RegularRepresentation(symmetric_group(3)))
    >>> np.trace(p, axis1=1, axis2=2).round(8).tolist()   # d_sigma^2 each
    [1.0, 1.0, 4.0]
    """
    rep = _check_rep(rep)
    real = _resolve_real(rep, rep, real)
    m = isotypic_measures(rep.group, real=real)
    out = np.zeros((len(m), rep.dim, rep.dim), dtype=np.float64 if real else np.complex128)
    for idx, mats in representation_matrices(rep):
        mats = mats.real if real else mats
        out += np.einsum("sg,gij->sij", m[:, idx], mats)
    return out


def measure_twirl(
    x: np.ndarray,
    measure: np.ndarray,
    rep_in: Representation,
    rep_out: Representation | None = None,
) -> np.ndarray:
    r"""Twirl by any measure on a finite group (batched over ``x``).

    .. math:: \mathcal T_\mu[X] = \sum_g \mu(g)\, \rho_{out}(g)\, X\, \rho_{in}(g)^\dagger

    The uniform measure on a subgroup :math:`H` gives the :math:`H`-twirl (projection
    onto the :math:`H`-equivariant maps); a class function gives :func:`partial_twirl`.

    Parameters
    ----------
    x
        ``(..., d_out, d_in)`` operators.
    measure
        ``(|G|,)`` weights :math:`\mu(g)` in flat indexing.
    rep_in, rep_out
        Representations of the group (``rep_out`` defaults to ``rep_in``).

    Examples
    --------
    >>> from eqqnn.symmetry import PermutationRepresentation, cyclic_group
    >>> rep = PermutationRepresentation(cyclic_group(4))
    >>> mu = np.array([0.5, 0.0, 0.5, 0.0])       # uniform on the subgroup {0, 2}
    >>> measure_twirl(np.eye(4), mu, rep).round(6).tolist()[0]
    [1.0, 0.0, 0.0, 0.0]
    """
    rep_in = _check_rep(rep_in, "rep_in")
    rep_out = rep_in if rep_out is None else _check_rep(rep_out, "rep_out")
    if rep_in.group != rep_out.group:
        raise RepresentationError(
            f"rep_in and rep_out act on different groups: {rep_in.group!r} and {rep_out.group!r}"
        )
    x = np.asarray(x)
    if x.ndim < 2 or x.shape[-2:] != (rep_out.dim, rep_in.dim):
        raise DimensionError(
            f"operator of shape {x.shape} does not map the {rep_in.dim}-dimensional input to "
            f"the {rep_out.dim}-dimensional output representation "
            f"(expected (..., {rep_out.dim}, {rep_in.dim}))"
        )
    order = int(rep_in.group.order)
    measure = np.asarray(measure)
    if measure.shape != (order,):
        raise DimensionError(
            f"measure must have shape ({order},) (one weight per element of "
            f"{rep_in.group!r}), got {measure.shape}"
        )
    # complex whenever an input is: Re(A X B) != Re(A) X Re(B) for complex matrices
    complex_out = not (rep_in.is_real and rep_out.is_real) or bool(
        np.iscomplexobj(x) or np.iscomplexobj(measure)
    )
    out = np.zeros(
        x.shape, dtype=np.result_type(x.dtype, measure.dtype, np.complex128 if complex_out else 1.0)
    )
    pieces_in = representation_matrices(rep_in)
    pieces_out = representation_matrices(rep_out)
    for (idx, r_in), (_, r_out) in zip(pieces_in, pieces_out, strict=True):
        if not complex_out:
            r_in, r_out = r_in.real, r_out.real
        tmp = np.einsum("qab,...bc,qdc->q...ad", r_out, x, r_in.conj(), optimize=True)
        part = np.einsum("q,q...->...", measure[idx], tmp)
        out += part if complex_out else part.real
    return out


def partial_twirl(
    x: np.ndarray,
    degrees: Sequence[float] | np.ndarray,
    rep_in: Representation,
    rep_out: Representation | None = None,
    *,
    real: bool | None = None,
) -> np.ndarray:
    r"""Keep the fraction :math:`f_\sigma` of every isotypic component of an operator.

    .. math:: \mathcal T_\mu[W] = \sum_g \mu(g)\, \rho_{out}(g) W \rho_{in}(g)^{-1}
              = \sum_\sigma f_\sigma\, P_\sigma[W], \qquad
              \mu = \sum_\sigma f_\sigma \frac{d_\sigma}{|G|}\,\overline{\chi_\sigma},

    with :math:`P_\sigma` the isotypic projectors of the action
    :math:`W \mapsto \rho_{out}(g) W \rho_{in}(g)^{-1}`.

    Parameters
    ----------
    x
        ``(..., d_out, d_in)`` operators.
    degrees
        :math:`f_\sigma`, one per real type of :func:`character_table` (``real=True``) or
        one per irrep; index 0 is the trivial irrep (the equivariant part).
    rep_in, rep_out
        Representations of a finite group (``rep_out`` defaults to ``rep_in``).
    real
        Real types with tied conjugate pairs (default when both representations are real).

    Examples
    --------
    >>> from eqqnn.symmetry import PermutationRepresentation, cyclic_group, twirl
    >>> rep = PermutationRepresentation(cyclic_group(4))
    >>> w = np.random.default_rng(0).standard_normal((4, 4))
    >>> bool(np.allclose(partial_twirl(w, [1, 0, 0], rep), twirl(w, rep).real))
    True
    >>> bool(np.allclose(partial_twirl(w, [1, 1, 1], rep), w))
    True
    """
    rep_in = _check_rep(rep_in, "rep_in")
    rep_out = rep_in if rep_out is None else _check_rep(rep_out, "rep_out")
    real = _resolve_real(rep_in, rep_out, real)
    m = isotypic_measures(rep_in.group, real=real)
    f = np.asarray(degrees, dtype=np.float64 if real else np.complex128)
    if f.shape != (len(m),):
        table = character_table(rep_in.group)
        names = table.real_type_labels if real else table.labels
        raise DimensionError(
            f"degrees must hold one value per {'real irrep type' if real else 'irrep'} of "
            f"{rep_in.group!r} ({len(m)}: {list(names)}), got shape {f.shape}"
        )
    return measure_twirl(x, f @ m, rep_in, rep_out)
