from __future__ import annotations

import numpy as np
import pytest

from eqqnn.circuits import (
    Discard,
    ExpGate,
    GeneratorMethod,
    ParamRole,
    Pooling,
    ReadoutKind,
    equivariant_generators,
    equivariant_parameter_count,
    qcnn,
    relax,
    su2_qcnn,
)
from eqqnn.errors import InvalidParameterError
from eqqnn.symmetry import qubit_representation, same_span
from eqqnn.testing import assert_equivariant

EQCNNS = [
    su2_qcnn(8),
    su2_qcnn(6, conv_block=3),
    su2_qcnn(8, conv_block=4, generator_method=GeneratorMethod.TWIRL),
    su2_qcnn(8, pooling=Pooling.MEASURE),
    su2_qcnn(10, readout=ReadoutKind.HEISENBERG, share_parameters=False),
]


@pytest.mark.parametrize("k", [2, 3, 4])
def test_generator_methods_span_one_space(k: int) -> None:
    spans = []
    for method in GeneratorMethod:
        gens = equivariant_generators(k, method, seed=3)
        assert len(gens) == equivariant_parameter_count(k)
        np.testing.assert_allclose(np.einsum("kii->k", gens), 0, atol=1e-10)
        flat = gens.reshape(len(gens), -1)
        _, s, vh = np.linalg.svd(flat, full_matrices=False)
        spans.append(vh[s > 1e-9].reshape(-1, 2**k, 2**k))
    assert same_span(spans[0], spans[1]) and same_span(spans[0], spans[2])


@pytest.mark.parametrize("circuit", EQCNNS, ids=lambda c: f"{c.name}{c.n_params}")
def test_every_gate_is_equivariant(circuit, rng: np.random.Generator) -> None:
    assert circuit.is_su2_equivariant and not circuit.non_equivariant_operations()
    for op in circuit.gates:
        k = len(op.all_wires)
        theta = rng.uniform(-np.pi, np.pi, len(op.params))
        u = op.matrix(theta)
        rep = qubit_representation(k)
        assert_equivariant(lambda v, u=u: v @ u.T, rep, rep, n_samples=4)


def test_parameter_counts_documented() -> None:
    assert su2_qcnn(8).n_params == 6
    assert qcnn(8).n_params == 83
    assert su2_qcnn(8, share_parameters=False).n_params > 6


@pytest.mark.parametrize("n", [2, 3, 5, 8, 10, 12])
def test_pooling_reaches_two_qubits(n: int) -> None:
    for c in (su2_qcnn(n), qcnn(n)):
        assert len(c.active_wires()) == 2
        n_discards = sum(len(op.wires) for op in c.operations if isinstance(op, Discard))
        assert n - n_discards == len(c.active_wires())


def test_baseline_not_equivariant() -> None:
    c = qcnn(6)
    assert not c.is_su2_equivariant
    assert {r for r in c.param_roles} == {ParamRole.FREE}


def test_relaxed_circuit() -> None:
    base = su2_qcnn(6)
    r = relax(base)
    n_break = len(r.param_slots(ParamRole.BREAKING))
    assert r.n_params == base.n_params + n_break and n_break > 0
    assert not r.is_su2_equivariant
    # at zero breaking strength every gate equals the equivariant one
    for op_r, op_b in zip(r.gates, base.gates, strict=True):
        assert isinstance(op_r, ExpGate)
        theta = np.zeros(len(op_r.params))
        theta[: len(op_b.params)] = 0.7
        np.testing.assert_allclose(op_r.matrix(theta), op_b.matrix([0.7] * len(op_b.params)))
    u1 = relax(base, axes=("Z",))
    assert len(u1.param_slots(ParamRole.BREAKING)) == n_break // 3


class TestBadInput:
    def test_bad_sizes(self) -> None:
        with pytest.raises(InvalidParameterError, match="n_qubits must be >= 2"):
            su2_qcnn(1)
        with pytest.raises(InvalidParameterError, match="conv_block must be <= 4"):
            su2_qcnn(8, conv_block=5)

    def test_bad_enum(self) -> None:
        with pytest.raises(InvalidParameterError, match="Pooling"):
            su2_qcnn(8, pooling="discard")

    def test_bad_relax_axes(self) -> None:
        with pytest.raises(InvalidParameterError, match="axes"):
            relax(su2_qcnn(4), axes=("W",))
