"""Markdown tables of a comparison's records (``results.jsonl`` of ``eqqnn compare``).

Prints test accuracy (mean ± 95 % Student-t interval over seeds) per n and model with one
column per training size, then wall time and peak memory per n.  Several run folders are
merged (a record's key is model, n, training size, seed; later folders win).

Usage::

    python benchmarks/compare_table.py runs/large runs/large28
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from eqqnn.experiments import JobRecord, summarize


def load(folders: list[Path], skip: list[str] = ()) -> list[JobRecord]:
    """Records of ``folders`` (later folders win); ``skip`` entries ``FOLDER:MODEL`` leave
    that model's records of that folder out."""
    records: dict[tuple, JobRecord] = {}
    dropped = {tuple(s.rsplit(":", 1)) for s in skip}
    for folder in folders:
        for line in (folder / "results.jsonl").read_text().splitlines():
            if line.strip():
                r = JobRecord.from_dict(json.loads(line))
                if (str(folder), r.model) not in dropped:
                    records[r.key] = r
    return sorted(records.values(), key=lambda r: r.key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--figures", type=Path, help="also write both figures into this folder")
    parser.add_argument("--skip", nargs="*", default=[], help="FOLDER:MODEL pairs to leave out")
    args = parser.parse_args()
    records = load(args.folders, args.skip)
    rows = summarize(records)
    sizes = sorted({r.train_size for r in rows})
    head = "| n | model | kind | params | " + " | ".join(f"train {s}" for s in sizes) + " |"
    print(head)
    print("|---:|---|---|---:|" + "---|" * len(sizes))
    keys = sorted({(r.n_qubits, r.kind != "quantum", r.model) for r in rows})
    for n, _, model in keys:
        mine = {r.train_size: r for r in rows if r.n_qubits == n and r.model == model}
        first = next(iter(mine.values()))
        cells = [
            f"{mine[s].mean:.3f} ± {mine[s].ci95:.3f} ({mine[s].seeds})" if s in mine else "—"
            for s in sizes
        ]
        print(
            f"| {n} | {model} | {first.kind} | {first.n_parameters} | " + " | ".join(cells) + " |"
        )
    print()
    print("| n | jobs | total job time [min] | slowest job [s] | peak RSS [GiB] |")
    print("|---:|---:|---:|---:|---:|")
    for n in sorted({r.n_qubits for r in records}):
        rs = [r for r in records if r.n_qubits == n]
        print(
            f"| {n} | {len(rs)} | {sum(r.seconds for r in rs) / 60:.1f} | "
            f"{max(r.seconds for r in rs):.0f} | {max(r.peak_rss_gib for r in rs):.2f} |"
        )
    if args.figures is not None:
        from eqqnn.experiments import plot_accuracy_vs_n, plot_generalization

        args.figures.mkdir(parents=True, exist_ok=True)
        plot_generalization(rows, args.figures / "generalization.png")
        plot_accuracy_vs_n(rows, args.figures / "accuracy_vs_n.png", train_size=4)
        (args.figures / "records.json").write_text(
            json.dumps([r.to_dict() for r in records], indent=1)
        )


if __name__ == "__main__":
    main()
