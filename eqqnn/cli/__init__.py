"""The ``eqqnn`` command line (typer).

Commands map names to library objects here and only here; the library API takes
classes and callables, never strings.
"""

from eqqnn.cli._app import app, main

__all__ = ["app", "main"]
