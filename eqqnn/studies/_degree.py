r"""Study 4 — learning the degree of equivariance per layer (Veefkind & Cesa,
arXiv 2406.03946).

Veefkind & Cesa let each layer learn how equivariant it is; on data with partial
symmetry the learned degrees should reflect where the symmetry is broken.  Here the truth
is known by construction: a *teacher* spin-graded QCNN (:func:`~eqqnn.circuits.graded_qcnn`)
whose spin-:math:`L` generator components are scaled by fixed per-layer degrees
:math:`f^*_\ell` (:func:`~eqqnn.studies._common.fixed_degree`) labels seeded random
input states (product states by default, on which SU(2) acts non-trivially).  Students
of the same architecture learn the degree jointly with their weights:

* :class:`~eqqnn.models.LearnedDegree` — :math:`f_{\ell,L} = \tanh a_{\ell,L}`, started at
  :math:`a = 0` (exactly equivariant);
* :class:`~eqqnn.models.GroupMixture` — softmax weights :math:`w_{\ell,L}` over the grades,
  started near equivariance (logits :math:`(0, c, c)` with :math:`c` =
  ``mixture_init_logit``: exact equivariance needs :math:`c = -\infty`, where the softmax
  has zero gradient); its degree is :math:`w_{\ell,L}/w_{\ell,0}`.

Only the product of a degree and its weights acts (:math:`f\,\theta`): a penalty on
:math:`f` alone is undone by the weights growing.  The optional penalty therefore acts on
the *effective* breaking coefficients, :math:`\lambda\sum_{s:\,L_s\ge1}
(\theta^{\text{eff}}_s)^2` (as :class:`~eqqnn.training.BreakingPenalty` does for relaxed
circuits).  The comparison that does not depend on how :math:`f` and :math:`\theta` share
the product is the per-layer norm of the breaking part of the effective generator,
:math:`\|H - \mathcal T[H]\|_F = \|\theta^{\text{eff}}_{L\ge1}\|_2`
(:func:`~eqqnn.studies._common.layer_breaking_norms`), for teacher and student alike; the
raw degrees and the relative distances :math:`\|H - \mathcal T[H]\|_F/\|H\|_F` (which blow
up when a gate's equivariant part is near zero) are recorded too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from eqqnn._validation import check_even_int, check_int, check_real, check_seeds
from eqqnn.errors import InvalidParameterError
from eqqnn.studies._common import (
    advance,
    config_dict,
    finish_result,
    fixed_degree,
    layer_breaking_norms,
    layer_distances,
    progress_bar,
    pyplot,
    random_states,
)
from eqqnn.studies._degree_classical import STUDENTS, classical_degree_records

__all__ = ["DegreeConfig", "run_learned_degree"]


@dataclass(frozen=True)
class DegreeConfig:
    """Settings of :func:`run_learned_degree`."""

    n_qubits: int = 4
    """Qubits (even; n = 4 gives 4 layers, n = 6 and 8 give 7)."""
    teachers: tuple[tuple[float, ...], ...] = ((0.0, 0.0, 0.0, 0.0), (0.0, 0.5, 0.0, 1.0))
    """True per-layer degrees of each teacher (one value per layer, in [0, 1])."""
    train_size: int = 128
    """Training states."""
    test_size: int = 256
    """Test states."""
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    """Seeds of the students' initial weights."""
    epochs: int = 300
    """Adam epochs (full batch)."""
    lr: float = 0.05
    """Learning rate."""
    soft_targets: bool = True
    """Regress the teacher's probabilities (MSE); False: its median-thresholded labels (BCE)."""
    degree_penalty: float = 1e-4
    r"""Weight :math:`\lambda` of the penalty on the effective breaking coefficients."""
    mixture_init_logit: float = -6.0
    """Initial logit of the breaking grades of the GroupMixture student (grade 0 at 0)."""
    teacher_seed: int = 100
    """Seed of the teacher's weights."""
    input_seed: int = 7
    """Seed of the input states."""
    product_inputs: bool = True
    """Random product states (True) or Haar-random states (False) as inputs."""
    classical: bool = True
    """Also run the classical mirror (:mod:`eqqnn.studies._degree_classical`): the same
    teachers' degrees on a :math:`D_n`-equivariant network over ``classical_sites`` sites."""
    classical_sites: int = 6
    """Sites of the classical chain (the dihedral group :math:`D_n` permutes them)."""
    classical_hidden: int = 4
    """Hidden channels of the classical network (each a copy of the permutation rep)."""
    classical_lr: float = 0.02
    """Adam learning rate of the classical students."""
    classical_mixture_init_logit: float = 0.0
    """Initial logit of the classical [G]-mixture's branches below :math:`D_n` (the
    :math:`D_n` branch at 0).  Its branches start at zero weight, so the student is exactly
    equivariant for any logit; 0 keeps their gradients O(1) (the quantum mixture shares one
    weight and needs a very negative logit instead)."""
    classical_penalty: float = 1e-3
    r"""Weight of the penalty :math:`\lambda\sum_\ell\|W_\ell - \mathcal T_G[W_\ell]\|_F^2`."""

    def __post_init__(self) -> None:
        n = check_even_int("n_qubits", self.n_qubits, minimum=4, maximum=10)
        if not self.teachers:
            raise InvalidParameterError("teachers must hold at least one degree pattern, got none")
        for t in self.teachers:
            for f in t:
                check_real("teacher degree", f, minimum=0.0, maximum=1.0)
        check_int("train_size", self.train_size, minimum=2)
        check_int("test_size", self.test_size, minimum=2)
        check_seeds(self.seeds)
        check_int("epochs", self.epochs, minimum=1)
        check_real("lr", self.lr, minimum=0.0, allow_equal=False)
        check_real("degree_penalty", self.degree_penalty, minimum=0.0)
        check_real("mixture_init_logit", self.mixture_init_logit)
        check_int("teacher_seed", self.teacher_seed, minimum=0)
        check_int("input_seed", self.input_seed, minimum=0)
        check_int("classical_sites", self.classical_sites, minimum=3, maximum=12)
        check_int("classical_hidden", self.classical_hidden, minimum=1)
        check_real("classical_lr", self.classical_lr, minimum=0.0, allow_equal=False)
        check_real("classical_penalty", self.classical_penalty, minimum=0.0)
        check_real("classical_mixture_init_logit", self.classical_mixture_init_logit)
        layers = _n_layers(n)
        bad = [t for t in self.teachers if len(t) != layers]
        if bad:
            raise InvalidParameterError(
                f"each teacher needs one degree per layer ({layers} at n_qubits={n}), got {bad[0]}"
            )

    @classmethod
    def quick(cls) -> DegreeConfig:
        """Three seeds, 200 epochs (well under a minute on 2 cores)."""
        return cls(seeds=(0, 1, 2), epochs=200)

    @classmethod
    def tiny(cls) -> DegreeConfig:
        """Seconds: one teacher, one seed, 3 epochs, 16/16 states, 4 classical sites (for
        tests)."""
        return cls(
            teachers=((0.0, 0.5, 0.0, 1.0),),
            seeds=(0,),
            epochs=3,
            train_size=16,
            test_size=16,
            classical_sites=4,
            classical_hidden=2,
        )


def _n_layers(n: int) -> int:
    from eqqnn.circuits import graded_qcnn, spin_graded_generators

    return int(graded_qcnn(n, spin_graded_generators(2)).metadata["n_layers"])


def _student_degrees(model: torch.nn.Module) -> np.ndarray:
    """``(n_layers, n_grades - 1)``: |tanh a| or w_L / w_0."""
    from eqqnn.models import LearnedDegree

    pm = model.param_map
    with torch.no_grad():
        if isinstance(pm, LearnedDegree):
            return pm.degrees()[:, 1:].abs().numpy().copy()
        w = pm.mixture_weights()
        return (w[:, 1:] / w[:, :1]).numpy().copy()


def _penalty(weight: float, breaking: torch.Tensor) -> Any:
    """``weight`` times the squared effective coefficients of the breaking grades."""

    def penalty(model: torch.nn.Module, epoch: int) -> torch.Tensor:
        return weight * (model.slot_values()[breaking] ** 2).sum()

    return penalty


def run_learned_degree(
    config: DegreeConfig | None = None,
    out: Path | str = Path("runs/studies"),
    *,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Train learned-degree and group-mixture students on teacher-labelled states with known
    per-layer degrees; write ``out/learned_degree.json`` and ``out/learned_degree.png``;
    return the result dict.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     result = run_learned_degree(DegreeConfig.tiny(), d, progress=False)
    >>> result["records"][0]["true_degrees"]
    [0.0, 0.5, 0.0, 1.0]
    """
    from eqqnn import QuantumClassifier
    from eqqnn.circuits import graded_qcnn, spin_graded_generators
    from eqqnn.models import GroupMixture, LearnedDegree
    from eqqnn.training import TensorData, TrainConfig, bce_loss, mse_loss, train

    cfg = config or DegreeConfig()
    if not isinstance(cfg, DegreeConfig):
        raise InvalidParameterError(f"config must be a DegreeConfig, got {type(cfg).__name__}")
    start = time.perf_counter()
    n = cfg.n_qubits
    circuit = graded_qcnn(n, spin_graded_generators(2))
    breaking = torch.as_tensor(circuit.metadata["slot_grade"]) > 0
    total_states = cfg.train_size + cfg.test_size
    x = random_states(n, total_states, cfg.input_seed, product=cfg.product_inputs)
    records: list[dict[str, Any]] = []
    classical: list[dict[str, Any]] = []
    runs = len(cfg.teachers) * len(STUDENTS) * len(cfg.seeds)
    bar = progress_bar(progress, runs * (2 if cfg.classical else 1), "learned degree")
    try:
        for t_index, true in enumerate(cfg.teachers):
            teacher = QuantumClassifier(
                circuit, seed=cfg.teacher_seed, param_map=fixed_degree(circuit, true)
            )
            with torch.no_grad():
                p = teacher(x)
            teacher_dist = layer_distances(circuit, teacher.slot_values())
            teacher_breaking = layer_breaking_norms(circuit, teacher.slot_values())
            threshold = p.median()
            y = p if cfg.soft_targets else (p > threshold).to(p.dtype)
            tr = TensorData(x[: cfg.train_size], y[: cfg.train_size])
            te = TensorData(x[cfg.train_size :], y[cfg.train_size :])
            p_test = p[cfg.train_size :]
            for student in STUDENTS:
                for seed in cfg.seeds:
                    torch.manual_seed(seed)
                    if student == "learned_degree":
                        pm: torch.nn.Module = LearnedDegree(circuit)
                    else:
                        pm = GroupMixture(circuit)
                        with torch.no_grad():
                            pm.logits[:, 1:] = cfg.mixture_init_logit
                    model = QuantumClassifier(circuit, seed=seed, param_map=pm)
                    result = train(
                        model,
                        tr,
                        te,
                        TrainConfig(
                            epochs=cfg.epochs,
                            lr=cfg.lr,
                            seed=seed,
                            eval_every=cfg.epochs,
                            loss=mse_loss if cfg.soft_targets else bce_loss,
                            regularizer=_penalty(cfg.degree_penalty, breaking)
                            if cfg.degree_penalty
                            else None,
                        ),
                        progress=False,
                    )
                    with torch.no_grad():
                        q = model(te.inputs)
                    corr = float(np.corrcoef(q.numpy(), p_test.numpy())[0, 1])
                    learned = _student_degrees(model)
                    records.append(
                        {
                            "teacher": t_index,
                            "student": student,
                            "seed": seed,
                            "layers": [layer.name for layer in circuit.layers],
                            "true_degrees": [float(f) for f in true],
                            "teacher_distance": teacher_dist,
                            "teacher_breaking": teacher_breaking,
                            "learned": learned.tolist(),
                            "learned_mean": learned.mean(axis=1).tolist(),
                            "student_distance": layer_distances(circuit, model.slot_values()),
                            "student_breaking": layer_breaking_norms(circuit, model.slot_values()),
                            "test_mse_to_teacher": float(((q - p_test) ** 2).mean()),
                            "test_correlation": corr,
                            "label_agreement": float(
                                ((q > threshold) == (p_test > threshold)).double().mean()
                            ),
                            "final_loss": result.final_loss,
                        }
                    )
                    advance(bar)
        if cfg.classical:
            classical = classical_degree_records(
                cfg.teachers,
                n_sites=cfg.classical_sites,
                hidden=cfg.classical_hidden,
                train_size=cfg.train_size,
                test_size=cfg.test_size,
                seeds=cfg.seeds,
                epochs=cfg.epochs,
                lr=cfg.classical_lr,
                penalty=cfg.classical_penalty,
                teacher_seed=cfg.teacher_seed,
                input_seed=cfg.input_seed,
                mixture_init_logit=cfg.classical_mixture_init_logit,
                advance=lambda: advance(bar),
            )
    finally:
        if bar is not None:
            bar.stop()
    result = _summarize(cfg, records, classical)
    result["seconds"] = time.perf_counter() - start
    return finish_result(result, out, _plot)


def _rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman correlation (nan when either side is constant)."""
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    ra = np.argsort(np.argsort(a)).astype(float)
    rb = np.argsort(np.argsort(b)).astype(float)
    return float(np.corrcoef(ra, rb)[0, 1])


def _pattern_finding(
    label: str, true: np.ndarray, learned: np.ndarray, dist: np.ndarray, tdist: np.ndarray
) -> str:
    """One finding: do the learned degrees / breaking norms follow the teacher's per layer?"""
    zero, pos = true == 0, true > 0
    text = f"{label}: learned degree in layers with true degree 0: {learned[zero].mean():.3f}"
    if not pos.any():
        worst = float(dist.max())
        verdict = (
            "the student stays equivariant"
            if worst < 0.01
            else f"the student stays near equivariance (every layer's breaking norm within "
            f"{worst:.2g})"
            if worst < 0.2
            else "the student breaks symmetry the data does not break"
        )
        return (
            text + f" (all layers; breaking norm mean {dist.mean():.3f}, max {worst:.3f}) — "
            f"{verdict}"
        )
    text += f", with true degree > 0: {learned[pos].mean():.3f}"
    rho = _rank_correlation(true, learned)
    rho_d = _rank_correlation(tdist, dist)
    text += (
        f"; rank correlation with the true degrees {rho:.2f}, of the breaking norms "
        f"(student vs teacher) {rho_d:.2f}"
    )
    if zero.any():
        raw_ok = learned[pos].min() > learned[zero].max()
        eff_ok = dist[pos].min() > dist[zero].max()
    else:
        raw_ok = eff_ok = True
    pattern = (
        "recovered"
        if raw_ok and eff_ok
        else "recovered in the raw degrees only"
        if raw_ok
        else "recovered in the breaking norms only"
        if eff_ok
        else "not recovered"
    )
    return text + (
        f"; breaking norm in true-0 layers {dist[zero].mean():.3f} vs {dist[pos].mean():.3f} "
        f"elsewhere (teacher {tdist[zero].mean():.1e} vs {tdist[pos].mean():.3f}) — the "
        f"per-layer pattern is {pattern}"
    )


def _by_side(result: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """``{"quantum": records, "classical": classical_records}`` (non-empty sides only)."""
    sides = {"quantum": result["records"], "classical": result.get("classical_records", [])}
    return {k: v for k, v in sides.items() if v}


def _summarize(
    cfg: DegreeConfig, records: list[dict[str, Any]], classical: list[dict[str, Any]]
) -> dict[str, Any]:
    rows, classical_rows, fit_rows, findings = [], [], [], []
    for side, side_records in _by_side(
        {"records": records, "classical_records": classical}
    ).items():
        for t_index, true in enumerate(cfg.teachers):
            rs = {
                s: [r for r in side_records if r["teacher"] == t_index and r["student"] == s]
                for s in STUDENTS
            }
            first = rs[STUDENTS[0]][0]
            stats = {}
            for s, group in rs.items():
                stats[s] = {
                    "learned": np.mean([r["learned_mean"] for r in group], axis=0),
                    "dist": np.mean([r["student_breaking"] for r in group], axis=0),
                }
                if side == "quantum":
                    stats[s]["grades"] = np.mean([r["learned"] for r in group], axis=0)
                fit_rows.append(
                    [
                        side,
                        t_index,
                        s,
                        float(np.mean([r["test_mse_to_teacher"] for r in group])),
                        float(np.mean([r["test_correlation"] for r in group])),
                        float(np.mean([r["label_agreement"] for r in group])),
                    ]
                )
            for k, layer in enumerate(first["layers"]):
                head = [t_index, layer, float(true[k]), first["teacher_breaking"][k]]
                if side == "quantum":
                    rows.append(
                        head
                        + [
                            v
                            for s in STUDENTS
                            for v in (
                                *[float(x) for x in stats[s]["grades"][k]],
                                float(stats[s]["dist"][k]),
                            )
                        ]
                    )
                else:
                    classical_rows.append(
                        head
                        + [
                            v
                            for s in STUDENTS
                            for v in (float(stats[s]["learned"][k]), float(stats[s]["dist"][k]))
                        ]
                    )
            true_arr = np.asarray(true, dtype=float)
            tdist = np.asarray(first["teacher_breaking"])
            for s in STUDENTS:
                label = f"{side} teacher {t_index} {tuple(float(f) for f in true)} / {s}"
                findings.append(
                    _pattern_finding(label, true_arr, stats[s]["learned"], stats[s]["dist"], tdist)
                )
    deg_cols = [f"{tag} {name}" for tag in ("LD", "GM") for name in ("f_L1", "f_L2", "‖θ_L≥1‖")]
    tables = [
        {
            "title": "quantum: true vs learned per-layer degree (mean over seeds); LD = "
            "LearnedDegree |tanh a|, GM = GroupMixture w_L/w_0, ‖θ_L≥1‖ = norm of the breaking "
            "part of the effective generator",
            "columns": ["teacher", "layer", "true f", "teacher ‖θ_L≥1‖", *deg_cols],
            "rows": rows,
        }
    ]
    if classical_rows:
        tables.append(
            {
                "title": "classical (D_n on the sites): true vs learned per-layer degree (mean "
                "over seeds); LD = LearnedDegreeLinear mean |f_σ|, GM = GroupMixtureLinear "
                "1 - w_G, ‖W - T_G W‖ = breaking norm of the layer",
                "columns": [
                    "teacher",
                    "layer",
                    "true f",
                    "teacher ‖W - T_G W‖",
                    "LD f",
                    "LD ‖W - T_G W‖",
                    "GM 1 - w_G",
                    "GM ‖W - T_G W‖",
                ],
                "rows": classical_rows,
            }
        )
    tables.append(
        {
            "title": "fit to the teacher on test inputs",
            "columns": ["side", "teacher", "student", "MSE to teacher p", "corr", "agreement"],
            "rows": fit_rows,
        }
    )
    return {
        "study": "learned_degree",
        "paper": "Veefkind & Cesa, arXiv 2406.03946",
        "claim": "layers learn how equivariant to be: the learned degrees follow the data's",
        "config": config_dict(cfg),
        "records": records,
        "classical_records": classical,
        "tables": tables,
        "findings": findings,
    }


def _plot(result: dict[str, Any], path: Path) -> None:
    plt = pyplot()
    sides = _by_side(result)
    teachers = sorted({r["teacher"] for r in result["records"]})
    fig, axes = plt.subplots(
        len(sides),
        len(teachers),
        figsize=(5 * len(teachers), 3.8 * len(sides)),
        squeeze=False,
    )
    for row, (side, side_records) in zip(axes, sides.items(), strict=True):
        for ax, t in zip(row, teachers, strict=True):
            rs = [r for r in side_records if r["teacher"] == t]
            x = np.arange(len(rs[0]["layers"]))
            ax.plot(x, rs[0]["true_degrees"], "k-o", label="true f")
            ax.plot(x, rs[0]["teacher_breaking"], "k:", label="teacher breaking norm")
            for k, s in enumerate(STUDENTS):
                g = [r for r in rs if r["student"] == s]
                if not g:
                    continue
                ax.plot(
                    x,
                    np.mean([r["learned_mean"] for r in g], axis=0),
                    "-s",
                    color=f"C{k}",
                    label=s,
                )
                ax.plot(
                    x,
                    np.mean([r["student_breaking"] for r in g], axis=0),
                    ":",
                    color=f"C{k}",
                    label=f"{s} breaking norm",
                )
            ax.set_xticks(x, rs[0]["layers"], rotation=45, fontsize=7)
            ax.set(ylabel="degree / breaking norm", title=f"{side}, teacher {t}")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
