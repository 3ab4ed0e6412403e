from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from eqqnn.data import exact_correlators
from eqqnn.errors import InvalidParameterError, ProblemTooLargeError
from eqqnn.experiments import PhaseTask, TaskSpec, build_task
from eqqnn.experiments import _task as task_module
from eqqnn.models import InputKind


class TestSpec:
    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"n_qubits": 7, "train_size": 2}, "even"),
            ({"n_qubits": 8, "train_size": 1}, "train_size"),
            ({"n_qubits": 8, "train_size": 2, "shots": 0}, "shots"),
            ({"n_qubits": 8, "train_size": 2, "test_points": 1}, "test_points"),
        ],
    )
    def test_bad_values(self, kwargs: dict, message: str) -> None:
        with pytest.raises(InvalidParameterError, match=message):
            TaskSpec(**kwargs)

    def test_phase_task_needs_a_spec(self) -> None:
        with pytest.raises(InvalidParameterError, match="TaskSpec"):
            PhaseTask((8, 2))  # type: ignore[arg-type]


class TestInputs:
    def test_labels_follow_the_ratio(self) -> None:
        task = build_task(6, 4, test_points=9, cache=None)
        train, test = task.data_for(InputKind.SECTOR_STATE)
        assert train.labels.tolist() == [0.0, 0.0, 1.0, 1.0]
        ratios = task.test.ratios
        assert test.labels.tolist() == [float(r > 1) for r in ratios]

    def test_sector_and_qubit_forms_describe_the_same_states(self) -> None:
        from eqqnn.symmetry import sector_to_qubit

        task = build_task(6, 2, test_points=5, cache=None)
        qubit = task.train.inputs(InputKind.STATE).numpy()
        sector = task.train.inputs(InputKind.SECTOR_STATE).numpy()
        for q, s in zip(qubit, sector, strict=True):
            assert abs(np.vdot(sector_to_qubit(s, 6, 0, 0), q)) == pytest.approx(1, abs=1e-10)

    def test_only_requested_forms_are_built(self) -> None:
        task = build_task(6, 2, test_points=5, cache=None)
        task.data_for(InputKind.CORRELATORS)
        assert task.train.built == ("correlators", "state")
        assert task.test.built == ("correlators", "state")

    def test_single_precision_states(self) -> None:
        task = PhaseTask(TaskSpec(6, 2, test_points=5), cache=None, precision="single")
        assert task.train.inputs(InputKind.SECTOR_STATE).dtype == torch.complex64

    def test_qubit_states_beyond_the_budget_are_refused_before_any_work(self) -> None:
        task = build_task(30, 2, cache=None)
        with pytest.raises(ProblemTooLargeError, match="spin-sector"):
            task.data_for(InputKind.STATE)
        assert task.train.built == ()


class TestMatrixProductStateInputs:
    """Beyond DENSE_SHADOW_MAX_QUBITS classical inputs come from DMRG states; lowered
    here so that the dense reference exists."""

    @pytest.fixture(autouse=True)
    def _mps_from_n6(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(task_module, "DENSE_SHADOW_MAX_QUBITS", 4)

    def test_exact_correlators_match_the_dense_ground_states(self) -> None:
        task = build_task(6, 2, test_points=5, cache=None)
        got = task.test.inputs(InputKind.EXACT_CORRELATORS).numpy()
        assert "mps" in task.test.built and "state" not in task.test.built
        dense = build_task(6, 2, test_points=5, cache=None).test.qubit_states().numpy()
        want = np.stack([exact_correlators(s) for s in dense])
        np.testing.assert_allclose(got, want, atol=1e-8)

    def test_shadow_forms_and_disk_cache(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        task = build_task(6, 2, test_points=5, shots=200, cache=tmp_path)
        snaps = task.test.inputs(InputKind.SHADOWS)
        corr = task.test.inputs(InputKind.CORRELATORS)
        assert snaps.shape == (5, 200, 6, 3) and snaps.dtype == torch.float64
        assert corr.shape[0] == 5
        # |v| = 3 on every site of every snapshot
        np.testing.assert_allclose(snaps.norm(dim=-1).numpy(), 3.0)

        def no_dmrg(*args: object, **kwargs: object) -> None:
            raise AssertionError("DMRG ran although the inputs were cached")

        import eqqnn.data

        monkeypatch.setattr(eqqnn.data, "mps_ground_state", no_dmrg)
        again = build_task(6, 2, test_points=5, shots=200, cache=tmp_path)
        assert torch.equal(again.test.inputs(InputKind.SHADOWS), snaps)
