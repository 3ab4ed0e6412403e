r"""Trainable output maps: from a circuit's readout to the probability of label 1.

A circuit's readout gives :math:`p = (\langle O\rangle - o_{min})/(o_{max} - o_{min})
\in [0, 1]` (:class:`~eqqnn.circuits.Readout`).  Thresholding :math:`p` at 1/2 fixes the
decision boundary at the midpoint of the observable's spectrum and keeps the outputs
inside whatever range the circuit can reach, so the cross-entropy saturates while the
decision threshold cannot move.  An output map adds two classical parameters:

.. math:: p_{out} = \sigma\big(a\,(2p - 1) + b\big),

with :math:`\sigma` the logistic function.  For the singlet readout of the EQCNN
:math:`2p - 1 = -\langle \mathrm{SWAP}\rangle`.  At the start (:math:`a = 1, b = 0`) the
map is monotone in :math:`p` and :math:`p_{out} > 1/2 \iff p > 1/2`, so the initial
decisions are those of the bare readout.  The map acts on the scalar output only: the
SU(2) invariance of an equivariant circuit's output is untouched.
"""

from __future__ import annotations

import torch
from torch import nn

from eqqnn._validation import check_real

__all__ = ["AffineSigmoid"]


class AffineSigmoid(nn.Module):
    r"""Learned scale and bias on a readout probability, :math:`\sigma(a(2p-1)+b)`.

    Parameters
    ----------
    scale
        Initial :math:`a` (finite).
    bias
        Initial :math:`b` (finite).
    dtype
        Parameter dtype.

    Examples
    --------
    >>> m = AffineSigmoid()
    >>> m(torch.tensor([0.5, 1.0], dtype=torch.float64))
    tensor([0.5000, 0.7311], dtype=torch.float64, grad_fn=<SigmoidBackward0>)
    """

    def __init__(
        self, scale: float = 1.0, bias: float = 0.0, *, dtype: torch.dtype = torch.float64
    ) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(check_real("scale", scale), dtype=dtype))
        self.bias = nn.Parameter(torch.tensor(check_real("bias", bias), dtype=dtype))

    def forward(self, p: torch.Tensor) -> torch.Tensor:
        """Map readout probabilities ``(B,)`` to probabilities of label 1 ``(B,)``."""
        z = 2 * p - 1
        return torch.sigmoid(self.scale.to(z.dtype) * z + self.bias.to(z.dtype))

    def extra_repr(self) -> str:
        return f"scale={float(self.scale):.4g}, bias={float(self.bias):.4g}"
