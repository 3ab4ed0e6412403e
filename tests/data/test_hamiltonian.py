"""Tests of the bond-alternating Heisenberg Hamiltonian (eqqnn.data._chain, ._hamiltonian)."""

from __future__ import annotations

import dataclasses
import inspect
import math

import numpy as np
import pytest
import scipy.sparse as sp

import eqqnn.data
from eqqnn.data._chain import CHAIN_SPEC_FIELDS, ChainSpec, HeisenbergChain
from eqqnn.data._hamiltonian import (
    DENSE_MAX_QUBITS,
    SPARSE_MAX_QUBITS,
    BondAlternatingHeisenberg,
    sz_sector_basis,
)
from eqqnn.errors import InvalidParameterError, ProblemTooLargeError

# ---------------------------------------------------------------- independent reference
# Spin operators with |0> = spin up; qubit 0 is the leftmost kron factor.
SX = np.array([[0.0, 1.0], [1.0, 0.0]]) / 2
SY = np.array([[0.0, -1.0j], [1.0j, 0.0]]) / 2
SZ = np.array([[1.0, 0.0], [0.0, -1.0]]) / 2


def site_op(op: np.ndarray, site: int, n: int) -> np.ndarray:
    return np.kron(np.kron(np.eye(2**site), op), np.eye(2 ** (n - site - 1)))


def kron_hamiltonian(
    n: int,
    ratio: float,
    *,
    j1: float = 1.0,
    delta: float = 1.0,
    h: float = 0.0,
    hs: float = 0.0,
    local: tuple[float, ...] | None = None,
    periodic: bool = False,
) -> np.ndarray:
    """The Hamiltonian from its defining formula, with explicit kron products."""
    dim = 2**n
    out = np.zeros((dim, dim), dtype=np.complex128)
    last = n if periodic else n - 1
    for b in range(last):
        i, j = b, (b + 1) % n
        coupling = j1 if b % 2 == 0 else ratio * j1
        for op, weight in ((SX, 1.0), (SY, 1.0), (SZ, delta)):
            out += coupling * weight * site_op(op, i, n) @ site_op(op, j, n)
    for i in range(n):
        field = h + hs * (-1) ** i + (local[i] if local is not None else 0.0)
        out += field * site_op(SZ, i, n)
    return out


def total_spin_ops(n: int) -> list[np.ndarray]:
    return [sum(site_op(op, i, n) for i in range(n)) for op in (SX, SY, SZ)]


MODEL_CASES = [
    dict(n_qubits=2, ratio=1.0),
    dict(n_qubits=3, ratio=0.4, boundary="periodic"),
    dict(n_qubits=4, ratio=2.0),
    dict(n_qubits=4, ratio=0.0, j1=0.7),
    dict(n_qubits=5, ratio=1.3, anisotropy=0.4, field=0.2),
    dict(n_qubits=6, ratio=0.6, boundary="periodic", staggered_field=0.3),
    dict(n_qubits=6, ratio=1.7, anisotropy=-0.5, random_field=0.8, seed=11),
    dict(n_qubits=7, ratio=1.1, boundary="periodic", field=-0.4, anisotropy=2.0),
]


def reference_for(model: BondAlternatingHeisenberg) -> np.ndarray:
    return kron_hamiltonian(
        model.n_qubits,
        model.ratio,
        j1=model.j1,
        delta=model.anisotropy,
        h=model.field,
        hs=model.staggered_field,
        local=model.local_fields,
        periodic=model.boundary == "periodic",
    )


class TestInputs:
    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            (dict(n_qubits=1, ratio=1.0), r"n_qubits must be >= 2, got 1"),
            (dict(n_qubits=4.0, ratio=1.0), r"n_qubits must be an integer, got 4.0"),
            (dict(n_qubits=True, ratio=1.0), r"n_qubits must be an integer"),
            (dict(n_qubits=4, ratio=-0.5), r"ratio must be >= 0.0, got -0.5"),
            (dict(n_qubits=4, ratio=float("nan")), r"ratio must be finite, got nan"),
            (dict(n_qubits=4, ratio=math.inf), r"ratio must be finite, got inf"),
            (dict(n_qubits=4, ratio="1"), r"ratio must be a real number, got '1'"),
            (dict(n_qubits=4, ratio=1.0, j1=0.0), r"j1 must be > 0.0, got 0.0"),
            (dict(n_qubits=4, ratio=1.0, j1=-1.0), r"j1 must be > 0.0, got -1.0"),
            (dict(n_qubits=4, ratio=1.0, anisotropy=math.nan), r"anisotropy must be finite"),
            (dict(n_qubits=4, ratio=1.0, field=math.inf), r"field must be finite"),
            (dict(n_qubits=4, ratio=1.0, boundary="closed"), r"boundary must be one of"),
            (dict(n_qubits=2, ratio=1.0, boundary="periodic"), r"needs n_qubits >= 3"),
            (dict(n_qubits=4, ratio=1.0, random_field=-0.1), r"random_field must be >= 0.0"),
            (dict(n_qubits=4, ratio=1.0, random_field=0.1), r"needs an explicit integer seed"),
            (dict(n_qubits=4, ratio=1.0, random_field=0.1, seed=-3), r"seed must be >= 0"),
        ],
    )
    def test_bad_parameters(self, kwargs: dict, match: str) -> None:
        with pytest.raises(InvalidParameterError, match=match):
            BondAlternatingHeisenberg(**kwargs)

    def test_errors_are_value_errors(self) -> None:
        with pytest.raises(ValueError):
            BondAlternatingHeisenberg(4, -1.0)

    @pytest.mark.parametrize(
        ("n", "m", "match"),
        [
            (4, 0.3, r"integer or half-integer, got 0.3"),
            (4, 0.5, r"must be an integer for n_qubits=4, got 0.5"),
            (5, 0, r"must be a half-integer for n_qubits=5, got 0"),
            (4, 3, r"must lie in \[-2.0, 2.0\] for n_qubits=4, got 3"),
            (4, math.nan, r"magnetization must be finite"),
        ],
    )
    def test_bad_magnetization(self, n: int, m: float, match: str) -> None:
        model = BondAlternatingHeisenberg(n, 1.0)
        with pytest.raises(InvalidParameterError, match=match):
            model.sz_sector_matrix(m)

    def test_size_limits(self) -> None:
        with pytest.raises(ProblemTooLargeError, match=r"n_qubits <= 14 .* got n_qubits=15"):
            BondAlternatingHeisenberg(DENSE_MAX_QUBITS + 1, 1.0).dense_matrix()
        with pytest.raises(ProblemTooLargeError, match=r"n_qubits <= 24 .* got n_qubits=25"):
            BondAlternatingHeisenberg(SPARSE_MAX_QUBITS + 1, 1.0).sparse_matrix()
        with pytest.raises(ProblemTooLargeError, match=r"n_qubits <= 26"):
            BondAlternatingHeisenberg(28, 1.0).sz_sector_matrix(0)

    def test_chains_beyond_int64_basis_strings(self) -> None:
        """The couplings need no basis: a 64-site chain (MPS data) is a valid model, while
        basis indexing stops at 62 sites."""
        chain = HeisenbergChain(64, 1.5)
        assert len(chain.bonds) == 63 and chain.bonds[1][2] == 1.5
        with pytest.raises(InvalidParameterError, match="n_qubits must be <= 62"):
            eqqnn.data.sz_sector_basis(64, 0)
        with pytest.raises(InvalidParameterError, match="n_qubits must be <= 1024"):
            HeisenbergChain(1026, 1.0)

    def test_frozen(self) -> None:
        model = BondAlternatingHeisenberg(4, 1.0)
        with pytest.raises(dataclasses.FrozenInstanceError):
            model.ratio = 2.0  # type: ignore[misc]


class TestStructure:
    def test_bonds_open(self) -> None:
        model = BondAlternatingHeisenberg(6, 0.5, j1=2.0)
        assert model.bonds == [(0, 1, 2.0), (1, 2, 1.0), (2, 3, 2.0), (3, 4, 1.0), (4, 5, 2.0)]

    def test_bonds_periodic(self) -> None:
        even = BondAlternatingHeisenberg(6, 0.5, boundary="periodic")
        assert even.bonds[-1] == (5, 0, 0.5)  # closing bond of an even ring is a J2 bond
        odd = BondAlternatingHeisenberg(5, 0.5, boundary="periodic")
        assert odd.bonds[-1] == (4, 0, 1.0)
        assert len(odd.bonds) == 5

    def test_values_normalized(self) -> None:
        model = BondAlternatingHeisenberg(np.int64(4), 2, j1=1)
        assert type(model.n_qubits) is int and type(model.ratio) is float
        assert type(model.j1) is float

    def test_parameters(self) -> None:
        model = BondAlternatingHeisenberg(6, 1.5, field=0.1, random_field=0.2, seed=4)
        params = model.parameters()
        assert params["n_qubits"] == 6 and params["ratio"] == 1.5 and params["seed"] == 4
        assert (
            params
            == BondAlternatingHeisenberg(
                **{k: v for k, v in params.items() if k != "model"}
            ).parameters()
        )
        assert params != BondAlternatingHeisenberg(6, 1.5).parameters()

    def test_symmetry_flags(self) -> None:
        assert BondAlternatingHeisenberg(4, 2.0).is_su2_symmetric
        assert BondAlternatingHeisenberg(4, 2.0).symmetry_breaking_terms == []
        for kwargs in (
            dict(anisotropy=0.9),
            dict(field=0.1),
            dict(staggered_field=0.1),
            dict(random_field=0.1, seed=0),
        ):
            model = BondAlternatingHeisenberg(4, 2.0, **kwargs)
            assert not model.is_su2_symmetric
            assert model.conserves_sz
            (term,) = model.symmetry_breaking_terms
            assert term.startswith(next(iter(kwargs)))

    def test_random_fields_seeded(self) -> None:
        a = BondAlternatingHeisenberg(8, 1.0, random_field=0.5, seed=7)
        b = BondAlternatingHeisenberg(8, 1.0, random_field=0.5, seed=7)
        c = BondAlternatingHeisenberg(8, 1.0, random_field=0.5, seed=8)
        assert a == b and a.local_fields == b.local_fields
        assert a.local_fields != c.local_fields
        assert max(abs(x) for x in a.local_fields) <= 0.5
        assert BondAlternatingHeisenberg(8, 1.0).local_fields == (0.0,) * 8

    @pytest.mark.parametrize(("ratio", "label"), [(0.0, 0), (0.99, 0), (1.0, 0), (1.01, 1)])
    def test_phase_label(self, ratio: float, label: int) -> None:
        assert BondAlternatingHeisenberg(4, ratio).phase_label == label


class TestMatrices:
    @pytest.mark.parametrize("kwargs", MODEL_CASES)
    def test_matches_kron_reference(self, kwargs: dict) -> None:
        model = BondAlternatingHeisenberg(**kwargs)
        matrix = model.sparse_matrix()
        assert isinstance(matrix, sp.csr_matrix)
        assert matrix.dtype == np.float64 and matrix.shape == (2**model.n_qubits,) * 2
        np.testing.assert_allclose(matrix.toarray(), reference_for(model), atol=1e-14)
        np.testing.assert_array_equal(model.dense_matrix(), matrix.toarray())

    @pytest.mark.parametrize("kwargs", MODEL_CASES)
    def test_hermitian(self, kwargs: dict) -> None:
        matrix = BondAlternatingHeisenberg(**kwargs).sparse_matrix()
        assert abs(matrix - matrix.T).max() == 0.0

    @pytest.mark.parametrize("kwargs", MODEL_CASES)
    def test_sz_sectors_are_blocks(self, kwargs: dict) -> None:
        model = BondAlternatingHeisenberg(**kwargs)
        n = model.n_qubits
        full = model.sparse_matrix().toarray()
        seen = []
        for downs in range(n + 1):
            m = n / 2 - downs
            basis = model.sz_sector_basis(m)
            assert len(basis) == math.comb(n, downs)
            assert np.all(np.diff(basis) > 0)
            assert all(bin(int(k)).count("1") == downs for k in basis)
            block = model.sz_sector_matrix(m)
            assert isinstance(block, sp.csr_matrix)
            np.testing.assert_array_equal(block.toarray(), full[np.ix_(basis, basis)])
            seen.append(basis)
        # the blocks tile the space, so H is block diagonal in total S^z
        allidx = np.concatenate(seen)
        assert sorted(allidx.tolist()) == list(range(2**n))
        total_sz = sum(site_op(SZ, i, n) for i in range(n)).real
        np.testing.assert_allclose(full @ total_sz - total_sz @ full, 0.0, atol=1e-13)

    @pytest.mark.parametrize("boundary", ["open", "periodic"])
    def test_su2_symmetry(self, boundary: str) -> None:
        n = 6
        full = BondAlternatingHeisenberg(n, 1.7, boundary=boundary).sparse_matrix().toarray()
        for op in total_spin_ops(n):
            np.testing.assert_allclose(full @ op - op @ full, 0.0, atol=1e-13)
        broken = BondAlternatingHeisenberg(n, 1.7, anisotropy=0.5).sparse_matrix().toarray()
        sx = total_spin_ops(n)[0]
        assert np.abs(broken @ sx - sx @ broken).max() > 0.1

    def test_two_spins_exact(self) -> None:
        matrix = BondAlternatingHeisenberg(2, 3.0, j1=2.0).dense_matrix()
        expected = 2.0 * np.array(
            [[0.25, 0, 0, 0], [0, -0.25, 0.5, 0], [0, 0.5, -0.25, 0], [0, 0, 0, 0.25]]
        )
        np.testing.assert_array_equal(matrix, expected)

    def test_larger_chain_against_kron(self) -> None:
        model = BondAlternatingHeisenberg(9, 0.8, anisotropy=1.2, staggered_field=0.1)
        np.testing.assert_allclose(
            model.sparse_matrix().toarray(), reference_for(model), atol=1e-13
        )

    def test_sector_basis_function(self) -> None:
        assert sz_sector_basis(4, 2).tolist() == [0]
        assert sz_sector_basis(4, -2).tolist() == [15]
        assert sz_sector_basis(3, 0.5).tolist() == [1, 2, 4]
        assert len(sz_sector_basis(20, 0)) == math.comb(20, 10)


class TestChainSpec:
    def test_defaults_are_the_symmetric_open_chain(self) -> None:
        spec = ChainSpec()
        assert spec.to_dict() == {
            "j1": 1.0,
            "anisotropy": 1.0,
            "field": 0.0,
            "boundary": "open",
            "staggered_field": 0.0,
            "random_field": 0.0,
        }
        assert tuple(spec.to_dict()) == CHAIN_SPEC_FIELDS
        assert spec.is_su2_symmetric and spec.symmetry_breaking_terms == []

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            (dict(j1=0.0), r"j1 must be > 0.0, got 0.0"),
            (dict(anisotropy=math.nan), r"anisotropy must be finite"),
            (dict(field=math.inf), r"field must be finite"),
            (dict(boundary="closed"), r"boundary must be one of"),
            (dict(staggered_field="0.1"), r"staggered_field must be a real number"),
            (dict(random_field=-0.1), r"random_field must be >= 0.0"),
        ],
    )
    def test_bad_values(self, kwargs: dict, match: str) -> None:
        with pytest.raises(InvalidParameterError, match=match):
            ChainSpec(**kwargs)
        with pytest.raises(InvalidParameterError, match=match):
            ChainSpec().replace(**kwargs)

    def test_keyword_only_frozen_hashable(self) -> None:
        with pytest.raises(TypeError):
            ChainSpec(1.0)  # type: ignore[misc]
        spec = ChainSpec(j1=np.int64(2), field=1)
        assert type(spec.j1) is float and type(spec.field) is float
        with pytest.raises(dataclasses.FrozenInstanceError):
            spec.j1 = 3.0  # type: ignore[misc]
        assert hash(spec) == hash(ChainSpec(j1=2.0, field=1.0))

    @pytest.mark.parametrize(
        "kwargs",
        [dict(anisotropy=0.9), dict(field=0.1), dict(staggered_field=0.1), dict(random_field=0.1)],
    )
    def test_symmetry_flags_match_the_chain(self, kwargs: dict) -> None:
        spec = ChainSpec(**kwargs)
        chain = HeisenbergChain.from_spec(4, 2.0, spec, seed=0)
        assert not spec.is_su2_symmetric and not chain.is_su2_symmetric
        assert spec.symmetry_breaking_terms == chain.symmetry_breaking_terms


class TestLayers:
    """The operators live in ``_chain``; the public class adds the solver and label."""

    @pytest.mark.parametrize("kwargs", MODEL_CASES)
    def test_spec_round_trip(self, kwargs: dict) -> None:
        model = BondAlternatingHeisenberg(**kwargs)
        again = BondAlternatingHeisenberg.from_spec(
            model.n_qubits, model.ratio, model.spec, seed=model.seed
        )
        assert type(again) is BondAlternatingHeisenberg and again == model
        bare = HeisenbergChain.from_spec(model.n_qubits, model.ratio, model.spec, seed=model.seed)
        assert type(bare) is HeisenbergChain and bare.parameters() == model.parameters()
        assert (bare.sparse_matrix() != model.sparse_matrix()).nnz == 0

    def test_public_class_keeps_its_api(self) -> None:
        assert issubclass(BondAlternatingHeisenberg, HeisenbergChain)
        assert eqqnn.data.BondAlternatingHeisenberg is BondAlternatingHeisenberg
        assert str(inspect.signature(BondAlternatingHeisenberg)) == (
            "(n_qubits: 'int', ratio: 'float', *, j1: 'float' = 1.0, anisotropy: 'float' = 1.0, "
            "field: 'float' = 0.0, boundary: 'str' = 'open', staggered_field: 'float' = 0.0, "
            "random_field: 'float' = 0.0, seed: 'int | None' = None) -> None"
        )
        model = BondAlternatingHeisenberg(4, 2.0)
        assert repr(model) == (
            "BondAlternatingHeisenberg(n_qubits=4, ratio=2.0, j1=1.0, anisotropy=1.0, "
            "field=0.0, boundary='open', staggered_field=0.0, random_field=0.0, seed=None)"
        )
        assert type(dataclasses.replace(model, ratio=0.5)) is BondAlternatingHeisenberg
        assert model.phase_label == 1 and model.ground_state("dense").energy == pytest.approx(-2)

    def test_bottom_layer_has_no_solver_or_label(self) -> None:
        chain = HeisenbergChain(4, 2.0)
        assert not hasattr(chain, "ground_state") and not hasattr(chain, "phase_label")
        assert chain != BondAlternatingHeisenberg(4, 2.0)  # different classes

    def test_from_spec_needs_a_spec(self) -> None:
        with pytest.raises(InvalidParameterError, match="spec must be a ChainSpec, got dict"):
            BondAlternatingHeisenberg.from_spec(4, 1.0, {"j1": 1.0})  # type: ignore[arg-type]
