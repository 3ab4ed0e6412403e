"""The four approximate-equivariance studies: schema of their outputs at a tiny size, and
the properties the theory says must hold."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from eqqnn import QuantumClassifier
from eqqnn.circuits import graded_qcnn, spin_graded_generators, su2_qcnn
from eqqnn.errors import InvalidParameterError
from eqqnn.experiments import QuantumBuilder
from eqqnn.metrics import distance_to_equivariant, quantum_invariance_error
from eqqnn.models import InputKind
from eqqnn.sim import StatevectorBackend
from eqqnn.studies import (
    RESULT_KEYS,
    Arm,
    AugmentationConfig,
    ChainBreaking,
    DegreeConfig,
    EpochProbe,
    HaarRotation,
    LayerwiseConfig,
    OptimizerSpec,
    QuadratureAugmentation,
    SlotMask,
    TradeoffConfig,
    fixed_degree,
    format_result,
    random_states,
    run_augmentation,
    run_layerwise,
    run_learned_degree,
    run_tradeoff,
)
from eqqnn.studies._classical import (
    OctahedralRotation,
    ShadowRotation,
    classical_invariance_error,
    rotate_snapshots,
    shadow_inputs,
)
from eqqnn.studies._layerwise_classical import snapshot_layers
from eqqnn.symmetry import SU2, apply_qubit_rotation
from eqqnn.training import ModelFamily, mse_loss

STUDIES = {
    "tradeoff": (run_tradeoff, TradeoffConfig),
    "augmentation": (run_augmentation, AugmentationConfig),
    "layerwise": (run_layerwise, LayerwiseConfig),
    "learned_degree": (run_learned_degree, DegreeConfig),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict, Path]]:
    """Every study once at its tiny size (no dataset cache: n = 4 data is instant)."""
    out = tmp_path_factory.mktemp("studies")
    done = {}
    for name, (run, cls) in STUDIES.items():
        cfg = cls.tiny()
        if hasattr(cfg, "cache"):
            cfg = dataclasses.replace(cfg, cache=False)
        done[name] = (run(cfg, out, progress=False), out)
    return done


def _circuit(n: int = 4) -> Any:
    return graded_qcnn(n, spin_graded_generators(2))


def _su2_family(input_kind: InputKind = InputKind.STATE) -> ModelFamily:
    builder = QuantumBuilder(su2_qcnn, StatevectorBackend, output_map=False)
    return ModelFamily("su2", "quantum", input_kind, builder)


def _mlp_family(kind: str = "classical", input_kind: InputKind = InputKind.SHADOWS) -> Any:
    from eqqnn.classical import MLPClassifier
    from eqqnn.experiments import ClassicalBuilder

    builder = ClassicalBuilder(MLPClassifier, (("input_kind", input_kind),))
    return ModelFamily("mlp", kind, input_kind, builder)


class TestOutputs:
    @pytest.mark.parametrize("name", list(STUDIES))
    def test_json_png_and_schema(self, results: dict, name: str) -> None:
        result, out = results[name]
        assert set(RESULT_KEYS) <= set(result)
        assert result["study"] == name
        json_path, png_path = out / f"{name}.json", out / f"{name}.png"
        assert png_path.stat().st_size > 1000
        on_disk = json.loads(json_path.read_text())
        assert set(RESULT_KEYS) <= set(on_disk)
        assert on_disk["records"] and on_disk["findings"] and on_disk["tables"]
        for table in on_disk["tables"]:
            assert table["rows"]
            assert all(len(row) == len(table["columns"]) for row in table["rows"])
        text = format_result(result)
        assert result["paper"] in text and result["findings"][0] in text

    @pytest.mark.parametrize("name", list(STUDIES))
    def test_quick_configs_are_valid(self, name: str) -> None:
        _, cls = STUDIES[name]
        assert isinstance(cls.quick(), cls) and isinstance(cls(), cls)


class TestConfigValidation:
    @pytest.mark.parametrize(
        ("cls", "changes", "match"),
        [
            (TradeoffConfig, {"n_qubits": 5}, "n_qubits must be even, got 5"),
            (TradeoffConfig, {"degrees": (0.0, 1.5)}, "degree must be <= 1.0, got 1.5"),
            (TradeoffConfig, {"seeds": ()}, "seeds"),
            (AugmentationConfig, {"perturbation": 0.0}, "perturbation must be > 0.0, got 0.0"),
            (AugmentationConfig, {"arms": ("exact",)}, "arms must be a non-empty tuple of Arm"),
            (LayerwiseConfig, {"conditions": ("rotated",)}, "'rotated'"),
            (LayerwiseConfig, {"classical": ("MLP",)}, "classical must be a tuple of ModelFamily"),
            (LayerwiseConfig, {"classical_elements": 24}, "classical_elements must be <= 23"),
            (DegreeConfig, {"teachers": ((0.0, 1.0),)}, r"one degree per layer \(4"),
            (DegreeConfig, {"degree_penalty": -1.0}, "degree_penalty must be >= 0.0, got -1.0"),
        ],
    )
    def test_bad_values_are_named(self, cls: type, changes: dict, match: str) -> None:
        with pytest.raises(InvalidParameterError, match=match):
            cls(**changes)

    def test_arm_and_optimizer_validation(self) -> None:
        with pytest.raises(InvalidParameterError, match="'free'"):
            Arm("free")
        with pytest.raises(InvalidParameterError, match=r"lr must be > 0\.0"):
            OptimizerSpec("sgd", torch.optim.SGD, 0.0)
        with pytest.raises(InvalidParameterError, match="build must be callable"):
            ModelFamily("x", "quantum", InputKind.STATE, None)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("cls", "changes", "match"),
        [
            (LayerwiseConfig, {"families": ()}, "families must be a non-empty tuple of ModelF"),
            (LayerwiseConfig, {"families": (su2_qcnn,)}, "tuple of ModelFamily, got <function"),
            (LayerwiseConfig, {"families": (_mlp_family(),)}, "'mlp' of kind 'classical'"),
            (
                LayerwiseConfig,
                {"families": (_su2_family(InputKind.SECTOR_STATE),)},
                r"families must hold families on dense states \(InputKind.STATE\), got 'su2'",
            ),
            (LayerwiseConfig, {"classical": (_su2_family(),)}, "'su2' of kind 'quantum'"),
            (LayerwiseConfig, {"classical": None}, "classical must be a tuple of ModelFamily"),
            (
                TradeoffConfig,
                {"classical_families": (_mlp_family(kind="quantum"),)},
                "classical_families must hold classical families, got 'mlp' of kind 'quantum'",
            ),
            (
                AugmentationConfig,
                {"classical_families": (_mlp_family(input_kind=InputKind.CORRELATORS),)},
                r"shadow snapshots \(InputKind.SHADOWS\), got 'mlp'",
            ),
            (AugmentationConfig, {"classical_families": ("MLP",)}, "got 'MLP'"),
        ],
    )
    def test_bad_families_are_named(self, cls: type, changes: dict, match: str) -> None:
        with pytest.raises(InvalidParameterError, match=match):
            cls(**changes)

    def test_default_families(self) -> None:
        from eqqnn.studies import default_classical_families
        from eqqnn.studies._layerwise_config import _default_snapshot_families

        for cfg in (LayerwiseConfig(), LayerwiseConfig.quick(), LayerwiseConfig.tiny()):
            assert [f.kind for f in cfg.families] == ["quantum"] * 3
            assert {f.kind for f in cfg.classical} == {"classical"}
        augments = {f.name: f.augment for f in default_classical_families()}
        assert augments == {
            "VectorNet": None,
            "ShadowGCNN": None,
            "MLP+aug": ShadowRotation(),
            "MLP": None,
        }
        augments = {f.name: f.augment for f in _default_snapshot_families()}
        assert augments == {"MLP": None, "MLP+O-aug": OctahedralRotation(), "ShadowGCNN": None}
        assert all(f.lr == 0.01 for f in default_classical_families())

    def test_circuit_families_build_the_plain_classifier(self) -> None:
        """The default circuit families build QuantumClassifier(circuit, seed=seed)."""
        for family in LayerwiseConfig().families:
            for seed in (0, 2):
                model = family.build(4, seed)
                reference = QuantumClassifier(family.build.circuit(4), seed=seed)
                assert isinstance(model.backend, StatevectorBackend)
                assert repr(model.backend) == repr(reference.backend)
                assert model.output_map is None
                torch.testing.assert_close(model.weights, reference.weights, rtol=0, atol=0)

    def test_layerwise_family_must_build_a_circuit_model(self, tmp_path: Path) -> None:
        def build(n: int, seed: int) -> torch.nn.Module:
            return torch.nn.Linear(2**n, 1)

        linear = ModelFamily("linear", "quantum", InputKind.STATE, build)
        cfg = dataclasses.replace(
            LayerwiseConfig.tiny(),
            cache=False,
            conditions=("singlet",),
            families=(linear,),
            classical=(),
        )
        with pytest.raises(InvalidParameterError, match="'linear' must build a model with a"):
            run_layerwise(cfg, tmp_path, progress=False)

    @pytest.mark.parametrize(
        "run", [run_tradeoff, run_augmentation, run_layerwise, run_learned_degree]
    )
    def test_wrong_config_type(self, run: Any, tmp_path: Path) -> None:
        with pytest.raises(InvalidParameterError, match="config must be"):
            run(object(), tmp_path)


class TestHelpers:
    def test_fixed_degree_sets_model_ee(self) -> None:
        c = _circuit()
        psi = random_states(4, 4, seed=3)
        errs = []
        for f in (0.0, 0.1, 1.0):
            pm = fixed_degree(c, f)
            assert not pm.logits.requires_grad
            model = QuantumClassifier(c, seed=0, param_map=pm)
            torch.testing.assert_close(
                pm.degrees()[:, 1:], torch.full_like(pm.degrees()[:, 1:], f), atol=1e-12, rtol=0
            )
            errs.append(quantum_invariance_error(model, psi))
        assert errs[0] < 1e-10 < errs[1] < errs[2]

    def test_slot_mask_is_the_equivariant_projection(self) -> None:
        c = _circuit()
        model = QuantumClassifier(c, seed=1, param_map=SlotMask.equivariant(c))
        assert max(distance_to_equivariant(c, model.slot_values())) < 1e-12
        psi = random_states(4, 3, seed=0)
        model(psi).sum().backward()
        grade = torch.as_tensor(c.metadata["slot_grade"])
        assert float(model.weights.grad[grade > 0].abs().max()) == 0.0
        assert float(model.weights.grad[grade == 0].abs().max()) > 0.0

    def test_haar_rotation_is_seeded_and_unitary(self) -> None:
        psi = random_states(3, 5, seed=0)
        a = HaarRotation()(psi, torch.Generator().manual_seed(4))
        b = HaarRotation()(psi, torch.Generator().manual_seed(4))
        torch.testing.assert_close(a, b, rtol=0, atol=0)
        gram = psi.conj() @ psi.T
        # each state gets its own rotation: norms are kept, overlaps are not
        torch.testing.assert_close(a.norm(dim=1), psi.norm(dim=1))
        assert not torch.allclose(a.conj() @ a.T, gram)

    def test_snapshot_rotation(self) -> None:
        psi = random_states(4, 3, seed=1)
        x = shadow_inputs(psi, 5, seed=0)
        assert x.shape == (3, 5, 4, 3)
        y = ShadowRotation()(x, torch.Generator().manual_seed(0))
        # rotations keep every snapshot vector's length (3) and act per sample
        torch.testing.assert_close(y.norm(dim=-1), x.norm(dim=-1))
        assert not torch.allclose(y, x)
        r = torch.as_tensor([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
        z = rotate_snapshots(x, r)
        torch.testing.assert_close(z[..., 1], x[..., 0])
        # a function of the vector lengths only is invariant
        assert classical_invariance_error(lambda v: v.norm(dim=-1).mean((1, 2)), x) < 1e-12

    def test_epoch_probe_records_every_epoch(self) -> None:
        probe = EpochProbe(lambda m: 1.0)
        for epoch in (1, 1, 2, 3):
            assert float(probe(torch.nn.Linear(1, 1), epoch)) == 0.0
        assert probe.finish(torch.nn.Linear(1, 1), 3) == [1.0, 1.0, 1.0, 1.0]

    def test_random_product_states(self) -> None:
        x = random_states(4, 6, seed=2, product=True)
        # a product state leaves qubit 0 pure: Tr(rho_0^2) = 1
        m = x.reshape(6, 2, 8)
        red = torch.einsum("bik,bjk->bij", m, m.conj())
        purity = torch.einsum("bij,bji->b", red, red).real
        torch.testing.assert_close(purity, torch.ones(6, dtype=torch.float64))
        haar = random_states(4, 6, seed=2).reshape(6, 2, 8)
        red = torch.einsum("bik,bjk->bij", haar, haar.conj())
        assert float(torch.einsum("bij,bji->b", red, red).real.max()) < 1 - 1e-3


class TestAugmentationTheory:
    """The exact group-averaged risk is invariant under the joint action, so at an
    equivariant point its gradient has no component outside E (Nordenfors et al.)."""

    @pytest.fixture
    def data(self) -> tuple[torch.Tensor, torch.Tensor]:
        # spin-1 inputs: rotated |S^z = 1> states of the 4-qubit chain (via the dataset)
        from eqqnn.data import DatasetConfig, build_dataset

        d = build_dataset(
            DatasetConfig.train_grid(4, 4, rotation="haar_triplet", diagnostics=False),
            cache=None,
            dtype=torch.complex128,
        )
        return d.states, d.labels.double()

    def test_quadrature_average_is_exact(self, data: tuple) -> None:
        x, y = data
        model = QuantumClassifier(_circuit(), seed=5)
        rule = QuadratureAugmentation(4)
        with torch.no_grad():
            base = rule.loss(model, x, y)
        u = torch.as_tensor(SU2().sample(9), dtype=x.dtype)
        # the Haar average does not change when the inputs are rotated first
        torch.testing.assert_close(rule.loss(model, apply_qubit_rotation(x, u), y), base)
        # an under-resolved rule is not exact
        low = QuadratureAugmentation(1)
        with torch.no_grad():
            gap = low.loss(model, apply_qubit_rotation(x, u), y) - low.loss(model, x, y)
        assert abs(float(gap)) > 1e-6

    def test_gradient_at_equivariant_point_stays_in_subspace(self, data: tuple) -> None:
        x, y = data
        c = _circuit()
        model = QuantumClassifier(c, seed=5)
        grade = torch.as_tensor(c.metadata["slot_grade"])
        with torch.no_grad():
            model.weights[grade > 0] = 0.0

        def off_fraction(loss: torch.Tensor) -> float:
            (g,) = torch.autograd.grad(loss, model.weights)
            return float(g[grade > 0].norm() / g.norm())

        assert off_fraction(QuadratureAugmentation(4).loss(model, x, y)) < 1e-12
        rotated = HaarRotation()(x, torch.Generator().manual_seed(0))
        assert off_fraction(mse_loss(model(rotated), y)) > 1e-3  # one sampled rotation
        assert off_fraction(mse_loss(model(x), y)) > 1e-3  # no augmentation

    def test_study_properties(self, results: dict) -> None:
        result, _ = results["augmentation"]
        recs = {(r["arm"], r["optimizer"]): r for r in result["records"]}
        for opt in ("adam", "sgd"):
            assert recs[("constrained@generic", opt)]["max_distance"] < 1e-10
            assert recs[("augmented@equivariant", opt)]["distances"][0] < 1e-12
            assert recs[("augmented@equivariant", opt)]["distances"][-1] > 1e-6
            assert recs[("nominal@equivariant", opt)]["distances"][-1] > 1e-6
        # exact augmented SGD never leaves E (with Adam round-off can be amplified)
        assert recs[("exact@equivariant", "sgd")]["max_distance"] < 1e-10
        assert max(recs[("exact@equivariant", "sgd")]["breaking_norms"]) < 1e-10
        assert recs[("constrained@generic", "sgd")]["breaking_norms"][0] == 0.0
        grads = result["gradients"][0]
        assert grads["exact"] < 1e-12 < 1e-3 < min(grads["sampled"], grads["nominal"])


class TestLayerwiseClassical:
    """The classical side of the layerwise study (shadow snapshots, O and SO(3))."""

    @staticmethod
    def _models() -> list[torch.nn.Module]:
        return [f.build(4, 0) for f in LayerwiseConfig().classical]

    def test_records_and_tables(self, results: dict) -> None:
        result, _ = results["layerwise"]
        recs = result["classical_records"]
        assert {r["family"] for r in recs} == {"MLP", "MLP+O-aug", "ShadowGCNN"}
        assert {r["condition"] for r in recs} == {"singlet", "augmented_triplet"}
        titles = [t["title"] for t in result["tables"]]
        assert sum(t.startswith("classical layerwise") for t in titles) == 2
        assert sum(f.startswith("classical ") for f in result["findings"]) == len(recs)
        for r in recs:
            for group in ("O", "SO(3)"):
                for inputs in ("test", "probe"):
                    for stage in ("before", "after"):
                        errs = r["errors"][group][inputs][stage]
                        assert all(len(v) == len(r["layers"]) for v in errs.values())
                        floor = np.asarray(errs["linear"]) - 1e-12
                        assert np.all(floor <= np.asarray(errs["permutation"]))

    def test_equivariant_reference_and_baselines(self, results: dict) -> None:
        result, _ = results["layerwise"]
        for r in result["classical_records"]:
            o = r["errors"]["O"]
            if r["family"] == "ShadowGCNN":  # exact under O, known action and permutation
                for inputs in ("test", "probe"):
                    for stage in ("before", "after"):
                        assert max(o[inputs][stage]["known"]) < 1e-10
                        assert max(o[inputs][stage]["permutation"]) < 1e-10
                # not SO(3)-equivariant: the lift's frames do not permute under rotations
                assert r["errors"]["SO(3)"]["probe"]["before"]["permutation"][0] > 1e-2
            else:
                assert r["layers"] == ["per_shot", "shot_mean", "head1", "logit"]
                assert np.isnan(o["test"]["before"]["known"][0])  # hidden action unknown
                assert o["test"]["before"]["permutation"][0] > 0.1  # random per-shot layer
                assert o["probe"]["after"]["permutation"][0] > 0.1

    def test_switched_off(self, tmp_path: Path) -> None:
        cfg = dataclasses.replace(
            LayerwiseConfig.tiny(),
            cache=False,
            conditions=("singlet",),
            families=(_su2_family(),),
            epochs=1,
            classical=(),
        )
        result = run_layerwise(cfg, tmp_path, progress=False)
        assert "classical_records" not in result
        assert not any(f.startswith("classical") for f in result["findings"])

    def test_stages_compose_to_the_logits(self) -> None:
        x = shadow_inputs(random_states(4, 3, seed=0, product=True), 5, seed=0)
        for model in self._models():
            h = x
            stages, _ = snapshot_layers(model)
            for _, stage in stages:
                h = stage(h)
            torch.testing.assert_close(h[:, 0], model.logits(x), rtol=1e-12, atol=1e-12)

    def test_gcnn_permutation_is_the_regular_representation(self) -> None:
        from eqqnn.metrics import feature_equivariance_errors
        from eqqnn.symmetry import octahedral_group

        gcnn = self._models()[-1]
        stages, actions = snapshot_layers(gcnn)
        mats = torch.as_tensor(np.array(octahedral_group().matrices), dtype=torch.float64)
        x = shadow_inputs(random_states(4, 6, seed=1, product=True), 7, seed=0)
        errs = feature_equivariance_errors(
            stages, x, lambda v, o: rotate_snapshots(v, mats[o]), [5, 17], actions
        )
        lift = errs["lift"]
        for o, pi in zip([5, 17], lift.permutations, strict=True):
            units = torch.arange(lift.units, dtype=torch.float64)[None]
            assert list(pi) == actions["lift"](units, o)[0].long().tolist()
        assert max(e.known for e in errs.values()) < 1e-10

    def test_octahedral_augmentation_is_an_exact_symmetry(self) -> None:
        x = shadow_inputs(random_states(4, 3, seed=2, product=True), 6, seed=0)
        y = OctahedralRotation()(x, torch.Generator().manual_seed(0))
        # still snapshots 3 s e_a, each sample with its own element of O
        assert torch.equal(y.abs().sum(-1), x.abs().sum(-1))
        assert not torch.equal(y[0], x[0]) or not torch.equal(y[1], x[1])
        gcnn = self._models()[-1]
        torch.testing.assert_close(gcnn.logits(y), gcnn.logits(x), rtol=1e-12, atol=1e-12)
        mlp = self._models()[0]
        assert (mlp.logits(y) - mlp.logits(x)).abs().max() > 1e-6

    def test_bad_family_and_model(self) -> None:
        with pytest.raises(InvalidParameterError, match="augment must be callable, got 'O'"):
            ModelFamily("x", "classical", InputKind.SHADOWS, _mlp_family().build, augment="O")
        with pytest.raises(InvalidParameterError, match="got QuantumClassifier"):
            snapshot_layers(QuantumClassifier(su2_qcnn(4)))


class TestStudyProperties:
    def test_equivariant_reference_has_zero_layer_errors(self, results: dict) -> None:
        result, _ = results["layerwise"]
        for r in result["records"]:
            keys = ("before_data", "after_data", "before_probe", "after_probe")
            if r["family"] == "su2_qcnn":
                assert max(max(r[k]) for k in keys) < 1e-10
                assert r["invariance_probe_after"] < 1e-10
            else:
                assert min(r["before_probe"]) > 1e-3
        assert {r["condition"] for r in result["records"]} == {"singlet", "augmented_triplet"}

    def test_singlet_data_is_invariant_for_every_model(self, results: dict) -> None:
        result, _ = results["layerwise"]
        for r in result["records"]:
            if r["condition"] == "singlet":
                assert r["invariance_test_after"] < 1e-10

    def test_tradeoff_records(self, results: dict) -> None:
        result, _ = results["tradeoff"]
        by = {(r["dataset"], r["degree"]): r for r in result["records"]}
        sym, broken = by[("SU(2)", 0.0)], by[("h_s=1", 0.0)]
        assert sym["data_ee_hamiltonian"] < 1e-12 and sym["data_ee_states"] < 1e-10
        # staggered field h_s on n sites: [H, S^x] = i h_s sum (-1)^i S^y_i => h_s sqrt(n/2)
        assert broken["data_ee_hamiltonian"] == pytest.approx(math.sqrt(2), rel=1e-10)
        assert broken["data_ee_states"] > 1e-3
        assert sym["model_ee_probe"] < 1e-10  # f = 0: the EQCNN
        assert by[("SU(2)", 1.0)]["model_ee_probe"] > 1e-3
        assert ChainBreaking(anisotropy=0.4, field=0.1).label == "Δ=0.4,h=0.1"

    def test_tradeoff_classical_mirror(self, results: dict) -> None:
        result, _ = results["tradeoff"]
        classical = [r for r in result["records"] if r["family"] != "graded_qcnn"]
        assert {r["family"] for r in classical} == {"VectorNet", "ShadowGCNN", "MLP+aug", "MLP"}
        for r in classical:
            assert r["degree"] is None
            if r["family"] == "VectorNet":  # SO(3)-steerable: exactly invariant
                assert r["model_ee_probe"] < 1e-8
            if r["family"].startswith("MLP"):
                assert r["model_ee_probe"] > 1e-6
        assert any("classical" in t["title"] for t in result["tables"])

    def test_augmentation_classical_mirror(self, results: dict) -> None:
        result, _ = results["augmentation"]
        classical = {r["arm"]: r for r in result["records"] if r["kind"] == "classical"}
        assert set(classical) == {"VectorNet", "MLP+aug", "MLP"}
        assert max(classical["VectorNet"]["ee_curve"]) < 1e-8
        assert len(classical["MLP"]["ee_curve"]) == AugmentationConfig.tiny().epochs + 1
        assert min(classical["MLP"]["ee_curve"]) > 1e-6

    def test_learned_degree_records(self, results: dict) -> None:
        result, _ = results["learned_degree"]
        for r in result["records"]:
            true = r["true_degrees"]
            for f, d, b in zip(true, r["teacher_distance"], r["teacher_breaking"], strict=True):
                assert (d < 1e-10 and b == 0.0) if f == 0 else (d > 1e-3 and b > 1e-3)
            assert 0.0 <= r["label_agreement"] <= 1.0
            assert len(r["learned"]) == len(true) and len(r["learned"][0]) == 2
        assert {r["student"] for r in result["records"]} == {"learned_degree", "group_mixture"}

    def test_learned_degree_student_starts_equivariant(self) -> None:
        from eqqnn.models import LearnedDegree

        c = su2_qcnn(4)
        with pytest.raises(InvalidParameterError, match="graded_qcnn"):
            SlotMask.equivariant(c)
        g = _circuit()
        model = QuantumClassifier(g, seed=0, param_map=LearnedDegree(g))
        assert max(distance_to_equivariant(g, model.slot_values())) < 1e-12
