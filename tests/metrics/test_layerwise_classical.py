"""Layerwise equivariance of classical networks: known-action, permutation- and linear-aligned
errors, with known answers (exactly equivariant layers give 0 and their permutation)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from torch import nn

from eqqnn.classical import GroupConv, LiftingConv, group_table
from eqqnn.errors import DimensionError, InvalidParameterError
from eqqnn.metrics import (
    LayerEquivariance,
    feature_equivariance_errors,
    linear_alignment,
    permutation_alignment,
)
from eqqnn.symmetry import SU2, MatrixRepresentation, SO3Vector, octahedral_group

F64 = torch.float64


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _roll_inputs(x: torch.Tensor, s: int) -> torch.Tensor:
    """The cyclic group C_3 on 6 inputs: shift by two places, ``s`` times."""
    return x.roll(2 * s, dims=-1)


def _equivariant_mlp(seed: int = 0) -> tuple[nn.Sequential, int]:
    r"""A ReLU MLP with permuted copies of its weights, equivariant under :func:`_roll_inputs`.

    Unit ``(a, s)`` of the first layer reads ``r_a`` through the inverse shift applied ``s``
    times, so on a shifted input unit ``(a, s)`` computes what unit ``(a, s + 1)`` computed
    on the input: a permutation of units.  The second layer has circulant blocks, the
    readout sums over ``s``.
    """
    m, k = 4, 3  # orbits and orbit size
    g = _gen(seed)
    r = torch.randn(m, 6, dtype=F64, generator=g)
    b = torch.randn(m, dtype=F64, generator=g)
    eye = torch.eye(6, dtype=F64)
    w1 = torch.stack([r[a] @ _roll_inputs(eye, -s) for a in range(m) for s in range(k)])
    q = torch.randn(m, m, k, dtype=F64, generator=g)
    w2 = torch.stack(
        [
            torch.stack([q[c, a, (s - t) % k] for a in range(m) for s in range(k)])
            for c in range(m)
            for t in range(k)
        ]
    )
    b2 = torch.randn(m, dtype=F64, generator=g).repeat_interleave(k)
    w3 = torch.randn(m, dtype=F64, generator=g).repeat_interleave(k)[None]
    net = nn.Sequential(
        nn.Linear(6, m * k, dtype=F64),
        nn.ReLU(),
        nn.Linear(m * k, m * k, dtype=F64),
        nn.ReLU(),
        nn.Linear(m * k, 1, dtype=F64),
    )
    with torch.no_grad():
        net[0].weight.copy_(w1)
        net[0].bias.copy_(b.repeat_interleave(k))
        net[2].weight.copy_(w2)
        net[2].bias.copy_(b2)
        net[4].weight.copy_(w3)
        net[4].bias.fill_(0.3)
    return net, k


def _layers(net: nn.Sequential) -> list[tuple[str, nn.Module]]:
    return [
        ("hidden1", nn.Sequential(net[0], net[1])),
        ("hidden2", nn.Sequential(net[2], net[3])),
        ("logit", net[4]),
    ]


def _unit_roll(k: int) -> object:
    """Known action on units ``(a, s)``: ``h'(a, s) = h(a, s + g)``."""

    def action(h: torch.Tensor, s: int) -> torch.Tensor:
        return h.reshape(*h.shape[:-1], -1, k).roll(-s, dims=-1).reshape(h.shape)

    return action


def _inputs(n: int = 200, d: int = 6, seed: int = 1) -> torch.Tensor:
    return torch.randn(n, d, dtype=F64, generator=_gen(seed))


class TestKnownAnswers:
    def test_permuted_weight_mlp_is_exactly_equivariant(self) -> None:
        net, k = _equivariant_mlp()
        roll = _unit_roll(k)
        errs = feature_equivariance_errors(
            _layers(net), _inputs(), _roll_inputs, [1, 2], [roll, roll, lambda h, s: h]
        )
        assert list(errs) == ["hidden1", "hidden2", "logit"]
        for e in errs.values():
            assert isinstance(e, LayerEquivariance)
            assert e.known < 1e-10 and e.permutation < 1e-10 and e.linear < 1e-10
            assert e.chance > 0.1  # the features do vary over the batch
        # the recovered permutation is the unit shift: unit (a, s) of g.x is (a, s + g) of x
        for g, pi in zip([1, 2], errs["hidden1"].permutations, strict=True):
            expected = [a * k + (s + g) % k for a in range(4) for s in range(k)]
            assert list(pi) == expected
        assert errs["logit"].permutations == ((0,), (0,))

    def test_random_mlp_is_not(self) -> None:
        torch.manual_seed(0)
        net = nn.Sequential(
            nn.Linear(6, 12, dtype=F64), nn.ReLU(), nn.Linear(12, 12, dtype=F64), nn.ReLU()
        )
        layers = [("hidden1", net[:2]), ("hidden2", net[2:])]
        errs = feature_equivariance_errors(layers, _inputs(), _roll_inputs, [1, 2])
        for e in errs.values():
            assert np.isnan(e.known)  # no action given
            assert e.permutation > 0.1
            assert e.linear <= e.permutation + 1e-12
            assert e.rows == 200 and e.units == 12

    @pytest.mark.parametrize("separable", [False, True])
    def test_gcnn_layers_permute_by_the_regular_representation(self, separable: bool) -> None:
        octa = octahedral_group()
        table = group_table(octa)
        lift = LiftingConv(MatrixRepresentation(octa), out_channels=2, seed=0, dtype=F64)
        conv = GroupConv(octa, in_channels=2, out_channels=3, seed=1, dtype=F64)
        layers = [
            ("lift", lambda x: torch.relu(lift(x[:, None, :])).flatten(1)),
            ("conv", lambda h: torch.tanh(conv(h.reshape(-1, 2, 24))).flatten(1)),
        ]
        mats = torch.as_tensor(np.array(octa.matrices), dtype=F64)

        def regular(h: torch.Tensor, k: int) -> torch.Tensor:  # (lambda(k) f)(h) = f(k^-1 h)
            idx = torch.as_tensor(np.array(table.cayley[table.inverse[k]]))
            return h.reshape(h.shape[0], -1, 24)[..., idx].flatten(1)

        elements = [3, 7, 18]
        x = _inputs(300, 3, seed=2)
        errs = feature_equivariance_errors(
            layers, x, lambda v, k: v @ mats[k].T, elements, {"lift": regular, "conv": regular}
        )
        for e in errs.values():
            assert e.known < 1e-10 and e.permutation < 1e-10
            channels = e.units // 24
            for k, pi in zip(elements, e.permutations, strict=True):
                # unit (c, h) of k.x is unit (c, k^-1 h) of x
                inv_k = table.inverse[k]
                expected = [
                    c * 24 + table.cayley[inv_k, h] for c in range(channels) for h in range(24)
                ]
                assert list(pi) == expected

    def test_rotation_is_linear_but_not_a_permutation(self) -> None:
        # the identity layer on 3-vectors under SO(3): phi(Rx) = R phi(x), a linear map
        rot = torch.as_tensor(np.real(SO3Vector().matrix(SU2().sample(0, 2))), dtype=F64)
        x = _inputs(100, 3, seed=3)
        errs = feature_equivariance_errors(
            [("id", lambda v: v)], x, lambda v, r: v @ r.T, list(rot), [lambda h, r: h @ r.T]
        )
        e = errs["id"]
        assert e.known < 1e-12 and e.linear < 1e-12
        assert e.permutation > 0.1

    def test_assignment_matches_brute_force(self, rng: np.random.Generator) -> None:
        a, b = rng.normal(size=(20, 5)), rng.normal(size=(20, 5))
        err, pi = permutation_alignment(a, b, relative_to="norm")
        best = min(
            np.linalg.norm(b - a[:, list(p)]) for p in itertools.permutations(range(5))
        ) / np.linalg.norm(a)
        assert err == pytest.approx(best, rel=1e-12)
        assert np.linalg.norm(b - a[:, pi]) / np.linalg.norm(a) == pytest.approx(err, rel=1e-12)
        assert linear_alignment(a, b, relative_to="norm") <= err

    def test_noisy_permutation_is_recovered(self, rng: np.random.Generator) -> None:
        a = rng.normal(size=(500, 30))
        pi = rng.permutation(30)
        b = a[:, pi] + 1e-3 * rng.normal(size=a.shape)
        err, found = permutation_alignment(torch.as_tensor(a), torch.as_tensor(b))
        assert found.tolist() == pi.tolist()
        assert err == pytest.approx(1e-3, rel=0.1)
        assert linear_alignment(a, b) < err

    def test_linear_alignment_is_zero_when_the_batch_is_small(
        self, rng: np.random.Generator
    ) -> None:
        a, b = rng.normal(size=(8, 12)), rng.normal(size=(8, 12))
        assert linear_alignment(a, b) < 1e-10  # rank-deficient: the floor says nothing
        assert permutation_alignment(a, b)[0] > 0.5


class TestInputs:
    def test_shape_mismatch(self) -> None:
        with pytest.raises(DimensionError, match=r"\(5, 3\) and \(5, 4\)"):
            permutation_alignment(np.zeros((5, 3)), np.zeros((5, 4)))
        with pytest.raises(DimensionError, match="scalar"):
            linear_alignment(np.float64(1.0), np.float64(1.0))

    def test_feature_action_of_the_wrong_shape(self) -> None:
        match = r"returned features of shape \(200, 1\), expected the layer.s \(200, 6\)"
        with pytest.raises(DimensionError, match=match):
            feature_equivariance_errors(
                [("a", lambda v: v)],
                _inputs(),
                _roll_inputs,
                [1],
                feature_actions=[lambda f, g: f[:, :1]],
            )

    def test_zero_features_give_nan(self) -> None:
        err, _ = permutation_alignment(np.zeros((4, 2)), np.ones((4, 2)), relative_to="norm")
        assert np.isnan(err)

    def test_spread_and_norm_scales(self) -> None:
        a = np.array([[1.0, 2.0], [3.0, 2.0]])
        b = a + np.array([[0.1, 0.0], [0.0, 0.0]])
        # spread of a: the columns minus their means (+-1, 0): sqrt(2); norm: sqrt(18)
        assert permutation_alignment(a, b)[0] == pytest.approx(0.1 / np.sqrt(2), rel=1e-12)
        err, _ = permutation_alignment(a, b, relative_to="norm")
        assert err == pytest.approx(0.1 / np.sqrt(18), rel=1e-12)
        constant = np.full((5, 3), 2.0)
        assert np.isnan(linear_alignment(constant, constant + 1.0))  # no spread: undefined
        assert linear_alignment(constant, constant, relative_to="norm") < 1e-12
        with pytest.raises(InvalidParameterError, match="relative_to must be one of"):
            linear_alignment(a, b, relative_to="max")

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"layers": "net"}, "layers must be an nn.Sequential"),
            ({"layers": []}, "at least one stage"),
            ({"layers": [("a", 3)]}, r"\(name, callable\) pair, got \('a', 3\)"),
            ({"elements": []}, "at least one group element"),
            ({"feature_actions": [None, None]}, r"one entry per layer \(1\), got 2"),
            ({"feature_actions": {"b": None}}, r"\['b'\] that are not among \['a'\]"),
            ({"seed": -1}, "seed must be >= 0, got -1"),
        ],
    )
    def test_bad_arguments_are_named(self, kwargs: dict, match: str) -> None:
        args = {
            "layers": [("a", lambda v: v)],
            "inputs": _inputs(4),
            "act": _roll_inputs,
            "elements": [1],
        }
        args.update(kwargs)
        with pytest.raises(InvalidParameterError, match=match):
            feature_equivariance_errors(**args)

    def test_sequential_and_mapping_layers(self) -> None:
        net = nn.Sequential(nn.Linear(6, 4, dtype=F64), nn.Tanh())
        by_seq = feature_equivariance_errors(net, _inputs(), _roll_inputs, [1])
        by_map = feature_equivariance_errors(
            {"0": net[0], "1": net[1]}, _inputs(), _roll_inputs, [1]
        )
        assert list(by_seq) == ["0", "1"]
        seq, mapped = by_seq["1"].as_dict(), by_map["1"].as_dict()
        assert np.isnan(seq.pop("known")) and np.isnan(mapped.pop("known"))
        assert seq == mapped
        assert by_seq["1"].as_dict(permutations=True)["permutations"] == [
            list(by_seq["1"].permutations[0])
        ]
