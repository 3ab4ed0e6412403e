r"""Complete classical classifiers with the common model interface.

Every model is a ``torch.nn.Module`` with ``forward(batch) -> (B,)`` probabilities of
label 1 (Haldane phase), ``kind = "classical"``, an ``input_kind``
(:class:`~eqqnn.models.InputKind`), ``n_parameters`` and ``input_description``, a frozen
config dataclass and a ``seed`` for its initial weights.  ``logits(batch)`` gives the
pre-sigmoid scores (for ``binary_cross_entropy_with_logits``).

* :class:`ShadowGCNN` — SHADOWS; exactly invariant under :math:`G_{chain}\times O`,
  approximately under SO(3);
* :class:`VectorNet` — SHADOWS; exactly invariant under :math:`G_{chain}\times SO(3)`;
* :class:`CorrelatorGCNN` — CORRELATORS or EXACT_CORRELATORS; exactly invariant under
  :math:`G_{chain}` (the correlators are SU(2) invariants already).

Correspondence with the quantum layers of :mod:`eqqnn.circuits`:

* SWAP-exponential convolution (Heisenberg exchange :math:`\vec S_i\cdot\vec S_j`) ↔ the
  dot products :math:`v_i\cdot v_j` of :class:`VectorNet` (their shot mean estimates
  :math:`\langle\vec\sigma_i\cdot\vec\sigma_j\rangle = 2\langle\mathrm{SWAP}_{ij}\rangle - 1`);
* k-qubit commutant blocks ↔ :class:`~eqqnn.classical.EquivariantLinear` /
  :class:`~eqqnn.classical.VectorLinear` from the same
  :func:`~eqqnn.symmetry.equivariant_basis`;
* pooling ↔ :class:`~eqqnn.classical.GroupPool` and the shot mean;
* invariant readout ↔ invariant pooling and an MLP on invariants.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from eqqnn._validation import check_int
from eqqnn.classical._base import (
    SNAPSHOT_SCALE,
    ClassicalClassifier,
    check_callables,
    check_even_sites,
    check_positive,
    resolve_config,
)
from eqqnn.classical._chain import (
    chain_group,
    chain_octahedral_group,
    correlator_representation,
    shadow_representation,
)
from eqqnn.classical._common import (
    as_torch_generator,
    check_correlator_batch,
    check_float_dtype,
    check_shadow_batch,
    mlp_head,
    shot_chunked_mean,
)
from eqqnn.classical._gcnn import GroupConv, GroupPool, LiftingConv
from eqqnn.classical._linear import EquivariantLinear
from eqqnn.classical._steerable import VectorGate, VectorLinear
from eqqnn.errors import InvalidParameterError
from eqqnn.models import InputKind
from eqqnn.symmetry import (
    SU2,
    DirectProduct,
    FiniteGroup,
    MatrixRepresentation,
    OuterProduct,
    PermutationRepresentation,
    Representation,
    SO3Vector,
    TrivialRepresentation,
)

__all__ = [
    "CorrelatorGCNN",
    "CorrelatorGCNNConfig",
    "ShadowGCNN",
    "ShadowGCNNConfig",
    "VectorNet",
    "VectorNetConfig",
]


# --------------------------------------------------------------------------- ShadowGCNN
@dataclass(frozen=True)
class ShadowGCNNConfig:
    """Hyperparameters of :class:`ShadowGCNN`."""

    n_sites: int = 12
    """Chain length ``n`` (even)."""
    translations: bool = True
    """Include the unit-cell translations in the chain group (approximate for open chains)."""
    reflection: bool = True
    """Include the reflection ``i -> n-1-i`` in the chain group."""
    lift_channels: int = 4
    """Channels of the per-shot lifting convolution."""
    conv_channels: int = 8
    """Channels of the group convolutions after the shot mean."""
    conv_layers: int = 1
    """Number of group convolutions after the shot mean."""
    separable: bool = True
    """Separable kernels on G_chain x O (|G_chain| + 24 instead of 24 |G_chain| per pair)."""
    hidden: int = 8
    """Width of the MLP head on the invariants."""
    activation: Callable[[torch.Tensor], torch.Tensor] = torch.nn.functional.gelu
    """Pointwise nonlinearity (GELU: ReLU units fed by sparse ±1 snapshots often die)."""
    pool: Callable[..., torch.Tensor] = torch.mean
    """Invariant reduction over the group, called as ``pool(x, dim=-1)``."""
    shot_chunk: int = 250
    """Shots processed at once in the per-shot stage (memory bound only)."""

    def __post_init__(self) -> None:
        check_even_sites(self.n_sites)
        check_positive(self, "lift_channels", "conv_channels", "hidden", "shot_chunk")
        check_int("conv_layers", self.conv_layers, minimum=0)
        check_callables(self, "activation", "pool")


class ShadowGCNN(ClassicalClassifier):
    r"""G-CNN on shadow snapshots, invariant under :math:`G_{chain} \times O`.

    Per shot :math:`t`, the snapshot :math:`v_t \in (\mathbb R^3)^{n}` is lifted to
    functions on :math:`G = G_{chain}\times O` and passed through a pointwise
    nonlinearity; the shot mean follows (the per-shot nonlinearity is what turns single
    snapshots into estimates of correlations; see :mod:`eqqnn.classical._steerable`):

    .. math::
        h(a, o) = \frac1T\sum_t \sigma\Big(\sum_{i} \psi_{a^{-1} i}\cdot R_o^T v_{t,i}
                  / 3 + b\Big), \qquad (a, o) \in G_{chain}\times O ,

    then ``conv_layers`` group convolutions on :math:`G`, invariant pooling over
    :math:`G` and an MLP on the invariants.

    Exactly invariant under the data's symmetry: O permutes the six outcomes
    :math:`\pm 3 e_a` of a snapshot and the chain group permutes the sites.  Not
    invariant under general rotations :math:`R \in SO(3)`: a rotated snapshot is no longer
    of the form :math:`3 s e_a` and the lifting to O only sees 24 frames.

    Examples
    --------
    >>> model = ShadowGCNN(n_sites=4, lift_channels=2, conv_channels=2, hidden=2, seed=0)
    >>> model(torch.randn(3, 10, 4, 3)).shape
    torch.Size([3])
    """

    input_kind = InputKind.SHADOWS

    def __init__(
        self,
        config: ShadowGCNNConfig | None = None,
        *,
        seed: int = 0,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
        **overrides: Any,
    ) -> None:
        super().__init__()
        self.config = cfg = resolve_config(ShadowGCNNConfig, config, overrides)
        dtype = check_float_dtype(dtype)
        gen = as_torch_generator(seed)
        self.group = chain_octahedral_group(
            cfg.n_sites, translations=cfg.translations, reflection=cfg.reflection
        )
        chain, octa = self.group.factors
        site_vectors = OuterProduct(
            self.group, PermutationRepresentation(chain), MatrixRepresentation(octa)
        )
        kw = {"dtype": dtype, "device": device}
        self.lift = LiftingConv(site_vectors, out_channels=cfg.lift_channels, seed=gen, **kw)
        self.convs, self.pool, self.head = _gcnn_trunk(
            self.group, cfg, gen, kw, separable=cfg.separable
        )

    @property
    def input_description(self) -> str:
        """What :meth:`forward` consumes."""
        n = self.config.n_sites
        return f"(B, T, {n}, 3) shadow snapshot vectors 3·s·e_axis (T shots, {n} sites)"

    def input_representation(self, n_shots: int) -> Representation:
        """The exact symmetry :math:`G_{chain}\\times O` on ``(T, n, 3)`` flattened inputs."""
        chain, octa = self.group.factors
        return shadow_representation(
            n_shots,
            self.config.n_sites,
            site_rep=PermutationRepresentation(chain),
            vector_rep=MatrixRepresentation(octa),
        )

    def _per_shot(self, x: torch.Tensor) -> torch.Tensor:
        b, t = x.shape[:2]
        lifted = self.lift(x.reshape(b, t, 1, -1) / SNAPSHOT_SCALE)
        return self.config.activation(lifted).sum(dim=1)  # (B, C, |G|), summed over shots

    def features(self, batch: torch.Tensor) -> torch.Tensor:
        """Invariant features ``(B, channels)`` before the head."""
        x = check_shadow_batch(batch, self.config.n_sites)
        h = shot_chunked_mean(self._per_shot, x, self.config.shot_chunk)
        for conv in self.convs:
            h = self.config.activation(conv(h))
        return self.pool(h)

    def logits(self, batch: torch.Tensor) -> torch.Tensor:
        """Scores ``(B,)`` before the sigmoid."""
        return self.head(self.features(batch))[..., 0]


# --------------------------------------------------------------------------- VectorNet
@dataclass(frozen=True)
class VectorNetConfig:
    """Hyperparameters of :class:`VectorNet`."""

    n_sites: int = 12
    """Chain length ``n`` (even)."""
    translations: bool = True
    """Include the unit-cell translations in the chain group (approximate for open chains)."""
    reflection: bool = True
    """Include the reflection ``i -> n-1-i`` in the chain group."""
    vector_channels: int = 8
    """Vector channels of the first site-mixing layer."""
    pair_channels: int = 8
    """Vector channels whose pair dot products are read out."""
    gated: bool = True
    """Gate the vectors by invariant scalars between the two vector layers (per shot)."""
    gate: Callable[[torch.Tensor], torch.Tensor] = torch.sigmoid
    """Scalar nonlinearity of the gate."""
    hidden: int = 16
    """Invariant features read out of the shot-averaged pair invariants."""
    activation: Callable[[torch.Tensor], torch.Tensor] = torch.relu
    """Nonlinearity of the invariant head."""
    shot_chunk: int = 250
    """Shots processed at once in the per-shot stage (memory bound only)."""

    def __post_init__(self) -> None:
        check_even_sites(self.n_sites)
        check_positive(self, "vector_channels", "pair_channels", "hidden", "shot_chunk")
        check_callables(self, "gate", "activation")


class VectorNet(ClassicalClassifier):
    r"""Steerable vector network on shadows, invariant under :math:`G_{chain}\times SO(3)`.

    Per shot, the site vectors :math:`v_i = 3 s_i e_{a_i}` are mixed across sites and
    channels by chain-equivariant :class:`~eqqnn.classical.VectorLinear` maps (optionally
    with a :class:`~eqqnn.classical.VectorGate` in between); the pair dot products are
    averaged over shots (the shadow estimator of the mixed correlators, the classical
    counterpart of the Heisenberg-exchange convolution),

    .. math:: C_{c,ij} = \frac{1}{9T}\sum_t u_{t,c,i}\cdot u_{t,c,j} ,

    and read out by the chain-invariant linear maps of
    :math:`P \otimes P \to \mathrm{trivial}` (one per orbit of site pairs) followed by a
    small MLP.  Every step commutes with rotations of all vectors, so the model is exactly
    SO(3)- (hence O-) invariant as a function of its input; the data are SO(3)-symmetric
    only in expectation (see :mod:`eqqnn.classical._steerable`).

    Examples
    --------
    >>> model = VectorNet(n_sites=4, vector_channels=2, pair_channels=2, hidden=4, seed=0)
    >>> model(torch.randn(3, 10, 4, 3)).shape
    torch.Size([3])
    """

    input_kind = InputKind.SHADOWS

    def __init__(
        self,
        config: VectorNetConfig | None = None,
        *,
        seed: int = 0,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
        **overrides: Any,
    ) -> None:
        super().__init__()
        self.config = cfg = resolve_config(VectorNetConfig, config, overrides)
        dtype = check_float_dtype(dtype)
        gen = as_torch_generator(seed)
        kw = {"dtype": dtype, "device": device}
        self.chain = chain_group(
            cfg.n_sites, translations=cfg.translations, reflection=cfg.reflection
        )
        sites = PermutationRepresentation(self.chain)
        self.mix1 = VectorLinear(sites, sites, out_channels=cfg.vector_channels, seed=gen, **kw)
        self.gate = (
            VectorGate(cfg.vector_channels, gate=cfg.gate, seed=gen, **kw) if cfg.gated else None
        )
        self.mix2 = VectorLinear(
            sites,
            sites,
            in_channels=cfg.vector_channels,
            out_channels=cfg.pair_channels,
            seed=gen,
            **kw,
        )
        self.readout = EquivariantLinear(
            correlator_representation(sites),
            TrivialRepresentation(self.chain),
            in_channels=cfg.pair_channels,
            out_channels=cfg.hidden,
            seed=gen,
            **kw,
        )
        self.head = mlp_head((cfg.hidden, 1), cfg.activation, gen, **kw)

    @property
    def group(self) -> DirectProduct:
        """:math:`G_{chain} \\times SU(2)` (SU(2) acting through SO(3) on the vectors)."""
        return DirectProduct(self.chain, SU2())

    @property
    def input_description(self) -> str:
        """What :meth:`forward` consumes."""
        n = self.config.n_sites
        return f"(B, T, {n}, 3) shadow snapshot vectors 3·s·e_axis (T shots, {n} sites)"

    def input_representation(self, n_shots: int) -> Representation:
        """:math:`G_{chain}\\times SU(2)` on ``(T, n, 3)`` flattened inputs (SO3Vector per site)."""
        return shadow_representation(
            n_shots,
            self.config.n_sites,
            site_rep=PermutationRepresentation(self.chain),
            vector_rep=SO3Vector(),
        )

    def _vectors(self, x: torch.Tensor) -> torch.Tensor:
        u = self.mix1(x.unsqueeze(2) / SNAPSHOT_SCALE)  # (B, t, C1, n, 3)
        if self.gate is not None:
            u = self.gate(u)
        return self.mix2(u)  # (B, t, C2, n, 3)

    def _pair_sums(self, x: torch.Tensor) -> torch.Tensor:
        u = self._vectors(x)
        return torch.einsum("btcia,btcja->bcij", u, u)  # summed over the chunk's shots

    def pair_correlators(self, batch: torch.Tensor) -> torch.Tensor:
        """Shot-averaged pair invariants ``(B, pair_channels, n, n)``."""
        x = check_shadow_batch(batch, self.config.n_sites)
        return shot_chunked_mean(self._pair_sums, x, self.config.shot_chunk)

    def features(self, batch: torch.Tensor) -> torch.Tensor:
        """Invariant features ``(B, hidden)`` before the head's nonlinearity."""
        pairs = self.pair_correlators(batch)
        return self.readout(pairs.flatten(-2))[..., 0]

    def logits(self, batch: torch.Tensor) -> torch.Tensor:
        """Scores ``(B,)`` before the sigmoid."""
        return self.head(self.config.activation(self.features(batch)))[..., 0]


# --------------------------------------------------------------------------- CorrelatorGCNN
_CORRELATOR_KINDS = (InputKind.CORRELATORS, InputKind.EXACT_CORRELATORS)


@dataclass(frozen=True)
class CorrelatorGCNNConfig:
    """Hyperparameters of :class:`CorrelatorGCNN`."""

    n_sites: int = 12
    """Chain length ``n`` (even)."""
    input_kind: InputKind = InputKind.CORRELATORS
    """``InputKind.CORRELATORS`` (shadow estimates) or ``InputKind.EXACT_CORRELATORS``."""
    translations: bool = True
    """Include the unit-cell translations in the chain group (approximate for open chains)."""
    reflection: bool = True
    """Include the reflection ``i -> n-1-i`` in the chain group."""
    lift_channels: int = 8
    """Channels of the lifting convolution (kernel on pairs of sites)."""
    conv_channels: int = 8
    """Channels of the group convolutions."""
    conv_layers: int = 1
    """Number of group convolutions."""
    hidden: int = 8
    """Width of the MLP head on the invariants."""
    activation: Callable[[torch.Tensor], torch.Tensor] = torch.relu
    """Pointwise nonlinearity."""
    pool: Callable[..., torch.Tensor] = torch.mean
    """Invariant reduction over the group, called as ``pool(x, dim=-1)``."""

    def __post_init__(self) -> None:
        check_even_sites(self.n_sites)
        if self.input_kind not in _CORRELATOR_KINDS:
            raise InvalidParameterError(
                f"input_kind must be one of {_CORRELATOR_KINDS}, got {self.input_kind!r}"
            )
        check_positive(self, "lift_channels", "conv_channels", "hidden")
        check_int("conv_layers", self.conv_layers, minimum=0)
        check_callables(self, "activation", "pool")


class CorrelatorGCNN(ClassicalClassifier):
    r"""Chain-group G-CNN on the correlators :math:`\langle\vec\sigma_i\cdot\vec\sigma_j\rangle`.

    The chain group acts by :math:`C \mapsto P C P^T`.  A lifting convolution with a
    kernel on pairs of sites,

    .. math:: h_o(g) = \sigma\Big(\sum_{ij} \psi_{o, g^{-1}i, g^{-1}j}\, C_{ij} / 3 + b_o\Big),

    then ``conv_layers`` group convolutions, invariant pooling over :math:`G_{chain}` and
    an MLP on the invariants.  The correlators are already SU(2) invariants, so the model
    is the classical counterpart of the EQCNN's invariant readout.

    Examples
    --------
    >>> model = CorrelatorGCNN(n_sites=4, lift_channels=2, conv_channels=2, hidden=2, seed=0)
    >>> model(torch.randn(3, 4, 4)).shape
    torch.Size([3])
    """

    def __init__(
        self,
        config: CorrelatorGCNNConfig | None = None,
        *,
        seed: int = 0,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
        **overrides: Any,
    ) -> None:
        super().__init__()
        self.config = cfg = resolve_config(CorrelatorGCNNConfig, config, overrides)
        self.input_kind = cfg.input_kind
        dtype = check_float_dtype(dtype)
        gen = as_torch_generator(seed)
        kw = {"dtype": dtype, "device": device}
        self.group: FiniteGroup = chain_group(
            cfg.n_sites, translations=cfg.translations, reflection=cfg.reflection
        )
        pairs = correlator_representation(PermutationRepresentation(self.group))
        self.lift = LiftingConv(pairs, out_channels=cfg.lift_channels, seed=gen, **kw)
        self.convs, self.pool, self.head = _gcnn_trunk(self.group, cfg, gen, kw)

    @property
    def input_description(self) -> str:
        """What :meth:`forward` consumes."""
        n = self.config.n_sites
        what = "exact" if self.input_kind is InputKind.EXACT_CORRELATORS else "shadow-estimated"
        return f"(B, {n}, {n}) {what} correlators <σ_i·σ_j>"

    def input_representation(self) -> Representation:
        """:math:`P \\otimes P` of the chain group on row-major flattened ``(n, n)`` inputs."""
        return correlator_representation(PermutationRepresentation(self.group))

    def features(self, batch: torch.Tensor) -> torch.Tensor:
        """Invariant features ``(B, channels)`` before the head."""
        x = check_correlator_batch(batch, self.config.n_sites)
        h = self.config.activation(self.lift(x.reshape(x.shape[0], 1, -1) / SNAPSHOT_SCALE))
        for conv in self.convs:
            h = self.config.activation(conv(h))
        return self.pool(h)

    def logits(self, batch: torch.Tensor) -> torch.Tensor:
        """Scores ``(B,)`` before the sigmoid."""
        return self.head(self.features(batch))[..., 0]


def _gcnn_trunk(
    group: Any, cfg: Any, gen: torch.Generator, kw: dict[str, Any], *, separable: bool = False
) -> tuple[nn.ModuleList, GroupPool, nn.Module]:
    """Group convolutions after the lift, invariant pooling and the MLP head of a G-CNN.

    ``cfg`` provides ``lift_channels``, ``conv_layers``, ``conv_channels``, ``pool``,
    ``hidden`` and ``activation``; parameters are drawn from ``gen`` in layer order.
    """
    convs = []
    channels = cfg.lift_channels
    for _ in range(cfg.conv_layers):
        convs.append(
            GroupConv(
                group,
                in_channels=channels,
                out_channels=cfg.conv_channels,
                separable=separable,
                seed=gen,
                **kw,
            )
        )
        channels = cfg.conv_channels
    head = mlp_head((channels, cfg.hidden, 1), cfg.activation, gen, **kw)
    return nn.ModuleList(convs), GroupPool(cfg.pool), head
