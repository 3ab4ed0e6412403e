from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eqqnn.cli import app

runner = CliRunner()


@pytest.mark.parametrize("command", [[], ["info"], ["demo"]])
def test_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_info_lists_simulators() -> None:
    result = runner.invoke(app, ["info"])
    assert result.exit_code == 0
    for name in ("torch", "pennylane", "qiskit-aer", "cuda devices"):
        assert name in result.output


def test_demo_writes_true_results(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--out", str(tmp_path), "--max-qubits", "3"])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "symmetry_demo.json").read_text())
    assert [r["nullspace"] for r in data["commutant"]] == [2, 5]
    assert all(r["spans_equal"] for r in data["commutant"])
    errs = data["equivariance_errors"]
    assert errs["twirled generator"] < 1e-10 < 1e-3 < errs["random generator"]
    assert (tmp_path / "symmetry_demo.png").stat().st_size > 1000


def test_bad_flag_is_rejected() -> None:
    result = runner.invoke(app, ["demo", "--max-qubits", "40"])
    assert result.exit_code == 2
    assert "max-qubits" in result.output


def test_version() -> None:
    from eqqnn import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"eqqnn {__version__}"


def test_train_then_predict_and_evaluate(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["train", "--model", "eqcnn", "--n", "6", "--epochs", "40", "--test-points", "11"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert (out / "model.pt").is_file()
    result = runner.invoke(app, ["predict", str(out), "--ratios", "0.2,1.8"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert "label 0 (trivial)" in lines[0] and "label 1 (Haldane)" in lines[1]
    result = runner.invoke(app, ["evaluate", str(out), "--test-points", "11"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["test_accuracy"] == summary["test_accuracy"]
    bad = runner.invoke(app, ["predict", str(out)])
    assert bad.exit_code != 0


def test_extending_a_finished_run_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    import torch

    base = ["train", "--model", "eqcnn", "--n", "6", "--test-points", "11"]
    first = runner.invoke(app, [*base, "--epochs", "150", "--out", str(tmp_path / "a")])
    assert first.exit_code == 0, first.output
    extended = runner.invoke(
        app, [*base, "--epochs", "170", "--resume", "--out", str(tmp_path / "a")]
    )
    assert extended.exit_code == 0, extended.output
    whole = runner.invoke(app, [*base, "--epochs", "170", "--out", str(tmp_path / "b")])
    assert whole.exit_code == 0, whole.output
    a = torch.load(tmp_path / "a" / "model.pt", weights_only=True)["state_dict"]
    b = torch.load(tmp_path / "b" / "model.pt", weights_only=True)["state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)  # bitwise the same weights
    sa = json.loads((tmp_path / "a" / "summary.json").read_text())
    sb = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert sa["epochs"] == sb["epochs"] == 170 and sa["final_loss"] == sb["final_loss"]
    shorter = runner.invoke(
        app, [*base, "--epochs", "100", "--resume", "--out", str(tmp_path / "a")]
    )
    assert shorter.exit_code != 0


def test_resuming_another_model_is_refused_by_name(tmp_path: Path) -> None:
    from eqqnn.cli import main  # the entry point turns library errors into one line

    out = str(tmp_path / "r")
    ok = runner.invoke(app, ["train", "--n", "6", "--epochs", "3", "--out", out])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(
        app, ["train", "--model", "mlp", "--n", "6", "--epochs", "3", "--resume", "--out", out]
    )
    assert bad.exit_code != 0
    assert "holds a different job" in str(bad.exception)
    assert "model: 'EQCNN-sector' there, 'MLP' now" in str(bad.exception)
    del main


def test_bench_lists_and_runs_scripts_without_quick(monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    help_text = runner.invoke(app, ["bench", "--help"]).output
    assert "ground_states" in help_text and "spin_sector" in help_text
    calls: list[list[str]] = []
    monkeypatch.setattr(subprocess, "call", lambda cmd: calls.append(cmd) or 0)
    assert runner.invoke(app, ["bench", "ground_states"]).exit_code == 0
    assert runner.invoke(app, ["bench", "spin_sector"]).exit_code == 0
    assert "--quick" not in calls[0]  # bench_ground_states.py has no --quick option
    assert calls[1][-1] == "--quick"
    assert runner.invoke(app, ["bench", "nope"]).exit_code != 0
