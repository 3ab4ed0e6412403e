"""Saved models: self-describing files that load without unpickling anything.

A saved model is one ``torch.save`` file holding only tensors and plain Python values::

    {"format": "eqqnn.saved_model/1", "eqqnn_version": ..., "model": <spec>,
     "state_dict": {...}, "meta": {"n_qubits", "input_kind", "family", "record", ...}}

``<spec>`` describes how to rebuild the module: for a
:class:`~eqqnn.models.QuantumClassifier` the circuit IR (every operation's wires,
generator matrices as tensors, parameter slots, readout, layers and builder config), the
backend (class and constructor settings) and the output map; for a classical model its
class and frozen config.  :func:`load_model` reads it with ``torch.load(weights_only=True)``
— the safe loader, which refuses arbitrary objects — and rebuilds only classes from an
allowlist: the public dataclasses, enums, models and backends of :mod:`eqqnn.circuits`,
:mod:`eqqnn.classical`, :mod:`eqqnn.models` and :mod:`eqqnn.sim`, and a fixed set of
activation functions.  The weights go back in with ``load_state_dict(strict=True)``.

Written by hand rather than with a serialization library: the objects are eqqnn's own
frozen dataclasses holding numpy arrays and enums, and the point is to admit nothing but
them; ``torch.save`` already stores the tensors.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from eqqnn.errors import EqqnnError, InvalidParameterError

__all__ = [
    "SAVED_MODEL_FORMAT",
    "SavedModelError",
    "load",
    "load_model",
    "read_saved",
    "resolve_saved",
    "save_model",
]

#: Format tag of the files :func:`save_model` writes.
SAVED_MODEL_FORMAT = "eqqnn.saved_model/1"


class SavedModelError(EqqnnError, ValueError):
    """A saved-model file that cannot be read or rebuilt."""


@lru_cache(maxsize=1)
def _allowlist() -> dict[str, Any]:
    """Classes and functions a saved model may name, keyed ``module:name``."""
    import torch.nn.functional as F

    import eqqnn.circuits
    import eqqnn.classical
    import eqqnn.models
    import eqqnn.sim

    out: dict[str, Any] = {}
    for module in (eqqnn.circuits, eqqnn.classical, eqqnn.models, eqqnn.sim):
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isclass(obj) and (
                dataclasses.is_dataclass(obj)
                or issubclass(obj, (enum.Enum, nn.Module, eqqnn.sim.Backend))
            ):
                out[f"{module.__name__}:{name}"] = obj
    functions = {
        "relu": torch.relu,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "mean": torch.mean,
        "sum": torch.sum,
        "amax": torch.amax,
        "logsumexp": torch.logsumexp,
        "functional.relu": F.relu,
        "functional.gelu": F.gelu,
        "functional.silu": F.silu,
        "functional.elu": F.elu,
        "functional.softplus": F.softplus,
    }
    for name, fn in functions.items():
        out[f"torch:{name}"] = fn
    return out


def _key(obj: Any) -> str:
    for key, value in _allowlist().items():
        if value is obj:
            return key
    raise SavedModelError(
        f"cannot save {obj!r}: only eqqnn's public dataclasses, enums, models and backends "
        "and standard activations can be saved"
    )


def _encode(value: Any) -> Any:
    """Plain, weights_only-safe form of ``value``."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, complex):
        return {"__complex__": [value.real, value.imag]}
    if isinstance(value, np.ndarray):
        return {"__array__": torch.from_numpy(np.ascontiguousarray(value).copy())}
    if isinstance(value, np.generic):
        return _encode(value.item())
    if isinstance(value, torch.dtype):
        return {"__dtype__": str(value).removeprefix("torch.")}
    if isinstance(value, torch.device):
        return {"__device__": str(value)}
    if isinstance(value, enum.Enum):
        return {"__enum__": _key(type(value)), "value": value.value}
    if isinstance(value, (tuple, list)):
        items = [_encode(v) for v in value]
        return {"__tuple__": items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise SavedModelError(f"cannot save a dict with non-string keys: {list(value)[:3]}")
        return {"__dict__": {k: _encode(v) for k, v in value.items()}}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {
            f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init
        }
        return {"__dataclass__": _key(type(value)), "fields": fields}
    if callable(value):
        return {"__function__": _key(value)}
    raise SavedModelError(f"cannot save a value of type {type(value).__name__}: {value!r}")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    allow = _allowlist()

    def named(key: str) -> Any:
        if key not in allow:
            raise SavedModelError(f"the file names {key!r}, which is not an eqqnn class")
        return allow[key]

    if "__array__" in value:
        return value["__array__"].numpy()
    if "__complex__" in value:
        re, im = value["__complex__"]
        return complex(re, im)
    if "__dtype__" in value:
        dtype = getattr(torch, value["__dtype__"], None)
        if not isinstance(dtype, torch.dtype):
            raise SavedModelError(f"unknown dtype {value['__dtype__']!r}")
        return dtype
    if "__device__" in value:
        return torch.device(value["__device__"])
    if "__enum__" in value:
        return named(value["__enum__"])(value["value"])
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {k: _decode(v) for k, v in value["__dict__"].items()}
    if "__dataclass__" in value:
        cls = named(value["__dataclass__"])
        return cls(**{k: _decode(v) for k, v in value["fields"].items()})
    if "__function__" in value:
        return named(value["__function__"])
    raise SavedModelError(f"unrecognised entry in a saved model: {sorted(value)}")


def _backend_spec(backend: Any) -> dict[str, Any]:
    """Class and the constructor settings that are stored as attributes of that name."""
    settings = {}
    for name, param in inspect.signature(type(backend).__init__).parameters.items():
        if name == "self" or param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
            continue
        if hasattr(backend, name):
            try:
                settings[name] = _encode(getattr(backend, name))
            except SavedModelError:
                continue  # a device object or a wrapped backend: rebuilt with its default
    return {"class": _key(type(backend)), "settings": settings}


def _model_spec(model: nn.Module) -> dict[str, Any]:
    from eqqnn.classical._base import ClassicalClassifier
    from eqqnn.models import AffineSigmoid, QuantumClassifier

    if isinstance(model, QuantumClassifier):
        if model.param_map is not None:
            raise SavedModelError(
                f"saving a QuantumClassifier with a parameter map "
                f"({type(model.param_map).__name__}) is not supported yet"
            )
        out_map = model.output_map
        if out_map is not None and not isinstance(out_map, AffineSigmoid):
            raise SavedModelError(
                f"saving output map {type(out_map).__name__} is not supported (AffineSigmoid is)"
            )
        return {
            "class": _key(QuantumClassifier),
            "circuit": _encode(model.circuit),
            "backend": _backend_spec(model.backend),
            "output_map": out_map is not None,
            "dtype": _encode(model.weights.dtype),
        }
    if isinstance(model, ClassicalClassifier):
        dtype = next(model.parameters()).dtype
        return {
            "class": _key(type(model)),
            "config": _encode(model.config),
            "dtype": _encode(dtype),
        }
    raise SavedModelError(
        f"cannot save {type(model).__name__}: eqqnn saves QuantumClassifier and the models of "
        "eqqnn.classical"
    )


def save_model(
    model: nn.Module,
    path: str | Path,
    *,
    family: str | None = None,
    record: dict[str, Any] | None = None,
) -> Path:
    """Write ``model`` to ``path`` as a self-describing saved model.

    Parameters
    ----------
    model
        A :class:`~eqqnn.models.QuantumClassifier` (without a parameter map) or a model of
        :mod:`eqqnn.classical`.
    path
        File to write (parent folders are created).
    family, record
        Optional name of the model family and the job record (plain values), kept in
        the file's ``meta``.

    Examples
    --------
    >>> import tempfile, torch
    >>> from eqqnn.circuits import su2_qcnn
    >>> from eqqnn.models import QuantumClassifier
    >>> model = QuantumClassifier(su2_qcnn(4), seed=3)
    >>> path = save_model(model, tempfile.mkdtemp() + "/m.pt")
    >>> again = load_model(path)
    >>> bool(torch.equal(again.weights, model.weights))
    True
    """
    from eqqnn._version import __version__

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": SAVED_MODEL_FORMAT,
        "eqqnn_version": __version__,
        "model": _model_spec(model),
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
        "meta": {
            "n_qubits": _n_qubits(model),
            "input_kind": model.input_kind.value,
            "family": family,
            "record": _encode(record) if record is not None else None,
        },
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)  # a crash never leaves half a file under the final name
    return path


def _n_qubits(model: nn.Module) -> int:
    circuit = getattr(model, "circuit", None)
    if circuit is not None:
        return int(circuit.n_qubits)
    return int(model.config.n_sites)  # type: ignore[union-attr]


def read_saved(path: str | Path) -> dict[str, Any]:
    """The raw payload of a saved-model file (checked format, safe loader)."""
    path = Path(path)
    if not path.is_file():
        raise InvalidParameterError(f"no saved model at {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for foreign or damaged files
        raise SavedModelError(f"{path} is not a readable eqqnn saved model: {exc}") from exc
    if not isinstance(payload, dict) or payload.get("format") != SAVED_MODEL_FORMAT:
        raise SavedModelError(
            f"{path} is not an eqqnn saved model (format "
            f"{payload.get('format') if isinstance(payload, dict) else type(payload).__name__!r},"
            f" expected {SAVED_MODEL_FORMAT!r})"
        )
    return payload


def load_model(
    path: str | Path, *, backend: Any = None, device: str | torch.device | None = None
) -> nn.Module:
    """Rebuild the model saved at ``path`` (see :func:`save_model`), in eval mode.

    ``backend`` replaces a quantum model's saved backend (for example to evaluate on
    another simulator); ``device`` moves the model.
    """
    payload = read_saved(path)
    spec = payload["model"]
    allow = _allowlist()
    cls = allow.get(spec.get("class", ""))
    if cls is None:
        raise SavedModelError(f"{path} names model class {spec.get('class')!r}, not an eqqnn one")
    dtype = _decode(spec["dtype"])
    if "circuit" in spec:
        from eqqnn.models import AffineSigmoid

        if backend is None:
            bspec = spec["backend"]
            bcls = allow.get(bspec["class"])
            if bcls is None:
                raise SavedModelError(f"{path} names backend {bspec['class']!r}")
            backend = bcls(**{k: _decode(v) for k, v in bspec["settings"].items()})
        model = cls(
            _decode(spec["circuit"]),
            backend,
            dtype=dtype,
            output_map=AffineSigmoid(dtype=dtype) if spec["output_map"] else None,
        )
    else:
        model = cls(config=_decode(spec["config"]), dtype=dtype)
    try:
        model.load_state_dict(payload["state_dict"], strict=True)
    except RuntimeError as exc:
        raise SavedModelError(f"the weights in {path} do not fit the saved model: {exc}") from exc
    if device is not None:
        model = model.to(device)
    return model.eval()


def resolve_saved(
    path: str | Path,
    *,
    model: str | None = None,
    n: int | None = None,
    train_size: int | None = None,
    seed: int | None = None,
) -> Path:
    """The saved-model file meant by ``path``: the file itself, a run folder of
    ``eqqnn train`` (its ``model.pt``), or a sweep folder of ``eqqnn compare`` (one of its
    ``models/*.pt``, chosen by ``model`` / ``n`` / ``train_size`` / ``seed``)."""
    path = Path(path)
    if path.is_file():
        return path
    if not path.is_dir():
        raise InvalidParameterError(f"{path} is neither a saved model nor a run folder")
    if (path / "model.pt").is_file():
        return path / "model.pt"
    folder = path / "models"
    if not folder.is_dir():
        raise InvalidParameterError(
            f"{path} holds no model.pt and no models/ folder: not a run folder of "
            "`eqqnn train` or `eqqnn compare` (older runs did not save models)"
        )
    wanted = [
        ("", model.lower() if model else None),
        ("_n", n),
        ("_m", train_size),
        ("_s", seed),
    ]
    found = []
    for file in sorted(folder.glob("*.pt")):
        stem = file.stem.lower()
        parts = stem.rsplit("_", 3)
        if len(parts) != 4:
            continue
        values = dict(zip(("", "_n", "_m", "_s"), (parts[0], *parts[1:]), strict=True))
        ok = True
        for prefix, value in wanted:
            if value is None:
                continue
            got = values[prefix] if prefix == "" else values[prefix].lstrip("nms")
            ok &= got == str(value)
        if ok:
            found.append(file)
    if len(found) == 1:
        return found[0]
    names = ", ".join(f.name for f in found[:8]) + (" ..." if len(found) > 8 else "")
    if not found:
        raise InvalidParameterError(
            f"no saved model in {folder} matches model={model}, n={n}, "
            f"train_size={train_size}, seed={seed}"
        )
    raise InvalidParameterError(
        f"{len(found)} saved models in {folder} match ({names}); choose one with "
        "model=, n=, train_size= and seed= (--model, --n, --train-size, --seed)"
    )


def load(
    path: str | Path,
    *,
    model: str | None = None,
    n: int | None = None,
    train_size: int | None = None,
    seed: int | None = None,
    backend: Any = None,
    device: str | torch.device | None = None,
) -> nn.Module:
    """Load a trained model: a saved-model file, a run folder of ``eqqnn train`` or a
    sweep folder of ``eqqnn compare`` (select with ``model``, ``n``, ``train_size``,
    ``seed``).  The model is ready to call on inputs of its ``input_kind``."""
    file = resolve_saved(path, model=model, n=n, train_size=train_size, seed=seed)
    return load_model(file, backend=backend, device=device)
