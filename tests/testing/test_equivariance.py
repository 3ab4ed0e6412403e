from __future__ import annotations

import numpy as np
import pytest
import torch

from eqqnn.errors import DimensionError, NotEquivariantError
from eqqnn.symmetry import (
    MatrixRepresentation,
    SpinIrrep,
    TrivialRepresentation,
    octahedral_group,
    qubit_representation,
    twirl,
)
from eqqnn.testing import assert_equivariant, default_tolerance, equivariance_error


def test_equivariant_numpy_and_torch(
    rng: np.random.Generator, complex_dtype: tuple[str, float]
) -> None:
    rep = qubit_representation(3)
    x = rng.standard_normal((8, 8)) + 1j * rng.standard_normal((8, 8))
    g = twirl(x, rep)
    assert_equivariant(lambda v: v @ g.T, rep, rep)
    name, tol = complex_dtype
    dtype = getattr(torch, name)
    gt = torch.as_tensor(g, dtype=dtype)
    inputs = torch.randn(4, 8, dtype=dtype)
    err = assert_equivariant(lambda v: v @ gt.T, rep, rep, inputs)
    assert err <= tol


def test_non_equivariant_detected(rng: np.random.Generator) -> None:
    rep = qubit_representation(2)
    x = rng.standard_normal((4, 4))
    with pytest.raises(NotEquivariantError, match="exceeds the tolerance"):
        assert_equivariant(lambda v: v @ x.T, rep, rep)


def test_invariant_readout_and_real_finite_group() -> None:
    o = octahedral_group()
    rep = MatrixRepresentation(o)
    trivial = TrivialRepresentation(o)
    inputs = np.random.default_rng(0).standard_normal((5, 3))
    norm = lambda v: np.linalg.norm(v, axis=1, keepdims=True)  # noqa: E731
    assert equivariance_error(norm, rep, trivial, inputs) < 1e-12
    first = lambda v: v[:, :1]  # noqa: E731
    assert equivariance_error(first, rep, trivial, inputs) > 0.1


def test_tolerances() -> None:
    assert default_tolerance(np.complex128) == 1e-10
    assert default_tolerance(torch.float64) == 1e-10
    assert default_tolerance(torch.complex64) == 1e-5
    assert default_tolerance(np.float32) == 1e-5


def test_bad_inputs() -> None:
    rep = SpinIrrep(1)
    with pytest.raises(DimensionError, match=r"shape \(B, 3\)"):
        equivariance_error(lambda v: v, rep, rep, np.zeros((2, 4)))
    with pytest.raises(DimensionError, match="expected"):
        equivariance_error(lambda v: v[:, :2], rep, rep)
