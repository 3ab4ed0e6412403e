r"""Checks that eqqnn's own tests run and that its users can run on their code.

* :func:`assert_equivariant` / :func:`equivariance_error`: a map commutes with a group
  action, :math:`f(\rho_{in}(g)x) = \rho_{out}(g) f(x)`, over seeded random elements;
* :func:`assert_valid_backend`: a simulator or device wrapper honours the
  :class:`eqqnn.sim.Backend` contract (values and gradients against the dense reference,
  equivariance, pickling, dtype/device handling, rejection of bad input).
"""

from eqqnn.testing._backend import BackendReport, assert_valid_backend
from eqqnn.testing._equivariance import (
    assert_equivariant,
    default_tolerance,
    equivariance_error,
    random_inputs,
    random_parameters,
    random_state_batch,
)

__all__ = [
    "BackendReport",
    "assert_equivariant",
    "assert_valid_backend",
    "default_tolerance",
    "equivariance_error",
    "random_inputs",
    "random_parameters",
    "random_state_batch",
]
