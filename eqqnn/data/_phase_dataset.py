"""The container of labelled states, :class:`PhaseDataset` (a ``torch.utils.data.Dataset``).

It holds the states, labels, ratios and per-sample diagnostics that
:func:`~eqqnn.data.build_dataset` generates, on one device and in one dtype, and converts
or subsets them; the dtype checks here are shared with :func:`~eqqnn.data.build_dataset`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from eqqnn._validation import check_choice
from eqqnn.data._dataset_config import STATE_FORMS, DatasetConfig
from eqqnn.errors import DimensionError, InvalidParameterError

__all__ = ["PhaseDataset"]

_COMPLEX_DTYPES = (torch.complex64, torch.complex128)
_LABEL_DTYPES = (torch.float32, torch.float64, torch.int64)


class PhaseDataset(Dataset):
    """Labelled states for phase classification (a ``torch.utils.data.Dataset``).

    ``dataset[k]`` is ``(state_k, label_k)``.  Build one with :func:`~eqqnn.data.build_dataset`.

    Attributes
    ----------
    states : torch.Tensor
        ``(N, 2^n)`` (``state_form="qubit"``) or ``(N, d_0)`` (``"sector"``), complex.
    labels : torch.Tensor
        ``(N,)``, 0 = trivial, 1 = Haldane, float or long.
    ratios : torch.Tensor
        ``(N,)`` float64, on the same device.
    diagnostics : dict of str to numpy.ndarray
        Per-sample float64 arrays of length ``N``: always ``input_energy`` (energy of the
        input state before any rotation); with ``config.diagnostics`` also the fields of
        :func:`eqqnn.data._diagnostics.diagnostics` of the ground state (``energy``,
        ``gap``, ``bond_j1``, ``bond_j2``, ``dimerization``, ``string_order``,
        ``string_order_dual``, ``predicted_label``; ``nan`` where undefined).
    config : DatasetConfig or None
        The generating configuration.
    """

    def __init__(
        self,
        states: torch.Tensor,
        labels: torch.Tensor,
        ratios: torch.Tensor,
        *,
        diagnostics: Mapping[str, np.ndarray] | None = None,
        config: DatasetConfig | None = None,
        state_form: str = "qubit",
    ) -> None:
        check_choice("state_form", state_form, STATE_FORMS)
        if states.ndim != 2:
            raise DimensionError(f"states must have shape (N, dim), got {tuple(states.shape)}")
        n = states.shape[0]
        if labels.shape != (n,) or ratios.shape != (n,):
            raise DimensionError(
                f"labels and ratios must have shape ({n},), got {tuple(labels.shape)} and "
                f"{tuple(ratios.shape)}"
            )
        diags = {k: np.asarray(v) for k, v in (diagnostics or {}).items()}
        for key, value in diags.items():
            if value.shape[:1] != (n,):
                raise DimensionError(
                    f"diagnostic {key!r} must have length {n}, got shape {value.shape}"
                )
        self._states = states
        self._labels = labels
        self._ratios = ratios
        self.diagnostics: dict[str, np.ndarray] = diags
        self.config = config
        self.state_form = state_form

    # -------------------------------------------------------------- access
    @property
    def states(self) -> torch.Tensor:
        """Input states, ``(N, dim)`` complex."""
        return self._states

    @property
    def labels(self) -> torch.Tensor:
        """Labels, ``(N,)``."""
        return self._labels

    @property
    def ratios(self) -> torch.Tensor:
        """Ratios ``J2/J1``, ``(N,)`` float64."""
        return self._ratios

    @property
    def dtype(self) -> torch.dtype:
        """Complex dtype of the states."""
        return self._states.dtype

    @property
    def device(self) -> torch.device:
        """Device of the tensors."""
        return self._states.device

    @property
    def n_qubits(self) -> int | None:
        """Chain length (from the config, or from the state length in qubit form)."""
        if self.config is not None:
            return self.config.n_qubits
        if self.state_form == "qubit":
            return int(self._states.shape[1]).bit_length() - 1
        return None

    def __len__(self) -> int:
        return int(self._states.shape[0])

    def __getitem__(self, index: Any) -> tuple[torch.Tensor, torch.Tensor]:
        return self._states[index], self._labels[index]

    def __repr__(self) -> str:
        return (
            f"PhaseDataset(n={len(self)}, state_form={self.state_form!r}, "
            f"shape={tuple(self._states.shape)}, dtype={self.dtype}, device={self.device})"
        )

    # -------------------------------------------------------------- conversion
    def to(
        self,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        *,
        label_dtype: torch.dtype | None = None,
    ) -> PhaseDataset:
        """A copy on ``device`` with states of ``dtype`` and labels of ``label_dtype``.

        Unspecified arguments keep their current value.  Ratios stay float64.
        """
        if dtype is not None:
            _check_complex_dtype(dtype)
        if label_dtype is not None:
            _check_label_dtype(label_dtype)
        return PhaseDataset(
            self._states.to(device=device, dtype=dtype),
            self._labels.to(device=device, dtype=label_dtype),
            self._ratios.to(device=device),
            diagnostics=self.diagnostics,
            config=self.config,
            state_form=self.state_form,
        )

    def subset(self, indices: Sequence[int] | np.ndarray | torch.Tensor) -> PhaseDataset:
        """The samples at ``indices`` (diagnostics included), as a new dataset."""
        idx = torch.as_tensor(np.asarray(indices), dtype=torch.long)
        if idx.ndim != 1:
            raise DimensionError(f"indices must be 1-D, got shape {tuple(idx.shape)}")
        if idx.numel() and (int(idx.min()) < -len(self) or int(idx.max()) >= len(self)):
            raise InvalidParameterError(
                f"indices must lie in [-{len(self)}, {len(self) - 1}], got {idx.tolist()}"
            )
        np_idx = idx.numpy()
        dev = idx.to(self.device)
        return PhaseDataset(
            self._states[dev],
            self._labels[dev],
            self._ratios[dev],
            diagnostics={k: v[np_idx] for k, v in self.diagnostics.items()},
            config=self.config,
            state_form=self.state_form,
        )


def _check_complex_dtype(dtype: object) -> torch.dtype:
    if dtype not in _COMPLEX_DTYPES:
        raise InvalidParameterError(
            f"dtype must be torch.complex64 or torch.complex128, got {dtype!r}"
        )
    return dtype  # type: ignore[return-value]


def _check_label_dtype(dtype: object) -> torch.dtype:
    if dtype not in _LABEL_DTYPES:
        raise InvalidParameterError(
            f"label_dtype must be torch.float32, torch.float64 or torch.long, got {dtype!r}"
        )
    return dtype  # type: ignore[return-value]
