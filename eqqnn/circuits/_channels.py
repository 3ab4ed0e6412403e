r"""The twirled-Kraus map from free parameters to equivariant CPTP channels (torch).

.. math:: A = \mathrm{reshape}(\theta_{re} + i\theta_{im}) \in \mathbb C^{r d_{out} \times d_{in}},
          \quad M = A (A^\dagger A)^{-1/2}, \quad K_k = M_{[k]},
          \quad J = \sum_i \mathrm{tr}(B_i J_K)\, B_i

with :math:`J_K = \sum_k |K_k\rangle\!\rangle\langle\!\langle K_k|` and :math:`B_i` an
orthonormal basis of the equivariant Choi operators, so that :math:`J` is the twirl of a
CPTP map: CPTP and equivariant for every :math:`\theta`.
"""

from __future__ import annotations

import torch


def _inverse_sqrt_psd(s: torch.Tensor) -> torch.Tensor:
    evals, evecs = torch.linalg.eigh(s)
    return (evecs * evals.clamp_min(1e-12).rsqrt().to(evecs.dtype)) @ evecs.conj().T


def twirled_kraus_choi(
    theta: torch.Tensor, basis: torch.Tensor, k_in: int, k_out: int, rank: int
) -> torch.Tensor:
    """Choi operator ``(d_in d_out, d_in d_out)`` of the channel with parameters ``theta``."""
    d_in, d_out = 2**k_in, 2**k_out
    half = rank * d_out * d_in
    cdtype = basis.dtype
    a = torch.complex(theta[:half], theta[half:]).to(cdtype).reshape(rank * d_out, d_in)
    a = a + torch.eye(rank * d_out, d_in, dtype=cdtype, device=a.device)  # well-conditioned at 0
    m = a @ _inverse_sqrt_psd(a.conj().T @ a)
    kraus = m.reshape(rank, d_out, d_in)
    vecs = kraus.transpose(1, 2).reshape(rank, -1)  # vec[i * d_out + a] = K[a, i]
    choi = torch.einsum("kx,ky->xy", vecs, vecs.conj())
    coeffs = torch.einsum("bij,ij->b", basis.conj(), choi)
    return torch.einsum("b,bij->ij", coeffs, basis)
