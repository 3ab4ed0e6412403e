"""Study 5 (architecture search): the pipeline on its tiny config, with a science check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from eqqnn.errors import InvalidParameterError
from eqqnn.studies import RESULT_KEYS, NasConfig, format_result, ring_net, run_nas
from eqqnn.studies._nas_tasks import constrained_layer, learned_degree_layer, mixed_layer


def test_tiny_study_writes_its_records_and_a_d5_model_cannot_see_chirality(
    tmp_path: Path,
) -> None:
    result = run_nas(NasConfig.tiny(), tmp_path, progress=False)
    assert set(result) == set(RESULT_KEYS)
    records = result["records"]
    # four tasks with five methods, the correlator trunk with four (no learned degree for
    # G-CNN trunks), one seed
    assert len(records) == 4 * 5 + 4
    for r in records:
        assert 0 <= r["test_accuracy"] <= 1
        if r["architecture"] is None:  # the classical learned degree names no level
            assert r["method"] == "learned degree"
            assert r["task"] in ("chirality", "degree teacher")
            continue
        right = sum(a == t for a, t in zip(r["architecture"], r["truth"], strict=True))
        assert r["layers_right"] == right
    chirality = {r["method"]: r for r in records if r["task"] == "chirality"}
    assert chirality["fixed G"]["truth"] == [1, 0] and chirality["free"]["architecture"] == [2, 2]
    # a reflection flips the label, so a D5-invariant network is at chance on the test set
    assert abs(chirality["fixed G"]["test_accuracy"] - 0.5) < 0.2
    trunk = [r for r in records if r["task"].startswith("correlator trunk")]
    assert [r["method"] for r in trunk] == ["fixed G", "free", "evolution", "DARTS"]
    assert all(r["truth"] == [1, 1] for r in trunk)
    assert trunk[1]["architecture"] == [2, 2]
    degree = [r for r in records if r["task"] == "degree teacher"]
    assert len(degree) == 5 and all(r["truth"] == [2, 0] for r in degree)
    teacher = [r for r in records if r["task"] == "teacher QCNN"]
    assert all(r["truth"] == [1, 0, 0, 0] for r in teacher)
    heisenberg = [r for r in records if r["task"].startswith("Heisenberg")]
    assert len(heisenberg) == 5 and all(set(r["truth"]) == {1} for r in heisenberg)
    assert {r["task"] for r in heisenberg} == {"Heisenberg staggered_field=0.5"}
    assert (tmp_path / "nas.png").stat().st_size > 5000
    assert json.loads((tmp_path / "nas.json").read_text())["study"] == "nas"
    assert "evolution" in format_result(result)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("qubits", 3),
        ("steps", -1),
        ("teacher_levels", (3,)),
        ("lr", 0.0),
        ("heisenberg_chains", ({"field": 1.0},)),
        ("workers", 0),
        ("degree_teacher", (0.5,)),
        ("degree_teacher", (1.5, 0.0)),
        ("trunk_sites", 7),
    ],
)
def test_bad_nas_config(field: str, value: object) -> None:
    with pytest.raises(InvalidParameterError):
        NasConfig(**{field: value})


@pytest.mark.parametrize(
    ("layer", "symmetric_under"),
    [
        (constrained_layer(0), "reflection and rotation"),
        (constrained_layer(1), "rotation"),
        (constrained_layer(2), "nothing"),
        (mixed_layer, "reflection and rotation"),
        (learned_degree_layer, "reflection and rotation"),
    ],
)
def test_ring_layers_have_the_symmetry_of_their_level(layer: object, symmetric_under: str) -> None:
    """A ring net built from ``layer`` is invariant under the ring's rotation and reflection
    exactly where its level says so (the mixed and learned-degree layers start at D_5)."""
    net = ring_net(7, layer)  # type: ignore[arg-type]
    x = torch.randn(9, 5, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    with torch.no_grad():
        y = net(x)
        rotated = (net(torch.roll(x, 1, dims=1)) - y).abs().max().item()
        reflected = (net(torch.flip(x, dims=[1])) - y).abs().max().item()
    assert (rotated < 1e-12) == (symmetric_under != "nothing")
    assert (reflected < 1e-12) == (symmetric_under == "reflection and rotation")


def test_constrained_layer_rejects_an_unknown_level() -> None:
    with pytest.raises(InvalidParameterError, match="level must be 0, 1 or 2, got 3"):
        constrained_layer(3)
