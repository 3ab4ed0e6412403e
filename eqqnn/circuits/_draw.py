"""Text drawing of a :class:`~eqqnn.circuits.Circuit`: one row per wire.

Operations are packed greedily into moments (columns) whose wire spans do not overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from eqqnn.circuits._ops import ChannelPool, Discard, ExpGate, Readout


class _Drawable(Protocol):
    """What a drawing reads of a :class:`~eqqnn.circuits.Circuit` (typed structurally, so
    this module does not import the one that calls it)."""

    n_qubits: int
    operations: Sequence[object]
    readout: Readout


def _cells(op: object, n: int) -> dict[int, str]:
    if isinstance(op, Discard):
        return dict.fromkeys(op.wires, "✕")
    if isinstance(op, ChannelPool):
        cells = {
            w: ("✕" if w in op.discarded else f"{op.label}(θ{op.params[0]},…)") for w in op.wires_in
        }
        for w in range(min(op.wires_in), max(op.wires_in) + 1):
            cells.setdefault(w, "│")
        return cells
    tag = op.label
    if isinstance(op, ExpGate):
        tag += "(" + ",".join(f"θ{p}" for p in op.params[:2])
        tag += ",…)" if len(op.params) > 2 else ")"
    cells = {w: (tag if i == 0 else f"[{i}]") for i, w in enumerate(op.wires)}
    if isinstance(op, ExpGate):
        for c, v in zip(op.controls, op.control_values, strict=True):
            cells[c] = "●" if v == 1 else "○"
    lo, hi = min(op.all_wires), max(op.all_wires)
    for w in range(lo, hi + 1):
        cells.setdefault(w, "│")
    return cells


def draw_text(circuit: _Drawable, *, max_width: int = 200) -> str:
    """Return a monospace drawing; long circuits wrap into blocks of ``max_width`` chars."""
    n = circuit.n_qubits
    moments: list[dict[int, str]] = []
    dead_after: list[set[int]] = []  # wires discarded up to and including each moment
    last = [-1] * n
    for op in circuit.operations:
        cells = _cells(op, n)
        col = max(last[w] for w in cells) + 1
        if col == len(moments):
            moments.append({})
            dead_after.append(set(dead_after[-1]) if dead_after else set())
        moments[col].update(cells)
        for w in cells:
            last[w] = col
        gone = op.wires if isinstance(op, Discard) else getattr(op, "discarded", ())
        for later in dead_after[col:]:
            later.update(gone)
    ro = circuit.readout
    moments.append({w: f"⟨{ro.label}⟩" for w in ro.wires})
    dead_after.append(set(dead_after[-1]) if dead_after else set())
    blocks: list[list[str]] = []
    rows = [f"{w:>2}: " for w in range(n)]
    dead_before: set[int] = set()
    for moment, dead in zip(moments, dead_after, strict=True):
        width = max(len(c) for c in moment.values())
        pieces = []
        for w in range(n):
            fill = " " if w in dead_before else "─"
            cell = moment.get(w, fill * width)
            pad = " " if cell in ("│", "✕") or w in dead_before else "─"
            pieces.append(fill + cell.center(width, pad))
        if len(rows[0]) + width + 1 > max_width and len(rows[0]) > 4:
            blocks.append(rows)
            rows = [" " * 4 for _ in range(n)]
        rows = [r + p for r, p in zip(rows, pieces, strict=True)]
        dead_before = dead
    blocks.append(rows)
    return "\n\n".join("\n".join(r.rstrip() for r in block) for block in blocks)
