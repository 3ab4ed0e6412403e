from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eqqnn.cli import app

runner = CliRunner()


@pytest.mark.parametrize("command", ["data", "train", "compare", "bench"])
def test_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_cli_compare_tiny_run(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "compare",
            "--n",
            "4",
            "--train-sizes",
            "2",
            "--seeds",
            "0",
            "--models",
            "eqcnn",
            "--epochs",
            "2",
            "--workers",
            "1",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "EQCNN-sector" in result.output and (tmp_path / "results.json").exists()
    assert "estimate: 1 jobs" in result.output


def test_cli_compare_estimate_only_runs_nothing(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["compare", "--preset", "large", "--estimate-only", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    assert "n = 28:  36 jobs" in result.output and not (tmp_path / "o").exists()


def test_cli_explicit_seeds_lift_the_presets_seed_caps(tmp_path: Path) -> None:
    """The large preset runs 3 seeds at n = 28; seeds asked for by name all run."""
    args = ["compare", "--preset", "large", "--n", "28", "--models", "eqcnn", "--estimate-only"]
    capped = runner.invoke(app, [*args, "--train-sizes", "4", "--out", str(tmp_path / "a")])
    assert "n = 28:   3 jobs" in capped.output, capped.output
    named = ["--train-sizes", "4", "--seeds", "0,1,2,3,4", "--out", str(tmp_path / "b")]
    result = runner.invoke(app, [*args, *named])
    assert result.exit_code == 0 and "n = 28:   5 jobs" in result.output, result.output


def test_cli_compare_two_eqcnn_engines_are_two_rows(tmp_path: Path) -> None:
    args = ["compare", "--n", "4", "--train-sizes", "2", "--seeds", "0,1", "--epochs", "3"]
    args += ["--models", "eqcnn-sector,eqcnn-dense", "--workers", "1", "--test-points", "7"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path)])
    assert result.exit_code != 0  # --test-points is a TOML-only setting
    result = runner.invoke(app, [*args[:-2], "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    recs = json.loads((tmp_path / "results.json").read_text())
    assert sorted({r["model"] for r in recs}) == ["EQCNN-dense", "EQCNN-sector"]
    assert len(recs) == 4


def test_cli_compare_lr_and_schedule_reach_the_records(tmp_path: Path) -> None:
    args = ["compare", "--n", "4", "--train-sizes", "2", "--seeds", "0", "--epochs", "2"]
    args += ["--models", "eqcnn", "--lr", "0.2", "--schedule", "cosine", "--workers", "1"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (rec,) = json.loads((tmp_path / "results.json").read_text())
    assert rec["lr"] == 0.2
    bad = runner.invoke(app, [*args[:-2], "--schedule", "step", "--out", str(tmp_path)])
    assert bad.exit_code != 0 and "schedule" in bad.output


@pytest.mark.parametrize("model", ["eqcnn", "eqcnn-sector", "eqcnn-dense", "mlp"])
def test_cli_train_and_resume(tmp_path: Path, model: str) -> None:
    args = [
        "train",
        "--model",
        model,
        "--n",
        "4",
        "--train-size",
        "2",
        "--epochs",
        "4",
        "--checkpoint-every",
        "2",
        "--out",
        str(tmp_path),
    ]
    assert runner.invoke(app, args).exit_code == 0
    assert (tmp_path / "checkpoint.pt").exists() and (tmp_path / "metrics.jsonl").exists()
    again = runner.invoke(app, [*args, "--resume"])
    assert again.exit_code == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["epochs"] == 4 and summary["n_qubits"] == 4
    assert summary["model"].lower().startswith(model)


def test_cli_data(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["data", "--n", "4", "--grid", "train", "--train-size", "2", "--cache-dir", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert "1 trivial, 1 Haldane" in result.output


def test_toml_config(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        'n_qubits = [4]\ntrain_sizes = [2]\nseeds = [0]\nmodels = ["eqcnn"]\n'
        "epochs = 2\nworkers = 1\ntest_points = 5\n"
    )
    result = runner.invoke(app, ["compare", "--config", str(cfg), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    recs = json.loads((tmp_path / "o" / "results.json").read_text())
    assert len(recs) == 1 and recs[0]["epochs"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["compare", "--n", "5"], "n_qubits must be even"),
        (["compare", "--bogus"], "No such option"),
        (["compare", "--models", "nope"], "unknown model"),
        (["compare", "--seeds", "a,b"], "comma-separated integers"),
    ],
)
def test_bad_flags_give_one_line_errors(args: list[str], message: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "eqqnn.cli", *args, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_study_command_help_and_bad_name() -> None:
    assert runner.invoke(app, ["study", "--help"]).exit_code == 0
    proc = subprocess.run(
        [sys.executable, "-m", "eqqnn.cli", "study", "nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "unknown study" in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "eqqnn.cli", "study", "tradeoff", "--workers", "2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "nas study only" in proc.stderr


def test_single_precision_and_device_flags(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "compare",
            "--n",
            "4",
            "--train-sizes",
            "2",
            "--seeds",
            "0",
            "--models",
            "eqcnn,mlp",
            "--epochs",
            "2",
            "--workers",
            "1",
            "--precision",
            "single",
            "--device",
            "auto",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads((tmp_path / "results.json").read_text())) == 2
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "eqqnn.cli",
            "compare",
            "--precision",
            "half",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "precision must be" in bad.stderr


def test_cuda_refused_without_gpu() -> None:
    import torch

    from eqqnn.errors import InvalidParameterError
    from eqqnn.training import resolve_device

    if torch.cuda.is_available():  # pragma: no cover - GPU machines
        assert resolve_device("cuda").type == "cuda"
    else:
        assert resolve_device("auto").type == "cpu"
        with pytest.raises(InvalidParameterError, match="CUDA is not available"):
            resolve_device("cuda")


def test_cli_estimate_of_a_resumed_sweep_counts_only_the_jobs_left(tmp_path: Path) -> None:
    import json

    from eqqnn.experiments import JobRecord

    record = JobRecord(
        "EQCNN-sector",
        "quantum",
        28,
        4,
        0,
        0.99,
        1.0,
        14,
        "spin-sector",
        1.0,
        "sector_state",
        150,
        0.06,
    )
    (tmp_path / "results.jsonl").write_text(json.dumps(record.to_dict()) + "\n")
    args = ["compare", "--preset", "large", "--n", "28", "--models", "eqcnn", "--estimate-only"]
    args += ["--train-sizes", "4", "--out", str(tmp_path)]
    resumed = runner.invoke(app, [*args, "--resume"])
    assert "estimate: 2 jobs (1 already recorded)" in resumed.output, resumed.output
    fresh = runner.invoke(app, args)
    assert "estimate: 3 jobs," in fresh.output, fresh.output
