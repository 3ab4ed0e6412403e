# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 09 — Equivariance-aware architecture search
#
# Which group should each layer respect? Maile et al. (arXiv 2210.05484) answer by
# search. This tutorial builds their four pieces from eqqnn's symmetry core:
#
# 1. the **equivariance relaxation morphism**: a layer constrained to $G$ becomes a layer
#    constrained only to a subgroup $H$ *computing the same function*, on the quantum side
#    (`relax_layer`) and the classical side (`relax_linear`, and `GcnnTrunkMoves` for
#    G-CNN trunks);
# 2. **[G]-mixed layers** (`GroupMixture`, `GroupMixtureLinear`);
# 3. an **evolutionary search** whose mutations are morphisms (`evolve`);
# 4. a **differentiable search** over [G]-mixed layers (`darts_search`).
#
# The test task has a known answer: the label is the *chirality* of a ring of 5 values,
# the sign of $\sum_i x_i x_{i+1}^2 - x_i^2 x_{i+1}$. A reflection of the ring flips
# it, so a network invariant under the dihedral group $D_5$ is at chance. Rotations keep
# it, so one layer equivariant only to the rotations $C_5$ is enough. Runs in under a minute.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from eqqnn.circuits import graded_qcnn, symmetry_graded_generators
from eqqnn.classical import (
    CorrelatorGCNN,
    EquivariantLinear,
    GcnnTrunkMoves,
    GroupMixtureLinear,
    LinearStackMoves,
    discretize_mixture_stack,
    generated_subgroup,
    group_table,
    mixture_stack_weights,
    relax_linear,
)
from eqqnn.models import (
    AffineSigmoid,
    LayerSymmetry,
    QuantumClassifier,
    QuantumLayerMoves,
    relax_layer,
)
from eqqnn.symmetry import PermutationRepresentation, TrivialRepresentation, dihedral_group
from eqqnn.testing import random_state_batch
from eqqnn.training import DartsConfig, EvolutionConfig, TensorData, darts_search, evolve

OUT = Path(os.environ.get("EQQNN_TUTORIAL_OUT", "runs/tutorials"))
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 1. The morphism keeps the function
# Quantum: a graded QCNN (`graded_qcnn` with SU(2), U(1)-only and free generators)
# whose layers are all constrained to SU(2) by a `LayerSymmetry` map. Relaxing layer 0 to
# U(1) admits the U(1)-only generators with angle zero: the same unitary, the same
# outputs.

# %%
circuit = graded_qcnn(4, symmetry_graded_generators(2))
qmodel = QuantumClassifier(circuit, param_map=LayerSymmetry(circuit), seed=0)
states = random_state_batch(4, 6, seed=1)
relaxed = relax_layer(qmodel, 0)
with torch.no_grad():
    gap = float((relaxed(states) - qmodel(states)).abs().max())
print("levels", qmodel.param_map.levels.tolist(), "->", relaxed.param_map.levels.tolist())
print(f"quantum: largest output change {gap:.1e}")

# %% [markdown]
# Classical: a $D_5$-equivariant linear layer on the 5 sites becomes a layer
# constrained to $C_5$ only, $W = \mathcal T_{C_5}[W_{D_5}] = W_{D_5}$.

# %%
G = dihedral_group(5)
perm, triv = PermutationRepresentation(G), TrivialRepresentation(G)
shift = np.roll(np.arange(5), 1)
rotations = generated_subgroup(G, [int(np.flatnonzero((G.permutations == shift).all(axis=1))[0])])
layer = EquivariantLinear(perm, perm, in_channels=1, out_channels=4, dtype=torch.float64)
x = torch.randn(8, 1, 5, dtype=torch.float64)
with torch.no_grad():
    gap = float((relax_linear(layer, rotations)(x) - layer(x)).abs().max())
print(f"classical: largest output change {gap:.1e}")

# %% [markdown]
# A whole G-CNN trunk relaxes the same way. `GcnnTrunkMoves` moves the lift and the
# group convolutions of a `CorrelatorGCNN` along a subgroup chain of its chain group;
# a relaxed layer keeps an orbit-indexed kernel with exactly $\dim\mathrm{Hom}_H$
# weights ($c_{out} c_{in} |G|^2/|H|$ for a convolution).

# %%
gcnn = CorrelatorGCNN(n_sites=6, conv_layers=1, seed=0, dtype=torch.float64)
chain = group_table(gcnn.group).order
trunk = GcnnTrunkMoves([np.arange(chain), generated_subgroup(gcnn.group, [1]), [0]])
corr = torch.randn(5, 6, 6, dtype=torch.float64)
relaxed_gcnn = trunk.relax(trunk.relax(gcnn, 1), 1)  # the convolution: G -> H -> {e}
with torch.no_grad():
    gap = float((relaxed_gcnn(corr) - gcnn(corr)).abs().max())
print("trunk levels", trunk.architecture(gcnn), "->", trunk.architecture(relaxed_gcnn))
print(f"G-CNN trunk: largest output change {gap:.1e}")

# %% [markdown]
# ## 2. The chirality task


# %%
def chirality(m: int, rng: np.random.Generator) -> TensorData:
    x = rng.normal(size=(m, 5))
    c = (x * np.roll(x, -1, 1) ** 2 - x**2 * np.roll(x, -1, 1)).sum(1)
    return TensorData(torch.as_tensor(x), torch.as_tensor((c > 0).astype(float)))


rng = np.random.default_rng(0)
train_data, validation = chirality(300, rng), chirality(300, rng)


class RingNet(nn.Module):
    """Two linear layers over the ring, tanh between, a sigmoid readout."""

    def __init__(self, layers: list[nn.Module]) -> None:
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.layers[0](x[:, None, :]))
        return torch.sigmoid(4 * self.layers[1](h)[:, 0, 0])


def equivariant_net(seed: int) -> RingNet:
    g = torch.Generator().manual_seed(seed)
    common = {"seed": g, "dtype": torch.float64}
    return RingNet(
        [
            EquivariantLinear(perm, perm, in_channels=1, out_channels=4, **common),
            EquivariantLinear(perm, triv, in_channels=4, out_channels=1, **common),
        ]
    )


# %% [markdown]
# ## 3. Evolutionary search
# Levels per layer: 0 = $D_5$, 1 = $C_5$, 2 = no constraint. Each mutation relaxes (or,
# with probability `p_inverse`, projects back) one layer of a trained parent; the child
# continues training from the parent's function.

# %%
evolution = evolve(
    equivariant_net,
    LinearStackMoves([rotations, [0]]),
    train_data,
    validation,
    EvolutionConfig(population=2, steps=6, epochs=60, seed=0),
)
for row in evolution.table():
    print(row["architecture"], f"{row['validation_accuracy']:.3f}", row["move"])
print("best:", evolution.best.architecture, f"{evolution.best.validation_accuracy:.3f}")

# %% [markdown]
# ## 4. Differentiable search over [G]-mixed layers
# Each layer mixes branches constrained to $D_5$, $C_5$ and $\{e\}$ with softmax weights.
# The weights learn on the training loss and the mixture on the validation loss
# (first-order DARTS). Each layer then keeps its strongest branch and is retrained.


# %%
def mixed_net(seed: int) -> RingNet:
    common = {
        "subgroups": [rotations],
        "seed": torch.Generator().manual_seed(seed),
        "dtype": torch.float64,
    }
    return RingNet(
        [
            GroupMixtureLinear(perm, perm, in_channels=1, out_channels=4, **common),
            GroupMixtureLinear(perm, triv, in_channels=4, out_channels=1, **common),
        ]
    )


darts = darts_search(
    mixed_net(0),
    discretize_mixture_stack,
    mixture_stack_weights,
    train_data,
    validation,
    DartsConfig(epochs=60, retrain_epochs=30),
)
history = np.array(darts.weights_history)  # (epochs, layers, branches)
print("final mixture weights (rows: layers; columns: D5, C5, {e}):")
print(history[-1].round(3))
print(f"retrained discrete model: validation accuracy {darts.validation_accuracy:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), sharey=True)
for k, ax in enumerate(axes):
    for b, name in enumerate(["D5", "C5", "{e}"]):
        ax.plot(history[:, k, b], label=name)
    ax.set(title=["hidden layer", "readout"][k], xlabel="search epoch")
axes[0].set_ylabel("architecture weight")
axes[0].legend()
fig.tight_layout()
fig.savefig(OUT / "09_darts_weights.png", dpi=120)

# %% [markdown]
# Both searches find the known answer: the hidden layer must break reflections ($C_5$),
# and the readout can stay $D_5$-invariant, because summing chiral features over the
# ring keeps them chiral.
#
# ## 5. The same search on a quantum model
# `QuantumLayerMoves` moves the layers of a graded QCNN along SU(2) ⊃ U(1) ⊃ {e}. A
# short run on a random labelling (this only shows the interface; measuring what the
# search recovers on quantum data is the job of a study):

# %%
labels = torch.as_tensor(np.random.default_rng(3).integers(0, 2, 16).astype(float))
qdata = TensorData(random_state_batch(4, 16, seed=4), labels)


def quantum_net(k: int) -> QuantumClassifier:
    return QuantumClassifier(
        circuit, param_map=LayerSymmetry(circuit), seed=k, output_map=AffineSigmoid()
    )


qsearch = evolve(
    quantum_net, QuantumLayerMoves(), qdata, qdata, EvolutionConfig(population=2, steps=2, epochs=5)
)
print([(r["architecture"], round(r["validation_accuracy"], 3)) for r in qsearch.table()])
