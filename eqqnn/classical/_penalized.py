r"""Penalized relaxations of equivariance for the classical layers.

Two layers that start exactly equivariant and leave it through extra free parameters, whose
departure from the equivariant point a ``penalty()`` holds back (the measure-twirl layers,
:class:`~eqqnn.classical.LearnedDegreeLinear` and :class:`~eqqnn.classical.GroupMixtureLinear`,
are in :mod:`eqqnn.classical._relaxed`):

* :class:`RelaxedGroupConv` — relaxed group convolution (Wang et al., arXiv 2201.11969):
  :math:`L` filter banks combined with weights :math:`w_l(g)` per output group element,
  equal over :math:`g` at initialisation;
* :class:`ResidualPathway` — residual pathway prior (Finzi et al., arXiv 2112.01388):
  an equivariant layer plus a free linear map of the same shape, started at zero, with a
  much stronger L2 prior on the free part.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from eqqnn._validation import check_int, check_real
from eqqnn.classical._common import as_torch_generator, check_float_dtype, normal, zero_bias
from eqqnn.classical._gcnn import GroupConv, LiftingConv, _check_input
from eqqnn.classical._linear import EquivariantLinear
from eqqnn.classical._relaxed import _check_x
from eqqnn.errors import InvalidParameterError
from eqqnn.symmetry import Group
from eqqnn.symmetry._group_tables import group_table

__all__ = ["RelaxedGroupConv", "ResidualPathway"]


class RelaxedGroupConv(nn.Module):
    r"""Relaxed group convolution (Wang et al. 2022) on a finite group.

    .. math:: y_o(g) = \sum_{l=1}^{L} w_l(g) \sum_{c}\sum_{h \in G}
              \psi_{l,oc}(g^{-1}h)\, x_c(h) + b_o

    :math:`L` filter banks :math:`\psi_l` combined with relaxed weights :math:`w_l(g)` per
    output group element.  When :math:`w_l(g) = w_l` does not depend on :math:`g` the layer
    is the :class:`GroupConv` with kernel :math:`\sum_l w_l \psi_l`, exactly equivariant
    for the regular representation; :math:`w = 1` at initialisation.  :meth:`penalty`
    measures the spread of :math:`w` over the group,

    .. math:: R(w) = \sum_{l, g} \big(w_l(g) - \bar w_l\big)^2, \qquad
              \bar w_l = \frac{1}{|G|}\sum_g w_l(g),

    zero exactly at the equivariant weights (Wang et al. penalize differences of
    :math:`w` between neighbouring elements; on a finite group both vanish on the same set).

    Parameters
    ----------
    group
        A finite group or a direct product of finite groups.
    in_channels, out_channels
        Channels.
    n_filters
        Number :math:`L` of filter banks.
    bias
        Per-channel constant (invariant).
    seed, gain, dtype, device
        Each bank starts with variance :math:`\mathrm{gain}^2/(L c_{in} |G|)` per entry, so
        the equivalent :class:`GroupConv` kernel has the usual variance.

    Notes
    -----
    Inputs and outputs ``(..., channels, |G|)``.

    Examples
    --------
    >>> from eqqnn.symmetry import dihedral_group
    >>> conv = RelaxedGroupConv(dihedral_group(4), in_channels=2, out_channels=3)
    >>> conv(torch.randn(5, 2, 8)).shape, conv.relaxation().item()
    (torch.Size([5, 3, 8]), 0.0)
    """

    def __init__(
        self,
        group: Group,
        *,
        in_channels: int = 1,
        out_channels: int = 1,
        n_filters: int = 2,
        bias: bool = True,
        seed: int | torch.Generator = 0,
        gain: float = 1.0,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        dtype = check_float_dtype(dtype)
        self.table = group_table(group)
        self.in_channels = check_int("in_channels", in_channels, minimum=1)
        self.out_channels = check_int("out_channels", out_channels, minimum=1)
        self.n_filters = check_int("n_filters", n_filters, minimum=1)
        gain = check_real("gain", gain, minimum=0.0)
        order = self.table.order
        index = np.ascontiguousarray(self.table.cayley[self.table.inverse])  # g^{-1} h
        self.register_buffer("index", torch.from_numpy(index).to(device))
        std = gain / math.sqrt(self.n_filters * self.in_channels * order)
        shape = (self.n_filters, self.out_channels, self.in_channels, order)
        self.kernel = nn.Parameter(
            normal(shape, std, as_torch_generator(seed), dtype=dtype, device=device)
        )
        self.relaxed_weights = nn.Parameter(
            torch.ones(self.n_filters, order, dtype=dtype, device=device)
        )
        self.bias = zero_bias(bias, self.out_channels, dtype=dtype, device=device)

    @property
    def group(self) -> Group:
        """The group."""
        return self.table.group

    def full_weight(self) -> torch.Tensor:
        """Dense ``(c_out * |G|, c_in * |G|)`` matrix of the layer."""
        w = self.kernel[..., self.index]  # (l, o, c, g, h)
        w = torch.einsum("lg,locgh->ogch", self.relaxed_weights, w)
        order = self.table.order
        return w.reshape(self.out_channels * order, self.in_channels * order)

    def penalty(self) -> torch.Tensor:
        r""":math:`\sum_{l,g} (w_l(g) - \bar w_l)^2` (differentiable)."""
        w = self.relaxed_weights
        return ((w - w.mean(dim=1, keepdim=True)) ** 2).sum()

    def relaxation(self) -> torch.Tensor:
        r"""Root-mean-square spread of :math:`w_l(g)` over :math:`g`: zero iff equivariant
        weights."""
        w = self.relaxed_weights
        spread = torch.linalg.vector_norm(w - w.mean(dim=1, keepdim=True))  # finite grad at 0
        return spread / math.sqrt(w.numel())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Convolve ``(..., in_channels, |G|)`` into ``(..., out_channels, |G|)``."""
        _check_input(x, self.in_channels, self.table.order, "RelaxedGroupConv", "group elements")
        lead = x.shape[:-2]
        y = x.reshape(*lead, -1) @ self.full_weight().T
        y = y.reshape(*lead, self.out_channels, self.table.order)
        return y if self.bias is None else y + self.bias[:, None]

    def extra_repr(self) -> str:
        return (
            f"{self.group!r} (|G| = {self.table.order}), channels {self.in_channels} -> "
            f"{self.out_channels}, filter banks {self.n_filters}"
        )


_EQUIVARIANT_TYPES = (EquivariantLinear, GroupConv, LiftingConv)


class ResidualPathway(nn.Module):
    r"""Residual pathway prior (Finzi et al. 2021): an equivariant layer plus a free one.

    .. math:: y = f_{\text{eq}}(x) + W_{\text{free}}\, x + b_{\text{free}}, \qquad
              R = \lambda_{\text{eq}} \|\theta_{\text{eq}}\|^2
                + \lambda_{\text{free}} \|\theta_{\text{free}}\|^2 ,

    :math:`W_{\text{free}}` a dense map of the same input and output shape as the wrapped
    equivariant layer, zero at initialisation (the layer starts exactly equivariant).
    The prior :math:`R` (:meth:`penalty`, add it to the loss) is much stronger on the free
    part (:math:`\lambda_{\text{free}} \gg \lambda_{\text{eq}}`), so the free pathway
    only grows where the data pay for the broken symmetry.

    Parameters
    ----------
    module
        An :class:`EquivariantLinear`, :class:`GroupConv` or :class:`LiftingConv`.
    eq_weight, free_weight
        :math:`\lambda_{\text{eq}}, \lambda_{\text{free}}` (defaults ``1e-4`` and ``1e-1``).
    bias
        Add a free bias (zero at initialisation).

    Examples
    --------
    >>> from eqqnn.symmetry import cyclic_group
    >>> layer = ResidualPathway(GroupConv(cyclic_group(4), in_channels=2, out_channels=3))
    >>> layer(torch.randn(5, 2, 4)).shape, layer.relaxation().item()
    (torch.Size([5, 3, 4]), 0.0)
    """

    def __init__(
        self,
        module: nn.Module,
        *,
        eq_weight: float = 1e-4,
        free_weight: float = 1e-1,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if not isinstance(module, _EQUIVARIANT_TYPES):
            raise InvalidParameterError(
                "ResidualPathway wraps an EquivariantLinear, GroupConv or LiftingConv, got "
                f"{type(module).__name__}"
            )
        self.eq_weight = check_real("eq_weight", eq_weight, minimum=0.0)
        self.free_weight = check_real("free_weight", free_weight, minimum=0.0)
        self.equivariant = module
        w = module.full_weight().detach()
        self.in_channels, self.out_channels = module.in_channels, module.out_channels
        self.in_dim = w.shape[1] // self.in_channels
        self.out_dim = w.shape[0] // self.out_channels
        self.free = nn.Parameter(torch.zeros_like(w))
        self.free_bias = (
            nn.Parameter(
                torch.zeros(self.out_channels, self.out_dim, dtype=w.dtype, device=w.device)
            )
            if bias
            else None
        )

    def free_parameters(self) -> list[nn.Parameter]:
        """The parameters of the free pathway."""
        return [self.free] + ([] if self.free_bias is None else [self.free_bias])

    def penalty(self) -> torch.Tensor:
        r""":math:`\lambda_{eq}\|\theta_{eq}\|^2 + \lambda_{free}\|\theta_{free}\|^2`."""
        eq = sum((p**2).sum() for p in self.equivariant.parameters())
        free = sum((p**2).sum() for p in self.free_parameters())
        return self.eq_weight * eq + self.free_weight * free

    def relaxation(self) -> torch.Tensor:
        r""":math:`\|\theta_{\text{free}}\|`: zero iff the layer is the equivariant one."""
        return torch.linalg.vector_norm(torch.cat([p.reshape(-1) for p in self.free_parameters()]))

    def full_weight(self) -> torch.Tensor:
        """Dense ``(c_out * d_out, c_in * d_in)`` matrix: equivariant plus free."""
        return self.equivariant.full_weight() + self.free

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(..., in_channels, d_in)`` to ``(..., out_channels, d_out)``."""
        _check_x(x, (self.in_channels, self.in_dim), "ResidualPathway")
        lead = x.shape[:-2]
        y = self.equivariant(x)
        free = (x.reshape(*lead, -1) @ self.free.T).reshape(*lead, self.out_channels, -1)
        y = y + free
        return y if self.free_bias is None else y + self.free_bias

    def extra_repr(self) -> str:
        return (
            f"free {tuple(self.free.shape)}, eq_weight={self.eq_weight:g}, "
            f"free_weight={self.free_weight:g}"
        )
