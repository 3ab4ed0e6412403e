# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 06 — Generalization: test accuracy against the number of training points
#
# The main comparison of eqqnn (`eqqnn compare`) trains the SU(2)-equivariant QCNN, the
# symmetry-agnostic QCNN and classical models on ground states of the bond-alternating
# Heisenberg chain, labelled trivial (r < 1) or Haldane (r > 1), and evaluates them on a
# dense grid of ratios.  This tutorial runs it at a small size from Python.
#
# A comparison is data: each `ModelFamily` says how to build a model and train it (the
# EQCNN gets a trained output map σ(a(2p − 1) + b) after its singlet readout, and so does
# the QCNN baseline), every job is a `Job`, every result a `JobRecord`, and only the input
# form a family consumes is ever built (the EQCNN on the spin-sector engine never sees a
# 2^n vector).
#
# Full-size runs: `eqqnn compare --preset large --out runs/large` (n = 8 … 28, quantum and
# classical; it prints its time and memory estimate first, `--estimate-only` stops there).

# %%
import os
from pathlib import Path

from eqqnn.experiments import (
    CompareConfig,
    eqcnn_family,
    qcnn_family,
    run_compare,
    summarize,
)

OUT = Path(os.environ.get("EQQNN_TUTORIAL_OUT", "runs/tutorials"))
FULL = os.environ.get("EQQNN_TUTORIAL_FULL") == "1"

config = CompareConfig(
    n_qubits=(8,) if not FULL else (8, 10),
    train_sizes=(2, 4) if not FULL else (2, 4, 6, 8, 10, 12),
    seeds=(0, 1) if not FULL else (0, 1, 2, 3, 4),
    test_points=41 if not FULL else 101,
    families=(eqcnn_family(epochs=40), qcnn_family(epochs=15 if not FULL else 100)),
    workers=1,
)
records = run_compare(config, OUT / "06_compare")

# %% [markdown]
# Each record holds the model, its kind, the split, the seed, accuracies, the parameter
# count, the backend, the time taken and the peak memory of the process.  `summarize`
# gives the mean over seeds with its 95 % Student-t interval.

# %%
print(records[0])
for row in summarize(records):
    print(
        f"{row.model:>12} n={row.n_qubits} train={row.train_size:>2}: "
        f"{row.mean:.3f} ± {row.ci95:.3f}  ({row.n_parameters} parameters, {row.seeds} seeds)"
    )

# %% [markdown]
# The figure `generalization.png` shows the means with their 95 % intervals against the
# training size (log2 axis), one line per model.

# %%
import shutil

shutil.copy(OUT / "06_compare" / "generalization.png", OUT / "06_generalization.png")
print("saved", OUT / "06_generalization.png")
