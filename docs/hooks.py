"""MkDocs hooks of the eqqnn site (registered under ``hooks:`` in ``mkdocs.yml``).

* ``on_config``: converts every ``tutorials/0*.py`` (jupytext percent format) to
  ``docs/tutorials/<name>.ipynb`` (generated, git-ignored by ``docs/.gitignore``); the
  mkdocs-jupyter plugin renders them, and executes them when ``EQQNN_DOCS_EXECUTE`` is
  ``1`` (or ``true``/``yes``): this hook switches the plugin's ``execute`` option on.
  A notebook is rewritten only when its content changed, so ``mkdocs serve`` does not
  rebuild in a loop; notebooks of tutorials that no longer exist are removed.
* When executing, the tutorials write their files to ``build/docs/tutorial-out``
  (``$EQQNN_TUTORIAL_OUT`` if set) instead of ``runs/tutorials`` relative to the
  notebook folder, and each kernel starts with an IPython startup file that shows every
  figure a tutorial saves with ``Figure.savefig`` (the tutorials use the Agg backend and
  only save their figures), so the executed notebooks show their plots.
* ``on_files``: serves ``benchmarks/figures/**`` at ``figures/...`` next to
  ``benchmarks.md``, which includes ``benchmarks/RESULTS.md`` whose images are
  ``figures/...`` relative to ``benchmarks/``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import jupytext
import nbformat
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.eqqnn")

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = ROOT / "tutorials"
GENERATED = ROOT / "docs" / "tutorials"
FIGURES = ROOT / "benchmarks" / "figures"
BUILD = ROOT / "build" / "docs"  # git-ignored by the root .gitignore (build/)

EXECUTE_ENV = "EQQNN_DOCS_EXECUTE"

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}

# Runs at the start of every kernel that executes a tutorial (IPython profile startup).
_STARTUP = '''\
"""Show every figure a tutorial saves (written by docs/hooks.py for the docs build)."""
import io as _io

import matplotlib.figure as _mfig
from IPython.display import Image as _Image, display as _display

_savefig = _mfig.Figure.savefig


def _savefig_and_show(self, *args, **kwargs):
    result = _savefig(self, *args, **kwargs)
    buf = _io.BytesIO()
    _savefig(self, buf, format="png", dpi=kwargs.get("dpi", 100), bbox_inches="tight")
    _display(_Image(buf.getvalue()))
    return result


_mfig.Figure.savefig = _savefig_and_show
'''


def _executing() -> bool:
    return os.environ.get(EXECUTE_ENV, "").strip().lower() in {"1", "true", "yes"}


def _write_if_changed(path: Path, text: str) -> bool:
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def _tutorial_notebook(script: Path) -> str:
    nb = jupytext.read(script, fmt="py:percent")
    # a plain notebook: not paired with a .py file that does not sit next to it
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    # deterministic cell ids (nbformat draws random ones), so that an unchanged tutorial
    # gives a byte-identical notebook and `mkdocs serve` does not rebuild in a loop
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index}"
    return nbformat.writes(nb) + "\n"


def generate_tutorials() -> list[Path]:
    """Write ``docs/tutorials/*.ipynb`` from ``tutorials/0*.py``; return the notebooks."""
    scripts = sorted(TUTORIALS.glob("0*.py"))
    if not scripts:
        raise RuntimeError(f"no tutorials found in {TUTORIALS}")
    written = []
    for script in scripts:
        target = GENERATED / f"{script.stem}.ipynb"
        if _write_if_changed(target, _tutorial_notebook(script)):
            log.info("generated %s", target.relative_to(ROOT))
        written.append(target)
    for stale in set(GENERATED.glob("*.ipynb")) - set(written):
        stale.unlink()
        log.info("removed stale %s", stale.relative_to(ROOT))
    return written


def _prepare_execution() -> None:
    out = BUILD / "tutorial-out"
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("EQQNN_TUTORIAL_OUT", str(out))
    ipython_dir = BUILD / "ipython"
    _write_if_changed(ipython_dir / "profile_default" / "startup" / "00-show-figures.py", _STARTUP)
    os.environ["IPYTHONDIR"] = str(ipython_dir)
    os.environ.setdefault("MPLBACKEND", "Agg")


def on_config(config, **kwargs):
    generate_tutorials()
    if _executing():
        _prepare_execution()
        config.plugins["mkdocs-jupyter"].config["execute"] = True
    return config


def on_files(files: Files, config, **kwargs) -> Files:
    for path in sorted(FIGURES.rglob("*")):
        if path.is_file() and path.suffix.lower() in {".png", ".svg", ".jpg", ".jpeg"}:
            rel = "figures/" + path.relative_to(FIGURES).as_posix()
            files.append(
                File(
                    rel,
                    src_dir=str(FIGURES.parent),
                    dest_dir=config["site_dir"],
                    use_directory_urls=config["use_directory_urls"],
                )
            )
    return files
