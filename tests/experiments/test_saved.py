"""Saved models: round trips for every family, the safe loader refuses anything else, and
run folders resolve to their models."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import eqqnn
from eqqnn.errors import InvalidParameterError
from eqqnn.experiments import (
    CompareConfig,
    SavedModelError,
    classical_families,
    eqcnn_family,
    load,
    load_model,
    qcnn_family,
    run_compare,
    save_model,
)
from eqqnn.experiments._task import PhaseTask, TaskSpec
from eqqnn.models import QuantumClassifier

FAMILIES = [
    eqcnn_family(),
    eqcnn_family(sector=False),
    qcnn_family(),
    *classical_families(names=("ShadowGCNN", "CorrelatorGCNN", "MLP")),
]


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_round_trip_gives_the_same_outputs(family: object, tmp_path: Path) -> None:
    model = family.build(6, 3)
    with torch.no_grad():  # move the weights off their initial values
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    path = save_model(model, tmp_path / "m.pt", family=family.name)
    again = eqqnn.load(path)
    assert type(again) is type(model) and again.input_kind is model.input_kind
    test = PhaseTask.test_split(TaskSpec(6, 2, 5, shots=20), cache=None)
    x = test.inputs(model.input_kind)
    with torch.no_grad():
        assert torch.equal(again(x), model.eval()(x))


def test_safe_loader_refuses_other_files(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.pt"
    torch.save({"x": InvalidParameterError("a pickled object")}, foreign)  # not a tensor
    with pytest.raises(SavedModelError, match="not a readable eqqnn saved model"):
        load_model(foreign)
    plain = tmp_path / "plain.pt"
    torch.save({"weights": torch.zeros(3)}, plain)
    with pytest.raises(SavedModelError, match="format"):
        load_model(plain)


def test_loader_rebuilds_only_eqqnn_classes(tmp_path: Path) -> None:
    path = save_model(eqcnn_family().build(4, 0), tmp_path / "m.pt")
    payload = torch.load(path, weights_only=True)
    payload["model"]["circuit"] = {"__dataclass__": "os:system", "fields": {}}
    torch.save(payload, tmp_path / "evil.pt")
    with pytest.raises(SavedModelError, match="not an eqqnn class"):
        load_model(tmp_path / "evil.pt")
    payload = torch.load(path, weights_only=True)
    payload["state_dict"]["weights"] = torch.zeros(99, dtype=torch.float64)
    torch.save(payload, tmp_path / "wrong.pt")
    with pytest.raises(SavedModelError, match="do not fit"):
        load_model(tmp_path / "wrong.pt")


def test_unsupported_models_are_refused_by_name(tmp_path: Path) -> None:
    from eqqnn.circuits import su2_qcnn

    mapped = QuantumClassifier(su2_qcnn(4), param_map=torch.nn.Identity())
    with pytest.raises(SavedModelError, match="parameter map"):
        save_model(mapped, tmp_path / "m.pt")
    with pytest.raises(SavedModelError, match="cannot save Linear"):
        save_model(torch.nn.Linear(2, 1), tmp_path / "m.pt")


def test_sweep_folder_selects_one_model(tmp_path: Path) -> None:
    cfg = CompareConfig(
        n_qubits=(4,),
        train_sizes=(2,),
        seeds=(0, 1),
        test_points=7,
        families=(eqcnn_family(epochs=3),),
        workers=1,
    )
    records = run_compare(cfg, tmp_path, cache=None)
    assert sorted(p.name for p in (tmp_path / "models").glob("*.pt")) == [
        "EQCNN-sector_n4_m2_s0.pt",
        "EQCNN-sector_n4_m2_s1.pt",
    ]
    with pytest.raises(InvalidParameterError, match="2 saved models"):
        load(tmp_path)
    model = load(tmp_path, model="eqcnn-sector", n=4, train_size=2, seed=1)
    test = PhaseTask.test_split(TaskSpec(4, 2, 7), cache=None)
    with torch.no_grad():
        p = model(test.inputs(model.input_kind))
    accuracy = float(((p > 0.5).double() == test.labels).double().mean())
    assert accuracy == records[1].test_accuracy  # the saved weights are the trained ones
    with pytest.raises(InvalidParameterError, match="no saved model"):
        load(tmp_path, seed=7)
    with pytest.raises(InvalidParameterError, match="neither"):
        load(tmp_path / "missing")
