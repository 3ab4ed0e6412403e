"""Tests of the exact ground-state solvers (eqqnn.data._ground_state)."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest

from eqqnn.data._chain import ChainSpec, HeisenbergChain
from eqqnn.data._ground_state import VECTOR_MAX_QUBITS, GroundState, ground_state
from eqqnn.data._hamiltonian import BondAlternatingHeisenberg
from eqqnn.errors import InvalidParameterError, NotEquivariantError, ProblemTooLargeError


def _sector_available() -> bool:
    try:
        importlib.import_module("eqqnn.symmetry._spin_sector")
        importlib.import_module("eqqnn.symmetry._spin_coupling")
    except ImportError:
        return False
    return True


needs_sector = pytest.mark.skipif(
    not _sector_available(),
    reason="eqqnn.symmetry._spin_sector / _spin_coupling not importable yet (SU(2) sector method)",
)


def total_s2(psi: np.ndarray, n: int) -> float:
    r"""<S^2> from S^2 = S^- S^+ + S^z (S^z + 1), by explicit bit flips (independent code)."""
    idx = np.arange(2**n)
    raised = np.zeros_like(psi)
    sz = np.zeros(2**n)
    for i in range(n):
        bit = 1 << (n - 1 - i)
        down = (idx & bit) != 0
        raised[idx[down] ^ bit] += psi[down]
        sz += np.where(down, -0.5, 0.5)
    return float(np.vdot(raised, raised).real + np.vdot(psi, sz * (sz + 1) * psi).real)


def fidelity(a: GroundState, b: GroundState) -> float:
    return float(abs(np.vdot(a.vector(), b.vector())))


class TestInputs:
    def test_unknown_method(self) -> None:
        with pytest.raises(InvalidParameterError, match=r"method must be one of .* got 'lanczos'"):
            BondAlternatingHeisenberg(4, 1.0).ground_state("lanczos")

    def test_bad_n_excited(self) -> None:
        with pytest.raises(InvalidParameterError, match=r"n_excited must be >= 0, got -1"):
            BondAlternatingHeisenberg(4, 1.0).ground_state("sz", n_excited=-1)

    def test_bad_compute_gap(self) -> None:
        with pytest.raises(InvalidParameterError, match=r"compute_gap must be a bool, got 1"):
            BondAlternatingHeisenberg(4, 1.0).ground_state("sz", compute_gap=1)

    def test_bad_model(self) -> None:
        with pytest.raises(InvalidParameterError, match=r"BondAlternatingHeisenberg, got dict"):
            ground_state({}, "sz")  # type: ignore[arg-type]

    @pytest.mark.parametrize("method", ["dense", "sz", pytest.param("sector", marks=needs_sector)])
    def test_bare_chain_same_as_public_model(self, method: str) -> None:
        spec = ChainSpec(boundary="periodic")
        bare = ground_state(HeisenbergChain.from_spec(6, 1.3, spec), method)
        public = BondAlternatingHeisenberg.from_spec(6, 1.3, spec).ground_state(method)
        assert (bare.energy, bare.gap, bare.low_energies) == (
            public.energy,
            public.gap,
            public.low_energies,
        )
        np.testing.assert_array_equal(bare.vector(), public.vector())

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            (dict(anisotropy=0.5), r"broken by anisotropy=0.5 \(SU\(2\) needs 1.0\)"),
            (dict(field=0.2), r"broken by field=0.2"),
            (dict(staggered_field=0.1, field=0.2), r"field=0.2 .*staggered_field=0.1"),
            (dict(random_field=0.3, seed=1), r"random_field=0.3"),
        ],
    )
    def test_sector_needs_symmetry(self, kwargs: dict, match: str) -> None:
        model = BondAlternatingHeisenberg(6, 1.0, **kwargs)
        with pytest.raises(NotEquivariantError, match=match):
            model.ground_state("sector")

    def test_sector_needs_even_n(self) -> None:
        with pytest.raises(InvalidParameterError, match=r"even n_qubits, got n_qubits=7"):
            BondAlternatingHeisenberg(7, 1.0).ground_state("sector")

    def test_dense_limit(self) -> None:
        with pytest.raises(ProblemTooLargeError, match=r"n_qubits <= 14"):
            BondAlternatingHeisenberg(16, 1.0).ground_state("dense")

    def test_vector_limit(self) -> None:
        n = VECTOR_MAX_QUBITS + 2
        state = GroundState(
            energy=0.0,
            gap=None,
            method="sector",
            n_qubits=n,
            low_energies=(0.0,),
            sz=0.0,
            total_spin=0.0,
            sector_vector=np.zeros(1),
        )
        with pytest.raises(ProblemTooLargeError, match=rf"n_qubits <= 26 .* got n_qubits={n}"):
            state.vector()

    def test_auto_resolution(self) -> None:
        assert BondAlternatingHeisenberg(5, 1.0).ground_state().method == "sparse"
        assert BondAlternatingHeisenberg(4, 1.0, field=0.1).ground_state().method == "sparse"
        if _sector_available():
            assert BondAlternatingHeisenberg(6, 1.0).ground_state().method == "sector"


METHODS_SMALL = ["dense", "sparse", "sz", pytest.param("sector", marks=needs_sector)]


class TestEnergies:
    @pytest.mark.parametrize("method", METHODS_SMALL)
    @pytest.mark.parametrize("n", [2, 4, 6, 8])
    @pytest.mark.parametrize("j1", [1.0, 0.7])
    def test_dimer_limit(self, method: str, n: int, j1: float) -> None:
        # r = 0: product of n/2 dimer singlets, E = -3/4 j1 n/2, gap j1 (one dimer -> triplet)
        gs = BondAlternatingHeisenberg(n, 0.0, j1=j1).ground_state(method)
        assert gs.energy == pytest.approx(-0.75 * j1 * n / 2, abs=1e-12)
        assert gs.gap == pytest.approx(j1, abs=1e-10)
        psi = gs.vector()
        singlet = np.array([0.0, 1.0, -1.0, 0.0]) / math.sqrt(2)
        expected = singlet
        for _ in range(n // 2 - 1):
            expected = np.kron(expected, singlet)
        assert abs(np.vdot(expected, psi)) == pytest.approx(1.0, abs=1e-12)

    @pytest.mark.parametrize("method", METHODS_SMALL)
    def test_open_four_site_uniform(self, method: str) -> None:
        # uniform open 4-site chain: E0 = -(3 + 2 sqrt 3)/4
        gs = BondAlternatingHeisenberg(4, 1.0).ground_state(method)
        assert gs.energy == pytest.approx(-(3 + 2 * math.sqrt(3)) / 4, abs=1e-12)

    def test_two_spins_in_field(self) -> None:
        # n = 2: singlet -3/4 j1, triplet j1/4 + h m; a field 2 j1 makes |↓↓> the ground state
        gs = BondAlternatingHeisenberg(2, 1.0, j1=0.5, field=1.0).ground_state("dense")
        assert gs.energy == pytest.approx(0.125 - 1.0)
        assert gs.sz == -1.0 and gs.total_spin == 1.0
        np.testing.assert_allclose(gs.vector(), [0, 0, 0, 1])
        assert gs.gap == pytest.approx(0.125 - 0.5 - (0.125 - 1.0))

    @pytest.mark.parametrize(
        "kwargs",
        [
            dict(n_qubits=8, ratio=0.5),
            dict(n_qubits=8, ratio=1.0, boundary="periodic"),
            dict(n_qubits=10, ratio=2.0),
            dict(n_qubits=10, ratio=1.4, boundary="periodic"),
            dict(n_qubits=10, ratio=200.0),
        ],
    )
    def test_symmetric_methods_agree(self, kwargs: dict) -> None:
        model = BondAlternatingHeisenberg(**kwargs)
        methods = ["sparse", "sz"] + (["sector"] if _sector_available() else [])
        if model.n_qubits <= 8:  # dense eigh of 1024 x 1024 is slow on busy machines
            methods.append("dense")
        states = {m: model.ground_state(m, n_excited=2) for m in methods}
        ref = states["sparse"]
        for method, gs in states.items():
            assert gs.method == method
            assert gs.energy == pytest.approx(ref.energy, abs=1e-9), method
            assert gs.gap == pytest.approx(ref.gap, abs=1e-9), method
            assert gs.sz == 0.0 and gs.total_spin == 0.0
            assert fidelity(gs, ref) >= 1 - 1e-8, method
        assert len(ref.low_energies) == 3 and ref.low_energies[0] == pytest.approx(ref.energy)

    @pytest.mark.parametrize(
        "kwargs",
        [
            dict(n_qubits=8, ratio=1.5, anisotropy=0.6),
            dict(n_qubits=8, ratio=0.5, staggered_field=0.3),
            dict(n_qubits=8, ratio=1.5, random_field=0.4, seed=5, anisotropy=1.3),
            dict(n_qubits=9, ratio=2.0, anisotropy=0.7),
            dict(n_qubits=8, ratio=3000.0, anisotropy=0.5),
            dict(n_qubits=10, ratio=200.0, anisotropy=0.5),
            dict(n_qubits=7, ratio=0.8, boundary="periodic", anisotropy=1.2),
        ],
    )
    def test_u1_methods_agree(self, kwargs: dict) -> None:
        # the ground state of these models lies in S^z = 0 (1/2 for odd n)
        model = BondAlternatingHeisenberg(**kwargs)
        methods = ("sparse", "sz", "dense") if model.n_qubits <= 8 else ("sparse", "sz")
        states = {m: model.ground_state(m) for m in methods}
        ref = states["sparse"]
        assert ref.total_spin is None
        for method, gs in states.items():
            assert gs.energy == pytest.approx(ref.energy, abs=1e-9), method
            assert gs.gap == pytest.approx(ref.gap, abs=1e-9), method
            assert gs.sz == (0.0 if model.n_qubits % 2 == 0 else 0.5)
            assert fidelity(gs, ref) >= 1 - 1e-8, method

    def test_sz_method_stays_in_its_sector(self) -> None:
        # a uniform field pushes the true ground state into S^z = -1
        model = BondAlternatingHeisenberg(8, 2.0, field=0.3)
        full = model.ground_state("sparse")
        sector = model.ground_state("sz")
        assert full.sz == -1.0 and full.total_spin == 1.0
        assert sector.sz == 0.0 and sector.total_spin == 0.0
        assert sector.energy > full.energy
        # with a uniform field S^2 still commutes: the S^z = 0 state is the singlet
        assert sector.energy == pytest.approx(
            BondAlternatingHeisenberg(8, 2.0).ground_state("sz").energy, abs=1e-10
        )

    def test_no_gap(self) -> None:
        model = BondAlternatingHeisenberg(6, 1.0)
        for method in ("dense", "sz") + (("sector",) if _sector_available() else ()):
            assert model.ground_state(method, compute_gap=False).gap is None


class TestStates:
    @pytest.mark.parametrize("method", ["sparse", "sz", pytest.param("sector", marks=needs_sector)])
    def test_haldane_n12_ratio2(self, method: str) -> None:
        model = BondAlternatingHeisenberg(12, 2.0)
        ref = model.ground_state("sparse")
        gs = model.ground_state(method)
        psi = gs.vector()
        assert psi.dtype == np.complex128 and psi.shape == (4096,)
        assert np.linalg.norm(psi) == pytest.approx(1.0, abs=1e-12)
        assert fidelity(gs, ref) >= 1 - 1e-8
        assert abs(total_s2(psi, 12)) < 1e-8
        assert 0 < gs.gap < 1e-2  # edge spins: singlet-triplet splitting

    @needs_sector
    @pytest.mark.parametrize(
        ("n", "ratio", "boundary"),
        [(8, 0.3, "open"), (10, 1.0, "open"), (12, 2.0, "open"), (10, 1.7, "periodic")],
    )
    def test_sector_vector_is_eigenvector(self, n: int, ratio: float, boundary: str) -> None:
        model = BondAlternatingHeisenberg(n, ratio, boundary=boundary)
        gs = model.ground_state("sector")
        assert gs.sector_vector is not None
        assert gs.sector_vector.shape == (math.comb(n, n // 2) - math.comb(n, n // 2 - 1),)
        psi = gs.vector()
        residual = np.linalg.norm(model.sparse_matrix() @ psi - gs.energy * psi)
        assert residual < 1e-8
        assert abs(total_s2(psi, n)) < 1e-8

    def test_vector_is_fresh(self) -> None:
        gs = BondAlternatingHeisenberg(4, 1.0).ground_state("sz")
        v = gs.vector()
        v[:] = 0
        assert np.linalg.norm(gs.vector()) == pytest.approx(1.0)

    @pytest.mark.parametrize("method", ["dense", "sparse", "sz"])
    def test_residual_non_symmetric(self, method: str) -> None:
        model = BondAlternatingHeisenberg(8, 1.2, anisotropy=0.8, random_field=0.3, seed=2)
        gs = model.ground_state(method)
        psi = gs.vector()
        assert np.linalg.norm(model.sparse_matrix() @ psi - gs.energy * psi) < 1e-8

    @pytest.mark.slow
    def test_dense_n12_haldane(self) -> None:
        model = BondAlternatingHeisenberg(12, 2.0)
        dense, sparse = model.ground_state("dense"), model.ground_state("sparse")
        assert dense.energy == pytest.approx(sparse.energy, abs=1e-9)
        assert dense.gap == pytest.approx(sparse.gap, abs=1e-9)
        assert fidelity(dense, sparse) >= 1 - 1e-8

    @pytest.mark.slow
    @needs_sector
    def test_sector_n20(self) -> None:
        model = BondAlternatingHeisenberg(20, 1.5)
        sector, sz = model.ground_state("sector"), model.ground_state("sz")
        assert sector.energy == pytest.approx(sz.energy, abs=1e-9)
        assert sector.gap == pytest.approx(sz.gap, abs=1e-8)
        assert fidelity(sector, sz) >= 1 - 1e-8
