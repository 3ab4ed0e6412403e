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
