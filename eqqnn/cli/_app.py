"""Typer application: ``eqqnn info``, ``eqqnn demo``."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from eqqnn.errors import EqqnnError

app = typer.Typer(
    name="eqqnn",
    help="Equivariant quantum neural networks and their classical mirror.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def info() -> None:
    """Print versions of eqqnn and its simulators, and the available devices."""
    from eqqnn.cli._info import collect_info

    for key, value in collect_info().items():
        typer.echo(f"{key:>22}: {value}")


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


def main() -> None:
    """Entry point: library errors become one-line messages with exit code 2."""
    try:
        app()
    except EqqnnError as err:
        typer.echo(f"error: {err}", err=True)
        sys.exit(2)
