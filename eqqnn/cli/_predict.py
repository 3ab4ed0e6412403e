"""``eqqnn predict`` and ``eqqnn evaluate``: a trained model applied to new states.

The model comes from a saved-model file, a run folder of ``eqqnn train`` or a sweep folder
of ``eqqnn compare`` (:func:`eqqnn.experiments.load`).  Inputs are ground states of the
bond-alternating chain at the given ratios, generated (or read from the dataset cache)
in the form the model consumes — singlet-sector coordinates for the EQCNN on the sector
engine, qubit vectors for the dense models, classical shadows (1000 snapshots, seeded)
or correlators for the classical ones — or an ``.npy`` file of inputs in that form.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from eqqnn.errors import InvalidParameterError


def _model_and_meta(run: Path, select: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    from eqqnn.experiments._saved import load_model, read_saved, resolve_saved

    file = resolve_saved(run, **select)
    return load_model(file), {**read_saved(file)["meta"], "file": str(file)}


def _precision(model: Any) -> str:
    import torch

    dtype = next(model.parameters()).dtype
    return "single" if dtype == torch.float32 else "double"


def ground_state_inputs(model: Any, n_qubits: int, ratios: np.ndarray, shots: int) -> Any:
    """Inputs of ``model`` for the ground states at ``ratios`` (cached like the datasets)."""
    from eqqnn.data import DatasetConfig
    from eqqnn.experiments._task import SplitInputs

    grid = DatasetConfig(n_qubits, tuple(float(r) for r in ratios), diagnostics=False)
    split = SplitInputs(n_qubits, ratios, grid, shots, 4321, True, _precision(model))
    return split.inputs(model.input_kind)


def states_from_file(path: Path) -> Any:
    """Inputs read from ``.npy`` (one array) or ``.npz`` (its first array); no pickles."""
    import torch

    if path.suffix not in (".npy", ".npz"):
        raise InvalidParameterError(f"--states takes a .npy or .npz file, got {path}")
    if not path.is_file():
        raise InvalidParameterError(f"no file {path}")
    data = np.load(path, allow_pickle=False)
    if isinstance(data, np.lib.npyio.NpzFile):
        data = data[data.files[0]]
    return torch.from_numpy(np.ascontiguousarray(data))


def predict_rows(
    run: Path,
    ratios: list[float] | None,
    states: Path | None,
    select: dict[str, Any],
    shots: int,
) -> list[tuple[str, float, int]]:
    """``(input, probability, label)`` per input."""
    import torch

    if (ratios is None) == (states is None):
        raise InvalidParameterError("give exactly one of --ratios and --states")
    model, meta = _model_and_meta(run, select)
    n = int(meta["n_qubits"])
    if ratios is not None:
        if any(not np.isfinite(r) or r < 0 for r in ratios):
            raise InvalidParameterError(f"ratios must be finite and >= 0, got {ratios}")
        grid = np.asarray(ratios, dtype=np.float64)
        inputs = ground_state_inputs(model, n, grid, shots)
        names = [f"r = {r:g}" for r in grid]
    else:
        assert states is not None
        inputs = states_from_file(states)
        names = [f"{states.name}[{i}]" for i in range(len(inputs))]
    with torch.no_grad():
        probs = model(inputs).detach().cpu().to(torch.float64).numpy()
    return [(name, float(p), int(p > 0.5)) for name, p in zip(names, probs, strict=True)]


def evaluate_run(run: Path, select: dict[str, Any], test_points: int, shots: int) -> dict[str, Any]:
    """Accuracy of the model on the standard test grid, and the ratios it gets wrong."""
    import torch

    from eqqnn.experiments._jobs import misclassified_ratios
    from eqqnn.experiments._task import PhaseTask, TaskSpec

    model, meta = _model_and_meta(run, select)
    n = int(meta["n_qubits"])
    spec = TaskSpec(n, 2, test_points, shots)
    split = PhaseTask.test_split(spec, precision=_precision(model))
    with torch.no_grad():
        probs = model(split.inputs(model.input_kind)).detach().cpu().to(torch.float64)
    labels = split.labels.to(torch.float64)
    accuracy = float(((probs > 0.5).to(torch.float64) == labels).to(torch.float64).mean())
    return {
        "file": meta["file"],
        "family": meta.get("family"),
        "n_qubits": n,
        "test_points": test_points,
        "test_accuracy": accuracy,
        "test_errors": list(misclassified_ratios(spec, [float(p) for p in probs])),
    }
