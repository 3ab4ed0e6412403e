"""Rich tables printed by the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def print_summary(rows: Sequence[Any]) -> None:
    """Mean test accuracy with its 95 % interval per model, n and training size
    (:class:`~eqqnn.experiments.SummaryRow` objects)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="test accuracy (mean ± 95 % interval over seeds)")
    for col in ("n", "model", "kind", "params", "train size", "accuracy", "seeds", "s/run", "GiB"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            str(r.n_qubits),
            r.model,
            r.kind,
            str(r.n_parameters),
            str(r.train_size),
            f"{r.mean:.3f} ± {r.ci95:.3f}",
            str(r.seeds),
            f"{r.seconds:.1f}",
            f"{r.peak_rss_gib:.2f}",
        )
    import shutil

    Console(width=max(110, shutil.get_terminal_size().columns)).print(table)
