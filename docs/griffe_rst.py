"""Griffe extension: render the reST inline markup of eqqnn's docstrings as Markdown.

eqqnn's docstrings are numpy-style with Sphinx markup inside: ``:math:`...``` roles,
``.. math::`` directives and ``:class:``/``:func:``/... cross-reference roles.
mkdocstrings renders docstrings as Markdown, where that markup would show literally.
Before the docstrings are parsed, this extension rewrites (in memory only; the
package is not touched):

* ``a, b`` parameter groups without a type to one item per name (griffe would give
  every name the first one's annotation and default);
* doctest blocks (``>>>``) outside an ``Examples`` section to fenced code;
* ``:math:`x``` to ``\\(x\\)`` and ``.. math:: x`` (same line or indented block) to a
  ``$$ ... $$`` block, both typeset by ``pymdownx.arithmatex`` and MathJax;
* ``:class:`~eqqnn.sim.Backend``` (also ``func``, ``meth``, ``attr``, ``data``,
  ``mod``, ``obj``, ``exc``) to a link ``[`Backend`][eqqnn.sim.Backend]`` when the
  target, resolved in the scope of the documented object, is rendered somewhere on the
  site, and to plain code (```Backend```) otherwise, so the strict build never meets an
  unresolvable cross-reference.

Registered in ``mkdocs.yml`` under the python handler's ``options.extensions``.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import griffe

#: The subpackages that have an API page (docs/api/<name>.md), plus eqqnn.errors.
DOCUMENTED = (
    "symmetry",
    "data",
    "circuits",
    "sim",
    "models",
    "training",
    "metrics",
    "classical",
    "experiments",
    "studies",
    "testing",
    "errors",
)

_ROLE = re.compile(r":(?:py:)?(func|class|meth|attr|data|mod|obj|exc):`([^`]+)`")
_MATH_ROLE = re.compile(r":math:`([^`]+)`")
_DASHES = re.compile(r"^\s*-{3,}\s*$")
_GROUP = re.compile(r"^[A-Za-z_*][\w*]*(?:, *[A-Za-z_*][\w*]*)+[ \t]*$")
_MATH_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<rest>.*)$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def convert_math_directives(text: str) -> str:
    """``.. math::`` directives to ``$$`` blocks at the directive's indentation."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = _MATH_DIRECTIVE.match(lines[i])
        if match is None:
            out.append(lines[i])
            i += 1
            continue
        indent = match["indent"]
        body = [match["rest"].strip()] if match["rest"].strip() else []
        i += 1
        if not body:  # block form: skip blank lines before the indented content
            while i < len(lines) and not lines[i].strip():
                i += 1
        while i < len(lines) and lines[i].strip() and _indent(lines[i]) > len(indent):
            body.append(lines[i].strip())
            i += 1
        if out and out[-1].strip():
            out.append("")
        out.extend([f"{indent}$$", *(f"{indent}{b}" for b in body), f"{indent}$$"])
        if i < len(lines) and lines[i].strip():
            out.append("")
    return "\n".join(out)


def fence_doctests(text: str) -> str:
    """reST doctest blocks outside an ``Examples`` section to fenced ``pycon`` code.

    (griffe turns those of an ``Examples`` section into code itself; elsewhere Markdown
    would read ``>>>`` as nested block quotes.)
    """
    lines = text.split("\n")
    out: list[str] = []
    section = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and line.strip() and _DASHES.match(lines[i + 1]):
            section = line.strip()
        starts_block = line.lstrip().startswith(">>>") and (i == 0 or not lines[i - 1].strip())
        if not starts_block or section == "Examples":
            out.append(line)
            i += 1
            continue
        indent = line[: _indent(line)]
        block = []
        while i < len(lines) and lines[i].strip():
            block.append(lines[i])
            i += 1
        out.extend([f"{indent}```pycon", *block, f"{indent}```"])
    return "\n".join(out)


def split_grouped_parameters(text: str) -> str:
    """``a, b`` items without a type in a Parameters section to one item per name.

    griffe gives every name of such a group the annotation and default of the first
    name in the signature; one item per name (same description, as griffe renders a
    group anyway) shows each parameter's own type and default.
    """
    lines = text.split("\n")
    out: list[str] = []
    section = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and line.strip() and _DASHES.match(lines[i + 1]):
            section = line.strip()
        group = _GROUP.match(line)
        if group is None or section not in {"Parameters", "Other Parameters"}:
            out.append(line)
            i += 1
            continue
        i += 1
        body = []
        while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
            body.append(lines[i])
            i += 1
        trailing = []
        while body and not body[-1].strip():
            trailing.insert(0, body.pop())
        for name in line.split(","):
            out.extend([name.strip(), *body])
        out.extend(trailing)
    return "\n".join(out)


def convert_math_roles(text: str) -> str:
    return _MATH_ROLE.sub(lambda m: rf"\({m[1]}\)", text)


class ReSTMarkup(griffe.Extension):
    """Rewrite reST math and cross-reference roles in docstrings as Markdown."""

    def __init__(self) -> None:
        self._rendered: set[str] = set()
        self._done: set[int] = set()

    # ---------------------------------------------------------------- rendered ids
    def _collect_rendered(self, pkg: griffe.Module) -> None:
        """Identifiers mkdocstrings renders: each page's module, the names of its
        ``__all__`` and their public members, by public and by canonical path."""
        for name in DOCUMENTED:
            if name not in pkg.members:
                continue
            module = pkg.members[name]
            self._rendered.add(module.path)
            for export in module.exports or ():
                export = str(export)
                try:
                    target = module[export]
                    target = target.final_target if target.is_alias else target
                except (griffe.AliasResolutionError, griffe.CyclicAliasError, KeyError):
                    continue
                self._add(f"{module.path}.{export}", target)

    def _add(self, public: str, obj: Any) -> None:
        self._rendered.update({public, obj.path})
        if obj.is_class:
            for mname, member in obj.members.items():
                if not mname.startswith("_") and not member.is_alias:
                    self._add(f"{public}.{mname}", member)

    def _resolve(self, target: str, scope: Any) -> str | None:
        """The rendered identifier of a role's target, or ``None``."""
        target = target.lstrip(".").rstrip("()")
        if target in self._rendered:
            return target
        head, _, tail = target.partition(".")
        candidates = []
        for obj in (scope, getattr(scope, "parent", None)):
            if obj is None:
                continue
            with contextlib.suppress(griffe.NameResolutionError, AttributeError):
                candidates.append(obj.resolve(head) + (f".{tail}" if tail else ""))
            if obj.is_class and head in obj.members:  # a member of the class itself
                candidates.append(f"{obj.path}.{target}")
        if target.startswith("eqqnn."):
            candidates.append(target)
        for candidate in candidates:
            if candidate in self._rendered:
                return candidate
        return None

    def _convert_roles(self, text: str, scope: Any) -> str:
        def replace(match: re.Match[str]) -> str:
            content = match[2].strip()
            explicit = re.fullmatch(r"(.*?)\s*<(.+)>", content, flags=re.S)
            if explicit:
                title, target = explicit[1], explicit[2]
            else:
                target = content.lstrip("!")
                short = target.startswith("~")
                target = target.lstrip("~")
                title = target.rsplit(".", 1)[-1] if short else target.lstrip(".")
            if match[1] in {"func", "meth"} and not title.endswith(")"):
                title += "()"
            identifier = self._resolve(target, scope)
            return f"[`{title}`][{identifier}]" if identifier else f"`{title}`"

        return _ROLE.sub(replace, text)

    # ---------------------------------------------------------------- griffe hook
    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        if pkg.name != "eqqnn":
            return
        self._collect_rendered(pkg)
        self._walk(pkg)

    def _walk(self, obj: Any) -> None:
        if obj.is_alias:
            return
        docstring = obj.docstring
        if docstring is not None and id(docstring) not in self._done:
            self._done.add(id(docstring))
            text = fence_doctests(docstring.value)
            text = split_grouped_parameters(text)
            text = convert_math_directives(text)
            text = convert_math_roles(text)
            docstring.value = self._convert_roles(text, obj)
        for member in obj.members.values():
            self._walk(member)
