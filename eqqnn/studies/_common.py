r"""Helpers shared by the approximate-equivariance studies.

* inputs: seeded Haar-random (or product) states, phase-classification splits;
* group augmentation: :class:`HaarRotation`, one seeded Haar rotation
  :math:`u_b^{\otimes n}` per sample, for :attr:`eqqnn.training.TrainConfig.augment`;
* parameter maps that fix how much symmetry breaking a graded circuit may use:
  :class:`SlotMask` (projection onto the equivariant slots) and :func:`fixed_degree`
  (a :class:`~eqqnn.models.LearnedDegree` with frozen degrees);
* :class:`EpochProbe`, which records a measurement of the model at the start of every
  epoch through the trainer's regularizer hook (it adds nothing to the loss);
* one result schema for every study and its text rendering (:func:`format_result`),
  JSON writing and the per-layer bookkeeping of graded circuits.

A study's result is a JSON-friendly dict with the keys of :data:`RESULT_KEYS`:
``study`` (name), ``paper`` (reference), ``claim`` (what the paper predicts),
``config`` (the settings), ``records`` (one dict per trained model), ``tables`` (a list of
``{"title", "columns", "rows"}``), ``findings`` (plain sentences, as measured),
``seconds`` and ``outputs`` (the files written).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from eqqnn._validation import check_int, check_real
from eqqnn.circuits import Circuit, ExpGate
from eqqnn.errors import InvalidParameterError

__all__ = [
    "RESULT_KEYS",
    "EpochProbe",
    "HaarRotation",
    "OptimizerSpec",
    "SlotMask",
    "fixed_degree",
    "format_result",
    "gate_layers",
    "layer_breaking_norms",
    "layer_distances",
    "random_states",
]

#: Keys of every study result.
RESULT_KEYS = (
    "study",
    "paper",
    "claim",
    "config",
    "records",
    "tables",
    "findings",
    "seconds",
    "outputs",
)


# ------------------------------------------------------------------ inputs
def random_states(
    n_qubits: int,
    count: int,
    seed: int,
    *,
    product: bool = False,
    dtype: torch.dtype = torch.complex128,
) -> torch.Tensor:
    r"""Seeded random pure states, shape ``(count, 2^n)``.

    ``product=False``: Haar-random states (normalized complex Gaussians).
    ``product=True``: :math:`\bigotimes_i |\phi_i\rangle` with Haar-random qubit states —
    little entanglement, so a shallow circuit's outputs vary over them instead of
    concentrating; SU(2) acts non-trivially on both kinds.

    Examples
    --------
    >>> x = random_states(3, 2, seed=0, product=True)
    >>> x.shape, bool(torch.allclose(x.norm(dim=1), torch.ones(2, dtype=torch.float64)))
    (torch.Size([2, 8]), True)
    """
    n = check_int("n_qubits", n_qubits, minimum=1, maximum=24)
    count = check_int("count", count, minimum=1)
    gen = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    if not product:
        x = torch.randn(count, 2**n, dtype=torch.complex128, generator=gen)
        return (x / x.norm(dim=1, keepdim=True)).to(dtype)
    q = torch.randn(count, n, 2, dtype=torch.complex128, generator=gen)
    q = q / q.norm(dim=2, keepdim=True)
    x = q[:, 0]
    for i in range(1, n):
        x = (x[:, :, None] * q[:, i, None, :]).reshape(count, -1)
    return x.to(dtype)


def phase_split(
    n_qubits: int,
    train_size: int,
    test_points: int,
    *,
    rotation: str = "none",
    dtype: torch.dtype = torch.complex128,
    cache: object = True,
    **terms: float,
) -> tuple[Any, Any]:
    """Training grid and test grid of the phase task as :class:`~eqqnn.training.TensorData`.

    ``terms`` are the Hamiltonian knobs (``anisotropy``, ``field``, ``staggered_field``);
    the test set of ``rotation="haar_triplet"`` data uses seed 1 (other rotations than the
    training set's seed 0).
    """
    from eqqnn.data import DatasetConfig, build_dataset
    from eqqnn.training import TensorData

    common = {"rotation": rotation, "diagnostics": False, **terms}
    tr = build_dataset(
        DatasetConfig.train_grid(n_qubits, train_size, seed=0, **common), cache=cache, dtype=dtype
    )
    te = build_dataset(
        DatasetConfig.test_grid(n_qubits, test_points, seed=1, **common), cache=cache, dtype=dtype
    )
    return TensorData(tr.states, tr.labels), TensorData(te.states, te.labels)


# ------------------------------------------------------------------ augmentation
@dataclass(frozen=True)
class HaarRotation:
    r"""Group augmentation: one seeded Haar-random rotation per sample.

    .. math:: \psi_b \mapsto u_b^{\otimes n}\psi_b, \qquad u_b \sim \mathrm{Haar}(SU(2))

    Called by the trainer as ``augment(inputs, generator)``; the rotations depend only on
    the generator's state, so training runs are reproducible.

    Examples
    --------
    >>> psi = random_states(2, 3, seed=0)
    >>> out = HaarRotation()(psi, torch.Generator().manual_seed(0))
    >>> out.shape, bool(torch.allclose(out.norm(dim=1), psi.norm(dim=1)))
    (torch.Size([3, 4]), True)
    """

    def __call__(self, inputs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        from eqqnn.symmetry import SU2, apply_qubit_rotation

        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
        u = torch.as_tensor(SU2().sample(seed, inputs.shape[0]), dtype=inputs.dtype)
        return apply_qubit_rotation(inputs, u.to(inputs.device))


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer and its learning rate, under a short name for tables."""

    name: str
    """Label in tables and records."""
    factory: Callable[..., torch.optim.Optimizer]
    """Optimizer class (or factory ``(params, lr=...) -> Optimizer``)."""
    lr: float
    """Learning rate."""

    def __post_init__(self) -> None:
        if not callable(self.factory):
            raise InvalidParameterError(f"factory must be callable, got {self.factory!r}")
        check_real("lr", self.lr, minimum=0.0, allow_equal=False)


# ------------------------------------------------------------------ parameter maps
class SlotMask(nn.Module):
    r"""Parameter map :math:`\theta^{\text{eff}} = m \odot \theta` with a fixed 0/1 mask.

    With the mask of the grade-0 slots of a :func:`~eqqnn.circuits.graded_qcnn` this is
    the orthogonal projection onto the equivariant subspace (the graded generators are
    Hilbert–Schmidt orthonormal), so the model is constrained to it exactly: masked slots
    get zero gradient.
    """

    def __init__(self, mask: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("mask", torch.as_tensor(mask, dtype=torch.float64))

    @classmethod
    def equivariant(cls, circuit: Circuit) -> SlotMask:
        """The mask keeping the grade-0 (SU(2)-commutant) slots of a graded circuit."""
        grade = _slot_grade(circuit)
        return cls((grade == 0).to(torch.float64))

    def forward(self, weights: torch.Tensor) -> torch.Tensor:
        return weights * self.mask.to(weights.dtype)


def _slot_grade(circuit: Circuit) -> torch.Tensor:
    if "slot_grade" not in circuit.metadata:
        raise InvalidParameterError(
            f"{circuit.name} has no grade tags; build it with eqqnn.circuits.graded_qcnn"
        )
    return torch.as_tensor(circuit.metadata["slot_grade"], dtype=torch.long)


def fixed_degree(circuit: Circuit, degree: float | Sequence[float]) -> nn.Module:
    r"""A :class:`~eqqnn.models.LearnedDegree` with frozen degrees :math:`f`.

    ``degree`` is one number for every layer and spin :math:`L \ge 1`, or one per layer.
    The logits are set to :math:`\operatorname{artanh} f` (for :math:`f = 1`: 20, where
    :math:`\tanh` rounds to 1 in float64) and excluded from training.

    Examples
    --------
    >>> from eqqnn.circuits import graded_qcnn, spin_graded_generators
    >>> c = graded_qcnn(4, spin_graded_generators(2))
    >>> fixed_degree(c, 0.3).degrees()[0].tolist()
    [1.0, 0.3, 0.3]
    """
    from eqqnn.models import LearnedDegree

    pm = LearnedDegree(circuit)
    n_layers = pm.logits.shape[0]
    values = np.broadcast_to(np.asarray(degree, dtype=float), (n_layers,)).copy()
    for v in values:
        check_real("degree", float(v), minimum=0.0, maximum=1.0)
    logits = np.where(values >= 1.0, 20.0, np.arctanh(np.minimum(values, 1.0 - 1e-16)))
    with torch.no_grad():
        pm.logits.copy_(torch.as_tensor(logits, dtype=pm.logits.dtype)[:, None])
    pm.logits.requires_grad_(False)
    return pm


def set_breaking(model: nn.Module, scale: float, seed: int) -> None:
    """Set the weights of the symmetry-breaking grades (>= 1) to ``scale`` times N(0, 1)."""
    grade = _slot_grade(model.circuit)  # type: ignore[arg-type]
    free = grade > 0
    gen = torch.Generator().manual_seed(seed)
    noise = torch.randn(int(free.sum()), generator=gen, dtype=torch.float64)
    with torch.no_grad():
        model.weights[free] = (scale * noise).to(model.weights.dtype)  # type: ignore[index]


# ------------------------------------------------------------------ probes
class EpochProbe:
    r"""Records ``measure(model)`` at the start of each epoch, through the trainer's
    ``regularizer`` hook; returns a zero penalty (or ``penalty(model)`` when given).

    ``values[e]`` is the measurement after ``e`` epochs (``e = 0`` before training);
    call :meth:`finish` after training to add the last one.
    """

    def __init__(
        self,
        measure: Callable[[nn.Module], Any],
        penalty: Callable[[nn.Module], torch.Tensor] | None = None,
    ) -> None:
        self.measure = measure
        self.penalty = penalty
        self.values: dict[int, Any] = {}

    def __call__(self, model: nn.Module, epoch: int) -> torch.Tensor:
        if epoch - 1 not in self.values:
            self.values[epoch - 1] = self.measure(model)
        if self.penalty is not None:
            return self.penalty(model)
        return torch.zeros((), dtype=torch.float64)

    def finish(self, model: nn.Module, epochs: int) -> list[Any]:
        """Add the measurement after the last epoch; return the values in epoch order."""
        self.values[epochs] = self.measure(model)
        return [self.values[e] for e in sorted(self.values)]


# ------------------------------------------------------------------ graded circuits
def gate_layers(circuit: Circuit) -> list[int]:
    """For every :class:`~eqqnn.circuits.ExpGate` (in order), the index of its layer."""
    out = []
    for i, op in enumerate(circuit.operations):
        if isinstance(op, ExpGate):
            name = circuit.layer_of_operation(i)
            out.append(next(k for k, layer in enumerate(circuit.layers) if layer.name == name))
    return out


def layer_distances(circuit: Circuit, slots: torch.Tensor) -> list[float]:
    r"""Per layer, the mean over its gates of :math:`\|H - \mathcal T[H]\|_F / \|H\|_F`.

    (:func:`eqqnn.metrics.distance_to_equivariant` on the slot values.)
    """
    from eqqnn.metrics import distance_to_equivariant

    per_gate = distance_to_equivariant(circuit, slots)
    layers = gate_layers(circuit)
    out = []
    for k in range(len(circuit.layers)):
        vals = [d for d, layer in zip(per_gate, layers, strict=True) if layer == k]
        out.append(float(np.mean(vals)) if vals else math.nan)
    return out


def layer_breaking_norms(circuit: Circuit, slots: torch.Tensor) -> list[float]:
    r"""Per layer, :math:`\|\theta_{L\ge1}\|_2`: the Frobenius norm of the symmetry-breaking
    part :math:`H - \mathcal T[H]` of its generator (the graded generators are orthonormal).

    Unlike the relative distance of :func:`layer_distances` it does not blow up when the
    equivariant part of a gate is near zero.

    Examples
    --------
    >>> from eqqnn.circuits import graded_qcnn, spin_graded_generators
    >>> c = graded_qcnn(4, spin_graded_generators(2))
    >>> layer_breaking_norms(c, torch.ones(c.n_params))[0] ** 2
    14.0
    """
    grade = _slot_grade(circuit)
    layer = torch.as_tensor(circuit.metadata["slot_layer"], dtype=torch.long)
    values = slots.detach().to(torch.float64)
    return [float(values[(layer == k) & (grade > 0)].norm()) for k in range(len(circuit.layers))]


# ------------------------------------------------------------------ results
def config_dict(config: Any) -> dict[str, Any]:
    """JSON-friendly view of a config dataclass (callables by qualified name, enums by value;
    a callable dataclass without fields, such as an augmentation, by its class name)."""

    def conv(v: Any) -> Any:
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            if callable(v) and not dataclasses.fields(v):
                return type(v).__qualname__
            return {f.name: conv(getattr(v, f.name)) for f in dataclasses.fields(v)}
        if isinstance(v, enum.Enum):
            return v.value
        if isinstance(v, tuple | list):
            return [conv(x) for x in v]
        if callable(v):
            return getattr(v, "__qualname__", repr(v))
        if isinstance(v, Path):
            return str(v)
        return v

    return conv(config)


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and population standard deviation (nan for an empty list)."""
    if not len(values):
        return math.nan, math.nan
    a = np.asarray(values, dtype=float)
    return float(a.mean()), float(a.std())


def _cell(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e4):
            return f"{v:.1e}"
        return f"{v:.3f}"
    return str(v)


def format_table(table: dict[str, Any]) -> str:
    """Fixed-width text rendering of one ``{"title", "columns", "rows"}`` table."""
    cols = [str(c) for c in table["columns"]]
    rows = [[_cell(v) for v in row] for row in table["rows"]]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(cols)]
    lines = [table.get("title", "")]
    lines.append("  ".join(c.rjust(w) for c, w in zip(cols, widths, strict=True)))
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def format_result(result: dict[str, Any]) -> str:
    """The tables and findings of a study result as text (what the CLI prints).

    Examples
    --------
    >>> print(format_result({"study": "demo", "paper": "P", "claim": "C", "findings": ["F"],
    ...     "tables": [{"title": "T", "columns": ["a", "b"], "rows": [[1, 0.5]]}]}))
    == demo: P ==
    claim: C
    T
    a      b
    -  -----
    1  0.500
    - F
    """
    parts = [f"== {result['study']}: {result['paper']} ==", f"claim: {result['claim']}"]
    parts += [format_table(t) for t in result["tables"]]
    parts += [f"- {f}" for f in result["findings"]]
    return "\n".join(parts)


def finish_result(
    result: dict[str, Any], out: Path | str, plot: Callable[[dict[str, Any], Path], None]
) -> dict[str, Any]:
    """Write ``out/<study>.json`` and ``out/<study>.png``; record their paths in the result."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    name = result["study"]
    json_path, png_path = out / f"{name}.json", out / f"{name}.png"
    result["outputs"] = {"json": str(json_path), "png": str(png_path)}
    plot(result, png_path)
    tmp = json_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=1, default=_json_default))
    os.replace(tmp, json_path)
    return result


def _json_default(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return str(v)


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend (files only, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def progress_bar(enabled: bool | None, total: int, description: str) -> Any:
    """A started progress report (:func:`eqqnn._progress.progress_report`: a bar on a
    terminal, plain lines elsewhere), or None."""
    from eqqnn._progress import progress_report

    return progress_report(enabled, total, description)


def advance(bar: Any) -> None:
    """Advance a report from :func:`progress_bar` (no-op for None)."""
    if bar is not None:
        bar.advance()
