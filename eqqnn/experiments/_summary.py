r"""Summaries and figures of a comparison: means with 95 % intervals over seeds.

For the test accuracies :math:`a_1, \dots, a_k` of ``k`` seeds, the reported interval is
the Student-t interval of the mean,

.. math:: \bar a \pm t_{0.975,\,k-1}\,\frac{s}{\sqrt k},\qquad
          s^2 = \frac{1}{k-1}\sum_i (a_i - \bar a)^2 ,

(zero width for one seed).  Figures: test accuracy against training size (log2 axis),
one panel per n; and test accuracy against n at one training size, every family with its
interval.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eqqnn.experiments._jobs import RECORD_FIELDS, JobRecord

__all__ = [
    "SummaryRow",
    "plot_accuracy_vs_n",
    "plot_generalization",
    "summarize",
    "write_outputs",
]


@dataclass(frozen=True)
class SummaryRow:
    """Mean test accuracy of one (model, n_qubits, train_size) over its seeds."""

    model: str
    kind: str
    n_qubits: int
    train_size: int
    mean: float
    std: float
    """Sample standard deviation over seeds (ddof = 1; 0 for one seed)."""
    ci95: float
    """Half-width of the 95 % Student-t interval of the mean."""
    seeds: int
    n_parameters: int
    seconds: float
    """Mean wall time of one job."""
    peak_rss_gib: float
    """Largest peak memory of the processes that ran these jobs."""


def _t975(dof: int) -> float:
    from scipy.stats import t

    return float(t.ppf(0.975, dof))


def summarize(records: Sequence[JobRecord]) -> list[SummaryRow]:
    """One :class:`SummaryRow` per (model, n_qubits, train_size), sorted by n, model, size.

    Examples
    --------
    >>> r = lambda seed, acc: JobRecord("M", "quantum", 8, 4, seed, acc, 1.0, 6, "x", 1.0,
    ...                                 "state", 10, 0.1)
    >>> row, = summarize([r(0, 0.9), r(1, 1.0)])
    >>> round(row.mean, 3), row.seeds, round(row.ci95, 3)
    (0.95, 2, 0.635)
    """
    groups: dict[tuple, list[JobRecord]] = {}
    for r in records:
        groups.setdefault((r.model, r.n_qubits, r.train_size), []).append(r)
    rows = []
    for (model, n, size), rs in sorted(groups.items(), key=lambda kv: (kv[0][1], *kv[0][::2])):
        acc = np.array([r.test_accuracy for r in rs], dtype=float)
        k = len(acc)
        std = float(acc.std(ddof=1)) if k > 1 else 0.0
        rows.append(
            SummaryRow(
                model=model,
                kind=rs[0].kind,
                n_qubits=n,
                train_size=size,
                mean=float(acc.mean()),
                std=std,
                ci95=float(_t975(k - 1) * std / np.sqrt(k)) if k > 1 else 0.0,
                seeds=k,
                n_parameters=rs[0].n_parameters,
                seconds=float(np.mean([r.seconds for r in rs])),
                peak_rss_gib=float(np.nanmax([r.peak_rss_gib for r in rs]))
                if any(np.isfinite(r.peak_rss_gib) for r in rs)
                else float("nan"),
            )
        )
    return rows


def write_outputs(records: Sequence[JobRecord], out: Path, *, figure_size: int = 4) -> None:
    """``results.json``, ``results.csv``, ``generalization.png`` and ``accuracy_vs_n.png``."""
    dicts = [r.to_dict() for r in records]
    (out / "results.json").write_text(json.dumps(dicts, indent=1))
    with (out / "results.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(RECORD_FIELDS))
        writer.writeheader()
        writer.writerows(
            {**d, "test_errors": " ".join(f"{r:g}" for r in d["test_errors"])} for d in dicts
        )
    rows = summarize(records)
    plot_generalization(rows, out / "generalization.png")
    sizes = sorted({r.train_size for r in rows})
    if len({r.n_qubits for r in rows}) > 1:
        size = figure_size if figure_size in sizes else sizes[len(sizes) // 2]
        plot_accuracy_vs_n(rows, out / "accuracy_vs_n.png", train_size=size)


def _styles(models: Sequence[str]) -> dict[str, dict]:
    import matplotlib.pyplot as plt

    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    markers = "osD^vP*Xh"
    lines = ["-", "--", "-.", ":"]
    return {
        m: {
            "color": palette[i % len(palette)],
            "marker": markers[i % len(markers)],
            "linestyle": lines[i % len(lines)],
        }
        for i, m in enumerate(sorted(models))
    }


def plot_generalization(rows: Sequence[SummaryRow], path: Path) -> None:
    """Test accuracy against training size (log2 axis), mean with 95 % interval, one
    panel per n."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = sorted({r.n_qubits for r in rows})
    styles = _styles({r.model for r in rows})
    cols = max(1, min(len(ns), 3))
    nrows = max(1, -(-len(ns) // cols))
    fig, axes = plt.subplots(nrows, cols, figsize=(4.6 * cols, 3.8 * nrows), squeeze=False)
    for ax in axes.flat[len(ns) :]:
        ax.set_visible(False)
    for ax, n in zip(axes.flat, ns, strict=False):
        for model in sorted({r.model for r in rows if r.n_qubits == n}):
            rs = sorted(
                (r for r in rows if r.n_qubits == n and r.model == model),
                key=lambda r: r.train_size,
            )
            x = [r.train_size for r in rs]
            y = np.array([r.mean for r in rs])
            e = np.array([r.ci95 for r in rs])
            ax.errorbar(
                x, y, yerr=e, capsize=3, label=f"{model} ({rs[0].n_parameters} p)", **styles[model]
            )
        ax.set_xscale("log", base=2)
        sizes = sorted({r.train_size for r in rows if r.n_qubits == n})
        ax.set_xticks(sizes, [str(s) for s in sizes])
        ax.set(title=f"n = {n}", xlabel="training states", ylabel="test accuracy")
        ax.set_ylim(top=1.005)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_accuracy_vs_n(rows: Sequence[SummaryRow], path: Path, *, train_size: int = 4) -> None:
    """Test accuracy against n at ``train_size`` training states, mean with 95 % interval
    for every family."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chosen = [r for r in rows if r.train_size == train_size]
    styles = _styles({r.model for r in chosen})
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for model in sorted({r.model for r in chosen}):
        rs = sorted((r for r in chosen if r.model == model), key=lambda r: r.n_qubits)
        ax.errorbar(
            [r.n_qubits for r in rs],
            [r.mean for r in rs],
            yerr=[r.ci95 for r in rs],
            capsize=3,
            label=f"{model} ({rs[0].kind})",
            **styles[model],
        )
    ns = sorted({r.n_qubits for r in chosen})
    ax.set_xticks(ns)
    ax.set(
        xlabel="chain length n (qubits)",
        ylabel="test accuracy",
        title=f"{train_size} training states, mean ± 95 % interval over seeds",
    )
    ax.set_ylim(top=1.005)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
