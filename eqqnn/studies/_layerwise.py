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

The study is split by concern: :mod:`eqqnn.studies._layerwise_config` holds its settings,
:mod:`eqqnn.studies._layerwise_classical` its classical side (snapshot models cut into layers
and measured) and :mod:`eqqnn.studies._layerwise_report` its tables, findings and figure;
this module runs it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch

from eqqnn.circuits import Circuit
from eqqnn.errors import InvalidParameterError
from eqqnn.studies._classical import shadow_inputs
from eqqnn.studies._common import (
    HaarRotation,
    advance,
    finish_result,
    phase_split,
    progress_bar,
    random_states,
)
from eqqnn.studies._layerwise_classical import _run_classical
from eqqnn.studies._layerwise_config import LayerwiseConfig
from eqqnn.studies._layerwise_report import _plot, _summarize, _summarize_classical

__all__ = ["run_layerwise"]


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
