"""What ``eqqnn info`` reports: versions, simulators and devices."""

from __future__ import annotations

import importlib.metadata
import os
import platform


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def collect_info() -> dict[str, str]:
    """Versions of eqqnn, python, torch and the simulator packages, and torch devices."""
    import torch

    info = {
        "eqqnn": _version("eqqnn"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu cores": str(os.cpu_count()),
    }
    for dist in (
        "numpy",
        "scipy",
        "torch",
        "pennylane",
        "pennylane-lightning",
        "pennylane-lightning-gpu",
        "qiskit",
        "qiskit-aer",
        "qiskit-aer-gpu",
        "qiskit-ibm-runtime",
        "ray",
    ):
        info[dist] = _version(dist)
    if torch.cuda.is_available():
        names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        info["cuda devices"] = ", ".join(names)
    else:
        info["cuda devices"] = "none"
    return info
