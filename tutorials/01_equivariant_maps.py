# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 01 — Equivariant maps from the symmetry core
#
# An SU(2)-equivariant quantum layer is a unitary $V$ on $k$ qubits that commutes with
# every global rotation, $[V, U^{\otimes k}] = 0$.  Writing $V = e^{-i\theta G}$, it is
# enough that the Hermitian generator $G$ commutes.  eqqnn builds such generators three
# ways (Nguyen et al., arXiv 2210.08566):
#
# * **twirling** — average a random operator over the group,
#   $\mathcal T[X] = \int dU\, U^{\otimes k} X U^{\dagger \otimes k}$;
# * **nullspace** — solve $[G, S^a] = 0$ for the collective spin $S^a=\sum_i\sigma^a_i/2$;
# * **Schur–Weyl duality** — take combinations of qubit permutations.
#
# This tutorial twirls a random generator into an equivariant one and checks it.
# It runs as a script: `python tutorials/01_equivariant_maps.py`.

# %%
import os
from pathlib import Path

import numpy as np
import scipy.linalg

from eqqnn.symmetry import (
    SpinIrrep,
    TensorProduct,
    commutant_dimension,
    equivariant_basis,
    qubit_representation,
    same_span,
    su2_commutant_basis,
    total_spin_operators,
    twirl,
)
from eqqnn.testing import assert_equivariant, equivariance_error

OUT = Path(os.environ.get("EQQNN_TUTORIAL_OUT", "runs/tutorials"))
OUT.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(7)

# %% [markdown]
# ## A random generator is not equivariant

# %%
k = 3
rep = qubit_representation(k)  # U -> U ⊗ U ⊗ U
h = rng.standard_normal((2**k, 2**k)) + 1j * rng.standard_normal((2**k, 2**k))
h = (h + h.conj().T) / 2
gate = scipy.linalg.expm(-1j * h)
print("equivariance error of exp(-iH):", equivariance_error(lambda v: v @ gate.T, rep, rep))

# %% [markdown]
# ## Twirl it
#
# The twirl over SU(2) is computed *exactly*: the integrand only contains Wigner functions
# of spin at most $k$, so a small product quadrature on Euler angles integrates it without
# error.  The result commutes with the collective spin and with every rotation.

# %%
g = twirl(h, rep)
s = total_spin_operators(k)
print("max |[G, S^a]|:", max(np.abs(g @ sa - sa @ g).max() for sa in s))
twirled_gate = scipy.linalg.expm(-1j * g)
err = assert_equivariant(lambda v: v @ twirled_gate.T, rep, rep, n_samples=16, seed=1)
print("equivariance error of exp(-iG):", err)
assert err < 1e-10

# %% [markdown]
# ## The three constructions give one space
#
# The commutant of $U^{\otimes k}$ has dimension $\sum_J m_J^2$ (Schur–Weyl: $m_J$ is the
# dimension of the $S_k$ irrep paired with spin $J$): 2, 5, 14, 42 for $k=2..5$.

# %%
for kk in range(2, 5):
    bases = {m: su2_commutant_basis(kk, m) for m in ("nullspace", "twirl", "permutations")}
    agree = same_span(bases["nullspace"], bases["permutations"]) and same_span(
        bases["twirl"], bases["permutations"]
    )
    print(kk, commutant_dimension(kk), {m: len(b) for m, b in bases.items()}, "agree:", agree)
    assert agree

# %% [markdown]
# The twirled generator is a combination of the five 3-qubit basis operators:

# %%
basis = su2_commutant_basis(3)
coeffs = np.einsum("kij,ij->k", basis.conj(), g)
print("coefficients:", np.round(coeffs.real, 4))
print("residual:", np.abs(np.einsum("k,kij->ij", coeffs, basis) - g).max())

# %% [markdown]
# ## Beyond qubits: maps between any two representations
#
# The same solver finds, for example, the unique equivariant map
# spin-1 ⊗ spin-1 → spin-1 (the cross product in the spherical basis), and the
# mirror-image maps that the classical side uses.

# %%
one = SpinIrrep(1)
print("dim Hom(1⊗1, 1) =", len(equivariant_basis(TensorProduct(one, one), one)))
print("dim Hom(1⊗1, 0) =", len(equivariant_basis(TensorProduct(one, one), SpinIrrep(0))))

# %% [markdown]
# ## A picture: how far a random gate is from the commutant
#
# The equivariance error of $e^{-i((1-\lambda) H + \lambda G)}$ as the generator is
# moved from $H$ towards its twirl $G$.

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

lams = np.linspace(0, 1, 11)
errs = []
for lam in lams:
    m = scipy.linalg.expm(-1j * ((1 - lam) * h + lam * g))
    errs.append(equivariance_error(lambda v, m=m: v @ m.T, rep, rep, seed=2))
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.semilogy(lams, np.maximum(errs, 1e-16), "o-")
ax.set(
    xlabel="λ (0: random H, 1: twirled G)",
    ylabel="equivariance error",
    title="Twirling removes symmetry breaking",
)
fig.tight_layout()
fig.savefig(OUT / "01_twirl_interpolation.png", dpi=110)
print("saved", OUT / "01_twirl_interpolation.png")
