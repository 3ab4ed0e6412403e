r"""Parameter maps: learnable reparametrizations of a circuit's parameter slots.

A map is a ``torch.nn.Module`` ``weights -> slots`` with parameters of its own, passed as
``QuantumClassifier(circuit, param_map=...)``.  Both maps below need a circuit from
:func:`eqqnn.circuits.graded_qcnn` (slots tagged with layer and grade).

* :class:`LearnedDegree` — per layer and spin :math:`L \ge 1` a factor
  :math:`f_L = \tanh a_L` scales the spin-:math:`L` generators: a class-function
  measure on SU(2) whose partial twirl of the layer's generator keeps a fraction
  :math:`f_L` of each spin component (Veefkind & Cesa's learned degree of equivariance,
  in Fourier/character coordinates).  :math:`a_L = 0` at initialisation: exactly
  equivariant, with non-zero gradient.
* :class:`GroupMixture` — per layer architecture weights :math:`w = \mathrm{softmax}(\beta)`
  over the generator grades (SU(2) / U(1) / free: a [G]-mixed layer, Maile et al.).
"""

from __future__ import annotations

import torch
from torch import nn

from eqqnn.circuits import Circuit
from eqqnn.errors import InvalidParameterError

__all__ = ["GroupMixture", "LearnedDegree"]


def _tags(circuit: Circuit) -> tuple[torch.Tensor, torch.Tensor, int, int]:
    meta = circuit.metadata
    if "slot_grade" not in meta or "slot_layer" not in meta:
        raise InvalidParameterError(
            f"{circuit.name} has no grade tags; build it with eqqnn.circuits.graded_qcnn"
        )
    grade = torch.as_tensor(meta["slot_grade"], dtype=torch.long)
    layer = torch.as_tensor(meta["slot_layer"], dtype=torch.long)
    return grade, layer, int(meta["n_grades"]), int(meta["n_layers"])


class LearnedDegree(nn.Module):
    r"""Per-layer degrees of equivariance :math:`f_{\ell,L} = \tanh a_{\ell,L}` (init 0).

    .. math:: \theta^{\text{eff}}_{\ell, L, a} = f_{\ell, L}\,\theta_{\ell, L, a},
              \qquad f_{\ell, 0} = 1 .
    """

    def __init__(self, circuit: Circuit) -> None:
        super().__init__()
        grade, layer, n_grades, n_layers = _tags(circuit)
        self.register_buffer("grade", grade)
        self.register_buffer("layer", layer)
        self.logits = nn.Parameter(torch.zeros(n_layers, max(1, n_grades - 1), dtype=torch.float64))

    def degrees(self) -> torch.Tensor:
        """``(n_layers, n_grades)`` factors, column 0 (spin 0) fixed at 1."""
        ones = torch.ones(
            self.logits.shape[0], 1, dtype=self.logits.dtype, device=self.logits.device
        )
        return torch.cat([ones, torch.tanh(self.logits)], dim=1)

    def forward(self, weights: torch.Tensor) -> torch.Tensor:
        scale = self.degrees()[self.layer, self.grade]
        return weights * scale.to(weights.dtype)


class GroupMixture(nn.Module):
    r"""Per-layer softmax architecture weights over generator grades (init uniform).

    .. math:: \theta^{\text{eff}}_{\ell, g, a} = \mathrm{softmax}(\beta_\ell)_g\,
              \theta_{\ell, g, a}
    """

    def __init__(self, circuit: Circuit) -> None:
        super().__init__()
        grade, layer, n_grades, n_layers = _tags(circuit)
        self.register_buffer("grade", grade)
        self.register_buffer("layer", layer)
        self.logits = nn.Parameter(torch.zeros(n_layers, n_grades, dtype=torch.float64))

    def mixture_weights(self) -> torch.Tensor:
        """``(n_layers, n_grades)`` weights summing to one per layer."""
        return torch.softmax(self.logits, dim=1)

    def forward(self, weights: torch.Tensor) -> torch.Tensor:
        return weights * self.mixture_weights()[self.layer, self.grade].to(weights.dtype)
