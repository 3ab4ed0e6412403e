"""The package version (its own module, so that any layer can read it without importing
the package root, which exposes the top-level conveniences)."""

__version__ = "0.1.0.dev0"
