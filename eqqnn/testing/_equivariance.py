r"""Equivariance checks that eqqnn's own tests and its users call.

A map :math:`f` is equivariant from :math:`\rho_{in}` to :math:`\rho_{out}` when

.. math:: f(\rho_{in}(g)\, x) = \rho_{out}(g)\, f(x) \qquad \forall g, x ,

and invariant when :math:`\rho_{out}` is trivial.  The error reported is

.. math:: \max_{g, x} \; \| f(\rho_{in}(g) x) - \rho_{out}(g) f(x) \|_2

over seeded random group elements and the given (or seeded random) inputs.  Inputs are
rows of a ``(B, d_in)`` numpy array or torch tensor; for channels on density matrices
use the conjugation representation ``TensorProduct(rep, Dual(rep))`` acting on row-major
flattened matrices.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from eqqnn._validation import check_int
from eqqnn.errors import DimensionError, NotEquivariantError
from eqqnn.symmetry._groups import as_generator
from eqqnn.symmetry._representations import Representation

__all__ = [
    "assert_equivariant",
    "default_tolerance",
    "equivariance_error",
    "random_inputs",
    "random_parameters",
    "random_state_batch",
]


def _is_torch(x: Any) -> bool:
    return type(x).__module__.startswith("torch")


def default_tolerance(dtype: Any) -> float:
    """1e-10 for 64-bit (float64 / complex128) data, 1e-5 for 32-bit, 1e-2 for 16-bit."""
    name = str(dtype)
    if ("64" in name and "complex64" not in name) or "128" in name:
        return 1e-10
    if "32" in name or "complex64" in name:
        return 1e-5
    return 1e-2


def random_inputs(
    rep: Representation,
    batch: int = 4,
    *,
    seed: int | np.random.Generator = 0,
    real: bool = False,
) -> np.ndarray:
    """Seeded Gaussian inputs ``(batch, rep.dim)`` (complex128 unless ``real``)."""
    rng = as_generator(seed)
    x = rng.standard_normal((batch, rep.dim))
    return x if real else x + 1j * rng.standard_normal((batch, rep.dim))


def _act(mats: np.ndarray, x: Any) -> Any:
    """Apply one matrix per group sample to every input row: ``out[s, b] = M_s x_b``."""
    if _is_torch(x):
        import torch

        m = torch.as_tensor(mats, device=x.device)
        m = m.real.to(x.dtype) if not x.is_complex() else m.to(x.dtype)
        return torch.einsum("sij,bj->sbi", m, x)
    m = mats if np.iscomplexobj(x) else mats.real
    return np.einsum("sij,bj->sbi", m, x)


def equivariance_error(
    f: Callable[[Any], Any],
    rep_in: Representation,
    rep_out: Representation,
    inputs: Any = None,
    *,
    n_samples: int = 8,
    seed: int | np.random.Generator = 0,
    group_elements: Any = None,
) -> float:
    r"""Largest :math:`\|f(\rho_{in}(g)x) - \rho_{out}(g) f(x)\|_2` over samples and inputs.

    Parameters
    ----------
    f
        Maps a batch ``(B, d_in)`` to ``(B, d_out)`` (numpy or torch, matching ``inputs``).
    rep_in, rep_out
        Representations of one group on the input and output.
    inputs
        ``(B, d_in)`` batch; default: four seeded complex128 Gaussian vectors.
    n_samples, seed
        Number of seeded random group elements (ignored if ``group_elements`` is given).

    Examples
    --------
    >>> from eqqnn.symmetry import SpinIrrep
    >>> rep = SpinIrrep(1)
    >>> equivariance_error(lambda x: 2 * x, rep, rep) < 1e-12
    True
    """
    if rep_in.group != rep_out.group:
        raise DimensionError(f"representations of different groups: {rep_in!r}, {rep_out!r}")
    if inputs is None:
        inputs = random_inputs(rep_in, seed=seed)
    if inputs.ndim != 2 or inputs.shape[1] != rep_in.dim:
        raise DimensionError(
            f"inputs must have shape (B, {rep_in.dim}) for a {rep_in.dim}-dimensional "
            f"representation, got {tuple(inputs.shape)}"
        )
    if group_elements is None:
        group_elements = rep_in.group.sample(seed, check_int("n_samples", n_samples, minimum=1))
    r_in = np.asarray(rep_in.matrix(group_elements))
    r_out = np.asarray(rep_out.matrix(group_elements))
    if r_in.ndim == 2:
        r_in, r_out = r_in[None], r_out[None]
    s, b = r_in.shape[0], inputs.shape[0]
    fx = f(inputs)
    if fx.ndim != 2 or fx.shape[1] != rep_out.dim or fx.shape[0] != b:
        raise DimensionError(f"f returned shape {tuple(fx.shape)}; expected ({b}, {rep_out.dim})")
    moved = _act(r_in, inputs).reshape(s * b, rep_in.dim)
    lhs = f(moved).reshape(s, b, rep_out.dim)
    rhs = _act(r_out, fx)
    diff = lhs - rhs
    if _is_torch(diff):
        return float(diff.detach().abs().pow(2).sum(-1).sqrt().max().cpu())
    return float(np.sqrt((np.abs(diff) ** 2).sum(-1)).max())


def assert_equivariant(
    f: Callable[[Any], Any],
    rep_in: Representation,
    rep_out: Representation,
    inputs: Any = None,
    *,
    n_samples: int = 8,
    seed: int | np.random.Generator = 0,
    atol: float | None = None,
) -> float:
    """Raise :class:`NotEquivariantError` unless :func:`equivariance_error` is at most ``atol``.

    ``atol`` defaults to :func:`default_tolerance` of the inputs' dtype.  Returns the error.
    """
    if inputs is None:
        inputs = random_inputs(rep_in, seed=seed)
    tol = default_tolerance(inputs.dtype) if atol is None else atol
    err = equivariance_error(f, rep_in, rep_out, inputs, n_samples=n_samples, seed=seed)
    if not err <= tol:
        raise NotEquivariantError(
            f"equivariance error {err:.3e} exceeds the tolerance {tol:.1e} "
            f"({rep_in!r} -> {rep_out!r}, {n_samples} seeded group elements)"
        )
    return err


def random_state_batch(
    n_qubits: int, batch: int = 4, seed: int = 0, dtype: Any = None, device: Any = None
) -> Any:
    """Seeded normalized Gaussian state vectors, a torch tensor ``(batch, 2^n)``.

    Examples
    --------
    >>> random_state_batch(3, 2).shape
    torch.Size([2, 8])
    """
    import torch

    g = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    x = torch.randn(
        batch,
        2 ** check_int("n_qubits", n_qubits, minimum=1),
        dtype=dtype or torch.complex128,
        generator=g,
    )
    x = x / torch.linalg.vector_norm(x, dim=1, keepdim=True)
    return x if device is None else x.to(device)


def random_parameters(circuit: Any, seed: int = 0, scale: float = np.pi) -> Any:
    """Seeded parameters uniform in ``[-scale, scale]`` for a circuit (float64 tensor)."""
    import torch

    g = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    return (torch.rand(circuit.n_params, generator=g, dtype=torch.float64) * 2 - 1) * scale
