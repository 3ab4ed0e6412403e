"""Property tests: generated bad inputs to the public entry points are answered by an
``eqqnn.errors`` exception (or a CLI exit code != 0 without a traceback), never by a
result or by another library's exception.  Seeded (derandomized), 50 examples per test:
300 generated bad inputs in all."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from eqqnn.circuits import su2_qcnn
from eqqnn.cli import app
from eqqnn.errors import EqqnnError
from eqqnn.experiments import CompareConfig, TaskSpec, eqcnn_family
from eqqnn.sim import DensityMatrixBackend, SpinSectorBackend, StatevectorBackend

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
N = 4
CIRCUIT = su2_qcnn(N)
BACKENDS = (StatevectorBackend(), SpinSectorBackend(), DensityMatrixBackend())


def _good_states(batch: int) -> torch.Tensor:
    x = torch.randn(batch, 2**N, dtype=torch.complex128)
    return x / torch.linalg.vector_norm(x, dim=1, keepdim=True)


@st.composite
def bad_states(draw: Any) -> torch.Tensor:
    """A batch of states broken in one of several ways."""
    how = draw(st.sampled_from(["nan", "inf", "norm", "width", "ndim", "dtype", "zero"]))
    batch = draw(st.integers(1, 3))
    x = _good_states(batch)
    if how == "nan":
        x[draw(st.integers(0, batch - 1)), draw(st.integers(0, 2**N - 1))] = complex("nan")
    elif how == "inf":
        x[0, draw(st.integers(0, 2**N - 1))] = complex(math.inf, 0)
    elif how == "norm":
        x = x * draw(st.sampled_from([0.5, 1.1, 2.0, 1e3]))
    elif how == "width":
        width = draw(st.integers(1, 40).filter(lambda w: w not in (2**N, 2)))
        x = torch.randn(batch, width, dtype=torch.complex128)
    elif how == "ndim":
        x = x.reshape(batch, 4, 4)
    elif how == "dtype":
        x = x.abs().to(draw(st.sampled_from([torch.int64, torch.int32, torch.bool])))
    else:
        x = torch.zeros_like(x)
    return x


@SETTINGS
@given(states=bad_states(), which=st.integers(0, len(BACKENDS) - 1))
def test_backends_refuse_bad_states(states: torch.Tensor, which: int) -> None:
    theta = torch.zeros(CIRCUIT.n_params, dtype=torch.float64)
    with pytest.raises(EqqnnError):
        BACKENDS[which].expectation(CIRCUIT, theta, states)


@st.composite
def bad_params(draw: Any) -> Any:
    how = draw(st.sampled_from(["length", "nan", "inf", "complex", "text", "matrix"]))
    k = CIRCUIT.n_params
    if how == "length":
        return torch.zeros(draw(st.integers(0, 12).filter(lambda m: m != k)))
    if how == "nan":
        t = torch.zeros(k, dtype=torch.float64)
        t[draw(st.integers(0, k - 1))] = math.nan
        return t
    if how == "inf":
        return torch.full((k,), draw(st.sampled_from([math.inf, -math.inf])))
    if how == "complex":
        return torch.zeros(k, dtype=torch.complex128)
    if how == "text":
        return draw(st.sampled_from(["abc", ["a"] * k, None, object()]))
    return torch.zeros(k, 2)


@SETTINGS
@given(params=bad_params(), which=st.integers(0, len(BACKENDS) - 1))
def test_backends_refuse_bad_parameters(params: Any, which: int) -> None:
    with pytest.raises(EqqnnError):
        BACKENDS[which].expectation(CIRCUIT, params, _good_states(2))


_NOT_INTS = st.sampled_from(["eight", 8.5, None, float("nan"), [8], b"8"])


@st.composite
def bad_compare_fields(draw: Any) -> tuple[str, Any]:
    """One field of a CompareConfig with a bad value."""
    field = draw(
        st.sampled_from(
            ["n_qubits", "train_sizes", "seeds", "test_points", "shots", "device", "precision"]
        )
    )
    if field in ("n_qubits", "train_sizes", "seeds"):
        good = {"n_qubits": 8, "train_sizes": 2, "seeds": 0}[field]
        low = {
            "n_qubits": st.integers(-10, 3) | st.sampled_from([5, 7, 9, 11]),
            "train_sizes": st.integers(-10, 1),
            "seeds": st.integers(-10, -1),
        }[field]
        how = draw(st.sampled_from(["empty", "duplicate", "bad element"]))
        if how == "empty":
            return field, ()
        if how == "duplicate":
            return field, (good, good)
        return field, (good, draw(low | _NOT_INTS))
    if field == "test_points":
        return field, draw(st.integers(-10, 1) | _NOT_INTS)
    if field == "shots":
        return field, draw(st.integers(-10, 0) | _NOT_INTS)
    if field == "device":
        return field, draw(st.sampled_from(["tpu", "gpu", "", "CPU ", "cuda;0"]) | _NOT_INTS)
    return field, draw(st.sampled_from(["half", "", "DOUBLE", 64]) | _NOT_INTS)


@SETTINGS
@given(change=bad_compare_fields())
def test_compare_config_refuses_bad_fields(change: tuple[str, Any]) -> None:
    good = {
        "n_qubits": (8,),
        "train_sizes": (2,),
        "seeds": (0,),
        "families": (eqcnn_family(epochs=1),),
    }
    field, value = change
    with pytest.raises(EqqnnError):
        CompareConfig(**{**good, field: value})


@SETTINGS
@given(
    n=st.integers(-10, 3) | st.sampled_from([5, 7, 9]) | _NOT_INTS,
    train_size=st.integers(-3, 1) | st.sampled_from(["4", 2.5, None]),
)
def test_task_spec_refuses_bad_values(n: Any, train_size: Any) -> None:
    with pytest.raises(EqqnnError):
        TaskSpec(n, train_size)


runner = CliRunner()


@SETTINGS
@given(
    args=st.one_of(
        st.tuples(st.just("--n"), st.sampled_from(["3", "5", "-2", "0", "40", "x"])),
        st.tuples(st.just("--lr"), st.sampled_from(["nan", "inf", "-1", "0", "abc"])),
        st.tuples(st.just("--epochs"), st.sampled_from(["-1", "x", "1.5"])),
        st.tuples(st.just("--precision"), st.sampled_from(["half", "", "DOUBLE2"])),
        st.tuples(st.just("--device"), st.sampled_from(["tpu", "cuda:99", "gpu", ""])),
        st.tuples(st.just("--model"), st.sampled_from(["eqcn", "", "QCNN-x", "resnet"])),
        st.tuples(st.just("--train-size"), st.sampled_from(["1", "3", "-4"])),
        st.tuples(st.just("--schedule"), st.sampled_from(["linear", "warm", "0"])),
    )
)
def test_cli_train_refuses_bad_options(args: tuple[str, str], tmp_path_factory: Any) -> None:
    out = tmp_path_factory.mktemp("bad")
    result = runner.invoke(
        app,
        ["train", *args, "--epochs", "1", "--out", str(out)]
        if args[0] != "--epochs"
        else ["train", *args, "--out", str(out)],
    )
    assert result.exit_code != 0
    # a library error or click's usage error, never another library's exception
    assert result.exception is None or isinstance(result.exception, (EqqnnError, SystemExit))
