r"""Study 1 — the approximation–generalization trade-off under approximate symmetry
(Petrache & Trivedi, arXiv 2305.17592).

The claim: when the data is only approximately symmetric, the best model is
approximately equivariant, with a model equivariance error that *tracks the data's*:
an exactly equivariant model pays an approximation error on asymmetric data, an
unconstrained one a generalization cost on scarce data.

Set-up.  Datasets of the phase task (label :math:`[r > 1]`) whose Hamiltonian breaks
SU(2) by a growing amount (:class:`ChainBreaking`: XXZ anisotropy :math:`\Delta`, a
uniform or a staggered field).  Each dataset's *data EE* is measured two ways,

.. math:: \mathrm{EE}_H = \Big(\sum_a \|[H, S^a]\|_F^2 / 2^n\Big)^{1/2}, \qquad
          \mathrm{EE}_\psi = \mathbb E_x\,\mathbb E_u\,\big[1 - |\langle x|u^{\otimes n}
          |x\rangle|^2\big],

(the first averaged over the test ratios, the second over the test states).  The models
are the spin-graded QCNN (:func:`~eqqnn.circuits.graded_qcnn`) with a *fixed* degree
:math:`f` of symmetry breaking in every layer (:func:`~eqqnn.studies._common.fixed_degree`:
the spin-1 and spin-2 generator components scaled by :math:`f`; :math:`f = 0` is the
exactly equivariant EQCNN, :math:`f = 1` the unconstrained circuit).  Each model's
*model EE* is measured after training,

.. math:: \mathrm{EE}(f_\theta) = \mathbb E_x\,\mathbb E_u\,|f_\theta(u^{\otimes n}x) -
          f_\theta(x)|,

on seeded Haar-random probe states (a property of the model) and on the dataset's test
states (what the task sees; zero on singlet data whatever the model).

Reported: test error against model EE for each dataset, the degree with the lowest mean
test error per dataset, and whether that best degree grows with the data EE.

The classical mirror (:mod:`eqqnn.studies._classical`) runs on classical-shadow
snapshots of the same states: an SO(3)-invariant VectorNet, an O-invariant ShadowGCNN, an
MLP trained with SO(3) augmentation and the nominal MLP, whose model EE under rotations of
the snapshot vectors is measured rather than set.  Their records carry the same fields
(``family``, ``model_ee_probe``, ``test_error``; ``degree`` is None).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from eqqnn._validation import check_even_int, check_int, check_real, check_seeds
from eqqnn.errors import InvalidParameterError
from eqqnn.studies._classical import (
    _check_classical_families,
    classical_invariance_error,
    default_classical_families,
    shadow_inputs,
    train_classical,
)
from eqqnn.studies._common import (
    advance,
    config_dict,
    finish_result,
    fixed_degree,
    mean_std,
    phase_split,
    progress_bar,
    pyplot,
    random_states,
)
from eqqnn.training import ModelFamily

__all__ = ["ChainBreaking", "TradeoffConfig", "run_tradeoff"]


@dataclass(frozen=True)
class ChainBreaking:
    r"""Symmetry-breaking terms of one dataset's Hamiltonian (0 / 1: SU(2)-symmetric).

    Examples
    --------
    >>> ChainBreaking(anisotropy=0.4).label
    'Δ=0.4'
    """

    anisotropy: float = 1.0
    r"""XXZ anisotropy :math:`\Delta` (1: isotropic)."""
    field: float = 0.0
    r"""Uniform field :math:`h\sum_i S^z_i`."""
    staggered_field: float = 0.0
    r"""Staggered field :math:`h_s\sum_i (-1)^i S^z_i`."""

    def __post_init__(self) -> None:
        for name in ("anisotropy", "field", "staggered_field"):
            object.__setattr__(self, name, check_real(name, getattr(self, name)))

    @property
    def label(self) -> str:
        """Short name for tables, e.g. ``Δ=0.4`` or ``h_s=0.3``."""
        parts = []
        if self.anisotropy != 1.0:
            parts.append(f"Δ={self.anisotropy:g}")
        if self.field:
            parts.append(f"h={self.field:g}")
        if self.staggered_field:
            parts.append(f"h_s={self.staggered_field:g}")
        return ",".join(parts) or "SU(2)"

    def terms(self) -> dict[str, float]:
        """Keyword arguments for :class:`~eqqnn.data.DatasetConfig`."""
        return {
            "anisotropy": self.anisotropy,
            "field": self.field,
            "staggered_field": self.staggered_field,
        }


def _default_datasets() -> tuple[ChainBreaking, ...]:
    return (
        ChainBreaking(),
        ChainBreaking(anisotropy=0.4),
        ChainBreaking(staggered_field=0.3),
        ChainBreaking(staggered_field=1.0),
    )


@dataclass(frozen=True)
class TradeoffConfig:
    """Settings of :func:`run_tradeoff`."""

    n_qubits: int = 8
    """Chain length (even)."""
    datasets: tuple[ChainBreaking, ...] = field(default_factory=_default_datasets)
    """Datasets, from symmetric to strongly broken."""
    degrees: tuple[float, ...] = (0.0, 0.1, 0.3, 1.0)
    """Fixed degrees of symmetry breaking of the models, in [0, 1]."""
    train_size: int = 4
    """Training points (symmetric about r = 1: few, so generalization matters)."""
    test_points: int = 60
    """Test grid size."""
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    """Seeds of model initialization."""
    epochs: int = 100
    """Adam epochs (full batch, BCE)."""
    lr: float = 0.05
    """Learning rate."""
    probe_states: int = 16
    """Haar-random probe states for the model EE."""
    ee_samples: int = 8
    """Haar rotations per equivariance-error estimate."""
    cache: bool = True
    """Use the on-disk dataset cache."""
    classical_families: tuple[ModelFamily, ...] = field(default_factory=default_classical_families)
    """Classical models on shadow snapshots (empty: quantum side only): families of kind
    ``"classical"`` on :attr:`~eqqnn.models.InputKind.SHADOWS`, trained with their own
    ``lr``, ``augment`` and ``schedule`` for ``classical_epochs`` epochs."""
    shots: int = 200
    """Shadow snapshots per state for the classical models."""
    classical_epochs: int = 60
    """Adam epochs of the classical models (full batch, BCE)."""

    def __post_init__(self) -> None:
        check_even_int("n_qubits", self.n_qubits, minimum=4, maximum=12)
        _check_classical_families("classical_families", self.classical_families)
        check_int("shots", self.shots, minimum=1)
        check_int("classical_epochs", self.classical_epochs, minimum=1)
        if not self.datasets or not all(isinstance(d, ChainBreaking) for d in self.datasets):
            raise InvalidParameterError(
                f"datasets must be a non-empty tuple of ChainBreaking, got {self.datasets!r}"
            )
        if not self.degrees:
            raise InvalidParameterError("degrees must hold at least one value, got none")
        for f in self.degrees:
            check_real("degree", f, minimum=0.0, maximum=1.0)
        check_int("train_size", self.train_size, minimum=2)
        check_int("test_points", self.test_points, minimum=2)
        check_seeds(self.seeds)
        check_int("epochs", self.epochs, minimum=1)
        check_real("lr", self.lr, minimum=0.0, allow_equal=False)
        check_int("probe_states", self.probe_states, minimum=1)
        check_int("ee_samples", self.ee_samples, minimum=1)

    @classmethod
    def quick(cls) -> TradeoffConfig:
        """n = 6, 3 seeds, 60 epochs, 40 test points; classical: 100 shots, 40 epochs."""
        return cls(
            n_qubits=6,
            seeds=(0, 1, 2),
            epochs=60,
            test_points=40,
            shots=100,
            classical_epochs=40,
        )

    @classmethod
    def tiny(cls) -> TradeoffConfig:
        """Seconds: n = 4, two datasets, two degrees, one seed, 3 epochs (for tests)."""
        return cls(
            n_qubits=4,
            datasets=(ChainBreaking(), ChainBreaking(staggered_field=1.0)),
            degrees=(0.0, 1.0),
            seeds=(0,),
            epochs=3,
            test_points=6,
            probe_states=4,
            ee_samples=2,
            shots=8,
            classical_epochs=1,
        )


def _data_ee(config: TradeoffConfig, chain: ChainBreaking, test_states: torch.Tensor) -> tuple:
    from eqqnn.data import BondAlternatingHeisenberg, test_ratios
    from eqqnn.metrics import hamiltonian_equivariance_error, state_invariance_error

    ratios = test_ratios(config.test_points)
    ee_h = float(
        np.mean(
            [
                hamiltonian_equivariance_error(
                    BondAlternatingHeisenberg(config.n_qubits, float(r), **chain.terms())
                )
                for r in ratios
            ]
        )
    )
    ee_psi = state_invariance_error(test_states, n_samples=config.ee_samples, seed=0)
    return ee_h, max(0.0, ee_psi)


def run_tradeoff(
    config: TradeoffConfig | None = None,
    out: Path | str = Path("runs/studies"),
    *,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Train fixed-degree graded QCNNs on datasets of growing data EE; write
    ``out/tradeoff.json`` and ``out/tradeoff.png``; return the result dict.

    Examples
    --------
    >>> import dataclasses, tempfile
    >>> cfg = dataclasses.replace(TradeoffConfig.tiny(), cache=False, classical_families=())
    >>> with tempfile.TemporaryDirectory() as d:
    ...     result = run_tradeoff(cfg, d, progress=False)
    >>> sorted(result["records"][0])[:4]
    ['data_ee_hamiltonian', 'data_ee_states', 'dataset', 'degree']
    """
    from eqqnn import QuantumClassifier
    from eqqnn.circuits import graded_qcnn, spin_graded_generators
    from eqqnn.metrics import quantum_invariance_error
    from eqqnn.training import TrainConfig, train

    cfg = config or TradeoffConfig()
    if not isinstance(cfg, TradeoffConfig):
        raise InvalidParameterError(f"config must be a TradeoffConfig, got {type(cfg).__name__}")
    start = time.perf_counter()
    n = cfg.n_qubits
    circuit = graded_qcnn(n, spin_graded_generators(2))
    probe = random_states(n, cfg.probe_states, seed=12345)
    records: list[dict[str, Any]] = []
    per_dataset = (len(cfg.degrees) + len(cfg.classical_families)) * len(cfg.seeds)
    bar = progress_bar(progress, len(cfg.datasets) * per_dataset, "tradeoff")
    try:
        for chain in cfg.datasets:
            train_data, test_data = phase_split(
                n, cfg.train_size, cfg.test_points, cache=cfg.cache, **chain.terms()
            )
            ee_h, ee_psi = _data_ee(cfg, chain, test_data.inputs)
            for degree in cfg.degrees:
                for seed in cfg.seeds:
                    torch.manual_seed(seed)
                    model = QuantumClassifier(
                        circuit, seed=seed, param_map=fixed_degree(circuit, degree)
                    )
                    result = train(
                        model,
                        train_data,
                        test_data,
                        TrainConfig(epochs=cfg.epochs, lr=cfg.lr, seed=seed, eval_every=cfg.epochs),
                        progress=False,
                    )
                    ee_kw = {"n_samples": cfg.ee_samples, "seed": 1}
                    records.append(
                        {
                            "family": "graded_qcnn",
                            "dataset": chain.label,
                            "data_ee_hamiltonian": ee_h,
                            "data_ee_states": ee_psi,
                            "degree": float(degree),
                            "seed": seed,
                            "train_accuracy": result.train_accuracy,
                            "test_accuracy": result.test_accuracy,
                            "test_error": 1.0 - result.test_accuracy,
                            "model_ee_probe": quantum_invariance_error(model, probe, **ee_kw),
                            "model_ee_data": quantum_invariance_error(
                                model, test_data.inputs, **ee_kw
                            ),
                            "final_loss": result.final_loss,
                        }
                    )
                    advance(bar)
            if cfg.classical_families:
                records += _run_classical(cfg, chain, train_data, test_data, ee_h, ee_psi, bar)
    finally:
        if bar is not None:
            bar.stop()
    result = _summarize(cfg, records)
    result["seconds"] = time.perf_counter() - start
    return finish_result(result, out, _plot)


def _run_classical(
    cfg: TradeoffConfig,
    chain: ChainBreaking,
    train_data: Any,
    test_data: Any,
    ee_h: float,
    ee_psi: float,
    bar: Any,
) -> list[dict[str, Any]]:
    from eqqnn.training import TensorData

    x_train = shadow_inputs(train_data.inputs, cfg.shots, seed=0)
    x_test = shadow_inputs(test_data.inputs, cfg.shots, seed=1)
    tr, te = TensorData(x_train, train_data.labels), TensorData(x_test, test_data.labels)
    out = []
    for family in cfg.classical_families:
        for seed in cfg.seeds:
            model, result = train_classical(
                family, cfg.n_qubits, seed, tr, te, cfg.classical_epochs
            )
            model.eval()
            ee = classical_invariance_error(model, x_test, n_samples=cfg.ee_samples, seed=1)
            out.append(
                {
                    "family": family.name,
                    "dataset": chain.label,
                    "data_ee_hamiltonian": ee_h,
                    "data_ee_states": ee_psi,
                    "degree": None,
                    "seed": seed,
                    "train_accuracy": result.train_accuracy,
                    "test_accuracy": result.test_accuracy,
                    "test_error": 1.0 - result.test_accuracy,
                    "model_ee_probe": ee,
                    "model_ee_data": ee,
                    "final_loss": result.final_loss,
                }
            )
            advance(bar)
    return out


def _tied(errors: dict[Any, tuple[float, float]], n_seeds: int) -> list[Any]:
    r"""Keys whose mean error is within a standard error of the lowest one.

    Tie if :math:`\bar e_k - \bar e_{best} \le \max(s_k, s_{best})/\sqrt{n_{seeds}}`
    (with one seed: exact ties only).
    """
    best = min(errors, key=lambda k: errors[k][0])
    m0, s0 = errors[best]
    return [k for k, (m, s) in errors.items() if m - m0 <= max(s, s0) / np.sqrt(n_seeds) + 1e-9]


def _classical_summary(
    cfg: TradeoffConfig, records: list[dict[str, Any]]
) -> tuple[dict[str, Any], list[str]]:
    names = [f.name for f in cfg.classical_families]
    rows, bests = [], []
    for chain in cfg.datasets:
        rs = [r for r in records if r["dataset"] == chain.label and r["family"] in names]
        err = {m: mean_std([r["test_error"] for r in rs if r["family"] == m]) for m in names}
        ee = {m: mean_std([r["model_ee_probe"] for r in rs if r["family"] == m])[0] for m in names}
        # among the models tied with the best, the most constrained (lowest model EE)
        best = min(_tied(err, len(cfg.seeds)), key=lambda m: ee[m])
        bests.append((rs[0]["data_ee_states"], chain.label, best, ee[best]))
        rows.append(
            [chain.label, rs[0]["data_ee_states"]]
            + [v for m in names for v in (f"{err[m][0]:.3f}±{err[m][1]:.3f}", ee[m])]
            + [best]
        )
    bests.sort()
    ees = [b[3] if b[3] > 1e-9 else 0.0 for b in bests]  # round-off counts as exact
    grows = all(a <= b for a, b in itertools.pairwise(ees)) and ees[-1] > ees[0]
    finding = (
        "classical (shadows; model EE = SO(3) invariance error, measured): best model by data "
        "EE: "
        + ", ".join(f"{b[1]} → {b[2]} (EE {b[3]:.3g})" for b in bests)
        + "; the best model's EE "
        + ("grows with" if grows else "does not grow with")
        + " the data EE"
    )
    table = {
        "title": "classical mirror on shadows: test error (mean±std) and SO(3) model EE",
        "columns": [
            "dataset",
            "EE_ψ",
            *[c for m in names for c in (f"err {m}", f"EE {m}")],
            "best",
        ],
        "rows": rows,
    }
    return table, [finding]


def _summarize(cfg: TradeoffConfig, records: list[dict[str, Any]]) -> dict[str, Any]:
    degrees = [float(f) for f in cfg.degrees]
    rows, summary = [], []
    quantum = [r for r in records if r["family"] == "graded_qcnn"]
    for chain in cfg.datasets:
        rs = [r for r in quantum if r["dataset"] == chain.label]
        errs = {f: mean_std([r["test_error"] for r in rs if r["degree"] == f]) for f in degrees}
        ees = {
            f: mean_std([r["model_ee_probe"] for r in rs if r["degree"] == f])[0] for f in degrees
        }
        tied = _tied(errs, len(cfg.seeds))
        best = min(tied)
        summary.append(
            {
                "dataset": chain.label,
                "ee_h": rs[0]["data_ee_hamiltonian"],
                "ee_psi": rs[0]["data_ee_states"],
                "errors": errs,
                "best": best,
                "tied": tied,
                "best_model_ee": ees[best],
            }
        )
        rows.append(
            [chain.label, rs[0]["data_ee_hamiltonian"], rs[0]["data_ee_states"]]
            + [f"{errs[f][0]:.3f}±{errs[f][1]:.3f}" for f in degrees]
            + ["/".join(f"{f:g}" for f in tied), ees[best]]
        )
    ee_rows = []
    for f in degrees:
        rs = [r for r in quantum if r["degree"] == f]
        ee_rows.append(
            [
                f,
                mean_std([r["model_ee_probe"] for r in rs])[0],
                *[
                    mean_std([r["model_ee_data"] for r in rs if r["dataset"] == c.label])[0]
                    for c in cfg.datasets
                ],
            ]
        )
    by_data = sorted(summary, key=lambda s: (s["ee_psi"], s["ee_h"]))
    bests = [s["best"] for s in by_data]
    tracks = all(a <= b for a, b in itertools.pairwise(bests))
    strictly_more = bests[-1] > bests[0]
    step = set(bests) <= {min(degrees), max(degrees)}
    if len(set(bests)) == 1:
        verdict = (
            f"the best degree is f={bests[0]:g} on every dataset: it does not track the data EE"
        )
    elif tracks and strictly_more:
        verdict = "the best degree (and model EE) grows with the data EE" + (
            f", as a step from f={min(degrees):g} to f={max(degrees):g} (not graded)"
            if step
            else ""
        )
    else:
        verdict = "the best degree does not grow monotonically with the data EE"
    findings = [
        "best degree by data EE (states; ties within a standard error → smallest f): "
        + ", ".join(f"{s['dataset']} (EE_ψ={s['ee_psi']:.3g}) → f={s['best']:g}" for s in by_data)
        + f"; {verdict}",
    ]
    sym = by_data[0]
    if sym["ee_psi"] < 1e-9 and sym["ee_h"] < 1e-9:
        e0, e1 = sym["errors"][degrees[0]][0], sym["errors"][degrees[-1]][0]
        findings.append(
            f"on the symmetric data the f={degrees[-1]:g} model's test error is {e1:.3f} "
            f"against {e0:.3f} at f={degrees[0]:g}: "
            + (
                "the predicted generalization cost of excess model EE is seen"
                if e1 > e0 + 1e-9
                else "no generalization cost of excess model EE is seen at this size"
            )
        )
    top = by_data[-1]
    e0 = top["errors"][degrees[0]][0]
    eb = top["errors"][top["best"]][0]
    findings.append(
        f"on the most broken data ({top['dataset']}) the f={degrees[0]:g} model's test error "
        f"is {e0:.3f} against {eb:.3f} at the best f={top['best']:g}"
        + (": the approximation cost of exact equivariance is seen" if e0 > eb + 1e-9 else "")
    )
    findings.append(
        "model EE (probe states) grows with f: "
        + ", ".join(f"f={row[0]:g}: {row[1]:.3g}" for row in ee_rows)
        + "; data EE and model EE are in different units (infidelity vs |Δp|), so only "
        "their ordering is compared"
    )
    tables_extra: list[dict[str, Any]] = []
    if cfg.classical_families:
        table, extra = _classical_summary(cfg, records)
        tables_extra.append(table)
        findings += extra
    columns = (
        ["dataset", "EE_H", "EE_ψ"]
        + [f"err f={f:g}" for f in degrees]
        + ["best f", "model EE@best"]
    )
    return {
        "study": "tradeoff",
        "paper": "Petrache & Trivedi, arXiv 2305.17592",
        "claim": "the best model equivariance error tracks the data equivariance error",
        "config": config_dict(cfg),
        "records": records,
        "tables": [
            {
                "title": "test error (mean±std over seeds) per dataset and fixed degree f",
                "columns": columns,
                "rows": rows,
            },
            {
                "title": "model EE per degree: on probe states and on each dataset's test states",
                "columns": ["f", "EE probe", *[f"EE {c.label}" for c in cfg.datasets]],
                "rows": ee_rows,
            },
            *tables_extra,
        ],
        "findings": findings,
        "summary": [
            {**s, "errors": {f"{k:g}": v[0] for k, v in s["errors"].items()}} for s in summary
        ],
    }


def _plot(result: dict[str, Any], path: Path) -> None:
    plt = pyplot()
    records = [r for r in result["records"] if r["family"] == "graded_qcnn"]
    classical = [r for r in result["records"] if r["family"] != "graded_qcnn"]
    fig, axes = plt.subplots(1, 3 if classical else 2, figsize=(15 if classical else 10, 3.8))
    datasets = list(dict.fromkeys(r["dataset"] for r in records))
    for name in datasets:
        rs = [r for r in records if r["dataset"] == name]
        fs = sorted({r["degree"] for r in rs})
        x = [np.mean([r["model_ee_probe"] for r in rs if r["degree"] == f]) for f in fs]
        y = [np.mean([r["test_error"] for r in rs if r["degree"] == f]) for f in fs]
        s = [np.std([r["test_error"] for r in rs if r["degree"] == f]) for f in fs]
        line = axes[0].errorbar(x, y, yerr=s, marker="o", capsize=3, label=name)
        for xi, yi, f in zip(x, y, fs, strict=True):
            axes[0].annotate(f"f={f:g}", (xi, yi), fontsize=6, color=line[0].get_color())
    axes[0].set(xlabel="model EE on probe states", ylabel="test error", title="error vs model EE")
    axes[0].legend(fontsize=7)
    axes[0].grid(alpha=0.3)
    summ = result["summary"]
    axes[1].plot([s["ee_psi"] for s in summ], [s["best"] for s in summ], "o-")
    for s in summ:
        axes[1].annotate(s["dataset"], (s["ee_psi"], s["best"]), fontsize=7)
    axes[1].set(xlabel="data EE (state infidelity)", ylabel="best degree f", title="best f")
    axes[1].grid(alpha=0.3)
    if classical:
        families = list(dict.fromkeys(r["family"] for r in classical))
        markers = "osd^v<>"
        for k, name in enumerate(datasets):
            rs = [r for r in classical if r["dataset"] == name]
            for j, fam in enumerate(families):
                g = [r for r in rs if r["family"] == fam]
                axes[2].plot(
                    np.mean([r["model_ee_probe"] for r in g]),
                    np.mean([r["test_error"] for r in g]),
                    markers[j % len(markers)],
                    color=f"C{k}",
                    label=f"{name}: {fam}",
                )
        axes[2].set(
            xlabel="SO(3) model EE on test shadows",
            ylabel="test error",
            title="classical mirror (color: dataset)",
        )
        axes[2].legend(fontsize=5, ncol=2)
        axes[2].grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
