"""The model families of the comparison: distinct names, fair training, input forms asked
of the backends."""

from __future__ import annotations

from eqqnn.experiments import eqcnn_family, qcnn_family
from eqqnn.models import InputKind


def test_quantum_families_train_alike() -> None:
    eq, baseline = eqcnn_family(), qcnn_family()
    same = ("lr", "epochs", "restarts", "restart_epochs")
    assert {k: getattr(eq, k) for k in same} == {k: getattr(baseline, k) for k in same}
    assert eq.restarts == 3 and eq.restart_epochs == 30
    assert eq.build.output_map and baseline.build.output_map
    assert eq.build.output_scale == baseline.build.output_scale


def test_input_kinds_come_from_the_backends() -> None:
    assert eqcnn_family().input_kind is InputKind.SECTOR_STATE
    assert eqcnn_family(sector=False).input_kind is InputKind.STATE
    assert qcnn_family().input_kind is InputKind.STATE
    model = eqcnn_family().build(6, 0)
    assert model.input_kind is eqcnn_family().input_kind
