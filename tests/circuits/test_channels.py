from __future__ import annotations

import numpy as np
import pytest
import torch

from eqqnn.circuits import ChannelPool
from eqqnn.circuits._channels import twirled_kraus_choi
from eqqnn.errors import DimensionError, InvalidParameterError
from eqqnn.symmetry import (
    Dual,
    TensorProduct,
    apply_choi,
    choi_from_kraus,
    is_cptp,
    qubit_representation,
)
from eqqnn.testing import assert_equivariant

OP = ChannelPool((0, 1), (1,), tuple(range(32)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_parameter_gives_cptp_equivariant_channel(seed: int) -> None:
    theta = np.random.default_rng(seed).standard_normal(32)
    j = OP.choi(theta)
    assert is_cptp(j, 4, 2)
    rep_in, rep_out = qubit_representation(2), qubit_representation(1)
    conj_in, conj_out = TensorProduct(rep_in, Dual(rep_in)), TensorProduct(rep_out, Dual(rep_out))
    f = lambda v: apply_choi(j, v.reshape(-1, 4, 4), 4, 2).reshape(-1, 4)  # noqa: E731
    assert_equivariant(f, conj_in, conj_out)


def test_family_has_the_feasible_dimension() -> None:
    # 5-dimensional equivariant Choi space, 2 trace-preservation constraints: 3 directions
    basis = torch.as_tensor(np.array(OP.choi_basis))
    theta = torch.as_tensor(np.random.default_rng(4).standard_normal(32))
    jac = torch.autograd.functional.jacobian(
        lambda t: torch.view_as_real(twirled_kraus_choi(t, basis, 2, 1, 2)).reshape(-1), theta
    )
    assert np.linalg.matrix_rank(jac.numpy(), tol=1e-8) == 3


def test_zero_is_partial_trace() -> None:
    kraus = np.stack([np.kron(b[None, :], np.eye(2)) for b in np.eye(2)])  # trace out qubit 0
    np.testing.assert_allclose(OP.choi(np.zeros(32)), choi_from_kraus(kraus), atol=1e-12)


def test_bad_channel_specs() -> None:
    with pytest.raises(InvalidParameterError, match="subset"):
        ChannelPool((0, 1), (2,), tuple(range(32)))
    with pytest.raises(DimensionError, match="takes 32 parameters"):
        ChannelPool((0, 1), (1,), (0, 1, 2))
