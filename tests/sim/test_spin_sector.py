"""SpinSectorBackend against the dense statevector simulator, gradients, inputs and errors."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from eqqnn import QuantumClassifier
from eqqnn.circuits import (
    Circuit,
    CircuitBuilder,
    ExpGate,
    Pooling,
    Readout,
    ReadoutKind,
    qcnn,
    relax,
    su2_qcnn,
)
from eqqnn.circuits._gates import CNOT, SINGLET_PROJECTOR, SWAP, heisenberg_exchange
from eqqnn.data import BondAlternatingHeisenberg
from eqqnn.errors import (
    BackendError,
    DimensionError,
    InvalidParameterError,
    NotEquivariantError,
    ProblemTooLargeError,
)
from eqqnn.sim import StatevectorBackend
from eqqnn.sim._sector import (
    SpinSectorBackend,
    _numba_kernels,
    _numba_path,
    _states,
    clear_sector_caches,
)
from eqqnn.sim._sector import _kernels as sector_kernels
from eqqnn.symmetry import irrep_dimension, permutation_operator
from eqqnn.symmetry._spin_coupling import qubit_to_sector, sector_to_qubit

CONFIGS = {
    "swap": {},
    "block3": {"conv_block": 3},
    "block4": {"conv_block": 4},
    "measure-heis": {"pooling": Pooling.MEASURE, "readout": ReadoutKind.HEISENBERG},
    "unshared": {"share_parameters": False},
    "heis-unshared-b3": {
        "readout": ReadoutKind.HEISENBERG,
        "share_parameters": False,
        "conv_block": 3,
    },
    "measure-unshared": {"pooling": Pooling.MEASURE, "share_parameters": False},
    "two-layers": {"conv_layers": 2},
}


def _params(c: Circuit, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(c.n_params, generator=g, dtype=torch.float64) * 2 - 1) * np.pi


def _qubit_states(n: int, batch: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, 2**n, dtype=torch.complex128, generator=g)
    return x / torch.linalg.vector_norm(x, dim=1, keepdim=True)


def _singlets(n: int, batch: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Random singlet states as M_0 coordinates and as 2^n vectors."""
    rng = np.random.default_rng(seed)
    d = irrep_dimension(n, 0)
    c = rng.standard_normal((batch, d)) + 1j * rng.standard_normal((batch, d))
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    return torch.as_tensor(c), torch.as_tensor(sector_to_qubit(c, n, 0))


def _value_and_grad(backend: object, c: Circuit, theta: torch.Tensor, states: object) -> tuple:
    t = theta.clone().requires_grad_()
    w = torch.linspace(0.5, 1.5, _batch(states), dtype=torch.float64)
    value = backend.expectation(c, t, states)  # type: ignore[attr-defined]
    (value * w).sum().backward()
    return value.detach().numpy(), t.grad.numpy()


def _batch(states: object) -> int:
    return states.shape[0] if isinstance(states, torch.Tensor) else 1


CASES = [
    (6, "swap"),
    (8, "swap"),
    (10, "swap"),
    (12, "swap"),
    (6, "block3"),
    (9, "block3"),
    (8, "block4"),
    (6, "measure-heis"),
    (10, "measure-heis"),
    (8, "unshared"),
    (7, "heis-unshared-b3"),
    (12, "measure-unshared"),
    (8, "two-layers"),
]


@pytest.mark.parametrize(("n", "kind"), CASES, ids=[f"{k}-{n}" for n, k in CASES])
def test_matches_dense_on_general_states(n: int, kind: str) -> None:
    """Random 2^n inputs populate every spin sector; values and gradients agree to 1e-10."""
    c = su2_qcnn(n, **CONFIGS[kind])
    theta = _params(c, n)
    psi = _qubit_states(n, 3, n + 1)
    ref_v, ref_g = _value_and_grad(StatevectorBackend(), c, theta, psi)
    got_v, got_g = _value_and_grad(SpinSectorBackend(), c, theta, psi)
    np.testing.assert_allclose(got_v, ref_v, atol=1e-10)
    np.testing.assert_allclose(got_g, ref_g, atol=1e-10)


SINGLET_CASES = [(n, k) for n, k in CASES if n % 2 == 0] + [(14, "swap"), (14, "measure-heis")]


@pytest.mark.parametrize(
    ("n", "kind"),
    [pytest.param(n, k, marks=[pytest.mark.slow] if n >= 14 else []) for n, k in SINGLET_CASES],
    ids=[f"{k}-{n}" for n, k in SINGLET_CASES],
)
def test_matches_dense_on_singlets(n: int, kind: str) -> None:
    """M_0 coordinates on the sector side, their 2^n vectors on the dense side."""
    c = su2_qcnn(n, **CONFIGS[kind])
    theta = _params(c, 2 * n)
    coords, psi = _singlets(n, 3, n)
    ref_v, ref_g = _value_and_grad(StatevectorBackend(gradient="adjoint"), c, theta, psi)
    got_v, got_g = _value_and_grad(SpinSectorBackend(), c, theta, coords)
    np.testing.assert_allclose(got_v, ref_v, atol=1e-10)
    np.testing.assert_allclose(got_g, ref_g, atol=1e-10)


@pytest.mark.slow
def test_matches_dense_on_general_states_14_qubits() -> None:
    c = su2_qcnn(14, conv_block=3, readout=ReadoutKind.HEISENBERG)
    theta = _params(c, 14)
    psi = _qubit_states(14, 2, 15)
    ref_v, ref_g = _value_and_grad(StatevectorBackend(gradient="adjoint"), c, theta, psi)
    got_v, got_g = _value_and_grad(SpinSectorBackend(), c, theta, psi)
    np.testing.assert_allclose(got_v, ref_v, atol=1e-10)
    np.testing.assert_allclose(got_g, ref_g, atol=1e-10)


@pytest.mark.parametrize("kind", ["swap", "block3", "measure-heis"])
def test_adjoint_equals_autograd_and_finite_differences(kind: str) -> None:
    c = su2_qcnn(8, **CONFIGS[kind])
    theta = _params(c, 5)
    psi = _qubit_states(8, 2, 6)
    adj_v, adj_g = _value_and_grad(SpinSectorBackend(), c, theta, psi)
    auto_v, auto_g = _value_and_grad(SpinSectorBackend(gradient="autograd"), c, theta, psi)
    np.testing.assert_allclose(adj_v, auto_v, atol=1e-12)
    np.testing.assert_allclose(adj_g, auto_g, atol=1e-11)
    backend = SpinSectorBackend()
    w = torch.linspace(0.5, 1.5, 2, dtype=torch.float64)
    h = 1e-6
    for i in np.random.default_rng(0).choice(c.n_params, 4, replace=False):
        e = torch.zeros_like(theta)
        e[i] = h
        fd = (
            (backend.expectation(c, theta + e, psi) * w).sum()
            - (backend.expectation(c, theta - e, psi) * w).sum()
        ) / (2 * h)
        assert abs(float(fd) - adj_g[i]) < 1e-7


def test_torch_kernel_matches_default_kernel() -> None:
    c = su2_qcnn(10, conv_block=3)
    theta = _params(c, 3)
    coords, _ = _singlets(10, 2, 3)
    a = _value_and_grad(SpinSectorBackend(), c, theta, coords)
    b = _value_and_grad(SpinSectorBackend(kernel="torch"), c, theta, coords)
    np.testing.assert_allclose(a[0], b[0], atol=1e-12)
    np.testing.assert_allclose(a[1], b[1], atol=1e-12)


@pytest.mark.parametrize("path", ["large-states", "threads"])
def test_cpu_kernel_paths(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The complex one-pass kernel (large states) and the row-split threads agree."""
    c = su2_qcnn(9, conv_block=3, readout=ReadoutKind.HEISENBERG)
    theta = _params(c, 4)
    psi = _qubit_states(9, 2, 4)
    ref = _value_and_grad(SpinSectorBackend(kernel="torch"), c, theta, psi)
    if path == "large-states":
        monkeypatch.setattr(sector_kernels, "_SMALL_STATE_BYTES", 0)
    else:
        monkeypatch.setattr(sector_kernels, "_PARALLEL_MIN_ENTRIES", 0)
        monkeypatch.setattr(torch, "get_num_threads", lambda: 3)
    got = _value_and_grad(SpinSectorBackend(kernel="scipy"), c, theta, psi)
    np.testing.assert_allclose(got[0], ref[0], atol=1e-12)
    np.testing.assert_allclose(got[1], ref[1], atol=1e-12)


def _distant_circuit() -> Circuit:
    """Gates on far-apart wires (no pooling, so no relabelling brings them together)."""
    b = CircuitBuilder(9)
    b.exp_gate((0, 1), SWAP)
    b.exp_gate((1, 6), SWAP)
    b.exp_gate((0, 8), SWAP)
    b.fixed_gate((2, 7), SWAP, "SWAP")
    b.exp_gate((7, 2, 4), heisenberg_exchange(3))
    b.exp_gate((0, 3, 5, 8), heisenberg_exchange(4))
    b.exp_gate((3, 5), SWAP)
    return b.build(Readout((1, 7), SINGLET_PROJECTOR, low=0.0, high=1.0))


NUMBA_CASES = [(8, "swap"), (9, "block3"), (8, "block4"), (10, "measure-heis")]
NUMBA_CASES += [(8, "unshared"), (7, "heis-unshared-b3"), (8, "two-layers")]


@pytest.mark.skipif(not _numba_kernels.AVAILABLE, reason="numba is not installed")
class TestNumbaKernel:
    """The numba one-pass kernels against the torch kernels (values and adjoint gradients)."""

    @pytest.mark.parametrize(("n", "kind"), NUMBA_CASES, ids=[f"{k}-{n}" for n, k in NUMBA_CASES])
    def test_matches_torch_kernel(self, n: int, kind: str, complex_dtype: tuple) -> None:
        name, _ = complex_dtype
        dtype = getattr(torch, name)
        tol = 1e-5 if dtype == torch.complex64 else 1e-10
        c = su2_qcnn(n, **CONFIGS[kind])
        theta = _params(c, n)
        psi = _qubit_states(n, 3, n + 2).to(dtype)
        ref = _value_and_grad(SpinSectorBackend(kernel="torch", dtype=dtype), c, theta, psi)
        got = _value_and_grad(SpinSectorBackend(kernel="numba", dtype=dtype), c, theta, psi)
        np.testing.assert_allclose(got[0], ref[0], atol=tol)
        np.testing.assert_allclose(got[1], ref[1], atol=tol * max(1.0, np.abs(ref[1]).max()))

    @pytest.mark.parametrize("plan", ["default", "direct", "conjugated", "fused", "unfused"])
    def test_distant_gates(self, plan: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """Distant pairs and 3-/4-wire gates, applied directly or conjugated from
        neighbouring wires, with relabelling runs fused or not: all agree with dense."""
        if plan == "direct":
            monkeypatch.setattr(sector_kernels, "_MAX_DIRECT_FILL", 1e9)
            monkeypatch.setattr(sector_kernels, "_PASS_OVERHEAD_SMALL", 1e6)
        elif plan == "conjugated":
            monkeypatch.setattr(sector_kernels, "_MAX_DIRECT_FILL", 0.0)
        elif plan == "fused":
            monkeypatch.setattr(sector_kernels, "_MAX_DIRECT_FILL", 0.0)
            monkeypatch.setattr(sector_kernels, "_PASS_OVERHEAD_SMALL", 1e6)
        elif plan == "unfused":
            monkeypatch.setattr(sector_kernels, "_MAX_DIRECT_FILL", 0.0)
            monkeypatch.setattr(sector_kernels, "_PASS_OVERHEAD_SMALL", -1e6)
        clear_sector_caches()
        c = _distant_circuit()
        theta = _params(c, 7)
        psi = _qubit_states(9, 2, 8)
        ref = _value_and_grad(StatevectorBackend(), c, theta, psi)
        got = _value_and_grad(SpinSectorBackend(kernel="numba"), c, theta, psi)
        clear_sector_caches()
        np.testing.assert_allclose(got[0], ref[0], atol=1e-10)
        np.testing.assert_allclose(got[1], ref[1], atol=1e-10)

    def test_final_states_and_threads(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Relabelling undone on the numba path; block sums independent of the threads."""
        c = su2_qcnn(12)
        theta = _params(c, 3)
        coords, _ = _singlets(12, 4, 1)
        ref = SpinSectorBackend(kernel="torch").final_sector_states(c, theta, coords)
        got = SpinSectorBackend(kernel="numba").final_sector_states(c, theta, coords)
        np.testing.assert_allclose(got[0.0].numpy(), ref[0.0].numpy(), atol=1e-12)
        a = _value_and_grad(SpinSectorBackend(kernel="numba"), c, theta, coords)
        monkeypatch.setattr(torch, "get_num_threads", lambda: 1)
        b = _value_and_grad(SpinSectorBackend(kernel="numba"), c, theta, coords)
        np.testing.assert_array_equal(a[1], b[1])

    @pytest.mark.parametrize("real", [np.float32, np.float64])
    @pytest.mark.parametrize("m", [1, 2])
    def test_planar_kernels_against_dense(self, real: type, m: int) -> None:
        """The planar kernels (``[re | im]`` rows) against dense complex arithmetic: a gate
        pass, an adjoint pass (undo and overlaps) and a permutation pass, with rows of 0 to
        3 entries, and the layout conversions round-trip."""
        rng = np.random.default_rng(7 + m)
        d, width, nb = 37, 5, 3
        counts = rng.integers(0, 4, size=d)
        counts[0] = 0
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        indices = np.concatenate([np.sort(rng.choice(d, k, replace=False)) for k in counts])
        indices = indices.astype(np.int32)
        basis = rng.standard_normal((nb, indices.size)).astype(real)
        cplx = np.result_type(real, np.complex64)

        def dense(coef: np.ndarray) -> np.ndarray:
            out = np.zeros((d, d), dtype=np.complex128)
            rows = np.repeat(np.arange(d), counts)
            np.add.at(out, (rows, indices), coef.astype(np.complex128) @ basis)
            return out

        def crandn(*shape: int) -> np.ndarray:
            return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(cplx)

        tol = 1e-4 if real == np.float32 else 1e-12
        x = crandn(d, width)
        planar = _numba_kernels.to_planar(x)
        assert planar.dtype == real and planar.shape == (d, 2 * width)
        np.testing.assert_array_equal(_numba_kernels.from_planar(planar), x)

        coef = crandn(nb)
        y = np.empty_like(planar)
        _numba_kernels.gate_pass(indptr, indices, basis, coef, planar, y, 4)
        np.testing.assert_allclose(_numba_kernels.from_planar(y), dense(coef) @ x, atol=tol)

        perm = np.empty_like(planar)
        _numba_kernels.perm_pass(indptr, indices, basis[0], planar, perm, 4)
        np.testing.assert_allclose(
            _numba_kernels.from_planar(perm), dense(np.eye(nb)[0]) @ x, atol=tol
        )

        psi, mu = crandn(d, width), crandn(d, width)
        w = np.concatenate([_numba_kernels.to_planar(psi), _numba_kernels.to_planar(mu)], axis=1)
        out = np.empty_like(w)
        xcoef = crandn(m, nb)
        acc = np.zeros((4, m, width), dtype=np.complex128)
        kernel = _numba_kernels.adjoint_pass1 if m == 1 else _numba_kernels.adjoint_pass
        kernel(indptr, indices, basis, coef, xcoef, w, out, acc, 4)
        mat = dense(coef)
        np.testing.assert_allclose(
            _numba_kernels.from_planar(out[:, : 2 * width]), mat @ psi, atol=tol
        )
        np.testing.assert_allclose(
            _numba_kernels.from_planar(out[:, 2 * width :]), mat @ mu, atol=tol
        )
        want = [np.sum(mu.conj() * (dense(xcoef[a]) @ psi), axis=0) for a in range(m)]
        np.testing.assert_allclose(acc.sum(axis=0), np.array(want), atol=10 * tol)

    def test_auto_selects_numba(self, monkeypatch: pytest.MonkeyPatch) -> None:
        calls = []
        original = _numba_path._NumbaExpectation.apply
        monkeypatch.setattr(
            _numba_path._NumbaExpectation,
            "apply",
            lambda *a: calls.append(1) or original(*a),
        )
        c = su2_qcnn(8)
        coords, _ = _singlets(8, 1, 0)
        SpinSectorBackend().expectation(c, _params(c, 0), coords)
        SpinSectorBackend(kernel="scipy").expectation(c, _params(c, 0), coords)
        assert calls == [1]


class TestKernelOption:
    def test_bad_name(self) -> None:
        with pytest.raises(InvalidParameterError, match=r"kernel must be one of .*'numba'.*'cuda'"):
            SpinSectorBackend(kernel="cuda")

    def test_numba_needs_adjoint(self) -> None:
        with pytest.raises(InvalidParameterError, match="adjoint path only"):
            SpinSectorBackend(kernel="numba", gradient="autograd")

    def test_numba_missing(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without numba: kernel='numba' is refused by name, 'auto' falls back to SciPy."""
        monkeypatch.setattr(_numba_kernels, "AVAILABLE", False)
        monkeypatch.setattr(_numba_kernels, "IMPORT_ERROR", "No module named 'numba'")
        with pytest.raises(InvalidParameterError, match=r"kernel='numba' needs numba.*No module"):
            SpinSectorBackend(kernel="numba")
        c = su2_qcnn(8)
        theta = _params(c, 1)
        coords, _ = _singlets(8, 2, 1)
        ref = _value_and_grad(SpinSectorBackend(kernel="torch"), c, theta, coords)
        got = _value_and_grad(SpinSectorBackend(), c, theta, coords)
        np.testing.assert_allclose(got[1], ref[1], atol=1e-12)
        assert SpinSectorBackend()._engine(torch.device("cpu")) == "scipy"


def test_ground_states_fed_directly() -> None:
    """The data module's sector ground states give the dense predictions, no 2^n vector."""
    n = 12
    c = su2_qcnn(n)
    theta = _params(c, 0)
    ratios = [0.4, 1.0, 2.5]
    states = [BondAlternatingHeisenberg(n, r).ground_state(method="sector") for r in ratios]
    coords = torch.as_tensor(np.stack([gs.sector_vector for gs in states]))  # real float64
    dense = torch.as_tensor(np.stack([gs.vector() for gs in states]))
    p_sector = SpinSectorBackend().probabilities(c, theta, coords)
    p_dense = StatevectorBackend().probabilities(c, theta, dense)
    assert p_sector.dtype == torch.float64
    np.testing.assert_allclose(p_sector.numpy(), p_dense.numpy(), atol=1e-12)
    # the same through the classifier, and as numpy input
    model = QuantumClassifier(c, SpinSectorBackend(), seed=2)
    ref = QuantumClassifier(c, seed=2)
    np.testing.assert_allclose(
        model(coords).detach().numpy(), ref(dense).detach().numpy(), atol=1e-12
    )
    np.testing.assert_allclose(
        SpinSectorBackend().probabilities(c, theta, coords.numpy()).numpy(),
        p_sector.numpy(),
        atol=1e-15,
    )
    # a single read-only sector_vector, as the data module returns it
    single = SpinSectorBackend().probabilities(c, theta, states[1].sector_vector)
    np.testing.assert_allclose(single.numpy(), p_sector.numpy()[1:2], atol=1e-15)


def test_classifier_trains_with_sector_backend() -> None:
    n = 8
    c = su2_qcnn(n)
    states = [BondAlternatingHeisenberg(n, r).ground_state(method="sector") for r in (0.3, 3.0)]
    x = torch.as_tensor(np.stack([gs.sector_vector for gs in states]), dtype=torch.complex128)
    dense = torch.as_tensor(np.stack([gs.vector() for gs in states]))
    y = torch.tensor([0.0, 1.0], dtype=torch.float64)
    model = QuantumClassifier(c, SpinSectorBackend(), seed=1)
    ref = QuantumClassifier(c, StatevectorBackend(), seed=1)
    for m, inp in ((model, x), (ref, dense)):
        loss = torch.nn.functional.binary_cross_entropy(m(inp).clamp(1e-9, 1 - 1e-9), y)
        loss.backward()
    np.testing.assert_allclose(model.weights.grad.numpy(), ref.weights.grad.numpy(), atol=1e-10)
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    losses = []
    for _ in range(25):
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy(model(x).clamp(1e-9, 1 - 1e-9), y)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.5 * losses[0]


def test_final_sector_states_match_dense() -> None:
    n = 8
    c = su2_qcnn(n)
    theta = _params(c, 4)
    psi = _qubit_states(n, 2, 4)
    final = StatevectorBackend().final_states(c, theta, psi).numpy()
    for gradient in ("adjoint", "autograd"):
        out = SpinSectorBackend(gradient=gradient).final_sector_states(c, theta, psi)
        assert sorted(out) == [0.0, 1.0, 2.0, 3.0, 4.0]
        for spin, block in out.items():
            two_j = round(2 * spin)
            for a, two_m in enumerate(range(two_j, -two_j - 1, -2)):
                ref = qubit_to_sector(final, n, spin, two_m / 2)
                np.testing.assert_allclose(block[:, a, :].detach().numpy(), ref, atol=1e-12)


def test_sector_state_mapping_round_trip() -> None:
    n = 6
    c = su2_qcnn(n, conv_block=3)
    theta = _params(c, 8)
    psi = _qubit_states(n, 2, 8)
    backend = SpinSectorBackend()
    sectors = backend.sector_states(n, psi)
    assert {s: tuple(t.shape) for s, t in sectors.items()} == {
        0.0: (2, 1, 5),
        1.0: (2, 3, 9),
        2.0: (2, 5, 5),
        3.0: (2, 7, 1),
    }
    np.testing.assert_allclose(
        backend.expectation(c, theta, sectors).numpy(),
        StatevectorBackend().expectation(c, theta, psi).numpy(),
        atol=1e-12,
    )


def test_spins_filter() -> None:
    n = 8
    c = su2_qcnn(n)
    theta = _params(c, 1)
    coords, singlets = _singlets(n, 2, 1)
    ref = StatevectorBackend().expectation(c, theta, singlets)
    got = SpinSectorBackend(spins=[0]).expectation(c, theta, singlets)
    np.testing.assert_allclose(got.numpy(), ref.numpy(), atol=1e-12)
    with pytest.raises(InvalidParameterError, match=r"kept spins \(0\.0,\)"):
        SpinSectorBackend(spins=[0]).expectation(c, theta, _qubit_states(n, 2, 0))
    with pytest.raises(InvalidParameterError, match="excludes"):
        SpinSectorBackend(spins=[1]).expectation(c, theta, coords)
    with pytest.raises(InvalidParameterError, match="cannot carry"):
        SpinSectorBackend(spins=[0.5]).expectation(c, theta, coords)
    with pytest.raises(InvalidParameterError, match="multiples of 1/2"):
        SpinSectorBackend(spins=[0.3])


def test_complex64(complex_dtype: tuple[str, float]) -> None:
    name, tol = complex_dtype
    dtype = getattr(torch, name)
    c = su2_qcnn(10)
    theta = _params(c, 2)
    coords, _ = _singlets(10, 3, 2)
    ref_v, ref_g = _value_and_grad(SpinSectorBackend(), c, theta, coords)
    got_v, got_g = _value_and_grad(SpinSectorBackend(dtype=dtype), c, theta, coords.to(dtype))
    assert got_v.dtype == (np.float32 if name == "complex64" else np.float64)
    np.testing.assert_allclose(got_v, ref_v, atol=10 * tol)
    np.testing.assert_allclose(got_g, ref_g, atol=100 * tol)


class TestErrors:
    theta = torch.zeros(su2_qcnn(6).n_params, dtype=torch.float64)

    def test_baseline_names_the_operation(self) -> None:
        c = qcnn(6)
        psi = _qubit_states(6, 1, 0)
        with pytest.raises(NotEquivariantError, match=r"operation 0 \('RZ' on wires \(0,\)\)"):
            SpinSectorBackend().expectation(c, torch.zeros(c.n_params), psi)

    def test_relaxed_circuit(self) -> None:
        c = relax(su2_qcnn(6))
        with pytest.raises(NotEquivariantError, match=r"operation 0 \('SWAP\^t\+ε'"):
            SpinSectorBackend().expectation(c, torch.zeros(c.n_params), _qubit_states(6, 1, 0))

    def test_choi_pooling(self) -> None:
        c = su2_qcnn(6, pooling=Pooling.CHOI)
        with pytest.raises(BackendError, match=r"ChannelPool.*DensityMatrixBackend"):
            SpinSectorBackend().expectation(c, torch.zeros(c.n_params), _qubit_states(6, 1, 0))

    def test_controlled_and_fixed_gates(self) -> None:
        b = CircuitBuilder(3)
        b.exp_gate((1, 2), SWAP, controls=(0,))
        c = b.build(Readout((1, 2), SINGLET_PROJECTOR, low=0.0, high=1.0))
        with pytest.raises(NotEquivariantError, match=r"operation 0 .*controlled on wires \(0,\)"):
            SpinSectorBackend().expectation(c, torch.zeros(1), _qubit_states(3, 1, 0))
        b = CircuitBuilder(2)
        b.exp_gate((0, 1), SWAP)
        b.fixed_gate((0, 1), CNOT, "CNOT")
        c = b.build(Readout((0, 1), SINGLET_PROJECTOR, low=0.0, high=1.0))
        with pytest.raises(NotEquivariantError, match=r"operation 1 \('CNOT' on wires \(0, 1\)\)"):
            SpinSectorBackend().expectation(c, torch.zeros(1), _qubit_states(2, 1, 0))

    def test_equivariant_fixed_gate_runs(self) -> None:
        b = CircuitBuilder(4)
        b.exp_gate((0, 1), SWAP)
        b.fixed_gate((1, 3), SWAP, "SWAP")
        b.exp_gate((3, 2, 0), heisenberg_exchange(3))
        c = b.build(Readout((2, 3), SINGLET_PROJECTOR, low=0.0, high=1.0))
        theta = torch.tensor([0.3, -0.7], dtype=torch.float64)
        psi = _qubit_states(4, 2, 3)
        ref_v, ref_g = _value_and_grad(StatevectorBackend(), c, theta, psi)
        got_v, got_g = _value_and_grad(SpinSectorBackend(), c, theta, psi)
        np.testing.assert_allclose(got_v, ref_v, atol=1e-12)
        np.testing.assert_allclose(got_g, ref_g, atol=1e-12)

    def test_non_invariant_readout(self) -> None:
        b = CircuitBuilder(2)
        b.exp_gate((0, 1), SWAP)
        c = b.build(Readout((0,), np.diag([1.0, -1.0]), low=-1.0, high=1.0))
        with pytest.raises(NotEquivariantError, match="readout 'O' on wires"):
            SpinSectorBackend().expectation(c, torch.zeros(1), _qubit_states(2, 1, 0))

    def test_too_many_wires(self) -> None:
        gen = permutation_operator([1, 2, 3, 4, 5, 0]).real
        gate = ExpGate(tuple(range(6)), (gen + gen.T) / 2, (0,), "cycle6")
        b = CircuitBuilder(6)
        b.operations.append(gate)
        b.new_params(1)
        c = b.build(Readout((0, 1), SINGLET_PROJECTOR, low=0.0, high=1.0))
        with pytest.raises(BackendError, match="at most 5 wires"):
            SpinSectorBackend().expectation(c, torch.zeros(1), _qubit_states(6, 1, 0))

    def test_wrong_length(self) -> None:
        c = su2_qcnn(6)
        with pytest.raises(DimensionError, match=r"\(B, 64\) qubit amplitudes or \(B, 5\)"):
            SpinSectorBackend().expectation(
                c, self.theta, torch.zeros(2, 7, dtype=torch.complex128)
            )
        with pytest.raises(DimensionError, match=r"J=1 of 6 qubits must have shape \(B, 3, 9\)"):
            SpinSectorBackend().expectation(c, self.theta, {1: torch.zeros(2, 9)})

    def test_unnormalized(self) -> None:
        c = su2_qcnn(6)
        coords, _ = _singlets(6, 2, 0)
        with pytest.raises(InvalidParameterError, match=r"state 0 has norm 2"):
            SpinSectorBackend().expectation(c, self.theta, 2 * coords)
        got = SpinSectorBackend().expectation(c, self.theta, 2 * coords, normalize=True)
        ref = SpinSectorBackend().expectation(c, self.theta, coords)
        np.testing.assert_allclose(got.numpy(), ref.numpy(), atol=1e-14)

    def test_dtype_and_options(self) -> None:
        c = su2_qcnn(6)
        coords, _ = _singlets(6, 1, 0)
        with pytest.raises(DimensionError, match=r"runs in torch\.complex64"):
            SpinSectorBackend(dtype=torch.complex64).expectation(c, self.theta, coords)
        with pytest.raises(DimensionError, match="floating point"):
            SpinSectorBackend().expectation(c, self.theta, torch.ones(1, 5, dtype=torch.int64))
        with pytest.raises(InvalidParameterError, match="gradient"):
            SpinSectorBackend(gradient="backprop")
        with pytest.raises(InvalidParameterError, match="dtype"):
            SpinSectorBackend(dtype=torch.float64)
        with pytest.raises(ProblemTooLargeError, match="sector"):
            _states._from_qubits(_states._Options(None, None, None), 28, torch.zeros(1, 1), None)


def test_relabelling_lowers_the_cost() -> None:
    info = SpinSectorBackend().compile(su2_qcnn(16))
    assert info["relabel_swaps"] > 0
    assert info["cost"] < 0.7 * info["cost_without_relabel"]


def test_pickle_and_caches() -> None:
    c = su2_qcnn(6)
    theta = _params(c, 0)
    coords, _ = _singlets(6, 2, 0)
    backend = SpinSectorBackend(dtype=torch.complex128)
    ref = backend.expectation(c, theta, coords)
    clone = pickle.loads(pickle.dumps(backend))
    clear_sector_caches()
    np.testing.assert_allclose(clone.expectation(c, theta, coords).numpy(), ref.numpy())
    assert "SpinSectorBackend(" in repr(clone)


def test_memory_does_not_grow_with_depth() -> None:
    """The adjoint pass keeps O(1) states: deep circuits cost time, not memory."""
    n = 10
    shallow, deep = su2_qcnn(n), su2_qcnn(n, conv_layers=6)
    coords, _ = _singlets(n, 2, 0)
    for c in (shallow, deep):
        theta = _params(c, 1).requires_grad_()
        SpinSectorBackend().expectation(c, theta, coords).sum().backward()
        assert torch.isfinite(theta.grad).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu() -> None:  # pragma: no cover - needs a GPU
    c = su2_qcnn(12, conv_block=3)
    theta = _params(c, 0)
    coords, _ = _singlets(12, 4, 0)
    ref_v, ref_g = _value_and_grad(SpinSectorBackend(), c, theta, coords)
    for gradient in ("adjoint", "autograd"):
        t = theta.cuda().requires_grad_()
        backend = SpinSectorBackend(device="cuda", gradient=gradient)
        w = torch.linspace(0.5, 1.5, 4, dtype=torch.float64, device="cuda")
        value = backend.expectation(c, t, coords.cuda())
        (value * w).sum().backward()
        np.testing.assert_allclose(value.detach().cpu().numpy(), ref_v, atol=1e-10)
        np.testing.assert_allclose(t.grad.cpu().numpy(), ref_g, atol=1e-10)


@pytest.mark.parametrize("operators", ["stored", "on_the_fly"])
def test_singlet_pairs_appended_leave_a_restricted_circuit_unchanged(operators: str) -> None:
    """psi (x) singlets through a circuit on the first m qubits: the (m+4)-qubit engine
    equals the m-qubit engine, value and gradient, and both equal the dense simulator."""
    import dataclasses

    from eqqnn.symmetry import append_singlet_pairs, irrep_dimension, sector_to_qubit

    m = 6
    small = su2_qcnn(m)
    big = dataclasses.replace(small, n_qubits=m + 4)
    rng = np.random.default_rng(21)
    d = irrep_dimension(m, 0)
    c = rng.normal(size=(3, d)) + 1j * rng.normal(size=(3, d))
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    theta = torch.tensor(rng.normal(size=small.n_params), requires_grad=True)

    def run(backend, circuit, states):  # type: ignore[no-untyped-def]
        t = theta.detach().clone().requires_grad_(True)
        value = backend.expectation(circuit, t, torch.as_tensor(states))
        (grad,) = torch.autograd.grad(value.sum(), t)
        return value.detach().numpy(), grad.numpy()

    sector = SpinSectorBackend(operators=operators)
    v_small, g_small = run(sector, small, c)
    v_big, g_big = run(sector, big, append_singlet_pairs(c, m, 2))
    dense_states = sector_to_qubit(append_singlet_pairs(c, m, 2), m + 4, 0)
    v_dense, g_dense = run(StatevectorBackend(), big, dense_states)
    np.testing.assert_allclose(v_big, v_small, atol=1e-10)
    np.testing.assert_allclose(g_big, g_small, atol=1e-10)
    np.testing.assert_allclose(v_dense, v_small, atol=1e-10)
    np.testing.assert_allclose(g_dense, g_small, atol=1e-10)
