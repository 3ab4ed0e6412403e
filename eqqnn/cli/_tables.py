"""Rich tables printed by the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def print_summary(rows: Sequence[dict[str, Any]]) -> None:
    """Mean ± std test accuracy per model, n and training size."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="test accuracy (mean ± std over seeds)")
    for col in ("n", "model", "kind", "params", "train size", "accuracy", "seeds", "s/run"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            str(r["n_qubits"]),
            r["model"],
            r["kind"],
            str(r["n_parameters"]),
            str(r["train_size"]),
            f"{r['mean']:.3f} ± {r['std']:.3f}",
            str(r["seeds"]),
            f"{r['seconds']:.1f}",
        )
    import shutil

    Console(width=max(110, shutil.get_terminal_size().columns)).print(table)
