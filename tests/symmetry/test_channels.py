from __future__ import annotations

import numpy as np
import pytest

from eqqnn.errors import DimensionError
from eqqnn.symmetry import (
    Dual,
    SpinIrrep,
    TensorProduct,
    apply_choi,
    choi_from_kraus,
    choi_to_kraus,
    cptp_violation,
    equivariant_choi_basis,
    is_cptp,
    project_onto_span,
    qubit_representation,
    twirl_channel,
)
from eqqnn.testing import assert_equivariant, equivariance_error


def _random_kraus(rng: np.random.Generator, d_in: int, d_out: int, k: int = 3) -> np.ndarray:
    g = rng.standard_normal((k * d_out, d_in)) + 1j * rng.standard_normal((k * d_out, d_in))
    q, _ = np.linalg.qr(g)  # isometry d_in -> k d_out
    return q.reshape(k, d_out, d_in)


def _channel_fn(j: np.ndarray, d_in: int, d_out: int):
    return lambda v: apply_choi(j, v.reshape(-1, d_in, d_in), d_in, d_out).reshape(-1, d_out**2)


PAIR_IN, PAIR_OUT = qubit_representation(2), SpinIrrep(0.5)
CONJ_IN = TensorProduct(PAIR_IN, Dual(PAIR_IN))
CONJ_OUT = TensorProduct(PAIR_OUT, Dual(PAIR_OUT))


def test_kraus_round_trip(rng: np.random.Generator) -> None:
    kraus = _random_kraus(rng, 4, 2)
    j = choi_from_kraus(kraus)
    assert is_cptp(j, 4, 2)
    rho = rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4))
    rho = rho @ rho.conj().T
    direct = sum(k @ rho @ k.conj().T for k in kraus)
    np.testing.assert_allclose(apply_choi(j, rho, 4, 2), direct, atol=1e-12)
    np.testing.assert_allclose(choi_from_kraus(choi_to_kraus(j, 4, 2)), j, atol=1e-12)


def test_two_to_one_basis_dimension() -> None:
    assert equivariant_choi_basis(PAIR_IN, PAIR_OUT).shape == (5, 8, 8)


def test_partial_trace_is_equivariant_and_in_span() -> None:
    kraus = np.stack([np.kron(np.eye(2), b[None, :]) for b in np.eye(2)])  # discard qubit 1
    j = choi_from_kraus(kraus)
    basis = equivariant_choi_basis(PAIR_IN, PAIR_OUT)
    np.testing.assert_allclose(project_onto_span(j, basis), j, atol=1e-12)
    assert_equivariant(_channel_fn(j, 4, 2), CONJ_IN, CONJ_OUT)


def test_twirled_channel_is_cptp_and_equivariant(rng: np.random.Generator) -> None:
    j = choi_from_kraus(_random_kraus(rng, 4, 2))
    f = _channel_fn(j, 4, 2)
    assert equivariance_error(f, CONJ_IN, CONJ_OUT) > 1e-3
    jt = twirl_channel(j, PAIR_IN, PAIR_OUT)
    assert is_cptp(jt, 4, 2)
    assert_equivariant(_channel_fn(jt, 4, 2), CONJ_IN, CONJ_OUT)


def test_violation_reports_non_cp() -> None:
    j = -choi_from_kraus([np.eye(2)])
    neg, tp = cptp_violation(j, 2, 2)
    assert neg == pytest.approx(2.0) and tp == pytest.approx(2.0)
    assert not is_cptp(j, 2, 2)


def test_shape_errors() -> None:
    with pytest.raises(DimensionError, match=r"shape \(8, 8\)"):
        apply_choi(np.eye(4), np.eye(4), 4, 2)
