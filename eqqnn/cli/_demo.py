"""The symmetry demo that ``make demo`` runs until the main comparison job lands.

It prints and plots things that are true and checked on the spot:

1. the SU(2) commutant on k qubits built by nullspace, twirling and permutations has
   the same dimension :math:`\\sum_J (\\dim M_J)^2` by all three methods, and the three
   spans coincide;
2. a random Hermitian generator breaks SU(2) symmetry, its twirl does not: equivariance
   errors of :math:`e^{-iG}` under Haar rotations, before and after twirling.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import scipy.linalg

from eqqnn.symmetry import (
    commutant_dimension,
    qubit_representation,
    same_span,
    su2_commutant_basis,
    twirl,
)
from eqqnn.testing import equivariance_error


def run_symmetry_demo(out: Path, *, max_qubits: int = 5, seed: int = 0) -> dict:
    """Run the demo, write ``out/symmetry_demo.json`` and ``out/symmetry_demo.png``."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    table = Table(title="SU(2) commutant of U^{⊗k}: three constructions")
    for col in ("k", "Σ_J m_J²", "nullspace", "twirl", "permutations", "spans equal", "seconds"):
        table.add_column(col, justify="right")
    for k in range(2, max_qubits + 1):
        t0 = time.perf_counter()
        bases = {
            m: su2_commutant_basis(k, m, seed=seed) for m in ("nullspace", "twirl", "permutations")
        }
        equal = same_span(bases["nullspace"], bases["permutations"]) and same_span(
            bases["twirl"], bases["permutations"]
        )
        row = {
            "k": k,
            "expected": commutant_dimension(k),
            **{m: len(b) for m, b in bases.items()},
            "spans_equal": equal,
            "seconds": time.perf_counter() - t0,
        }
        rows.append(row)
        table.add_row(
            *(
                str(row[c])
                for c in ("k", "expected", "nullspace", "twirl", "permutations", "spans_equal")
            ),
            f"{row['seconds']:.2f}",
        )
    console.print(table)

    rng = np.random.default_rng(seed)
    k = 3
    rep = qubit_representation(k)
    h = rng.standard_normal((2**k, 2**k)) + 1j * rng.standard_normal((2**k, 2**k))
    h = (h + h.conj().T) / 2
    g = twirl(h, rep)
    errors = {}
    for name, gen in (("random generator", h), ("twirled generator", g)):
        gate = scipy.linalg.expm(-1j * gen)
        errors[name] = equivariance_error(
            lambda v, m=gate: v @ m.T, rep, rep, n_samples=32, seed=seed
        )
    for name, err in errors.items():
        console.print(f"equivariance error of exp(-iG), {name} on {k} qubits: {err:.3e}")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    ks = [r["k"] for r in rows]
    for m, marker in (("nullspace", "o"), ("twirl", "s"), ("permutations", "^")):
        axes[0].plot(ks, [r[m] for r in rows], marker=marker, linestyle="none", label=m)
    axes[0].plot(ks, [r["expected"] for r in rows], "k-", alpha=0.4, label="Σ_J m_J²")
    axes[0].set_xticks(ks)
    axes[0].set(
        xlabel="qubits k", ylabel="dimension", yscale="log", title="SU(2)-equivariant operators"
    )
    axes[0].legend()
    vals = [max(v, 1e-17) for v in errors.values()]
    axes[1].bar(list(errors), vals, color=["tab:red", "tab:green"])
    axes[1].set(yscale="log", ylabel="max ‖f(gx) − g f(x)‖", title=f"exp(−iG) on {k} qubits")
    fig.tight_layout()
    fig.savefig(out / "symmetry_demo.png", dpi=120)
    plt.close(fig)
    result = {"commutant": rows, "equivariance_errors": errors}
    (out / "symmetry_demo.json").write_text(json.dumps(result, indent=2))
    console.print(f"wrote {out / 'symmetry_demo.json'} and {out / 'symmetry_demo.png'}")
    return result
