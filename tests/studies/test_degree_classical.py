"""The classical mirror of the learned-degree study (eqqnn.studies._degree_classical)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from eqqnn.studies import DegreeConfig, run_learned_degree
from eqqnn.studies._degree_classical import STUDENTS, degree_net
from eqqnn.symmetry import dihedral_group


def _site_permutations(n: int) -> torch.Tensor:
    return torch.tensor(np.array(dihedral_group(n).permutations), dtype=torch.long)


class TestDegreeNet:
    @pytest.mark.parametrize("kind", STUDENTS)
    def test_students_start_exactly_invariant(self, kind: str) -> None:
        net = degree_net(kind, 6, 3, 3, seed=1, mixture_init_logit=-6.0)
        assert max(net.breaking_norms()) < 1e-12
        x = torch.randn(5, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            base = net(x)
            for perm in _site_permutations(6):
                assert torch.allclose(net(x[:, perm]), base, atol=1e-12, rtol=0)

    def test_teacher_breaking_is_linear_in_its_degree(self) -> None:
        # W = T_G[V] + f (V - T_G[V]), so ‖W - T_G W‖ = f ‖V - T_G V‖ exactly
        full = degree_net("learned_degree", 6, 3, 2, seed=4, degrees=(1.0, 1.0, 1.0))
        half = degree_net("learned_degree", 6, 3, 2, seed=4, degrees=(0.5, 0.0, 0.25))
        b_full, b_half = full.breaking_norms(), half.breaking_norms()
        assert min(b_full) > 1e-2
        assert b_half[0] == pytest.approx(0.5 * b_full[0], rel=1e-10)
        assert b_half[1] < 1e-12
        assert b_half[2] == pytest.approx(0.25 * b_full[2], rel=1e-10)

    def test_broken_teacher_is_not_invariant(self) -> None:
        net = degree_net("learned_degree", 6, 3, 3, seed=2, degrees=(0.0, 1.0, 0.0))
        x = torch.randn(16, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            diffs = [float((net(x[:, p]) - net(x)).abs().max()) for p in _site_permutations(6)]
        assert max(diffs) > 1e-3

    def test_degrees_report_the_student_kind(self) -> None:
        ld = degree_net("learned_degree", 4, 2, 2, seed=0)
        gm = degree_net("group_mixture", 4, 2, 2, seed=0, mixture_init_logit=-6.0)
        assert ld.degrees() == [0.0, 0.0]
        # 1 - w_G at logits (0, -6, -6)
        expected = 1.0 - 1.0 / (1.0 + 2.0 * math.exp(-6.0))
        assert gm.degrees() == pytest.approx([expected, expected], rel=1e-12)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"kind": "free"}, "kind must be one of"),
            ({"degrees": (0.0, 0.5)}, r"one value per layer \(3\), got 2"),
            ({"degrees": (0.0, 1.5, 0.0)}, "degree must be <= 1.0, got 1.5"),
            ({"kind": "group_mixture", "degrees": (0.0, 0.0, 0.0)}, "takes none"),
        ],
    )
    def test_bad_arguments(self, kwargs: dict, match: str) -> None:
        args = {"kind": "learned_degree", **kwargs}
        with pytest.raises(ValueError, match=match):
            degree_net(args.pop("kind"), 4, 3, 2, seed=0, **args)


class TestStudy:
    def test_tiny_run_has_both_sides(self, tmp_path) -> None:
        result = run_learned_degree(DegreeConfig.tiny(), tmp_path, progress=False)
        classical = result["classical_records"]
        assert {r["student"] for r in classical} == set(STUDENTS)
        for r in classical:
            assert len(r["learned_mean"]) == len(r["true_degrees"]) == len(r["layers"])
            for f, b in zip(r["true_degrees"], r["teacher_breaking"], strict=True):
                assert (b < 1e-12) if f == 0 else (b > 1e-3)
        assert any(t["title"].startswith("classical") for t in result["tables"])
        assert sum(f.startswith("classical teacher") for f in result["findings"]) == 2
        assert (tmp_path / "learned_degree.png").exists()

    def test_classical_can_be_switched_off(self, tmp_path) -> None:
        cfg = DegreeConfig(**{**DegreeConfig.tiny().__dict__, "classical": False})
        result = run_learned_degree(cfg, tmp_path, progress=False)
        assert result["classical_records"] == []
        assert not any(f.startswith("classical") for f in result["findings"])

    @pytest.mark.parametrize(
        ("field", "value", "match"),
        [
            ("classical_sites", 2, "classical_sites must be >= 3, got 2"),
            ("classical_hidden", 0, "classical_hidden must be >= 1, got 0"),
            ("classical_lr", 0.0, "classical_lr"),
            ("classical_penalty", -1.0, "classical_penalty must be >= 0.0, got -1.0"),
        ],
    )
    def test_bad_config(self, field: str, value: object, match: str) -> None:
        with pytest.raises(ValueError, match=match):
            DegreeConfig(**{field: value})
