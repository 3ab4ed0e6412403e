r"""Study 3 — does symmetry emerge layer by layer when non-equivariant networks learn a
symmetric task? (Bökman & Kahl, arXiv 2305.17017.)

Bökman & Kahl find that networks trained on symmetric data tend to become equivariant
*layer by layer* (up to a re-labelling of hidden units), not only end to end.  Here the
non-equivariant models are the symmetry-agnostic QCNN (:func:`~eqqnn.circuits.qcnn`)
and the unconstrained spin-graded QCNN (:func:`~eqqnn.circuits.graded_qcnn`); the
exactly equivariant EQCNN (:func:`~eqqnn.circuits.su2_qcnn`) is the reference.  They are
trained on symmetric data:

* ``singlet`` — ground states of the SU(2) chain, total singlets (:math:`u^{\otimes n}
  \psi = \psi`): every model is invariant *on the data*;
* ``augmented_triplet`` — Haar-rotated lowest :math:`S^z = 1` states with a fresh Haar
  rotation per sample and epoch: a group-invariant data distribution on which SU(2)
  acts non-trivially, the setting of the paper (training with augmentation).

Each layer's equivariance error (:func:`~eqqnn.metrics.layerwise_equivariance_errors`),

.. math:: e_L = \mathbb E_\psi\,\mathbb E_u\,\|U_L u^{\otimes n}\psi_L - u^{\otimes n}
          U_L\psi_L\|_2 ,

with :math:`\psi_L` the state reaching layer :math:`L`, is measured before and after
training on the training inputs and on seeded Haar-random probe states, together with
the end-to-end invariance error.  A random layer has :math:`e_L \approx 1.2`–1.4; 0 is
exact equivariance.  The measure uses the canonical action :math:`u^{\otimes n}` on every
layer: equivariance with respect to another (conjugated) representation of SU(2) on the
hidden qubits — Bökman & Kahl's "up to permutation" — is not detected.

**Classical side** (``LayerwiseConfig.classical``; ``()`` switches it off).  The same
training states are measured as classical shadows
(:func:`~eqqnn.studies._classical.shadow_inputs`, per shot and site a vector
:math:`3 s e_a`) and fed to non-equivariant MLPs (DeepSets over
shots: per-shot layer, shot mean, head), trained without and with augmentation by a fresh
octahedral rotation per sample and epoch
(:class:`~eqqnn.studies._classical.OctahedralRotation`), and to the O-invariant
:class:`~eqqnn.classical.ShadowGCNN` (chain reflection × O) as the equivariant reference.
O permutes the six outcomes :math:`\pm 3e_a`, so it is an *exact* symmetry of the snapshot
distribution; SO(3) only in expectation.  Every layer's features
:math:`\Phi_\ell(X)` (rows: samples — shots for the per-shot layer, states after the shot
mean —, columns: units) are compared with those of the rotated snapshots by
:func:`~eqqnn.metrics.feature_equivariance_errors`:

.. math:: e^{\mathrm{perm}}_\ell = \mathbb E_g \min_P
          \frac{\|\Phi_\ell(g\cdot X) - \Phi_\ell(X) P\|_F}{s_\ell} ,

relative to the spread :math:`s_\ell` of the features over the batch (0: exact; about
:math:`\sqrt 2`: no closer than unrelated samples): the permutation-aligned error of
Bökman & Kahl (the action on hidden units is unknown), with the linear-aligned floor, the
shuffled-sample chance level and, where the action is known (the regular representation on
the G-CNN's group axis; the identity on invariant layers and on every logit), the
known-action error. Seeded non-identity elements of O and seeded Haar rotations, on the
test snapshots and on snapshots of random product states (whose snapshot distributions O
moves), before training (the random-network baseline) and after. On singlet data the
snapshot distribution of *each* state is O-invariant, so the shot-mean layers of any
network are O-invariant up to shot noise there — which, at a hundred or so shots, is as
large as the spread of those features over the states. The classical records are in
``result["classical_records"]``; a PNG row of panels shows them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from eqqnn._validation import check_choice, check_even_int, check_int, check_real, check_seeds
from eqqnn.circuits import Circuit
from eqqnn.errors import InvalidParameterError
from eqqnn.models import InputKind
from eqqnn.studies._classical import (
    OctahedralRotation,
    _check_classical_families,
    _rotation_matrices,
    _shadow_family,
    classical_invariance_error,
    rotate_snapshots,
    shadow_inputs,
)
from eqqnn.studies._common import (
    HaarRotation,
    advance,
    config_dict,
    finish_result,
    phase_split,
    progress_bar,
    pyplot,
    random_states,
)
from eqqnn.training import ModelFamily, check_families

__all__ = ["LayerwiseConfig", "run_layerwise", "snapshot_layers"]

CONDITIONS = ("singlet", "augmented_triplet")
#: Groups acting on the snapshot vectors in the classical measurements.
CLASSICAL_GROUPS = ("O", "SO(3)")
#: Inputs of the classical measurements: test snapshots and random product-state probes.
CLASSICAL_INPUTS = ("test", "probe")
#: The per-layer numbers recorded by the classical measurements.
CLASSICAL_METRICS = ("permutation", "linear", "chance", "known")


def _qcnn(n: int) -> Circuit:
    from eqqnn.circuits import qcnn

    return qcnn(n)


def _graded(n: int) -> Circuit:
    from eqqnn.circuits import graded_qcnn, spin_graded_generators

    return graded_qcnn(n, spin_graded_generators(2))


def _su2(n: int) -> Circuit:
    from eqqnn.circuits import su2_qcnn

    return su2_qcnn(n)


def _circuit_family(name: str, circuit: Callable[[int], Circuit]) -> ModelFamily:
    """A quantum family of ``circuit`` on dense states: a
    :class:`~eqqnn.models.QuantumClassifier` on the
    default :class:`~eqqnn.sim.StatevectorBackend`, without output map."""
    from eqqnn.experiments import QuantumBuilder
    from eqqnn.sim import StatevectorBackend

    builder = QuantumBuilder(circuit, StatevectorBackend, output_map=False)
    return ModelFamily(name, "quantum", InputKind.STATE, builder, backend="statevector(autograd)")


def _default_families() -> tuple[ModelFamily, ...]:
    return (
        _circuit_family("qcnn", _qcnn),
        _circuit_family("graded_qcnn", _graded),
        _circuit_family("su2_qcnn", _su2),
    )


def _mlp(n: int, seed: int) -> nn.Module:
    from eqqnn.classical import MLPClassifier

    return MLPClassifier(n_sites=n, input_kind=InputKind.SHADOWS, seed=seed, dtype=torch.float64)


def _shadow_gcnn(n: int, seed: int) -> nn.Module:
    from eqqnn.classical import ShadowGCNN

    # the exact group of the open chain (reflection) x O; translations are only approximate
    return ShadowGCNN(n_sites=n, translations=False, seed=seed, dtype=torch.float64)


def _default_snapshot_families() -> tuple[ModelFamily, ...]:
    return (
        _shadow_family("MLP", _mlp, role="nominal"),
        _shadow_family("MLP+O-aug", _mlp, augment=OctahedralRotation(), role="O-augmented"),
        _shadow_family("ShadowGCNN", _shadow_gcnn, role="O-equivariant"),
    )


def _check_circuit_families(families: Any) -> None:
    """Raise unless ``families`` is a non-empty tuple of quantum families on dense states."""
    check_families(
        "families", families, kind="quantum", input_kind=InputKind.STATE, allow_empty=False
    )


@dataclass(frozen=True)
class LayerwiseConfig:
    """Settings of :func:`run_layerwise`."""

    n_qubits: int = 8
    """Chain length (even)."""
    families: tuple[ModelFamily, ...] = field(default_factory=_default_families)
    """Circuits to train (non-equivariant ones and an equivariant reference): families of
    kind ``"quantum"`` on :attr:`~eqqnn.models.InputKind.STATE` whose ``build(n, seed)``
    returns a :class:`~eqqnn.models.QuantumClassifier` (its ``circuit`` is measured layer by
    layer).  They are trained with :attr:`epochs` and :attr:`lr` of this config (and the
    condition's augmentation); the families' own training settings are not used."""
    conditions: tuple[str, ...] = CONDITIONS
    """Symmetric training data: ``singlet`` and/or ``augmented_triplet``."""
    train_size: int = 8
    """Training points."""
    test_points: int = 60
    """Test grid size."""
    seeds: tuple[int, ...] = (0, 1, 2)
    """Seeds of model initialization."""
    epochs: int = 100
    """Adam epochs (full batch, BCE)."""
    lr: float = 0.05
    """Learning rate."""
    probe_states: int = 16
    """Haar-random probe states."""
    ee_samples: int = 4
    """Haar rotations per equivariance-error estimate."""
    cache: bool = True
    """Use the on-disk dataset cache."""
    classical: tuple[ModelFamily, ...] = field(default_factory=_default_snapshot_families)
    """Classical models on shadow snapshots of the same states (``()``: quantum side only):
    families of kind ``"classical"`` on :attr:`~eqqnn.models.InputKind.SHADOWS` (an
    MLPClassifier on shadows or a ShadowGCNN), trained with their own ``lr``, ``augment``
    and ``schedule`` for :attr:`classical_epochs` epochs."""
    shots: int = 100
    """Shadow snapshots per state for the classical models."""
    classical_epochs: int = 100
    """Adam epochs of the classical models (full batch, BCE)."""
    classical_elements: int = 6
    """Seeded non-identity elements of O, and Haar rotations, per classical measurement."""

    def __post_init__(self) -> None:
        check_even_int("n_qubits", self.n_qubits, minimum=4, maximum=12)
        _check_classical_families("classical", self.classical)
        check_int("shots", self.shots, minimum=1)
        check_int("classical_epochs", self.classical_epochs, minimum=1)
        check_int("classical_elements", self.classical_elements, minimum=1, maximum=23)
        _check_circuit_families(self.families)
        if not self.conditions:
            raise InvalidParameterError("conditions must hold at least one entry, got none")
        for c in self.conditions:
            check_choice("condition", c, CONDITIONS)
        check_int("train_size", self.train_size, minimum=2)
        check_int("test_points", self.test_points, minimum=2)
        check_seeds(self.seeds)
        check_int("epochs", self.epochs, minimum=1)
        check_real("lr", self.lr, minimum=0.0, allow_equal=False)
        check_int("probe_states", self.probe_states, minimum=1)
        check_int("ee_samples", self.ee_samples, minimum=1)

    @classmethod
    def quick(cls) -> LayerwiseConfig:
        """n = 6, one seed, 60 epochs, 40 test points; classical: 200 shots, 300 epochs."""
        return cls(
            n_qubits=6, seeds=(0,), epochs=60, test_points=40, shots=200, classical_epochs=300
        )

    @classmethod
    def tiny(cls) -> LayerwiseConfig:
        """Seconds: n = 4, one seed, 3 epochs (for tests)."""
        return cls(
            n_qubits=4,
            train_size=4,
            seeds=(0,),
            epochs=3,
            test_points=6,
            probe_states=4,
            ee_samples=2,
            shots=8,
            classical_epochs=2,
            classical_elements=2,
        )


def run_layerwise(
    config: LayerwiseConfig | None = None,
    out: Path | str = Path("runs/studies"),
    *,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Measure every layer's equivariance error before and after training on symmetric
    data; write ``out/layerwise.json`` and ``out/layerwise.png``; return the result dict.

    The classical models' records go to ``result["classical_records"]`` (per layer and for
    each group, inputs and before/after training: the permutation-aligned, linear-aligned,
    chance-level and known-action errors), with their own tables and findings.

    Examples
    --------
    >>> import dataclasses, tempfile
    >>> from eqqnn.circuits import su2_qcnn
    >>> from eqqnn.experiments import QuantumBuilder
    >>> from eqqnn.models import InputKind
    >>> from eqqnn.sim import StatevectorBackend
    >>> from eqqnn.training import ModelFamily
    >>> su2 = ModelFamily("su2", "quantum", InputKind.STATE,
    ...                   QuantumBuilder(su2_qcnn, StatevectorBackend, output_map=False))
    >>> cfg = dataclasses.replace(LayerwiseConfig.tiny(), cache=False, conditions=("singlet",),
    ...                           families=(su2,), epochs=1, classical=())
    >>> with tempfile.TemporaryDirectory() as d:
    ...     result = run_layerwise(cfg, d, progress=False)
    >>> max(result["records"][0]["after_probe"]) < 1e-10
    True
    """
    from eqqnn.metrics import layerwise_equivariance_errors, quantum_invariance_error
    from eqqnn.training import TrainConfig, train

    cfg = config or LayerwiseConfig()
    if not isinstance(cfg, LayerwiseConfig):
        raise InvalidParameterError(f"config must be a LayerwiseConfig, got {type(cfg).__name__}")
    start = time.perf_counter()
    n = cfg.n_qubits
    probe = random_states(n, cfg.probe_states, seed=54321)
    records: list[dict[str, Any]] = []
    total = len(cfg.conditions) * (len(cfg.families) + len(cfg.classical)) * len(cfg.seeds)
    bar = progress_bar(progress, total, "layerwise")
    classical_records: list[dict[str, Any]] = []
    probe_shadows = (
        shadow_inputs(random_states(n, cfg.probe_states, seed=54322, product=True), cfg.shots, 2)
        if cfg.classical
        else None
    )
    ee_kw = {"n_samples": cfg.ee_samples, "seed": 1}
    try:
        for condition in cfg.conditions:
            rotation = "none" if condition == "singlet" else "haar_triplet"
            train_data, test_data = phase_split(
                n, cfg.train_size, cfg.test_points, rotation=rotation, cache=cfg.cache
            )
            augment = HaarRotation() if condition == "augmented_triplet" else None
            for family in cfg.families:
                for seed in cfg.seeds:
                    torch.manual_seed(seed)
                    model = family.build(n, seed)
                    circuit = getattr(model, "circuit", None)
                    if not isinstance(circuit, Circuit):
                        raise InvalidParameterError(
                            f"family {family.name!r} must build a model with a circuit "
                            f"(a QuantumClassifier), got {type(model).__name__}"
                        )

                    def measure(states: torch.Tensor, model: Any = model, c: Any = circuit) -> dict:
                        return layerwise_equivariance_errors(
                            c, model.slot_values(), states, **ee_kw
                        )

                    before_data, before_probe = measure(train_data.inputs), measure(probe)
                    inv_before = quantum_invariance_error(model, probe, **ee_kw)
                    inv_test_before = quantum_invariance_error(model, test_data.inputs, **ee_kw)
                    result = train(
                        model,
                        train_data,
                        test_data,
                        TrainConfig(
                            epochs=cfg.epochs,
                            lr=cfg.lr,
                            seed=seed,
                            eval_every=cfg.epochs,
                            augment=augment,
                        ),
                        progress=False,
                    )
                    after_data, after_probe = measure(train_data.inputs), measure(probe)
                    records.append(
                        {
                            "condition": condition,
                            "family": family.name,
                            "seed": seed,
                            "equivariant_circuit": bool(circuit.is_su2_equivariant),
                            "layers": list(before_probe),
                            "before_data": list(before_data.values()),
                            "after_data": list(after_data.values()),
                            "before_probe": list(before_probe.values()),
                            "after_probe": list(after_probe.values()),
                            "invariance_probe_before": inv_before,
                            "invariance_probe_after": quantum_invariance_error(
                                model, probe, **ee_kw
                            ),
                            "invariance_test_before": inv_test_before,
                            "invariance_test_after": quantum_invariance_error(
                                model, test_data.inputs, **ee_kw
                            ),
                            "train_accuracy": result.train_accuracy,
                            "test_accuracy": result.test_accuracy,
                        }
                    )
                    advance(bar)
            if cfg.classical:
                classical_records += _run_classical(
                    cfg, condition, train_data, test_data, probe_shadows, bar
                )
    finally:
        if bar is not None:
            bar.stop()
    result = _summarize(cfg, records)
    if classical_records:
        _summarize_classical(cfg, classical_records, result)
    result["seconds"] = time.perf_counter() - start
    return finish_result(result, out, _plot)


# ------------------------------------------------------------------ classical side
Stage = tuple[str, Callable[[Any], Any]]


def _head_stages(head: nn.Sequential) -> list[Stage]:
    """``Linear -> act`` pairs of an MLP head as stages ``head1, head2, ..., logit``."""
    mods = list(head.children())
    stages: list[Stage] = []
    i = 0
    while i < len(mods):
        j = i + 2 if i + 1 < len(mods) and not isinstance(mods[i + 1], nn.Linear) else i + 1
        block = nn.Sequential(*mods[i:j])
        last = j >= len(mods)
        stages.append(("logit" if last else f"head{len(stages) + 1}", block))
        i = j
    return stages


def snapshot_layers(
    model: nn.Module,
) -> tuple[list[Stage], dict[str, Callable[[torch.Tensor, int], torch.Tensor]]]:
    r"""The layers of a classical snapshot model as stages, and the known O actions.

    Stages map ``(B, T, n, 3)`` snapshots on to the logits; each stage's last axis holds
    its units.  For an :class:`~eqqnn.classical.MLPClassifier` on shadows: ``per_shot``
    ``(B, T, h)``, ``shot_mean`` ``(B, h)``, the head's hidden layers, ``logit``.  For a
    :class:`~eqqnn.classical.ShadowGCNN`: ``lift`` ``(B, T, C|G|)`` (after the
    nonlinearity), ``shot_mean``, ``conv1``, ..., ``pool``, head, ``logit``.

    The known actions of an element :math:`o` of O (an index into
    :func:`~eqqnn.symmetry.octahedral_group`), for
    :func:`~eqqnn.metrics.feature_equivariance_errors`: the left-regular representation
    :math:`f(k) \mapsto f((e, o)^{-1}k)` on the G-CNN's group axis, the identity on its
    invariant layers and on every model's logit.

    Examples
    --------
    >>> from eqqnn.classical import MLPClassifier
    >>> from eqqnn.models import InputKind
    >>> mlp = MLPClassifier(n_sites=4, input_kind=InputKind.SHADOWS, hidden=(5, 3), seed=0)
    >>> stages, actions = snapshot_layers(mlp)
    >>> [name for name, _ in stages], list(actions)
    (['per_shot', 'shot_mean', 'head1', 'logit'], ['logit'])
    """
    from eqqnn.classical import SNAPSHOT_SCALE, MLPClassifier, ShadowGCNN, group_table
    from eqqnn.models import InputKind

    def identity(h: torch.Tensor, g: int) -> torch.Tensor:
        return h

    if isinstance(model, MLPClassifier) and model.input_kind is InputKind.SHADOWS:
        stages: list[Stage] = [
            ("per_shot", lambda x: model.per_shot(x.flatten(-2) / SNAPSHOT_SCALE)),
            ("shot_mean", lambda h: h.mean(dim=1)),
            *_head_stages(model.head),
        ]
        return stages, {"logit": identity}
    if isinstance(model, ShadowGCNN):
        cfg, table = model.config, group_table(model.group)
        order, act_fn = table.order, model.config.activation

        def lift(x: torch.Tensor) -> torch.Tensor:
            b, t = x.shape[:2]
            return act_fn(model.lift(x.reshape(b, t, 1, -1) / SNAPSHOT_SCALE)).flatten(-2)

        def conv_stage(conv: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
            def run(h: torch.Tensor) -> torch.Tensor:
                return act_fn(conv(h.reshape(h.shape[0], -1, order))).flatten(-2)

            return run

        stages = [("lift", lift), ("shot_mean", lambda h: h.mean(dim=1))]
        stages += [(f"conv{i + 1}", conv_stage(c)) for i, c in enumerate(model.convs)]
        stages.append(("pool", lambda h: model.pool(h.reshape(h.shape[0], -1, order))))
        stages += _head_stages(model.head)

        def regular(h: torch.Tensor, o: int) -> torch.Tensor:
            k = int(table.flat_index((np.array([0]), np.array([o])))[0])  # (e, o)
            idx = torch.as_tensor(np.array(table.cayley[table.inverse[k]]), device=h.device)
            return h.reshape(*h.shape[:-1], -1, order)[..., idx].flatten(-2)

        actions = {name: regular for name, _ in stages[: 2 + cfg.conv_layers]}
        actions.update({name: identity for name, _ in stages[2 + cfg.conv_layers :]})
        return stages, actions
    raise InvalidParameterError(
        "snapshot_layers needs an MLPClassifier on shadows or a ShadowGCNN, got "
        f"{type(model).__name__}"
    )


def _group_elements(k: int) -> dict[str, tuple[list[Any], Callable[..., torch.Tensor]]]:
    """Seeded elements of O (non-identity indices) and of SO(3), with their snapshot actions."""
    from eqqnn.symmetry import SU2, octahedral_group

    mats = torch.as_tensor(np.array(octahedral_group().matrices), dtype=torch.float64)
    o_elements = np.random.default_rng(2305).choice(np.arange(1, 24), size=k, replace=False)
    rotations = [torch.as_tensor(r) for r in _rotation_matrices(SU2().sample(17017, k))]
    return {
        "O": ([int(o) for o in o_elements], lambda x, o: rotate_snapshots(x, mats[o])),
        "SO(3)": (rotations, rotate_snapshots),
    }


def _measure_classical(
    model: nn.Module, inputs: dict[str, torch.Tensor], groups: dict[str, Any]
) -> dict[str, dict[str, dict[str, list[float]]]]:
    """``{group: {inputs: {metric: per-layer values}}}`` of one model."""
    from eqqnn.metrics import feature_equivariance_errors

    stages, o_actions = snapshot_layers(model)
    out: dict[str, dict[str, dict[str, list[float]]]] = {}
    for gname, (elements, act_fn) in groups.items():
        # the regular representation is the known action of O only; invariance for both
        actions = o_actions if gname == "O" else {"logit": o_actions["logit"]}
        out[gname] = {}
        for iname, x in inputs.items():
            errs = feature_equivariance_errors(stages, x, act_fn, elements, actions, seed=1)
            out[gname][iname] = {
                m: [getattr(e, m) for e in errs.values()] for m in CLASSICAL_METRICS
            }
    return out


def _run_classical(
    cfg: LayerwiseConfig,
    condition: str,
    train_data: Any,
    test_data: Any,
    probe_shadows: torch.Tensor,
    bar: Any,
) -> list[dict[str, Any]]:
    from eqqnn.training import TensorData, evaluate, train

    n = cfg.n_qubits
    x_train = shadow_inputs(train_data.inputs, cfg.shots, seed=0)
    x_test = shadow_inputs(test_data.inputs, cfg.shots, seed=1)
    tr, te = TensorData(x_train, train_data.labels), TensorData(x_test, test_data.labels)
    inputs = {"test": x_test, "probe": probe_shadows}
    groups = _group_elements(cfg.classical_elements)
    out = []
    for family in cfg.classical:
        for seed in cfg.seeds:
            t0 = time.perf_counter()
            torch.manual_seed(seed)
            model = family.build(n, seed)
            stages, _ = snapshot_layers(model)
            before = _measure_classical(model, inputs, groups)
            inv_before = classical_invariance_error(model, x_test, n_samples=cfg.ee_samples, seed=1)
            train(
                model,
                tr,
                None,
                family.with_training(epochs=cfg.classical_epochs).train_config(seed),
                progress=False,
            )
            after = _measure_classical(model, inputs, groups)
            errors = {
                g: {i: {"before": before[g][i], "after": after[g][i]} for i in inputs}
                for g in groups
            }
            out.append(
                {
                    "condition": condition,
                    "family": family.name,
                    "role": family.role,
                    "seed": seed,
                    "layers": [name for name, _ in stages],
                    "errors": errors,
                    "so3_invariance_test_before": inv_before,
                    "so3_invariance_test_after": classical_invariance_error(
                        model, x_test, n_samples=cfg.ee_samples, seed=1
                    ),
                    "train_accuracy": evaluate(model, tr)["accuracy"],
                    "test_accuracy": evaluate(model, te)["accuracy"],
                    "seconds": time.perf_counter() - t0,
                }
            )
            advance(bar)
    return out


def _classical_mean(rs: list[dict[str, Any]], group: str, inputs: str, stage: str, metric: str):
    return np.mean([r["errors"][group][inputs][stage][metric] for r in rs], axis=0)


def _summarize_classical(
    cfg: LayerwiseConfig, records: list[dict[str, Any]], result: dict[str, Any]
) -> None:
    """Add the classical records, tables and findings to ``result`` (in place)."""
    rows, so3_rows = [], []
    for condition in cfg.conditions:
        for family in cfg.classical:
            rs = [r for r in records if r["condition"] == condition and r["family"] == family.name]
            if not rs:
                continue

            def m(group: str, inputs: str, stage: str, metric: str, rs: list = rs) -> np.ndarray:
                return _classical_mean(rs, group, inputs, stage, metric)

            for i, layer in enumerate(rs[0]["layers"]):
                pb, pa = (
                    m("O", "test", "before", "permutation"),
                    m("O", "test", "after", "permutation"),
                )
                rows.append(
                    [
                        condition,
                        family.name,
                        layer,
                        float(pb[i]),
                        float(pa[i]),
                        _ratio(pa[i], pb[i]),
                        float(m("O", "probe", "before", "permutation")[i]),
                        float(m("O", "probe", "after", "permutation")[i]),
                        float(m("O", "test", "after", "linear")[i]),
                        float(m("O", "test", "after", "chance")[i]),
                        float(m("O", "test", "after", "known")[i]),
                    ]
                )
                so3_rows.append(
                    [
                        condition,
                        family.name,
                        layer,
                        float(m("SO(3)", "test", "before", "permutation")[i]),
                        float(m("SO(3)", "test", "after", "permutation")[i]),
                        float(m("SO(3)", "probe", "before", "permutation")[i]),
                        float(m("SO(3)", "probe", "after", "permutation")[i]),
                    ]
                )
            result["findings"].append(_classical_finding(condition, family, rs, m))
    result["classical_records"] = records
    result["tables"] += [
        {
            "title": "classical layerwise equivariance under O (mean over seeds): "
            "permutation-aligned error on test shadows and probes, linear floor, chance "
            "level and known-action error (nan: unknown)",
            "columns": [
                "data",
                "model",
                "layer",
                "perm before",
                "perm after",
                "after/before",
                "probe before",
                "probe after",
                "linear after",
                "chance after",
                "known after",
            ],
            "rows": rows,
        },
        {
            "title": "classical layerwise permutation-aligned error under seeded SO(3) rotations",
            "columns": [
                "data",
                "model",
                "layer",
                "test before",
                "test after",
                "probe before",
                "probe after",
            ],
            "rows": so3_rows,
        },
    ]


def _classical_finding(condition: str, family: ModelFamily, rs: list, m: Callable) -> str:
    acc = float(np.mean([r["test_accuracy"] for r in rs]))
    inv_b = float(np.mean([r["so3_invariance_test_before"] for r in rs]))
    inv_a = float(np.mean([r["so3_invariance_test_after"] for r in rs]))
    tail = (
        f"SO(3) end-to-end invariance error on test shadows {inv_b:.3f} → {inv_a:.3f}; "
        f"test accuracy {acc:.3f}"
    )
    head = f"classical {condition}/{family.name} ({family.role})"
    known_b, known_a = m("O", "test", "before", "known"), m("O", "test", "after", "known")
    known = np.concatenate([known_b, known_a])
    if not np.isnan(known).any():  # every layer's action is known: the equivariant reference
        perm = max(
            float(np.max(m("O", i, s, "permutation")))
            for i in CLASSICAL_INPUTS
            for s in ("before", "after")
        )
        return (
            f"{head}: every layer's known-action O error ≤ {np.max(known):.1e} and "
            f"permutation-aligned error ≤ {perm:.1e} before and after training (an exact "
            f"permutation of units is found, as the regular representation predicts); {tail}"
        )
    parts = []
    for inputs in CLASSICAL_INPUTS:
        b, a = m("O", inputs, "before", "permutation"), m("O", inputs, "after", "permutation")
        ratios = a / np.maximum(b, 1e-300)
        names = [layer for layer, r in zip(rs[0]["layers"], ratios, strict=True) if r <= 0.5]
        verdict = (
            "symmetry emerges layer by layer: every layer's error at least halved"
            if len(names) == len(ratios)
            else "symmetry does not emerge layer by layer: no layer's error halved"
            if not names
            else f"symmetry does not emerge layer by layer: the error is at least halved only "
            f"in {', '.join(names)}"
        )
        parts.append(
            f"on {inputs} shadows the O permutation-aligned errors "
            f"{' / '.join(f'{v:.2f}' for v in b)} before → "
            f"{' / '.join(f'{v:.2f}' for v in a)} after ({verdict})"
        )
    layers = " / ".join(rs[0]["layers"])
    return f"{head}, layers {layers}: " + "; ".join(parts) + f"; {tail}"


def _ratio(after: float, before: float) -> float:
    """after / before, nan when before is at round-off level (an equivariant layer)."""
    return float(after / before) if before > 1e-12 else float("nan")


def _summarize(cfg: LayerwiseConfig, records: list[dict[str, Any]]) -> dict[str, Any]:
    rows, inv_rows, findings = [], [], []
    for condition in cfg.conditions:
        for family in cfg.families:
            rs = [r for r in records if r["condition"] == condition and r["family"] == family.name]
            if not rs:
                continue
            keys = ("before_data", "after_data", "before_probe", "after_probe")
            mean = {k: np.mean([r[k] for r in rs], axis=0) for k in keys}
            for i, layer in enumerate(rs[0]["layers"]):
                rows.append(
                    [
                        condition,
                        family.name,
                        layer,
                        *[float(mean[k][i]) for k in keys],
                        _ratio(mean["after_probe"][i], mean["before_probe"][i]),
                    ]
                )
            inv = {
                k: float(np.mean([r[k] for r in rs]))
                for k in (
                    "invariance_probe_before",
                    "invariance_probe_after",
                    "invariance_test_before",
                    "invariance_test_after",
                    "test_accuracy",
                )
            }
            inv_rows.append([condition, family.name, *inv.values()])
            if rs[0]["equivariant_circuit"]:
                worst = max(max(r[k]) for r in rs for k in ("before_data", "after_data", *keys[2:]))
                findings.append(
                    f"{condition}/{family.name} (equivariant reference): every layer's error "
                    f"≤ {worst:.1e} before and after training"
                )
                continue
            ratios = mean["after_probe"] / np.maximum(mean["before_probe"], 1e-300)
            halved = int(np.sum(ratios <= 0.5))
            b, a = mean["before_probe"], mean["after_probe"]
            verdict = (
                "symmetry emerges layer by layer"
                if halved == len(ratios)
                else "symmetry does not emerge layer by layer"
                if halved == 0
                else "partial emergence"
            )
            findings.append(
                f"{condition}/{family.name}: layer errors on probes {b.min():.2f}–{b.max():.2f} "
                f"before, {a.min():.2f}–{a.max():.2f} after (after/before {ratios.min():.2f}–"
                f"{ratios.max():.2f}; {halved} of {len(ratios)} layers at least halved): "
                f"{verdict}; end-to-end invariance error on test inputs "
                f"{inv['invariance_test_before']:.3f} → {inv['invariance_test_after']:.3f}, "
                f"on probes {inv['invariance_probe_before']:.3f} → "
                f"{inv['invariance_probe_after']:.3f}; test accuracy {inv['test_accuracy']:.3f}"
            )
    return {
        "study": "layerwise",
        "paper": "Bökman & Kahl, arXiv 2305.17017",
        "claim": "networks trained on symmetric data become equivariant layer by layer",
        "config": config_dict(cfg),
        "records": records,
        "tables": [
            {
                "title": "layerwise equivariance error (mean over seeds), on training inputs "
                "and on Haar-random probes",
                "columns": [
                    "data",
                    "model",
                    "layer",
                    "data before",
                    "data after",
                    "probe before",
                    "probe after",
                    "after/before",
                ],
                "rows": rows,
            },
            {
                "title": "end-to-end invariance error and test accuracy",
                "columns": [
                    "data",
                    "model",
                    "probe before",
                    "probe after",
                    "test before",
                    "test after",
                    "test acc",
                ],
                "rows": inv_rows,
            },
        ],
        "findings": findings,
    }


def _plot(result: dict[str, Any], path: Path) -> None:
    plt = pyplot()
    records = result["records"]
    classical = result.get("classical_records", [])
    conditions = list(dict.fromkeys(r["condition"] for r in records))
    n_rows = 2 if classical else 1
    fig, axes = plt.subplots(
        n_rows, len(conditions), figsize=(5.5 * len(conditions), 3.8 * n_rows), squeeze=False
    )
    for ax, cond in zip(axes[0], conditions, strict=True):
        families = list(dict.fromkeys(r["family"] for r in records if r["condition"] == cond))
        for k, fam in enumerate(families):
            rs = [r for r in records if r["condition"] == cond and r["family"] == fam]
            before = np.mean([r["before_probe"] for r in rs], axis=0)
            after = np.mean([r["after_probe"] for r in rs], axis=0)
            x = np.arange(len(before))
            color = f"C{k}"
            ax.plot(x, before, ":o", color=color, label=f"{fam} before")
            ax.plot(x, after, "-s", color=color, label=f"{fam} after")
            ax.set_xticks(x, rs[0]["layers"], rotation=45, fontsize=7)
        ax.set(ylabel="layer equivariance error (probes)", title=cond)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
    if classical:
        for ax, cond in zip(axes[1], conditions, strict=True):
            families = list(dict.fromkeys(r["family"] for r in classical if r["condition"] == cond))
            for k, fam in enumerate(families):
                rs = [r for r in classical if r["condition"] == cond and r["family"] == fam]
                before = _classical_mean(rs, "O", "test", "before", "permutation")
                after = _classical_mean(rs, "O", "test", "after", "permutation")
                chance = _classical_mean(rs, "O", "test", "after", "chance")
                x = np.arange(len(before))
                color = f"C{k + 3}"
                # floor at 1e-17 so that exact zeros stay on the log axis
                ax.plot(x, np.maximum(before, 1e-17), ":o", color=color, label=f"{fam} before")
                ax.plot(x, np.maximum(after, 1e-17), "-s", color=color, label=f"{fam} after")
                ax.plot(x, chance, "x", color=color, alpha=0.5, label=f"{fam} chance")
            ax.set_yscale("log")
            ax.set(
                xlabel="layer (in network order)",
                ylabel="permutation-aligned O error (test shadows)",
                title=f"classical, {cond}",
            )
            ax.grid(alpha=0.3)
            ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
