"""Tables, findings and figure of the constraints-vs-augmentation study, built from its
quantum and classical records and the gradient checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from eqqnn.studies._augmentation_config import AugmentationConfig
from eqqnn.studies._common import config_dict, mean_std, pyplot


def _classical_table(cfg: AugmentationConfig, records: list[dict[str, Any]]) -> tuple:
    e = cfg.epochs
    marks = sorted({0, 1, e // 2, e})
    rows = []
    names = [f.name for f in cfg.classical_families]
    for name in names:
        rs = [r for r in records if r["arm"] == name]
        curve = np.mean([r["ee_curve"] for r in rs], axis=0)
        rows.append(
            [
                name,
                rs[0]["training"],
                *[float(curve[m]) for m in marks],
                mean_std([r["train_accuracy"] for r in rs])[0],
                mean_std([r["test_accuracy"] for r in rs])[0],
            ]
        )
    finding = "classical mirror (shadows): SO(3) model EE at the end " + ", ".join(
        f"{row[0]} {row[-3]:.3g} (test acc {row[-1]:.3f})" for row in rows
    )
    table = {
        "title": "classical mirror: SO(3) model EE on test shadows after k epochs",
        "columns": ["model", "training", *[f"EE@{m}" for m in marks], "train acc", "test acc"],
        "rows": rows,
    }
    return table, finding


def _summarize(
    cfg: AugmentationConfig, records: list[dict[str, Any]], gradients: list[dict[str, Any]]
) -> dict[str, Any]:
    classical = [r for r in records if r["kind"] == "classical"]
    records_all, records = records, [r for r in records if r["kind"] == "quantum"]
    e = cfg.epochs
    marks = sorted({0, 1, e // 2, e})
    rows = []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault((r["arm"], r["optimizer"]), []).append(r)
    for (arm, opt), rs in groups.items():
        d = np.mean([r["distances"] for r in rs], axis=0)
        rows.append(
            [
                arm,
                opt,
                *[float(d[m]) for m in marks],
                float(np.max([r["max_distance"] for r in rs])),
                mean_std([r["train_accuracy"] for r in rs])[0],
                mean_std([r["test_accuracy"] for r in rs])[0],
                mean_std([r["model_ee"] for r in rs])[0],
            ]
        )
    norm_rows = []
    for (arm, opt), rs in groups.items():
        b = np.mean([r["breaking_norms"] for r in rs], axis=0)
        norm_rows.append([arm, opt, *[float(b[m]) for m in marks]])
    grad_rows = [
        [key, float(np.max([g[key] for g in gradients]))] for key in ("exact", "sampled", "nominal")
    ]

    def get(arm: str, opt: str) -> list[dict[str, Any]]:
        return groups.get((arm, opt), [])

    findings = [
        "off-E fraction of the loss gradient at an equivariant point (max over seeds): "
        + ", ".join(f"{k} {v:.1e}" for k, v in grad_rows)
        + " — the exactly averaged gradient lies in E (the invariance theorem), a sampled "
        "augmentation's and the nominal one's do not"
    ]
    for opt in cfg.optimizers:
        o = opt.name
        parts = []
        if rs := get("constrained@generic", o):
            parts.append(f"constrained stays in E (max distance {_max_of(rs):.1e})")
        if rs := get("exact@equivariant", o):
            d = _max_of(rs)
            parts.append(
                f"exact augmentation from E {'stays in E' if d < 1e-8 else 'leaves E'} "
                f"(max distance {d:.1e})"
            )
        if rs := get("exact@perturbed", o):
            ratios = [r["breaking_norms"][-1] / r["breaking_norms"][0] for r in rs]
            verdict = "decays" if max(ratios) < 1 else "grows" if min(ratios) > 1 else "varies"
            parts.append(
                f"a perturbation of E under exact augmentation {verdict} (final/initial "
                f"breaking norm ‖θ_L≥1‖ {', '.join(f'{x:.2g}' for x in ratios)} over seeds)"
            )
        if rs := get("augmented@equivariant", o):
            parts.append(
                f"sampled augmentation from E leaves it (distance "
                f"{np.mean([r['distances'][1] for r in rs]):.1e} after one step, "
                f"{np.mean([r['distances'][-1] for r in rs]):.1e} at the end)"
            )
        if rs := get("nominal@equivariant", o):
            parts.append(
                f"nominal training from E leaves it "
                f"({np.mean([r['distances'][-1] for r in rs]):.1e} at the end)"
            )
        accs = [
            f"{a.split('@')[0]} {mean_std([r['test_accuracy'] for r in rs])[0]:.3f}"
            for a in ("constrained@generic", "augmented@generic", "nominal@generic")
            if (rs := get(a, o))
        ]
        if accs:
            parts.append("test accuracy " + ", ".join(accs))
        findings.append(f"{o} (lr {opt.lr:g}): " + "; ".join(parts))
    adam_exact = [r for r in records if r["arm"] == "exact@equivariant" and r["optimizer"] != "sgd"]
    sgd_exact = [r for r in records if r["arm"] == "exact@equivariant" and r["optimizer"] == "sgd"]
    if adam_exact and sgd_exact and _max_of(sgd_exact) < 1e-8 < _max_of(adam_exact):
        findings.append(
            "with the same exact gradients SGD keeps E and Adam leaves it: Adam divides each "
            "coordinate's step by sqrt(v)+ε, so round-off gradients (~1e-17) in the breaking "
            "coordinates get an effective learning rate up to lr/ε and any unstable or merely "
            "curved direction is amplified; invariance of E holds for the flow, not for Adam"
        )
    extra_tables = []
    if classical:
        table, finding = _classical_table(cfg, classical)
        extra_tables.append(table)
        findings.append(finding)
    columns = ["arm", "opt", *[f"d@{m}" for m in marks], "max d", "train acc", "test acc", "EE"]
    return {
        "study": "augmentation",
        "paper": "Nordenfors et al., arXiv 2303.13458",
        "claim": (
            "the equivariant subspace E is invariant under augmented gradient flow "
            "(stationary points of the equivariant model stay stationary); stability may differ"
        ),
        "config": config_dict(cfg),
        "records": records_all,
        "gradients": gradients,
        "tables": [
            {
                "title": "distance to E (max over gates, mean over seeds) after k steps",
                "columns": columns,
                "rows": rows,
            },
            {
                "title": "breaking norm ‖θ_L≥1‖ of the effective slots (mean over seeds) after "
                "k steps",
                "columns": ["arm", "opt", *[f"‖θ_L≥1‖@{m}" for m in marks]],
                "rows": norm_rows,
            },
            {
                "title": "off-E fraction of the loss gradient at an equivariant point",
                "columns": ["loss", "‖∇_{L≥1}R‖/‖∇R‖"],
                "rows": grad_rows,
            },
            *extra_tables,
        ],
        "findings": findings,
    }


def _max_of(records: list[dict[str, Any]]) -> float:
    """Largest distance to E over a group of records."""
    return float(max(r["max_distance"] for r in records))


def _plot(result: dict[str, Any], path: Path) -> None:
    plt = pyplot()
    records = [r for r in result["records"] if r["kind"] == "quantum"]
    classical = [r for r in result["records"] if r["kind"] == "classical"]
    opts = list(dict.fromkeys(r["optimizer"] for r in records))
    panels = len(opts) + bool(classical)
    fig, axes = plt.subplots(1, panels, figsize=(5.5 * panels, 4), squeeze=False)
    if classical:
        ax = axes[0][-1]
        for name in dict.fromkeys(r["arm"] for r in classical):
            curve = np.mean([r["ee_curve"] for r in classical if r["arm"] == name], axis=0)
            ax.semilogy(np.arange(len(curve)), np.maximum(curve, 1e-17), label=name)
        ax.set(xlabel="epoch", ylabel="SO(3) model EE", title="classical mirror (shadows)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
    for ax, opt in zip(axes[0], opts, strict=False):
        arms = list(dict.fromkeys(r["arm"] for r in records if r["optimizer"] == opt))
        for arm in arms:
            rs = [r for r in records if r["arm"] == arm and r["optimizer"] == opt]
            d = np.maximum(np.mean([r["distances"] for r in rs], axis=0), 1e-17)
            style = "--" if arm.startswith("exact") else "-"
            ax.semilogy(np.arange(len(d)), d, style, label=arm)
        ax.set(xlabel="step (epoch)", ylabel="distance to E", title=opt, ylim=(1e-17, 2))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
