# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 05 — The classical mirror of the equivariant quantum layers
#
# The SU(2)-equivariant QCNN acts on the quantum state itself.  A classical model only
# sees measurement data: here **classical shadows**, per shot and site the vector
# $v_i = 3 s_i e_{a_i}$ of a random Pauli measurement, or the correlators estimated from
# them.  Each quantum layer has a classical counterpart built from the *same* symmetry
# core (`eqqnn.symmetry`):
#
# * **SWAP-exponential** $e^{-i\theta\,\mathrm{SWAP}}$ (Heisenberg exchange) ↔ dot
#   products $v_i\cdot v_j$ of vector features (`pair_invariants`, `VectorNet`);
# * **$k$-qubit commutant block** $e^{-i\sum_a\theta_a G_a}$ ↔ `EquivariantLinear` /
#   `VectorLinear`, from the same `equivariant_basis`;
# * **pooling** (SWAP-exponential, then discard) ↔ `GroupPool` over the group, and the
#   mean over shots;
# * **invariant readout** (singlet weight) ↔ invariant pooling and an MLP on invariants.
#
# Every pair is checked with the same tool, `eqqnn.testing.assert_equivariant`.
# It runs as a script: `python tutorials/05_classical_mirror.py`.

# %%
import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import scipy.linalg
import torch

from eqqnn.circuits import SINGLET_PROJECTOR, SWAP, equivariant_generators
from eqqnn.classical import (
    CorrelatorGCNN,
    EquivariantLinear,
    GroupConv,
    GroupPool,
    LiftingConv,
    ShadowGCNN,
    VectorNet,
    cached_equivariant_basis,
    chain_group,
    mean_pair_invariants,
    pair_invariants,
    shadow_representation,
)
from eqqnn.data import (
    BondAlternatingHeisenberg,
    exact_correlators,
    sample_shadows,
    shadow_snapshot_tensor,
    test_ratios,
    train_ratios,
)
from eqqnn.symmetry import (
    SU2,
    Dual,
    MatrixRepresentation,
    PermutationRepresentation,
    RegularRepresentation,
    SO3Vector,
    TensorProduct,
    TrivialRepresentation,
    commutant_dimension,
    octahedral_group,
    qubit_representation,
)
from eqqnn.testing import assert_equivariant, equivariance_error

OUT = Path(os.environ.get("EQQNN_TUTORIAL_OUT", "runs/tutorials"))
OUT.mkdir(parents=True, exist_ok=True)
torch.set_num_threads(1)
START = time.perf_counter()
N = 8  # chain length used in this tutorial (small, so it runs in seconds)

# %% [markdown]
# ## 1. SWAP-exponential ↔ dot product of shadow vectors
#
# For two qubits $\vec S_i\cdot\vec S_j = \mathrm{SWAP}_{ij}/2 - 1/4$, so the
# SWAP-exponential $e^{-i\theta\,\mathrm{SWAP}}$ is the Heisenberg-exchange gate, and it
# commutes with every $U\otimes U$.  Its classical mirror is the dot product of two
# snapshot vectors: for $i\neq j$,
# $\mathbb E[v_i\cdot v_j] = \langle\vec\sigma_i\cdot\vec\sigma_j\rangle
# = 2\langle\mathrm{SWAP}_{ij}\rangle - 1$, and $v_i\cdot v_j$ is invariant under every
# rotation of the vectors.

# %%
theta = 0.37
swap_gate = np.cos(theta) * np.eye(4) - 1j * np.sin(theta) * SWAP
q2 = qubit_representation(2)
err_q = assert_equivariant(lambda psi: psi @ swap_gate.T, q2, q2, n_samples=16, seed=0)

vectors = TensorProduct(TrivialRepresentation(SU2(), 2), SO3Vector())  # two 3-vectors


def dot(x):
    return pair_invariants(x.reshape(-1, 1, 2, 3))[:, 0, 0, 1:2]


x = torch.randn(5, 6, dtype=torch.float64)
err_c = assert_equivariant(dot, vectors, TrivialRepresentation(SU2()), x, n_samples=16, seed=0)
print(f"SWAP-exponential: equivariance error {err_q:.1e};  v_i·v_j: invariance error {err_c:.1e}")

# %% [markdown]
# The shot mean of the dot products estimates the bond energies that the exchange gates
# act with.  Deep in the trivial phase ($r = J_2/J_1 < 1$) the $J_1$ bonds $(0,1), (2,3),
# \dots$ are nearly singlets ($\langle\vec\sigma_i\cdot\vec\sigma_j\rangle\to -3$); in
# the Haldane phase the pattern flips.  Averaging the *vectors* first would give the
# Bloch vectors, which vanish for these singlet ground states: the shot mean goes after
# the pair invariant.

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
for ax, ratio in zip(axes, (0.4, 1.6), strict=True):
    psi = BondAlternatingHeisenberg(N, ratio).ground_state().vector()
    shots = torch.as_tensor(sample_shadows(psi, 2000, seed=1).snapshot_vectors())
    est = mean_pair_invariants(shots[None, :, None])[0, 0].numpy()
    exact = exact_correlators(psi)
    bonds = np.arange(N - 1)
    ax.bar(bonds - 0.2, exact[bonds, bonds + 1], width=0.4, label="exact ⟨σ_i·σ_i+1⟩")
    ax.bar(bonds + 0.2, est[bonds, bonds + 1], width=0.4, label="shadow mean of v_i·v_i+1")
    ax.set(title=f"r = {ratio}", xlabel="bond (i, i+1)")
    print(
        f"r = {ratio}: |shadow − exact| on bonds ≤ "
        f"{np.abs(est[bonds, bonds + 1] - exact[bonds, bonds + 1]).max():.2f}"
    )
axes[0].set_ylabel("correlator")
axes[1].legend(fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "05_exchange_vs_dot_products.png", dpi=110)
plt.close(fig)

# %% [markdown]
# ## 2. Commutant block ↔ `EquivariantLinear`, one `equivariant_basis`
#
# A 3-qubit equivariant block is $e^{-i\sum_a \theta_a G_a}$ with the traceless
# generators of the commutant of $U^{\otimes 3}$ (dimension $\sum_J m_J^2 = 5$).  An
# `EquivariantLinear` layer is $\sum_k w_k B_k$ with $B_k$ from the same solver, with
# `real=True`: for SO(3) acting on pairs of vectors
# ($\mathbb R^3\otimes\mathbb R^3$) the commutant is spanned by the identity, the swap
# of the two factors and the projector on the trace — the classical Schur–Weyl picture.
# For the chain group acting on the sites the basis has one map per group element: a
# group convolution.

# %%
gens = equivariant_generators(3)
block = scipy.linalg.expm(-1j * np.einsum("a,aij->ij", [0.3, -0.2, 0.5, 0.1], gens))
q3 = qubit_representation(3)
err_block = assert_equivariant(lambda psi: psi @ block.T, q3, q3, n_samples=16, seed=1)
print(f"3-qubit block: {len(gens)} generators (commutant dim {commutant_dimension(3)})")

vec_pair = TensorProduct(SO3Vector(), SO3Vector())
print("dim of SO(3)-equivariant maps on R³⊗R³:", cached_equivariant_basis(vec_pair, vec_pair).size)
layer = EquivariantLinear(vec_pair, vec_pair, in_channels=2, out_channels=2, seed=0)
chans = TensorProduct(TrivialRepresentation(SU2(), 2), vec_pair)
err_lin = assert_equivariant(
    lambda z: layer(z.reshape(-1, 2, 9)).reshape(len(z), -1),
    chans,
    chans,
    torch.randn(4, 18),
    n_samples=16,
    seed=1,
)
chain = chain_group(N)
sites = PermutationRepresentation(chain)
print("dim of chain-equivariant maps on the sites:", cached_equivariant_basis(sites, sites).size)
print(f"errors: quantum block {err_block:.1e}, EquivariantLinear {err_lin:.1e}")

# %% [markdown]
# ## 3. Pooling ↔ group pooling
#
# The quantum pooling applies a SWAP-exponential and discards a qubit: a channel that
# commutes with the conjugation action $\rho \mapsto U\rho U^\dagger$.  Classically, the
# G-CNN lifts features to functions on a group, convolves them, and pools over the group
# (an invariant); shadows are additionally pooled over shots.

# %%
conj2 = TensorProduct(q2, Dual(q2))
q1 = qubit_representation(1)
conj1 = TensorProduct(q1, Dual(q1))


def discard_pool(rho_flat):
    rho = rho_flat.reshape(-1, 4, 4)
    rho = swap_gate @ rho @ swap_gate.conj().T
    return np.einsum("bijkj->bik", rho.reshape(-1, 2, 2, 2, 2)).reshape(-1, 4)  # Tr_1


err_pool_q = assert_equivariant(discard_pool, conj2, conj1, n_samples=16, seed=2)

octa = octahedral_group()
lift = LiftingConv(MatrixRepresentation(octa), out_channels=3, seed=0)
conv = GroupConv(octa, in_channels=3, out_channels=3, seed=1)
pool = GroupPool()


def octa_net(z):
    return pool(torch.relu(conv(torch.relu(lift(z.reshape(-1, 1, 3))))))


err_pool_c = assert_equivariant(
    octa_net, MatrixRepresentation(octa), TrivialRepresentation(octa, 3), torch.randn(6, 3), seed=2
)
print(f"discard pooling: {err_pool_q:.1e};  lift → conv → GroupPool over O: {err_pool_c:.1e}")
print("regular representation of O has dimension", RegularRepresentation(octa).dim)

# %% [markdown]
# ## 4. Invariant readout ↔ invariant readout, and exact O versus approximate SO(3)
#
# The EQCNN reads out the singlet weight $\langle\Pi_s\rangle$ of the last pair, an
# SU(2) invariant.  The classical classifiers end with invariant pooling and an MLP on
# invariants.  `ShadowGCNN` lifts every shadow vector to the 24 frames of the
# octahedral group O, which permutes the six outcomes $\pm 3e_a$: it is *exactly*
# invariant under $G_{chain}\times O$ but, like the data, only approximately under
# general rotations.  `VectorNet` uses only dot products and linear maps of vectors:
# exactly SO(3)-invariant as a function.

# %%
err_readout = assert_equivariant(
    lambda psi: np.einsum("bi,ij,bj->b", psi.conj(), SINGLET_PROJECTOR, psi).real[:, None],
    q2,
    TrivialRepresentation(SU2()),
    n_samples=16,
    seed=3,
)
print(f"singlet readout invariance error: {err_readout:.1e}")

T = 16
psis = [BondAlternatingHeisenberg(N, r).ground_state().vector() for r in (0.3, 0.8, 1.3, 1.8)]
real = torch.as_tensor(np.stack([sample_shadows(p, T, seed=7).snapshot_vectors() for p in psis]))
o_rep = shadow_representation(T, N, vector_rep=MatrixRepresentation(octa))
so3_rep = shadow_representation(T, N, vector_rep=SO3Vector())
for model in (
    ShadowGCNN(n_sites=N, seed=0, dtype=torch.float64),
    VectorNet(n_sites=N, seed=0, dtype=torch.float64),
):
    feats = lambda z, m=model: m.features(z.reshape(-1, T, N, 3))  # noqa: E731
    width = model.features(real).shape[1]
    x_flat = real.reshape(len(real), -1)
    e_o = equivariance_error(feats, o_rep, TrivialRepresentation(octa, width), x_flat)
    e_so3 = equivariance_error(feats, so3_rep, TrivialRepresentation(SU2(), width), x_flat)
    print(
        f"{type(model).__name__:>10}: invariant features, O error {e_o:.1e}, "
        f"SO(3) error {e_so3:.1e}"
    )

# %% [markdown]
# ## 5. A quick training run
#
# Eight training ratios, 1000 shadow shots per state, 80 Adam steps on 64 random shots
# per state and step; test on 41 ratios.  (The benchmark `benchmarks/bench_classical.py`
# runs the full comparison at n = 12 with baselines and augmentation.)

# %%
train_r = train_ratios(8)
test_r = test_ratios(41)
train_states = np.stack([BondAlternatingHeisenberg(N, r).ground_state().vector() for r in train_r])
test_states = np.stack([BondAlternatingHeisenberg(N, r).ground_state().vector() for r in test_r])
train_x = shadow_snapshot_tensor(train_states, 1000, seed=1)
test_x = shadow_snapshot_tensor(test_states, 1000, seed=2)
train_y = torch.as_tensor(train_r > 1, dtype=torch.float32)


def correlators(shadows):
    c = torch.einsum("btia,btja->bij", shadows, shadows) / shadows.shape[1]
    c[:, torch.arange(N), torch.arange(N)] = 3.0
    return c


models = {
    "VectorNet (shadows)": VectorNet(n_sites=N, seed=0),
    "ShadowGCNN (shadows)": ShadowGCNN(n_sites=N, seed=0),
    "CorrelatorGCNN (correlators)": CorrelatorGCNN(n_sites=N, seed=0),
}
fig, ax = plt.subplots(figsize=(6, 3.6))
gen = torch.Generator().manual_seed(0)
for name, model in models.items():
    uses_shadows = "shadows" in name
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(80):
        x = train_x[:, torch.randperm(1000, generator=gen)[:64]]
        x = x if uses_shadows else correlators(x)
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model.logits(x), train_y)
        loss.backward()
        opt.step()
    with torch.no_grad():
        p = model(test_x if uses_shadows else correlators(test_x))
    acc = float(((p > 0.5).float() == torch.as_tensor(test_r > 1).float()).float().mean())
    ax.plot(test_r, p.numpy(), label=f"{name}, acc {acc:.2f} ({model.n_parameters} params)")
    print(f"{name}: test accuracy {acc:.3f}")
ax.axvline(1.0, color="gray", ls=":")
ax.set(xlabel="r = J2/J1", ylabel="p(Haldane)", title=f"classical mirror, n = {N}")
ax.legend(fontsize=7, loc="lower right")
fig.tight_layout()
fig.savefig(OUT / "05_classical_classifiers.png", dpi=110)
plt.close(fig)
print(f"saved figures to {OUT} in {time.perf_counter() - START:.1f} s")
