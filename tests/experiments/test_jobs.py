from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
import torch

from eqqnn.errors import InvalidParameterError
from eqqnn.experiments import (
    RECORD_FIELDS,
    Job,
    JobRecord,
    TaskSpec,
    classical_families,
    eqcnn_family,
    run_job,
)
from eqqnn.experiments._jobs import EVAL_CHUNK_BYTES, eval_batch_size, misclassified_ratios
from eqqnn.training import TensorData, TrainConfig, train


class TestJob:
    def test_key_and_validation(self) -> None:
        job = Job(eqcnn_family(epochs=1), TaskSpec(4, 2), 3)
        assert job.key == ("EQCNN-sector", 4, 2, 3)
        with pytest.raises(InvalidParameterError, match="ModelFamily"):
            Job("eqcnn", TaskSpec(4, 2), 0)  # type: ignore[arg-type]
        with pytest.raises(InvalidParameterError, match="TaskSpec"):
            Job(eqcnn_family(), (4, 2), 0)  # type: ignore[arg-type]
        with pytest.raises(InvalidParameterError, match="precision"):
            Job(eqcnn_family(), TaskSpec(4, 2), 0, precision="half")
        with pytest.raises(InvalidParameterError, match="seed"):
            Job(eqcnn_family(), TaskSpec(4, 2), -1)


class TestRecord:
    def test_round_trip_and_unknown_keys(self) -> None:
        rec = JobRecord("M", "quantum", 8, 4, 0, 0.9, 1.0, 6, "x", 1.0, "state", 10, 0.1)
        values = rec.to_dict()
        assert tuple(values) == RECORD_FIELDS
        assert JobRecord.from_dict({**values, "extra": 1}) == rec
        old = {k: v for k, v in values.items() if k not in ("lr", "peak_rss_gib")}
        assert math.isnan(JobRecord.from_dict(old).lr)
        with_errors = dataclasses.replace(rec, test_errors=(0.96, 0.98))
        assert JobRecord.from_dict(with_errors.to_dict() | {"test_errors": [0.96, 0.98]}) == (
            with_errors
        )


class TestRunJob:
    def test_builds_only_the_consumed_form_and_records(self) -> None:
        job = Job(eqcnn_family(epochs=3), TaskSpec(6, 2, test_points=7), 0)
        rec = run_job(job)
        assert rec.model == "EQCNN-sector" and rec.input_kind == "sector_state"
        assert rec.epochs == 3 and 0 <= rec.test_accuracy <= 1 and rec.lr == 0.05
        assert rec.n_parameters == 6 + 2  # 6 circuit angles (n = 6) + the output map
        # the recorded errors are exactly the wrong test points: accuracy follows from them
        assert len(rec.test_errors) == round((1 - rec.test_accuracy) * 7)

    def test_misclassified_ratios(self) -> None:
        from eqqnn.data import test_ratios

        task = TaskSpec(4, 2, test_points=6)
        ratios = test_ratios(6)
        right = [float(r > 1) for r in ratios]
        assert misclassified_ratios(task, right) == ()
        assert misclassified_ratios(task, []) == ()
        wrong = list(right)
        wrong[0], wrong[-1] = 0.9, 0.1  # the first point (r < 1) and the last (r > 1)
        assert misclassified_ratios(task, wrong) == (round(ratios[0], 6), round(ratios[-1], 6))

    def test_declared_input_must_match_the_model(self) -> None:
        from eqqnn.models import InputKind

        wrong = dataclasses.replace(eqcnn_family(epochs=1), input_kind=InputKind.STATE)
        with pytest.raises(InvalidParameterError, match="declares input 'state'"):
            run_job(Job(wrong, TaskSpec(4, 2, test_points=3), 0))

    def test_classical_job(self) -> None:
        (mlp,) = classical_families(epochs=2, names=("MLP",))
        rec = run_job(Job(mlp, TaskSpec(6, 2, test_points=7, shots=50), 1))
        assert rec.kind == "classical" and rec.input_kind == "correlators"

    def test_run_dir_checkpoint_and_resume(self, tmp_path: Path) -> None:
        job = Job(eqcnn_family(epochs=4), TaskSpec(4, 2, test_points=5), 0)
        job = dataclasses.replace(job, run_dir=str(tmp_path), checkpoint_every=2)
        first = run_job(job)
        assert (tmp_path / "checkpoint.pt").exists()
        again = run_job(dataclasses.replace(job, resume=True))
        assert again.final_loss == first.final_loss


class TestEvaluationChunks:
    def test_batch_size_bounds_memory(self) -> None:
        big = torch.zeros(2, 2674440, dtype=torch.complex64)  # n = 28 singlet sector
        assert eval_batch_size(big) == EVAL_CHUNK_BYTES // (2674440 * 8) == 12
        assert eval_batch_size(torch.zeros(5, 16)) == 4096

    def test_trainer_evaluates_in_chunks(self) -> None:
        seen: list[int] = []

        class Probe(torch.nn.Module):
            kind, input_kind = "classical", None

            def __init__(self) -> None:
                super().__init__()
                self.w = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                seen.append(x.shape[0])
                return torch.sigmoid(x.sum(1) * self.w)

        data = TensorData(torch.randn(10, 3, dtype=torch.float64), torch.ones(10).double())
        train(Probe(), data, data, TrainConfig(epochs=1, eval_batch_size=4), progress=False)
        assert max(seen[1:]) == 4 and seen[0] == 10  # training step full batch, evals chunked


class TestRestarts:
    def test_screening_keeps_the_lowest_training_loss(self) -> None:
        from eqqnn.experiments._jobs import RESTART_SEED_STRIDE, _screen
        from eqqnn.experiments._task import PhaseTask

        fam = eqcnn_family(epochs=6, restarts=3)
        fam = dataclasses.replace(fam, restart_epochs=4)
        job = Job(fam, TaskSpec(6, 4, test_points=5), 2)
        train_data, _ = PhaseTask(job.task, cache=None).data_for(fam.input_kind)
        chosen, index = _screen(job, train_data, torch.device("cpu"), None)
        losses, weights = [], []
        for k in range(3):
            seed = 2 + RESTART_SEED_STRIDE * k
            torch.manual_seed(seed)
            model = fam.build(6, seed)
            config = fam.train_config(2, epochs=4, schedule=None)
            losses.append(train(model, train_data, None, config, progress=False).final_loss)
            weights.append(model.weights.detach().clone())
        best = min(range(3), key=lambda k: (losses[k], k))
        assert index == best and torch.equal(chosen.weights.detach(), weights[best])

    def test_a_run_killed_after_screening_does_not_screen_again(
        self, tmp_path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The screened start is saved in the run folder; a resumed run loads it and ends
        where an uninterrupted run ends."""
        from eqqnn.experiments import _jobs

        fam = dataclasses.replace(eqcnn_family(epochs=6, restarts=3), restart_epochs=2)
        spec = TaskSpec(4, 2, test_points=5)
        whole = run_job(Job(fam, spec, 1, run_dir=str(tmp_path / "whole"), checkpoint_every=2))
        killed = tmp_path / "killed"
        run_job(Job(fam, spec, 1, run_dir=str(killed), checkpoint_every=2))
        (killed / "checkpoint.pt").unlink()  # killed after screening, before a checkpoint
        assert (killed / _jobs.SCREENED_FILE).exists()

        def no_screening(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise AssertionError("screened again")

        monkeypatch.setattr(_jobs, "_screen", no_screening)
        resumed = run_job(Job(fam, spec, 1, run_dir=str(killed), checkpoint_every=2, resume=True))
        keys = ("test_accuracy", "train_accuracy", "final_loss", "epochs", "test_errors")
        assert {k: getattr(resumed, k) for k in keys} == {k: getattr(whole, k) for k in keys}

    def test_record_counts_all_epochs(self) -> None:
        fam = dataclasses.replace(eqcnn_family(epochs=5, restarts=2), restart_epochs=2)
        rec = run_job(Job(fam, TaskSpec(4, 2, test_points=5), 0))
        assert rec.restarts == 2 and rec.epochs == 5

    def test_bad_restart_settings(self) -> None:
        with pytest.raises(InvalidParameterError, match="restart_epochs must be < epochs"):
            dataclasses.replace(eqcnn_family(epochs=20), restart_epochs=20)
        with pytest.raises(InvalidParameterError, match="restarts"):
            dataclasses.replace(eqcnn_family(), restarts=0)
        short = eqcnn_family(epochs=3)
        assert short.restarts == 1  # too short to split: no screening
        assert eqcnn_family().with_training(epochs=50).restart_epochs == 10
