from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eqqnn.cli import app
from eqqnn.experiments import (
    RECORD_FIELDS,
    CompareConfig,
    eqcnn_family,
    qcnn_family,
    run_compare,
)

runner = CliRunner()


@pytest.mark.parametrize("command", ["data", "train", "compare", "bench"])
def test_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def _tiny(workers: int) -> CompareConfig:
    return CompareConfig(
        n_qubits=(4,),
        train_sizes=(2,),
        seeds=(0, 1),
        test_points=11,
        families=(eqcnn_family(epochs=3), qcnn_family(epochs=2)),
        workers=workers,
    )


def test_compare_outputs_and_schema(tmp_path: Path) -> None:
    records = run_compare(_tiny(1), tmp_path, cache=None)
    assert len(records) == 4
    data = json.loads((tmp_path / "results.json").read_text())
    for rec in data:
        assert set(RECORD_FIELDS) <= set(rec)
        assert rec["kind"] == "quantum" and 0 <= rec["test_accuracy"] <= 1
    header = (tmp_path / "results.csv").read_text().splitlines()[0].split(",")
    assert header == list(RECORD_FIELDS)
    assert (tmp_path / "generalization.png").stat().st_size > 5000


def test_parallel_equals_serial_and_resume(tmp_path: Path) -> None:
    serial = run_compare(_tiny(1), tmp_path / "a", cache=None)
    parallel = run_compare(_tiny(2), tmp_path / "b", cache=None)
    strip = lambda rs: [{k: v for k, v in r.items() if k != "seconds"} for r in rs]  # noqa: E731
    assert strip(serial) == strip(parallel)
    # a killed sweep: keep two records, resume runs only the missing two
    log = tmp_path / "a" / "results.jsonl"
    lines = log.read_text().splitlines()
    log.write_text("\n".join(lines[:2]) + "\n")
    seen = []
    resumed = run_compare(_tiny(1), tmp_path / "a", cache=None, resume=True, on_record=seen.append)
    assert len(seen) == 2 and strip(resumed) == strip(serial)


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
    assert "EQCNN" in result.output and (tmp_path / "results.json").exists()


def test_cli_train_and_resume(tmp_path: Path) -> None:
    args = [
        "train",
        "--model",
        "eqcnn",
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
    assert json.loads((tmp_path / "summary.json").read_text())["epochs"] == 4


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


def test_ray_local_cluster_gives_identical_results(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    serial = run_compare(_tiny(1), tmp_path / "serial", cache=None)
    on_ray = run_compare(_tiny(1), tmp_path / "ray", cache=None, ray_address="local")
    strip = lambda rs: [{k: v for k, v in r.items() if k != "seconds"} for r in rs]  # noqa: E731
    assert strip(serial) == strip(on_ray)


def test_study_command_help_and_bad_name() -> None:
    assert runner.invoke(app, ["study", "--help"]).exit_code == 0
    proc = subprocess.run(
        [sys.executable, "-m", "eqqnn.cli", "study", "nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "unknown study" in proc.stderr


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
