"""Tables, findings and figure of the layerwise-symmetry study, built from its quantum and
classical records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from eqqnn.studies._common import config_dict, pyplot
from eqqnn.studies._layerwise_classical import CLASSICAL_INPUTS
from eqqnn.studies._layerwise_config import LayerwiseConfig
from eqqnn.training import ModelFamily


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
