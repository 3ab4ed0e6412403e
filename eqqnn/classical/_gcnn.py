r"""Group-convolutional layers (G-CNN, Cohen & Welling 2016) on finite groups.

Feature maps are functions on a finite group :math:`G` (a
:class:`~eqqnn.symmetry.FiniteGroup` or a :class:`~eqqnn.symmetry.DirectProduct` of
them, flat indexing of :mod:`eqqnn.symmetry._group_tables`), stored as tensors
``(..., channels, |G|)``; :math:`G` acts by the left-regular representation
:math:`(\lambda(k) f)(g) = f(k^{-1} g)`.

* :class:`LiftingConv` maps features in any orthogonal representation :math:`\rho` (sites
  permuted by the chain group, shadow vectors rotated by O, correlator matrices) to
  functions on :math:`G`:

  .. math:: [\psi \star f](g) = \sum_c \langle \rho(g)\, \psi_c,\ f_c \rangle .

* :class:`GroupConv` maps functions on :math:`G` to functions on :math:`G`:

  .. math:: [\psi \star f](g) = \sum_{c}\sum_{h \in G} \psi_c(g^{-1} h)\, f_c(h) .

* :class:`GroupPool` reduces over :math:`G` (mean, max, ...): an invariant.

Both convolutions span *all* equivariant linear maps between their representations
(Frobenius reciprocity: the lifting kernels :math:`\psi \in \mathbb R^{d}` give
:math:`\dim \mathrm{Hom}_G(\rho, \lambda) = d`; the group kernels give the
:math:`|G|`-dimensional commutant of :math:`\lambda`), which the tests check against
:func:`eqqnn.symmetry.equivariant_basis`; :meth:`LiftingConv.basis` and
:meth:`GroupConv.basis` return these bases.  A pointwise nonlinearity commutes with the
regular representation (it permutes coordinates), so any elementwise activation keeps
the network equivariant.

On a direct product :math:`G_1 \times G_2` a :class:`GroupConv` may use a *separable*
kernel :math:`\psi(g_1, g_2) = \psi_1(g_1)\psi_2(g_2)` (per channel pair): still exactly
equivariant, with :math:`|G_1| + |G_2|` instead of :math:`|G_1||G_2|` parameters per
channel pair (separable G-CNNs, Knigge et al. 2022).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from eqqnn._validation import check_int, check_real
from eqqnn.classical._common import as_torch_generator, check_float_dtype, normal, zero_bias
from eqqnn.errors import DimensionError, InvalidParameterError, RepresentationError
from eqqnn.symmetry import DirectProduct, Group, Representation
from eqqnn.symmetry._group_tables import group_table

__all__ = ["GroupConv", "GroupPool", "LiftingConv"]


def _check_input(x: torch.Tensor, channels: int, dim: int, name: str, what: str) -> None:
    if not isinstance(x, torch.Tensor):
        raise InvalidParameterError(f"{name} expects a torch.Tensor, got {type(x).__name__}")
    if x.ndim < 2 or tuple(x.shape[-2:]) != (channels, dim):
        raise DimensionError(
            f"{name} expects inputs of shape (..., {channels}, {dim}) (channels, {what}), "
            f"got {tuple(x.shape)}"
        )


class LiftingConv(nn.Module):
    r"""Lift features in an orthogonal representation to functions on the group.

    .. math:: y_o(g) = \sum_{c} \psi_{oc}^{T}\, \rho(g)^{T} x_c + b_o
              = \sum_c \langle \rho(g)\psi_{oc}, x_c\rangle + b_o ,

    equivariant from :math:`I_{c_{in}} \otimes \rho` to :math:`I_{c_{out}} \otimes
    \lambda`: :math:`y[\rho(k)x](g) = y[x](k^{-1}g)`.

    For a permutation representation (sites) this is the classical lifting convolution
    with a kernel on the points; for O acting on a shadow vector :math:`v = 3 s e_a`,
    :math:`y(g) = \psi \cdot R_g^T v` reads the snapshot in the frame of the rotation
    :math:`g`.

    Parameters
    ----------
    rep_in
        Real representation of a finite group (or direct product of finite groups).
    in_channels, out_channels
        Channels.
    bias
        A per-channel constant (the invariant functions on :math:`G`).
    seed, gain, dtype, device
        Initial kernel :math:`\psi \sim \mathcal N(0, \mathrm{gain}^2 / (c_{in} d))`.

    Notes
    -----
    Inputs ``(..., in_channels, d)``; outputs ``(..., out_channels, |G|)``.

    Examples
    --------
    >>> from eqqnn.symmetry import PermutationRepresentation, cyclic_group
    >>> lift = LiftingConv(PermutationRepresentation(cyclic_group(4)), out_channels=2)
    >>> lift(torch.randn(3, 1, 4)).shape
    torch.Size([3, 2, 4])
    """

    def __init__(
        self,
        rep_in: Representation,
        *,
        in_channels: int = 1,
        out_channels: int = 1,
        bias: bool = True,
        seed: int | torch.Generator = 0,
        gain: float = 1.0,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(rep_in, Representation):
            raise RepresentationError(f"rep_in must be a Representation, got {rep_in!r}")
        if not rep_in.is_real:
            raise RepresentationError(
                f"LiftingConv needs a real (orthogonal) representation, got {rep_in!r}"
            )
        dtype = check_float_dtype(dtype)
        self.rep_in = rep_in
        self.table = group_table(rep_in.group)
        self.in_channels = check_int("in_channels", in_channels, minimum=1)
        self.out_channels = check_int("out_channels", out_channels, minimum=1)
        gain = check_real("gain", gain, minimum=0.0)
        perms = self.table.permutation_table(rep_in)
        if perms is None:  # a general orthogonal representation: its matrices
            mats = torch.from_numpy(self.table.real_matrices(rep_in))
            self.register_buffer("rho", mats.to(dtype=dtype, device=device))
            self.gather = None
        else:  # a permutation: (rho(g) psi)_y = psi_x with p[g, x] = y, no d x d matrices
            gather = np.empty_like(perms)
            np.put_along_axis(gather, perms, np.arange(rep_in.dim)[None, :], axis=1)
            self.register_buffer("gather", torch.from_numpy(gather).to(device))
            self.rho = None
        std = gain / math.sqrt(self.in_channels * rep_in.dim)
        self.kernel = nn.Parameter(
            normal(
                (self.out_channels, self.in_channels, rep_in.dim),
                std,
                as_torch_generator(seed),
                dtype=dtype,
                device=device,
            )
        )
        self.bias = zero_bias(bias, self.out_channels, dtype=dtype, device=device)

    @property
    def group(self) -> Group:
        """The group."""
        return self.table.group

    def full_weight(self) -> torch.Tensor:
        """Dense ``(c_out * |G|, c_in * d)`` matrix of the layer."""
        if self.gather is None:
            w = torch.einsum("gij,ocj->ogci", self.rho, self.kernel)
        else:
            w = self.kernel[:, :, self.gather].permute(0, 2, 1, 3)  # (o, g, c, y)
        return w.reshape(self.out_channels * self.table.order, self.in_channels * self.rep_in.dim)

    def basis(self) -> np.ndarray:
        r"""``(d, |G|, d)`` orthonormal basis of the lifting maps (one per kernel entry)."""
        if self.rho is not None:
            mats = self.rho.detach().cpu().double().numpy()  # mats[g, j, k] = rho(g)_{jk}
        else:
            mats = self.table.real_matrices(self.rep_in)
        return np.transpose(mats, (2, 0, 1)) / math.sqrt(self.table.order)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Lift ``(..., in_channels, d)`` to ``(..., out_channels, |G|)``."""
        _check_input(x, self.in_channels, self.rep_in.dim, "LiftingConv", "representation dim")
        lead = x.shape[:-2]
        y = x.reshape(*lead, -1) @ self.full_weight().T
        y = y.reshape(*lead, self.out_channels, self.table.order)
        return y if self.bias is None else y + self.bias[:, None]

    def extra_repr(self) -> str:
        return (
            f"{self.rep_in!r} -> regular of {self.group!r} (|G| = {self.table.order}), "
            f"channels {self.in_channels} -> {self.out_channels}"
        )


class GroupConv(nn.Module):
    r"""Group convolution between functions on a finite group.

    .. math:: y_o(g) = \sum_{c}\sum_{h\in G} \psi_{oc}(g^{-1}h)\, x_c(h) + b_o

    Equivariant for the regular representation: :math:`y[\lambda(k)x] = \lambda(k)\,y[x]`.

    Parameters
    ----------
    group
        A finite group or a direct product of finite groups.
    in_channels, out_channels
        Channels.
    bias
        Per-channel constant.
    separable
        For a direct product, the kernel is the product of one kernel per factor,
        :math:`\psi(g_1,\dots,g_k) = \prod_i \psi^{(i)}(g_i)` (see the module notes).
    seed, gain, dtype, device
        Initial kernel with variance :math:`\mathrm{gain}^2/(c_{in}|G|)` per entry of
        the full kernel.

    Notes
    -----
    Inputs and outputs ``(..., channels, |G|)``.

    Examples
    --------
    >>> from eqqnn.symmetry import octahedral_group
    >>> conv = GroupConv(octahedral_group(), in_channels=2, out_channels=3)
    >>> conv(torch.randn(5, 2, 24)).shape
    torch.Size([5, 3, 24])
    """

    def __init__(
        self,
        group: Group,
        *,
        in_channels: int = 1,
        out_channels: int = 1,
        bias: bool = True,
        separable: bool = False,
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
        gain = check_real("gain", gain, minimum=0.0)
        self.separable = bool(separable) and isinstance(group, DirectProduct)
        order = self.table.order
        # index[g, h] = flat index of g^{-1} h
        index = self.table.cayley[self.table.inverse]
        self.register_buffer("index", torch.from_numpy(np.ascontiguousarray(index)).to(device))
        if self.separable:  # the same table for every factor, used by the factorized forward
            for i, factor in enumerate(self.table.factors):
                inv = np.asarray(factor.inverse(factor.elements()), dtype=np.int64)
                table = np.ascontiguousarray(factor.cayley_table[inv])
                self.register_buffer(f"factor_index_{i}", torch.from_numpy(table).to(device))
        gen = as_torch_generator(seed)
        std = gain / math.sqrt(self.in_channels * order)
        shape = (self.out_channels, self.in_channels)
        if self.separable:
            k = len(self.table.shape)
            factor_std = std ** (1.0 / k)
            self.factor_kernels = nn.ParameterList(
                [
                    nn.Parameter(normal((*shape, m), factor_std, gen, dtype=dtype, device=device))
                    for m in self.table.shape
                ]
            )
        else:
            self.kernel = nn.Parameter(
                normal((*shape, order), std, gen, dtype=dtype, device=device)
            )
        self.bias = zero_bias(bias, self.out_channels, dtype=dtype, device=device)

    @property
    def group(self) -> Group:
        """The group."""
        return self.table.group

    def full_kernel(self) -> torch.Tensor:
        """The kernel :math:`\\psi` on the whole group, ``(c_out, c_in, |G|)``."""
        if not self.separable:
            return self.kernel
        out = self.factor_kernels[0]
        for factor in self.factor_kernels[1:]:
            out = (out[..., :, None] * factor[..., None, :]).flatten(-2)
        return out

    def full_weight(self) -> torch.Tensor:
        """Dense ``(c_out * |G|, c_in * |G|)`` matrix of the layer."""
        w = self.full_kernel()[:, :, self.index]  # (o, c, g, h)
        order = self.table.order
        return w.permute(0, 2, 1, 3).reshape(self.out_channels * order, self.in_channels * order)

    def basis(self) -> np.ndarray:
        r"""``(|G|, |G|, |G|)`` orthonormal basis :math:`B_k[g, h] = [g^{-1}h = k]/\sqrt{|G|}`."""
        order = self.table.order
        index = self.index.cpu().numpy()
        out = np.zeros((order, order, order))
        out[index, np.arange(order)[:, None], np.arange(order)[None, :]] = 1.0
        return out / math.sqrt(order)

    def _separable_forward(self, x: torch.Tensor) -> torch.Tensor:
        r"""Factor by factor: :math:`y_o = \sum_c (\psi^{(1)}_{oc} \star_1 \cdots
        \psi^{(k)}_{oc} \star_k) x_c`, never forming the :math:`|G| \times |G|` kernel."""
        lead = x.shape[:-2]
        k = len(self.table.shape)
        axes = "ghijklmn"[:k]
        t = x.reshape(*lead, self.in_channels, *self.table.shape)
        for i in range(k):
            # w[o, c, a, g] = psi_i[o, c, a^{-1} g]; the new axis "z" replaces axis i
            w = self.factor_kernels[i][:, :, getattr(self, f"factor_index_{i}")]
            lhs = ("...c" if i == 0 else "...oc") + axes
            dst = axes[:i] + "z" + axes[i + 1 :]
            t = torch.einsum(f"{lhs},ocz{axes[i]}->...oc{dst}", t, w)
        y = t.sum(dim=-(k + 1))  # sum over the input channels
        return y.reshape(*lead, self.out_channels, self.table.order)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Convolve ``(..., in_channels, |G|)`` into ``(..., out_channels, |G|)``."""
        _check_input(x, self.in_channels, self.table.order, "GroupConv", "group elements")
        if self.separable:
            y = self._separable_forward(x)
        else:
            lead = x.shape[:-2]
            y = x.reshape(*lead, -1) @ self.full_weight().T
            y = y.reshape(*lead, self.out_channels, self.table.order)
        return y if self.bias is None else y + self.bias[:, None]

    def extra_repr(self) -> str:
        return (
            f"{self.group!r} (|G| = {self.table.order}), channels {self.in_channels} -> "
            f"{self.out_channels}, separable={self.separable}"
        )


class GroupPool(nn.Module):
    r"""Invariant pooling over the group axis: :math:`y_c = \mathrm{reduce}_{g} f_c(g)`.

    Parameters
    ----------
    reduce
        A callable ``reduce(x, dim=-1)`` that is symmetric in the entries along ``dim``,
        such as :func:`torch.mean` (default), :func:`torch.amax` or
        :func:`torch.logsumexp`.

    Examples
    --------
    >>> GroupPool()(torch.ones(2, 3, 24)).shape
    torch.Size([2, 3])
    """

    def __init__(self, reduce: Callable[..., torch.Tensor] = torch.mean) -> None:
        super().__init__()
        if not callable(reduce):
            raise InvalidParameterError(f"reduce must be callable, got {reduce!r}")
        self.reduce = reduce

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reduce ``(..., channels, |G|)`` to ``(..., channels)``."""
        if x.ndim < 2:
            raise DimensionError(
                f"GroupPool expects (..., channels, |G|) inputs, got shape {tuple(x.shape)}"
            )
        return self.reduce(x, dim=-1)

    def extra_repr(self) -> str:
        return f"reduce={getattr(self.reduce, '__name__', repr(self.reduce))}"
