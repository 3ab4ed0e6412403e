r"""Vector-feature (steerable) layers: per-site SO(3) vectors, the classical mirror of the
SWAP-exponential (Heisenberg-exchange) quantum convolution.

Features are tensors ``(..., channels, n_sites, 3)`` of real 3-vectors :math:`u_{c,i}`, on
which a rotation :math:`R \in SO(3)` (SU(2) through :class:`~eqqnn.symmetry.SO3Vector`)
acts on every vector and a finite group :math:`G` (the chain group) permutes the sites
through a representation :math:`P`:

.. math:: u_{c,i} \mapsto R\, u_{c, P^{-1}(g) i}.

* :class:`VectorLinear` — the equivariant linear maps.  The real commutant of
  :math:`R \mapsto R` on :math:`\mathbb R^3` is :math:`\mathbb R\,I_3` (Schur; the SO(3)
  irrep is of real type) and no non-zero vector is invariant, so the maps are
  :math:`\mathrm{Hom}_G(P_{in}, P_{out}) \otimes I_3` without bias: the site part is an
  :class:`~eqqnn.classical.EquivariantLinear`.  Tests check that this is the whole
  nullspace of the product group :math:`G \times SU(2)`.
* :class:`VectorGate` and :class:`NormActivation` — nonlinearities that only rescale
  vectors by functions of invariants (a rotation-invariant scalar times an equivariant
  vector is equivariant), the gated nonlinearity of e3nn / Weiler et al. (2018).
* :func:`pair_invariants` — the invariant readout :math:`u_{c,i}\cdot u_{c,j}`.  For one
  shadow snapshot :math:`v_i = 3 s_i e_{a_i}` and :math:`i \ne j`,
  :math:`\mathbb E[v_i\cdot v_j] = \langle\vec\sigma_i\cdot\vec\sigma_j\rangle =
  2\langle\mathrm{SWAP}_{ij}\rangle - 1`: the dot product is the classical estimator of the
  Heisenberg exchange that the quantum SWAP-exponential convolution acts with.

Shadows are sets of :math:`T` i.i.d. snapshots.  The mean over shots (:func:`shot_mean`,
:func:`mean_pair_invariants`) belongs right after the first invariant that couples two
sites: the per-shot vectors average to the Bloch vectors, which vanish for the singlet
ground states, so averaging *before* the dot products would erase the signal; averaging
*after* them yields the unbiased shadow estimator of
:math:`\langle \vec\sigma_i\cdot\vec\sigma_j\rangle` (and, after a site mixing
:math:`u = W v`, of :math:`\sum_{kl} W_{ik}W_{jl}\langle\vec\sigma_k\cdot\vec\sigma_l\rangle`
plus a constant from :math:`v_k\cdot v_k = 9`), whose expectation is invariant under
global rotations of the *state*.  The snapshot distribution itself is only O-symmetric;
an SO(3)-equivariant network on it is "steerable in expectation".  Nonlinearities
applied per shot before the mean (the gate) add higher-order correlators.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from eqqnn._validation import check_int, check_real
from eqqnn.classical._common import as_torch_generator, check_float_dtype, normal
from eqqnn.classical._linear import EquivariantLinear
from eqqnn.errors import DimensionError, InvalidParameterError
from eqqnn.symmetry import Representation

__all__ = [
    "NormActivation",
    "VectorGate",
    "VectorLinear",
    "mean_pair_invariants",
    "pair_invariants",
    "shot_mean",
]


def _check_vectors(x: torch.Tensor, name: str, channels: int, sites: int | None = None) -> None:
    if not isinstance(x, torch.Tensor):
        raise InvalidParameterError(f"{name} expects a torch.Tensor, got {type(x).__name__}")
    ok = x.ndim >= 3 and x.shape[-1] == 3 and x.shape[-3] == channels
    if sites is not None:
        ok = ok and x.shape[-2] == sites
    if not ok:
        site_txt = "n_sites" if sites is None else str(sites)
        raise DimensionError(
            f"{name} expects vector features of shape (..., {channels}, {site_txt}, 3) "
            f"(channels, sites, xyz), got {tuple(x.shape)}"
        )


class VectorLinear(nn.Module):
    r"""Equivariant linear map of per-site vector features.

    .. math:: u'_{o,i} = \sum_{c}\sum_{j} W_{oc,ij}\, u_{c,j}, \qquad
              W_{oc} = \sum_k w_{koc} B_k ,

    with :math:`\{B_k\}` the basis of :math:`\mathrm{Hom}_G(P_{in}, P_{out})` from
    :func:`~eqqnn.classical.cached_equivariant_basis`, applied to the three Cartesian
    components alike (so it commutes with every rotation).

    Parameters
    ----------
    site_rep_in, site_rep_out
        Real representations of one finite group on the input and output sites (e.g.
        :class:`~eqqnn.symmetry.PermutationRepresentation` of :func:`chain_group`).
    in_channels, out_channels, seed, gain, dtype, device
        As in :class:`~eqqnn.classical.EquivariantLinear`.

    Notes
    -----
    Inputs ``(..., in_channels, n_in, 3)``, outputs ``(..., out_channels, n_out, 3)``.

    Examples
    --------
    >>> from eqqnn.classical import chain_group
    >>> from eqqnn.symmetry import PermutationRepresentation
    >>> sites = PermutationRepresentation(chain_group(6))
    >>> layer = VectorLinear(sites, sites, out_channels=4)
    >>> layer(torch.randn(2, 1, 6, 3)).shape
    torch.Size([2, 4, 6, 3])
    """

    def __init__(
        self,
        site_rep_in: Representation,
        site_rep_out: Representation,
        *,
        in_channels: int = 1,
        out_channels: int = 1,
        seed: int | torch.Generator = 0,
        gain: float = 1.0,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        self.sites = EquivariantLinear(
            site_rep_in,
            site_rep_out,
            in_channels=in_channels,
            out_channels=out_channels,
            bias=False,
            seed=seed,
            gain=gain,
            dtype=dtype,
            device=device,
        )
        self.in_channels, self.out_channels = self.sites.in_channels, self.sites.out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(..., in_channels, n_in, 3)`` to ``(..., out_channels, n_out, 3)``."""
        _check_vectors(x, "VectorLinear", self.in_channels, self.sites.rep_in.dim)
        return self.sites(x.movedim(-1, -3)).movedim(-3, -1)


class VectorGate(nn.Module):
    r"""Gated nonlinearity: invariant scalars gate the vectors.

    .. math:: s_{c,i} = \log\big(1 + |u_{c,i}|^2\big), \qquad
              u'_{o,i} = \sigma\Big(\sum_c a_{oc}\, s_{c,i} + b_o\Big)\, u_{o,i} .

    The scalars are rotation invariant and the mixing acts per site with shared weights,
    so the gate commutes with rotations and with any permutation of the sites.

    Parameters
    ----------
    channels
        Vector channels (the gate keeps their number).
    gate
        Scalar nonlinearity :math:`\sigma` (default :func:`torch.sigmoid`).
    seed, gain, dtype, device
        Initial mixing :math:`a \sim \mathcal N(0, \mathrm{gain}^2/c)`, :math:`b = 0`.

    Examples
    --------
    >>> gate = VectorGate(2)
    >>> gate(torch.randn(5, 2, 4, 3)).shape
    torch.Size([5, 2, 4, 3])
    """

    def __init__(
        self,
        channels: int,
        *,
        gate: Callable[[torch.Tensor], torch.Tensor] = torch.sigmoid,
        seed: int | torch.Generator = 0,
        gain: float = 1.0,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        if not callable(gate):
            raise InvalidParameterError(f"gate must be callable, got {gate!r}")
        dtype = check_float_dtype(dtype)
        self.channels = check_int("channels", channels, minimum=1)
        gain = check_real("gain", gain, minimum=0.0)
        self.gate = gate
        gen = as_torch_generator(seed)
        std = gain / self.channels**0.5
        self.mix = nn.Parameter(
            normal((self.channels, self.channels), std, gen, dtype=dtype, device=device)
        )
        self.bias = nn.Parameter(torch.zeros(self.channels, dtype=dtype, device=device))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Gate ``(..., channels, n, 3)``."""
        _check_vectors(x, "VectorGate", self.channels)
        scalars = torch.log1p((x * x).sum(-1))  # (..., c, n)
        z = torch.einsum("oc,...cn->...on", self.mix, scalars) + self.bias[:, None]
        return self.gate(z)[..., None] * x


class NormActivation(nn.Module):
    r"""Norm nonlinearity: :math:`u \mapsto \sigma(|u| + b_c)\, u / |u|`.

    Rescales each vector by a function of its own norm (per-channel bias :math:`b_c`);
    vectors of norm zero map to zero.

    Parameters
    ----------
    channels
        Vector channels.
    activation
        :math:`\sigma` (default :func:`torch.nn.functional.softplus`).
    eps
        Norms below ``eps`` count as zero.

    Examples
    --------
    >>> act = NormActivation(3)
    >>> act(torch.randn(2, 3, 4, 3)).shape
    torch.Size([2, 3, 4, 3])
    """

    def __init__(
        self,
        channels: int,
        *,
        activation: Callable[[torch.Tensor], torch.Tensor] = torch.nn.functional.softplus,
        eps: float = 1e-12,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        if not callable(activation):
            raise InvalidParameterError(f"activation must be callable, got {activation!r}")
        self.channels = check_int("channels", channels, minimum=1)
        self.activation = activation
        self.eps = check_real("eps", eps, minimum=0.0)
        self.bias = nn.Parameter(
            torch.zeros(self.channels, dtype=check_float_dtype(dtype), device=device)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply to ``(..., channels, n, 3)``."""
        _check_vectors(x, "NormActivation", self.channels)
        norm = x.norm(dim=-1)
        safe = norm.clamp_min(self.eps) if self.eps > 0 else norm
        scale = self.activation(norm + self.bias[:, None]) / safe
        return torch.where(norm > self.eps, scale, torch.zeros_like(scale))[..., None] * x


def pair_invariants(u: torch.Tensor) -> torch.Tensor:
    r"""Dot products :math:`u_{c,i}\cdot u_{c,j}` of ``(..., c, n, 3)``: ``(..., c, n, n)``.

    Invariant under rotations, permuted as :math:`P \otimes P` by site permutations.

    Examples
    --------
    >>> v = torch.tensor([[[[3.0, 0, 0], [-3.0, 0, 0]]]])
    >>> pair_invariants(v)[0, 0]
    tensor([[ 9., -9.],
            [-9.,  9.]])
    """
    if not isinstance(u, torch.Tensor) or u.ndim < 3 or u.shape[-1] != 3:
        shape = tuple(u.shape) if isinstance(u, torch.Tensor) else type(u).__name__
        raise DimensionError(f"pair_invariants expects (..., channels, n, 3), got {shape}")
    return torch.einsum("...cia,...cja->...cij", u, u)


def mean_pair_invariants(u: torch.Tensor, *, shot_dim: int = 1) -> torch.Tensor:
    r"""Shot mean of the pair invariants without forming them per shot.

    .. math:: \bar C_{c,ij} = \frac1T \sum_t u_{t,c,i}\cdot u_{t,c,j}

    ``u`` has shape ``(B, T, c, n, 3)`` (shots on ``shot_dim``); returns ``(B, c, n, n)``.

    Examples
    --------
    >>> mean_pair_invariants(torch.ones(2, 5, 1, 3, 3)).shape
    torch.Size([2, 1, 3, 3])
    """
    if not isinstance(u, torch.Tensor) or u.ndim != 5 or u.shape[-1] != 3:
        shape = tuple(u.shape) if isinstance(u, torch.Tensor) else type(u).__name__
        raise DimensionError(
            f"mean_pair_invariants expects (B, T, channels, n, 3) vectors, got {shape}"
        )
    u = u.movedim(shot_dim, 1)
    return torch.einsum("btcia,btcja->bcij", u, u) / u.shape[1]


def shot_mean(x: torch.Tensor, *, shot_dim: int = 1) -> torch.Tensor:
    """Mean over the shot axis: the permutation-invariant pooling over i.i.d. snapshots."""
    if not isinstance(x, torch.Tensor) or x.ndim <= shot_dim:
        raise DimensionError(f"shot_mean needs a tensor with a shot axis {shot_dim}")
    return x.mean(dim=shot_dim)
