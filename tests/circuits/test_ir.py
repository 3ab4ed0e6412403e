from __future__ import annotations

import pickle

import numpy as np
import pytest

from eqqnn.circuits import (
    PAULI,
    SWAP,
    CircuitBuilder,
    ExpGate,
    FixedGate,
    ParamRole,
    Readout,
    singlet_readout,
    su2_qcnn,
)
from eqqnn.errors import DimensionError, InvalidParameterError


def _tiny() -> CircuitBuilder:
    b = CircuitBuilder(3)
    b.exp_gate((0, 1), SWAP, label="SWAP^t")
    return b


class TestValidation:
    def test_wire_out_of_range(self) -> None:
        b = _tiny()
        b.exp_gate((2, 3), SWAP)
        with pytest.raises(InvalidParameterError, match=r"wires \[3\] outside 0..2"):
            b.build(singlet_readout((0, 1)))

    def test_gate_after_discard(self) -> None:
        b = _tiny()
        b.discard(0)
        b.exp_gate((0, 2), SWAP)
        with pytest.raises(InvalidParameterError, match=r"discarded wires \[0\]"):
            b.build(singlet_readout((1, 2)))

    def test_readout_on_discarded(self) -> None:
        b = _tiny()
        b.discard(0)
        with pytest.raises(InvalidParameterError, match="readout"):
            b.build(singlet_readout((0, 1)))

    def test_non_hermitian_generator(self) -> None:
        with pytest.raises(InvalidParameterError, match="Hermitian"):
            ExpGate((0,), np.array([[0, 1], [0, 0]]), (0,))

    def test_generator_shape(self) -> None:
        with pytest.raises(DimensionError, match=r"\(m, 4, 4\)"):
            ExpGate((0, 1), PAULI["X"], (0,))

    def test_param_count_mismatch(self) -> None:
        with pytest.raises(DimensionError, match="2 generators but 1 parameter"):
            ExpGate((0,), np.stack([PAULI["X"], PAULI["Z"]]), (0,))

    def test_non_unitary_fixed_gate(self) -> None:
        with pytest.raises(InvalidParameterError, match="not unitary"):
            FixedGate((0,), np.diag([1.0, 2.0]))

    def test_unused_slot(self) -> None:
        b = _tiny()
        b.new_params(1)
        with pytest.raises(InvalidParameterError, match=r"slots \[1\] are used by no gate"):
            b.build(singlet_readout((0, 1)))

    def test_readout_range(self) -> None:
        with pytest.raises(InvalidParameterError, match="high > low"):
            Readout((0,), np.eye(2))


class TestCircuitObject:
    def test_gate_matrix(self) -> None:
        gate = ExpGate((0, 1), SWAP, (0,))
        np.testing.assert_allclose(
            gate.matrix([0.3]), np.cos(0.3) * np.eye(4) - 1j * np.sin(0.3) * SWAP, atol=1e-14
        )

    def test_controlled_gate_matrix(self) -> None:
        gate = ExpGate((1,), PAULI["X"] / 2, (0,), controls=(0,), control_values=(0,))
        m = gate.matrix([np.pi])  # RX(pi) = -iX when the control is |0>
        np.testing.assert_allclose(m[:2, :2], -1j * PAULI["X"], atol=1e-14)
        np.testing.assert_allclose(m[2:, 2:], np.eye(2), atol=1e-14)

    def test_pickle_and_repr(self) -> None:
        c = su2_qcnn(6)
        c2 = pickle.loads(pickle.dumps(c))
        assert c2.n_params == c.n_params and len(c2.operations) == len(c.operations)
        assert "su2_qcnn" in repr(c)

    def test_draw_and_summary(self) -> None:
        c = su2_qcnn(8)
        text = c.draw()
        assert text.count("\n") >= 7 and "SWAP^t" in text and "✕" in text
        assert "⟨Π_singlet⟩" in text
        assert "pool0" in c.summary()

    def test_roles_and_active_wires(self) -> None:
        c = su2_qcnn(8)
        assert set(c.param_roles) == {ParamRole.EQUIVARIANT}
        assert c.active_wires() == (3, 7)
        assert c.layer_of_operation(0) == "conv0.0.0"
