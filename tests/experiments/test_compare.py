from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from eqqnn.errors import InvalidParameterError
from eqqnn.experiments import (
    RECORD_FIELDS,
    CompareConfig,
    JobRecord,
    eqcnn_family,
    estimate_sweep,
    preset,
    qcnn_family,
    run_compare,
)
from eqqnn.experiments._task import SplitInputs


def _tiny(workers: int, *families: object) -> CompareConfig:
    return CompareConfig(
        n_qubits=(4,),
        train_sizes=(2,),
        seeds=(0, 1),
        test_points=11,
        families=families or (eqcnn_family(epochs=3), qcnn_family(epochs=2)),
        workers=workers,
    )


def _strip(records: list[JobRecord]) -> list[dict]:
    return [
        {k: v for k, v in r.to_dict().items() if k not in ("seconds", "peak_rss_gib")}
        for r in records
    ]


class TestOutputs:
    def test_schema_and_files(self, tmp_path: Path) -> None:
        records = run_compare(_tiny(1), tmp_path, cache=None)
        assert len(records) == 4 and all(isinstance(r, JobRecord) for r in records)
        data = json.loads((tmp_path / "results.json").read_text())
        for rec in data:
            assert set(rec) == set(RECORD_FIELDS)
            assert rec["kind"] == "quantum" and 0 <= rec["test_accuracy"] <= 1
            assert rec["peak_rss_gib"] > 0.05
        header = (tmp_path / "results.csv").read_text().splitlines()[0].split(",")
        assert header == list(RECORD_FIELDS)
        assert (tmp_path / "generalization.png").stat().st_size > 5000

    def test_accuracy_vs_n_figure_for_several_n(self, tmp_path: Path) -> None:
        cfg = dataclasses.replace(_tiny(1, eqcnn_family(epochs=2)), n_qubits=(4, 6))
        run_compare(cfg, tmp_path, cache=None)
        assert (tmp_path / "accuracy_vs_n.png").stat().st_size > 5000


class TestFamilies:
    def test_sector_and_dense_eqcnn_are_distinct_rows_with_identical_results(
        self, tmp_path: Path
    ) -> None:
        """Both engines simulate the same circuit: same accuracies and losses per seed."""
        cfg = _tiny(1, eqcnn_family(epochs=5), eqcnn_family(sector=False, epochs=5))
        records = run_compare(cfg, tmp_path, cache=None)
        by_model: dict[str, list[JobRecord]] = {}
        for r in records:
            by_model.setdefault(r.model, []).append(r)
        assert sorted(by_model) == ["EQCNN-dense", "EQCNN-sector"]
        for a, b in zip(by_model["EQCNN-dense"], by_model["EQCNN-sector"], strict=True):
            assert a.seed == b.seed and a.test_accuracy == b.test_accuracy
            assert a.final_loss == pytest.approx(b.final_loss, abs=1e-10)

    def test_duplicate_family_names_are_refused(self) -> None:
        with pytest.raises(InvalidParameterError, match="family names"):
            _tiny(1, eqcnn_family(), eqcnn_family())

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("seeds", (0, 0), "seeds must not repeat"),
            ("train_sizes", (2, 4, 2), "train_sizes must not repeat"),
            ("n_qubits", (), "at least one n"),
            ("seeds", (), "at least one n"),
            ("precision", "half", "precision"),
            ("device", "tpu", "device"),
        ],
    )
    def test_bad_config(self, field: str, value: object, message: str) -> None:
        with pytest.raises(InvalidParameterError, match=message):
            dataclasses.replace(_tiny(1), **{field: value})


class TestLazyInputs:
    def test_sector_family_never_builds_qubit_states(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        built: list[str] = []
        original = SplitInputs._dataset_states

        def spy(self: SplitInputs, form: str) -> object:
            built.append(form)
            return original(self, form)

        monkeypatch.setattr(SplitInputs, "_dataset_states", spy)
        run_compare(_tiny(1, eqcnn_family(epochs=2)), tmp_path, cache=None)
        assert built and set(built) == {"sector"}

    def test_test_split_is_built_once_per_n(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        sizes: list[int] = []
        original = SplitInputs._dataset_states

        def spy(self: SplitInputs, form: str) -> object:
            sizes.append(len(self.ratios))
            return original(self, form)

        monkeypatch.setattr(SplitInputs, "_dataset_states", spy)
        cfg = dataclasses.replace(_tiny(1, eqcnn_family(epochs=1)), train_sizes=(2, 4))
        run_compare(cfg, tmp_path, cache=None)
        assert sorted(sizes) == [2, 4, 11]


class TestExecution:
    def test_parallel_equals_serial_and_resume(self, tmp_path: Path) -> None:
        serial = run_compare(_tiny(1), tmp_path / "a", cache=None)
        parallel = run_compare(_tiny(2), tmp_path / "b", cache=None)
        assert _strip(serial) == _strip(parallel)
        # a killed sweep: keep two records, resume runs only the missing two
        log = tmp_path / "a" / "results.jsonl"
        lines = log.read_text().splitlines()
        log.write_text("\n".join(lines[:2]) + "\n")
        seen: list[JobRecord] = []
        resumed = run_compare(
            _tiny(1), tmp_path / "a", cache=None, resume=True, on_record=seen.append
        )
        assert len(seen) == 2 and _strip(resumed) == _strip(serial)

    def test_corrupt_log_on_resume_is_a_clear_error(self, tmp_path: Path) -> None:
        (tmp_path / "results.jsonl").write_text("{not json\n")
        with pytest.raises(InvalidParameterError, match=r"results\.jsonl:1"):
            run_compare(_tiny(1), tmp_path, cache=None, resume=True)

    def test_out_that_is_a_file_is_refused(self, tmp_path: Path) -> None:
        target = tmp_path / "file"
        target.write_text("x")
        with pytest.raises(InvalidParameterError, match="not a folder"):
            run_compare(_tiny(1), target, cache=None)

    def test_ray_local_cluster_gives_identical_results(self, tmp_path: Path) -> None:
        pytest.importorskip("ray")
        serial = run_compare(_tiny(1), tmp_path / "serial", cache=None)
        on_ray = run_compare(_tiny(1), tmp_path / "ray", cache=None, ray_address="local")
        assert _strip(serial) == _strip(on_ray)


class TestPresets:
    def test_large_preset_covers_the_table(self) -> None:
        cfg = preset("large")
        assert cfg.n_qubits == (8, 12, 16, 20, 24, 28, 32, 48, 64)
        assert cfg.train_sizes == (2, 4, 8)
        jobs = cfg.jobs()
        eq = {j.task.n_qubits for j in jobs if j.family.name == "EQCNN-sector"}
        assert eq == {8, 12, 16, 20, 24, 28}  # beyond 28 only classical models run
        classical = {j.family.name for j in jobs if j.family.kind == "classical"}
        assert classical == {"ShadowGCNN", "CorrelatorGCNN", "MLP"}
        assert {j.task.n_qubits for j in jobs if j.family.name == "MLP"} == set(cfg.n_qubits)
        assert {j.task.n_qubits for j in jobs if j.family.name == "QCNN"} == {8, 12}
        assert cfg.seeds_at(24) == (0, 1, 2, 3, 4) and cfg.seeds_at(28) == (0, 1, 2)
        assert cfg.seeds_at(64) == (0, 1, 2, 3, 4)  # the cap is for n = 28 alone
        assert cfg.precision_at(24) == "double" and cfg.precision_at(28) == "single"

    def test_large_preset_estimate_fits_the_machine(self) -> None:
        rows = estimate_sweep(preset("large"))
        peaks = {r.n_qubits: r.peak_gib for r in rows}
        assert max(peaks.values()) == peaks[28] < 12  # the n = 28 EQCNN is the peak
        seconds = {r.n_qubits: r.train_seconds for r in rows}
        assert seconds[28] > 10 * seconds[8] and seconds[64] < seconds[28]

    def test_unknown_preset(self) -> None:
        with pytest.raises(InvalidParameterError, match="unknown preset"):
            preset("huge")


class TestCheckpoints:
    def test_a_killed_long_job_resumes_from_its_checkpoint(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A long job checkpoints under OUT/jobs; a sweep resumed after a crash continues it
        from the checkpoint and records what an uninterrupted run records."""
        from eqqnn.experiments import _compare
        from eqqnn.experiments._jobs import Job, run_job

        monkeypatch.setattr(_compare, "CHECKPOINT_AFTER_SECONDS", 0.0)
        monkeypatch.setattr(_compare, "CHECKPOINT_EVERY_EPOCHS", 2)
        family = eqcnn_family(epochs=8)
        cfg = dataclasses.replace(_tiny(1, family), seeds=(0,))
        whole = run_compare(cfg, tmp_path / "whole", cache=None)
        stem = Path(cfg.jobs()[0].model_file).stem
        assert (tmp_path / "whole" / "jobs" / stem / "checkpoint.pt").exists()
        # the crash: the job got to epoch 5 of 8 (checkpoint at its last period) and
        # nothing was recorded
        crashed = tmp_path / "crashed"
        short = dataclasses.replace(family, epochs=5)
        run_job(
            Job(
                short,
                cfg.jobs()[0].task,
                0,
                run_dir=str(crashed / "jobs" / stem),
                checkpoint_every=2,
            )
        )
        (crashed / "results.jsonl").write_text("")
        from eqqnn.training import _loop

        loaded: list[int] = []
        real_load = _loop.load_checkpoint

        def spy(path):  # type: ignore[no-untyped-def]
            payload = real_load(path)
            loaded.append(int(payload["epoch"]))
            return payload

        monkeypatch.setattr(_loop, "load_checkpoint", spy)
        resumed = run_compare(cfg, crashed, cache=None, resume=True)
        assert loaded == [4]  # continued from the epoch-4 checkpoint of the killed job
        assert _strip(resumed) == _strip(whole)
        # without --resume a sweep starts afresh: the old checkpoints are removed first
        loaded.clear()
        again = run_compare(cfg, crashed, cache=None)
        assert loaded == [] and _strip(again) == _strip(whole)


def test_estimate_counts_the_screened_restarts() -> None:
    """3 screened starts of 30 epochs in a 150-epoch job train 210 epochs, not 150."""
    from eqqnn.experiments._budget import _job_cost

    screened = eqcnn_family()
    single = dataclasses.replace(screened, restarts=1)
    t3 = _job_cost(screened, 16, 4, 101, 1000)[0]
    t1 = _job_cost(single, 16, 4, 101, 1000)[0]
    assert screened.restarts == 3 and screened.restart_epochs == 30
    assert t3 / t1 == pytest.approx(210 / 150, rel=0.05)
