from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from eqqnn import QuantumClassifier
from eqqnn.circuits import su2_qcnn
from eqqnn.errors import CacheError, InvalidParameterError
from eqqnn.training import (
    TensorData,
    TrainConfig,
    load_checkpoint,
    mse_loss,
    save_checkpoint,
    train,
)


def _toy(seed: int = 0) -> tuple[torch.nn.Module, TensorData, TensorData]:
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 8),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 1),
        torch.nn.Sigmoid(),
        torch.nn.Flatten(0),
    ).double()
    g = torch.Generator().manual_seed(1)
    x = torch.randn(64, 2, generator=g, dtype=torch.float64)
    y = (x[:, 0] * x[:, 1] > 0).double()
    return model, TensorData(x[:48], y[:48]), TensorData(x[48:], y[48:])


class Crash(RuntimeError):
    pass


class TestResume:
    cfg = TrainConfig(epochs=30, lr=0.05, batch_size=16, checkpoint_every=5, seed=3)

    def test_killed_run_resumes_to_the_same_result(self, tmp_path: Path) -> None:
        model, tr, te = _toy()
        full = train(model, tr, te, self.cfg, run_dir=tmp_path / "full")
        reference = [p.detach().clone() for p in model.parameters()]

        model2, tr, te = _toy()
        calls = {"n": 0}
        original = model2.forward

        def crashing(x: torch.Tensor) -> torch.Tensor:
            calls["n"] += 1
            if calls["n"] == 4 * 17 + 2:  # in epoch 18 (3 batches + 1 evaluation per epoch)
                raise Crash("killed")
            return original(x)

        model2.forward = crashing  # type: ignore[method-assign]
        with pytest.raises(Crash):
            train(model2, tr, te, self.cfg, run_dir=tmp_path / "killed")
        assert load_checkpoint(tmp_path / "killed" / "checkpoint.pt")["epoch"] == 15

        model3, tr, te = _toy(seed=99)  # different init: everything comes from the checkpoint
        resumed = train(model3, tr, te, self.cfg, run_dir=tmp_path / "killed", resume=True)
        for a, b in zip(reference, model3.parameters(), strict=True):
            assert torch.equal(a, b.detach())
        assert resumed.test_accuracy == full.test_accuracy
        lines = (tmp_path / "killed" / "metrics.jsonl").read_text().splitlines()
        assert [json.loads(s)["epoch"] for s in lines] == list(range(1, 31))

    def test_config_mismatch_refused(self, tmp_path: Path) -> None:
        model, tr, te = _toy()
        train(model, tr, te, self.cfg, run_dir=tmp_path)
        with pytest.raises(InvalidParameterError, match="different training config"):
            train(model, tr, te, TrainConfig(epochs=31), run_dir=tmp_path, resume=True)


def test_early_stopping() -> None:
    model, tr, _ = _toy()
    result = train(model, tr, config=TrainConfig(epochs=500, lr=1e-9, patience=3))
    assert result.stopped_early and result.epochs_run < 10


def test_metrics_and_losses(tmp_path: Path) -> None:
    model, tr, te = _toy()
    result = train(model, tr, te, TrainConfig(epochs=40, lr=0.1, loss=mse_loss), run_dir=tmp_path)
    rec = [json.loads(s) for s in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert len(rec) == 40 and {"loss", "train_accuracy", "test_accuracy", "lr"} <= set(rec[0])
    assert rec[-1]["loss"] < rec[0]["loss"]
    assert 0 <= result.test_accuracy <= 1 and result.train_accuracy > 0.6


def test_lr_schedule() -> None:
    model, tr, _ = _toy()
    cfg = TrainConfig(
        epochs=4, lr=0.1, schedule=lambda opt: torch.optim.lr_scheduler.StepLR(opt, 1, 0.5)
    )
    result = train(model, tr, config=cfg)
    assert [h["lr"] for h in result.history] == pytest.approx([0.05, 0.025, 0.0125, 0.00625])


def test_quantum_model_trains_with_sgd() -> None:
    model = QuantumClassifier(su2_qcnn(4), seed=0)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(8, 16, dtype=torch.complex128, generator=g)
    x = x / x.norm(dim=1, keepdim=True)
    y = (torch.arange(8) % 2).double()
    result = train(
        model, TensorData(x, y), config=TrainConfig(epochs=20, lr=0.2, optimizer=torch.optim.SGD)
    )
    assert result.history[-1]["loss"] < result.history[0]["loss"]


def test_checkpoints_are_weights_only(tmp_path: Path) -> None:
    class Evil:
        def __reduce__(self):  # pragma: no cover - must never run
            return (print, ("pwned",))

    bad = tmp_path / "evil.pt"
    torch.save({"x": Evil()}, bad)
    with pytest.raises(CacheError, match="not a safe checkpoint"):
        load_checkpoint(bad)
    good = save_checkpoint(tmp_path / "ok.pt", {"w": torch.ones(2), "epoch": 3})
    assert load_checkpoint(good)["epoch"] == 3
    assert not list(tmp_path.glob(".*.tmp"))


def test_bad_config() -> None:
    with pytest.raises(InvalidParameterError, match="lr must be > 0"):
        TrainConfig(lr=0)
    with pytest.raises(InvalidParameterError, match="resume=True needs a run_dir"):
        model, tr, _ = _toy()
        train(model, tr, resume=True)


def test_constraint_relaxation_anneals_to_equivariance() -> None:
    from eqqnn.circuits import ParamRole, relax, su2_qcnn
    from eqqnn.metrics import quantum_invariance_error
    from eqqnn.training import BreakingPenalty

    circuit = relax(su2_qcnn(4))
    model = QuantumClassifier(circuit, seed=1)
    slots = torch.as_tensor(circuit.param_slots(ParamRole.BREAKING))
    with torch.no_grad():
        model.weights[slots] = 0.5  # start far from equivariance
    g = torch.Generator().manual_seed(3)
    x = torch.randn(8, 16, dtype=torch.complex128, generator=g)
    x = x / x.norm(dim=1, keepdim=True)
    y = (torch.arange(8) % 2).double()
    before = quantum_invariance_error(model, x)
    train(
        model,
        TensorData(x, y),
        config=TrainConfig(
            epochs=60, lr=0.05, regularizer=BreakingPenalty(start=0.01, growth=1.15)
        ),
    )
    after = quantum_invariance_error(model, x)
    assert float(model.weights.detach()[slots].abs().max()) < 0.05
    assert after < 0.1 * before


def test_augmentation_is_applied_and_reproducible() -> None:
    seen = []

    def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        noise = torch.randn(x.shape, generator=gen, dtype=x.dtype)
        seen.append(float(noise.sum()))
        return x + 0.01 * noise

    model, tr, _ = _toy()
    train(model, tr, config=TrainConfig(epochs=3, augment=augment))
    first = list(seen)
    seen.clear()
    model, tr, _ = _toy()
    train(model, tr, config=TrainConfig(epochs=3, augment=augment))
    assert len(first) == 3 and first == seen and len(set(first)) == 3
