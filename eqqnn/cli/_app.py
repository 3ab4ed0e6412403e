"""Typer application: ``eqqnn info | demo | data | train | predict | evaluate | compare |
study | bench`` (and ``eqqnn --version``).

Names given on the command line (models, presets) are mapped to library objects here;
the library itself takes classes and callables.
"""

from __future__ import annotations

import dataclasses
import sys
import tomllib
from pathlib import Path
from typing import Any

import typer

from eqqnn.errors import EqqnnError

# typer vendors click in recent releases: find its exception base without importing click
_CLICK_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")

app = typer.Typer(
    name="eqqnn",
    help="Equivariant quantum neural networks and their classical mirror.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _csv_ints(text: str | None, name: str) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        return tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise typer.BadParameter(f"{name} must be comma-separated integers, got {text!r}") from None


def _print_version(value: bool) -> None:
    if value:
        from eqqnn._version import __version__

        typer.echo(f"eqqnn {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Equivariant quantum neural networks and their classical mirror."""


@app.command()
def info() -> None:
    """Print versions of eqqnn and its simulators, and the available devices."""
    from eqqnn.cli._info import collect_info

    for key, value in collect_info().items():
        typer.echo(f"{key:>23}: {value}")


@app.command()
def demo(
    out: Path = typer.Option(Path("runs/demo"), help="Folder for the JSON and PNG outputs."),
    max_qubits: int = typer.Option(
        5, min=2, max=6, help="Largest register of the commutant table."
    ),
    seed: int = typer.Option(0, min=0, help="Seed of the random generators and rotations."),
) -> None:
    """Symmetry demo: build the SU(2) commutant three ways, twirl a random generator, plot."""
    from eqqnn.cli._demo import run_symmetry_demo

    run_symmetry_demo(out, max_qubits=max_qubits, seed=seed)


@app.command()
def data(
    n_qubits: int = typer.Option(8, "--n", min=2, help="Chain length (even)."),
    grid: str = typer.Option("test", help="'test' (dense grid) or 'train' (symmetric about r=1)."),
    train_size: int = typer.Option(4, min=2, help="Points of a training grid."),
    points: int = typer.Option(101, min=2, help="Points of a test grid."),
    method: str = typer.Option("auto", help="auto, dense, sparse, sector or sz."),
    state_form: str = typer.Option("qubit", help="qubit (2^n amplitudes) or sector (M_0)."),
    cache_dir: Path | None = typer.Option(None, help="Cache folder (default $EQQNN_CACHE_DIR)."),
) -> None:
    """Generate (or load from the cache) a Heisenberg phase dataset and summarize it."""
    from eqqnn.data import DatasetConfig, build_dataset

    if grid not in ("test", "train"):
        raise typer.BadParameter(f"--grid must be 'test' or 'train', got {grid!r}")
    maker = DatasetConfig.test_grid if grid == "test" else DatasetConfig.train_grid
    size = points if grid == "test" else train_size
    cfg = maker(n_qubits, size, method=method, state_form=state_form)
    dataset = build_dataset(cfg, cache=cache_dir if cache_dir is not None else True)
    typer.echo(repr(dataset))
    labels = dataset.labels.tolist()
    typer.echo(
        f"ratios {dataset.ratios.min():.3f}..{dataset.ratios.max():.3f}; "
        f"{labels.count(0)} trivial, {labels.count(1)} Haldane"
    )


def _schedule(name: str | None) -> Any:
    from eqqnn.experiments import CosineSchedule

    if name not in (None, "constant", "cosine"):
        raise typer.BadParameter(f"--schedule must be 'constant' or 'cosine', got {name!r}")
    return CosineSchedule() if name == "cosine" else None


def _family(name: str, epochs: int | None, lr: float | None, schedule: str | None) -> Any:
    from eqqnn.experiments import family_by_name

    return family_by_name(name, epochs=epochs, lr=lr, schedule=_schedule(schedule))


@app.command()
def train(
    model: str = typer.Option(
        "eqcnn", help="eqcnn (= eqcnn-sector), eqcnn-dense, qcnn or a classical model."
    ),
    n_qubits: int = typer.Option(8, "--n", min=4, help="Chain length (even)."),
    train_size: int = typer.Option(4, min=2, help="Training points (symmetric about r=1)."),
    seed: int = typer.Option(0, min=0, help="Seed of the model initialization."),
    epochs: int | None = typer.Option(None, min=0, help="Training epochs (family default)."),
    lr: float | None = typer.Option(None, help="Adam learning rate (family default)."),
    schedule: str | None = typer.Option(None, help="LR schedule: constant or cosine."),
    test_points: int = typer.Option(101, min=2, help="Points of the test grid."),
    out: Path = typer.Option(Path("runs/train"), help="Run folder (metrics, checkpoint)."),
    checkpoint_every: int = typer.Option(10, min=0, help="Checkpoint period in epochs."),
    resume: bool = typer.Option(
        False,
        help="Continue a killed run from its checkpoint; with a larger --epochs, extend a "
        "finished run (identical to an uninterrupted run of that length).",
    ),
    device: str = typer.Option("cpu", help="cpu, cuda or auto (CUDA when available)."),
    precision: str = typer.Option("double", help="double (complex128) or single (complex64)."),
) -> None:
    """Train one model on one split; metrics.jsonl, checkpoint.pt, summary.json and the
    trained model (model.pt, read by `eqqnn predict` / `eqqnn.load`) go to --out.  Runs
    the same job code as `eqqnn compare`."""
    import json

    from eqqnn.experiments import Job, TaskSpec, run_job

    job = Job(
        _family(model, epochs, lr, schedule),
        TaskSpec(n_qubits, train_size, test_points),
        seed,
        device=device,
        precision=precision,
        threads=0,
        run_dir=str(out),
        checkpoint_every=checkpoint_every,
        resume=resume,
        progress=None,
        save_to=str(out / "model.pt"),
    )
    record = run_job(job)
    summary = record.to_dict()
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    typer.echo(json.dumps(summary))


def _select(model: str | None, n: int | None, train_size: int | None, seed: int | None) -> dict:
    return {"model": model, "n": n, "train_size": train_size, "seed": seed}


_RUN_HELP = "A saved model (.pt), a run folder of `eqqnn train` or of `eqqnn compare`."


@app.command()
def predict(
    run: Path = typer.Argument(..., help=_RUN_HELP),
    ratios: str | None = typer.Option(None, help="Comma-separated ratios r = J2/J1."),
    states: Path | None = typer.Option(None, help=".npy/.npz inputs in the model's form."),
    model: str | None = typer.Option(None, help="Model name (sweep folders)."),
    n_qubits: int | None = typer.Option(None, "--n", help="Chain length (sweep folders)."),
    train_size: int | None = typer.Option(None, help="Training size (sweep folders)."),
    seed: int | None = typer.Option(None, help="Seed (sweep folders)."),
    shots: int = typer.Option(1000, min=1, help="Shadow snapshots (classical models)."),
) -> None:
    """Probability of the Haldane phase (label 1) and the label, per input."""
    from eqqnn.cli._predict import predict_rows

    values = None
    if ratios is not None:
        try:
            values = [float(v) for v in ratios.split(",") if v.strip()]
        except ValueError:
            raise typer.BadParameter(
                f"--ratios must be comma-separated numbers, got {ratios!r}"
            ) from None
    rows = predict_rows(run, values, states, _select(model, n_qubits, train_size, seed), shots)
    for name, prob, label in rows:
        phase = "Haldane" if label else "trivial"
        typer.echo(f"{name:>16}  p = {prob:.4f}  label {label} ({phase})")


@app.command()
def evaluate(
    run: Path = typer.Argument(..., help=_RUN_HELP),
    model: str | None = typer.Option(None, help="Model name (sweep folders)."),
    n_qubits: int | None = typer.Option(None, "--n", help="Chain length (sweep folders)."),
    train_size: int | None = typer.Option(None, help="Training size (sweep folders)."),
    seed: int | None = typer.Option(None, help="Seed (sweep folders)."),
    test_points: int = typer.Option(101, min=2, help="Points of the test grid."),
    shots: int = typer.Option(1000, min=1, help="Shadow snapshots (classical models)."),
) -> None:
    """Test accuracy of a trained model on the standard test grid, and its errors."""
    import json

    from eqqnn.cli._predict import evaluate_run

    result = evaluate_run(run, _select(model, n_qubits, train_size, seed), test_points, shots)
    typer.echo(json.dumps(result))


_COMPARE_KEYS = {
    "n_qubits",
    "train_sizes",
    "seeds",
    "test_points",
    "shots",
    "workers",
    "device",
    "precision",
}
_FAMILY_KEYS = {"models", "epochs", "lr", "schedule"}


def _compare_config(preset_name: str, toml_path: Path | None, overrides: dict[str, Any]) -> Any:
    from dataclasses import replace

    from eqqnn.experiments import preset

    cfg = preset(preset_name)
    values: dict[str, Any] = {}
    if toml_path is not None:
        try:
            values.update(tomllib.loads(toml_path.read_text()))
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise typer.BadParameter(f"cannot read config {toml_path}: {err}") from None
    values.update({k: v for k, v in overrides.items() if v is not None})
    family_values = {k: values.pop(k) for k in _FAMILY_KEYS if k in values}
    unknown = set(values) - _COMPARE_KEYS
    if unknown:
        raise typer.BadParameter(
            f"unknown compare settings {sorted(unknown)}; "
            f"allowed: {sorted(_COMPARE_KEYS | _FAMILY_KEYS)}"
        )
    if "seeds" in values:
        values["seed_caps"] = ()  # seeds asked for explicitly run at every n
    for key in ("n_qubits", "train_sizes", "seeds"):
        if key in values:
            if not isinstance(values[key], list | tuple):
                raise typer.BadParameter(f"{key} must be a list of integers, got {values[key]!r}")
            values[key] = tuple(values[key])
    if family_values:
        names = family_values.get("models")
        if isinstance(names, str):
            names = [m for m in names.split(",") if m.strip()]
        epochs, lr = family_values.get("epochs"), family_values.get("lr")
        schedule = family_values.get("schedule")
        if names is None:
            fams = [
                f.with_training(epochs=epochs, lr=lr, schedule=_schedule(schedule))
                for f in cfg.families
            ]
        else:
            base = {f.name.lower(): f for f in cfg.families}
            fams = []
            for name in names:
                fam = _family(name, epochs, lr, schedule)
                own = base.get(fam.name.lower())
                if own is not None:  # keep the preset's settings of that family
                    fam = own.with_training(epochs=epochs, lr=lr, schedule=fam.schedule)
                fams.append(fam)
        values["families"] = tuple(fams)
    return replace(cfg, **values)


def _print_estimate(cfg: Any, done: set[tuple] | None = None) -> None:
    from eqqnn.experiments import estimate_sweep

    done = done or set()
    rows = estimate_sweep(cfg, done=done)
    total = sum(r.data_seconds + r.train_seconds for r in rows)
    skipped = f" ({len(done)} already recorded)" if done else ""
    typer.echo(f"estimate: {sum(r.jobs for r in rows)} jobs{skipped}, about {total / 60:.0f} min")
    for r in rows:
        typer.echo(
            f"  n = {r.n_qubits:>2}: {r.jobs:>3} jobs, data {r.data_seconds / 60:6.1f} min, "
            f"training {r.train_seconds / 60:6.1f} min, peak {r.peak_gib:5.1f} GiB"
        )


@app.command()
def compare(
    preset: str = typer.Option("quick", help="quick (the demo), paper, or large."),
    out: Path = typer.Option(Path("runs/compare"), help="Output folder."),
    config: Path | None = typer.Option(None, help="TOML file with compare settings."),
    n_qubits: str | None = typer.Option(None, "--n", help="Comma-separated chain lengths."),
    train_sizes: str | None = typer.Option(None, help="Comma-separated training sizes."),
    seeds: str | None = typer.Option(None, help="Comma-separated seeds."),
    models: str | None = typer.Option(None, help="Comma-separated model names."),
    epochs: int | None = typer.Option(None, min=0, help="Epochs for every model."),
    lr: float | None = typer.Option(None, help="Learning rate for every model."),
    schedule: str | None = typer.Option(None, help="LR schedule: constant or cosine."),
    workers: int | None = typer.Option(None, min=0, help="Processes (0: one per core)."),
    ray_address: str | None = typer.Option(None, help="Ray cluster address ('local' starts one)."),
    device: str | None = typer.Option(None, help="cpu, cuda or auto (CUDA when available)."),
    precision: str | None = typer.Option(
        None, help="double (complex128), single (complex64) or auto."
    ),
    resume: bool = typer.Option(False, help="Skip jobs already in OUT/results.jsonl."),
    estimate_only: bool = typer.Option(False, help="Print the time and memory estimate, stop."),
) -> None:
    """The main job: test accuracy vs training size, quantum and classical models."""
    from eqqnn.cli._tables import print_summary
    from eqqnn.experiments import run_compare, summarize

    cfg = _compare_config(
        preset,
        config,
        {
            "n_qubits": _csv_ints(n_qubits, "--n"),
            "train_sizes": _csv_ints(train_sizes, "--train-sizes"),
            "seeds": _csv_ints(seeds, "--seeds"),
            "models": models,
            "epochs": epochs,
            "lr": lr,
            "schedule": schedule,
            "workers": workers,
            "device": device,
            "precision": precision,
        },
    )
    from eqqnn.experiments._compare import recorded_keys

    done = {k for k in recorded_keys(out) if k in {j.key for j in cfg.jobs()}} if resume else set()
    _print_estimate(cfg, done)
    if estimate_only:
        return
    records = run_compare(cfg, out, resume=resume, ray_address=ray_address)
    print_summary(summarize(records))
    typer.echo(f"wrote {out / 'results.json'}, {out / 'results.csv'}, {out / 'generalization.png'}")


@app.command()
def study(
    name: str = typer.Argument(
        ..., help="tradeoff, augmentation, layerwise, learned_degree, nas, or all."
    ),
    out: Path = typer.Option(Path("runs/studies"), help="Folder for <study>.json and .png."),
    quick: bool = typer.Option(False, "--quick", help="Quick config (minutes on 2 cores)."),
    threads: int = typer.Option(
        1, min=0, help="Torch threads (0: torch default; small circuits run fastest on 1)."
    ),
    workers: int = typer.Option(
        1, min=1, help="nas only: processes that train the search's candidates."
    ),
    ray_address: str | None = typer.Option(
        None, "--ray-address", help="nas only: train the candidates on this Ray cluster."
    ),
) -> None:
    """Approximate-equivariance studies: write OUT/<study>.json and .png, print the tables."""
    import torch

    from eqqnn import studies

    runners = {
        "tradeoff": (studies.run_tradeoff, studies.TradeoffConfig),
        "augmentation": (studies.run_augmentation, studies.AugmentationConfig),
        "layerwise": (studies.run_layerwise, studies.LayerwiseConfig),
        "learned_degree": (studies.run_learned_degree, studies.DegreeConfig),
        "nas": (studies.run_nas, studies.NasConfig),
    }
    if name != "all" and name not in runners:
        raise typer.BadParameter(f"unknown study {name!r}; choose one of {[*runners, 'all']}")
    if (workers != 1 or ray_address is not None) and name != "nas":
        raise typer.BadParameter(
            f"--workers and --ray-address apply to the nas study only, not to {name!r}"
        )
    if threads:
        torch.set_num_threads(threads)
    for key in runners if name == "all" else (name,):
        run, config_cls = runners[key]
        config = config_cls.quick() if quick else config_cls()
        if key == "nas":
            config = dataclasses.replace(config, workers=workers, ray_address=ray_address)
        result = run(config, out)
        typer.echo(studies.format_result(result))
        typer.echo(f"wrote {result['outputs']['json']}, {result['outputs']['png']}")


_BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _benchmark_names() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in _BENCHMARKS.glob("bench_*.py"))


@app.command(
    help="Run a script from the repository's benchmarks/ folder (source checkouts only). "
    f"Available: {', '.join(_benchmark_names()) or 'none (not a source checkout)'}."
)
def bench(
    name: str = typer.Argument(..., help="Benchmark name, e.g. 'sector_ground_state'."),
    quick: bool = typer.Option(
        True, help="Pass --quick to the benchmark script (where the script has that option)."
    ),
) -> None:
    import subprocess

    script = _BENCHMARKS / f"bench_{name}.py"
    if not script.exists():
        raise typer.BadParameter(f"no benchmark {name!r}; available: {_benchmark_names()}")
    takes_quick = "--quick" in script.read_text()
    cmd = [sys.executable, str(script), *(["--quick"] if quick and takes_quick else [])]
    raise typer.Exit(subprocess.call(cmd))


def main() -> None:
    """Entry point: errors become one-line messages with exit code 2."""
    try:
        code = app(standalone_mode=False)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except _CLICK_ERROR as err:
        if type(err).__name__ == "NoArgsIsHelpError":
            sys.exit(2)
        typer.echo(f"error: {err.format_message()}", err=True)
        sys.exit(2)
    except EqqnnError as err:
        typer.echo(f"error: {err}", err=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
