"""The backend contract: every backend of eqqnn.sim passes the conformance checker, and the
checker fails backends that break the contract."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
import torch

from eqqnn.circuits import su2_qcnn
from eqqnn.errors import InvalidParameterError
from eqqnn.models import InputKind, QuantumClassifier
from eqqnn.sim import (
    Backend,
    DensityMatrixBackend,
    EstimatorBackend,
    PennyLaneBackend,
    QiskitBackend,
    ShotsBackend,
    SpinSectorBackend,
    StatevectorBackend,
)
from eqqnn.testing import assert_valid_backend

BACKENDS = {
    "statevector": StatevectorBackend,
    "statevector-adjoint": lambda: StatevectorBackend(gradient="adjoint"),
    "spin-sector": SpinSectorBackend,
    "spin-sector-torch": lambda: SpinSectorBackend(kernel="torch"),
    "spin-sector-on-the-fly": lambda: SpinSectorBackend(operators="on_the_fly"),
    "shots-exact": lambda: ShotsBackend(shots=None),
    "density-matrix": DensityMatrixBackend,
    "pennylane": PennyLaneBackend,
    "qiskit": QiskitBackend,
    "estimator-v2": EstimatorBackend,
}


@pytest.mark.parametrize("name", list(BACKENDS))
def test_every_backend_conforms(name: str) -> None:
    backend = BACKENDS[name]()
    report = assert_valid_backend(backend, n_qubits=4)
    assert not report.failed
    assert any("gradient" in p for p in report.passed)
    assert any("NaN amplitude" in p for p in report.passed)
    if name.startswith("spin-sector"):
        # the sector engine takes sector coordinates and refuses the non-equivariant QCNN
        assert any("sector coordinates" in p for p in report.passed)
        assert any("refused" in s for s in report.skipped)
    else:
        assert not report.skipped


def test_sector_backend_conforms_at_six_qubits() -> None:
    assert not assert_valid_backend(SpinSectorBackend(), n_qubits=6).failed


class _Shifted(StatevectorBackend):
    """Values off by 1e-7: a wrong simulator."""

    def expectation(self, circuit: Any, params: Any, states: Any, **kw: Any) -> torch.Tensor:
        return super().expectation(circuit, params, states, **kw) + 1e-7


class _Trusting(Backend):
    """Simulates correctly but checks nothing: NaN states and wrong norms pass silently
    (NaN amplitudes are zeroed, every state is normalised)."""

    name = "trusting"

    def expectation(self, circuit: Any, params: Any, states: Any, **kw: Any) -> torch.Tensor:
        states = torch.nan_to_num(states)
        states = states / torch.linalg.vector_norm(states, dim=1, keepdim=True)
        return StatevectorBackend().expectation(circuit, params, states)


class TestCheckerFails:
    def test_wrong_values(self) -> None:
        with pytest.raises(AssertionError, match="values: max error 1e-07"):
            assert_valid_backend(_Shifted())

    def test_missing_input_checks(self) -> None:
        with pytest.raises(AssertionError) as info:
            assert_valid_backend(_Trusting())
        message = str(info.value)
        assert "NaN amplitude" in message and "norm 2" in message
        assert "values" not in message  # the maths itself is right

    def test_not_a_backend(self) -> None:
        class Duck:
            name = "duck"

            def expectation(self, *args: Any, **kw: Any) -> Any:
                return StatevectorBackend().expectation(*args, **kw)

        with pytest.raises(AssertionError, match=r"subclasses eqqnn\.sim\.Backend"):
            assert_valid_backend(Duck())


class TestContract:
    def test_model_input_kind_comes_from_its_backend(self) -> None:
        c = su2_qcnn(4)
        assert QuantumClassifier(c).input_kind is InputKind.STATE
        sector = QuantumClassifier(c, SpinSectorBackend())
        assert sector.input_kind is InputKind.SECTOR_STATE
        assert "singlet-sector" in sector.input_description
        assert ShotsBackend(SpinSectorBackend()).input_kind is InputKind.SECTOR_STATE

    def test_model_refuses_a_non_backend(self) -> None:
        with pytest.raises(InvalidParameterError, match=r"eqqnn\.sim\.Backend"):
            QuantumClassifier(su2_qcnn(4), backend="statevector")  # type: ignore[arg-type]

    def test_caches_are_not_pickled(self) -> None:
        b = StatevectorBackend()
        c = su2_qcnn(4)
        b.expectation(c, torch.zeros(c.n_params), torch.eye(16, dtype=torch.complex128)[:2])
        assert "_compiled" not in b.__getstate__()
        assert pickle.loads(pickle.dumps(b))._compiled is not None

    def test_probabilities_are_shared(self) -> None:
        for cls in (StatevectorBackend, SpinSectorBackend, ShotsBackend, DensityMatrixBackend):
            assert cls.probabilities is Backend.probabilities
