"""Atomic checkpoints that load without unpickling arbitrary objects.

A checkpoint is a dict of tensors, numbers, strings, lists and dicts (model and
optimizer state, RNG states, epoch, history and a config fingerprint), written to a
temporary file in the same folder, flushed, fsynced and renamed over the target, and
read back with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from eqqnn.errors import CacheError

__all__ = ["capture_rng_state", "load_checkpoint", "restore_rng_state", "save_checkpoint"]


def save_checkpoint(path: str | Path, payload: dict[str, Any]) -> Path:
    """Write ``payload`` atomically to ``path`` (temp file + fsync + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(payload, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True``; corrupted files raise :class:`CacheError`."""
    path = Path(path)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as err:  # torch raises several types for damaged files
        raise CacheError(
            f"checkpoint {path} is unreadable or not a safe checkpoint: {err}"
        ) from err


def capture_rng_state() -> dict[str, Any]:
    """Python, numpy and torch RNG states as weights-only-loadable objects."""
    py_state = random.getstate()
    np_state = np.random.get_state()  # noqa: NPY002 - third-party code may use it
    return {
        "python": [py_state[0], list(py_state[1]), py_state[2]],
        "numpy": [np_state[0], torch.as_tensor(np_state[1]), *np_state[2:]],
        "torch": torch.get_rng_state(),
    }


def restore_rng_state(state: dict[str, Any]) -> None:
    """Inverse of :func:`capture_rng_state`."""
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    npy = state["numpy"]
    np.random.set_state((npy[0], npy[1].numpy(), *npy[2:]))  # noqa: NPY002
    torch.set_rng_state(state["torch"])
