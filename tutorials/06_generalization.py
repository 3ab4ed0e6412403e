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
# Full-size runs: `eqqnn compare --preset paper --out runs/paper`.

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
# count, the backend and the time taken.

# %%
print(records[0])
for row in summarize(records):
    print(
        f"{row['model']:>6} n={row['n_qubits']} train={row['train_size']:>2}: "
        f"{row['mean']:.3f} ± {row['std']:.3f}  ({row['n_parameters']} parameters)"
    )

# %% [markdown]
# The figure `generalization.png` shows mean ± std over seeds, one line per model.

# %%
import shutil

shutil.copy(OUT / "06_compare" / "generalization.png", OUT / "06_generalization.png")
print("saved", OUT / "06_generalization.png")
