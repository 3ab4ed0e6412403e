"""The layering of :mod:`eqqnn.data`: the Hamiltonian at the bottom, imports one way.

Every ``import`` statement of the package's modules is read with :mod:`ast` — at module
level, inside functions and methods, and under ``if TYPE_CHECKING`` alike — so that a
late import cannot hide an import circle.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

import eqqnn

SOURCE_ROOT = Path(eqqnn.__file__).resolve().parent.parent
DATA = "eqqnn.data"
#: The Hamiltonian: parameters and matrices, numpy/scipy only.
BOTTOM = "eqqnn.data._chain"
#: Hamiltonian < solver < labels/diagnostics < public model < datasets.
LAYERS = (
    "eqqnn.data._chain",
    "eqqnn.data._canonical",
    "eqqnn.data._ground_state",
    "eqqnn.data._diagnostics",
    "eqqnn.data._hamiltonian",
    "eqqnn.data._dataset_config",
    "eqqnn.data._phase_dataset",
    "eqqnn.data._dataset",
)
#: What the bottom module may import at all.
BOTTOM_ALLOWED = frozenset(
    {"__future__", "dataclasses", "typing", "numpy", "scipy", "eqqnn._validation", "eqqnn.errors"}
)


def _path_of(module: str) -> Path | None:
    base = SOURCE_ROOT.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(SOURCE_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(module: str) -> bool:
    path = _path_of(module)
    return path is not None and path.name == "__init__.py"


@cache
def imports_of(module: str) -> frozenset[str]:
    """Every module that ``module`` imports, anywhere in its source.

    ``from P import a`` counts as an import of ``P.a`` when that is a module of this
    source tree, else of ``P``; relative imports are resolved.  Names outside the tree
    (numpy, the standard library) are kept as written, top-level name only.
    """
    path = _path_of(module)
    assert path is not None, f"no source file for {module}"
    package = module if _is_package(module) else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            names = [
                f"{base}.{alias.name}" if _path_of(f"{base}.{alias.name}") else base
                for alias in node.names
            ]
        else:
            continue
        for name in names:
            if name == "eqqnn" or name.startswith("eqqnn."):
                found.add(name)
            else:
                found.add(name.split(".")[0])
    return frozenset(found)


def data_modules() -> list[str]:
    folder = SOURCE_ROOT / "eqqnn" / "data"
    return sorted(_module_of(p) for p in folder.glob("*.py"))


def data_graph() -> dict[str, set[str]]:
    """Module -> the :mod:`eqqnn.data` modules it imports (the package ``__init__`` included)."""
    nodes = set(data_modules())
    return {m: {t for t in imports_of(m) if t in nodes and t != m} for m in nodes}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of nodes (first == last), or ``None``."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def top_package(module: str) -> str:
    """``eqqnn.data._chain`` -> ``eqqnn.data``; ``eqqnn.errors`` -> itself; ``eqqnn``."""
    return ".".join(module.split(".")[:2])


class TestHelpers:
    def test_finds_a_late_import_circle(self) -> None:
        assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
        assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None

    def test_reads_imports_inside_functions(self) -> None:
        # _ground_state imports the spin sector lazily, inside a function
        assert "eqqnn.symmetry._spin_sector" in imports_of("eqqnn.data._ground_state")
        assert "eqqnn.data._chain" in imports_of("eqqnn.data._ground_state")


class TestDataLayering:
    def test_no_import_circle(self) -> None:
        cycle = find_cycle(data_graph())
        assert cycle is None, "import circle in eqqnn.data: " + " -> ".join(cycle or [])

    def test_submodules_do_not_import_the_package(self) -> None:
        offenders = sorted(m for m, deps in data_graph().items() if m != DATA and DATA in deps)
        assert offenders == [], f"import the defining submodule, not {DATA}, in {offenders}"

    def test_bottom_module_imports_no_data_module(self) -> None:
        assert data_graph()[BOTTOM] == set()

    def test_bottom_module_uses_numpy_and_scipy_only(self) -> None:
        assert imports_of(BOTTOM) <= BOTTOM_ALLOWED, sorted(imports_of(BOTTOM) - BOTTOM_ALLOWED)

    @pytest.mark.parametrize("index", range(len(LAYERS)))
    def test_layers_import_downwards(self, index: int) -> None:
        module = LAYERS[index]
        upward = sorted(imports_of(module) & set(LAYERS[index:]) - {module})
        assert upward == [], f"{module} imports the higher layers {upward}"

    def test_other_packages_do_not_import_data_back(self) -> None:
        """No package that eqqnn.data depends on (transitively) imports eqqnn.data."""
        every = [_module_of(p) for p in (SOURCE_ROOT / "eqqnn").rglob("*.py")]
        graph: dict[str, set[str]] = {}
        for module in every:
            deps = {top_package(t) for t in imports_of(module) if t.startswith("eqqnn")}
            graph.setdefault(top_package(module), set()).update(deps - {top_package(module)})
        seen: set[str] = set()
        todo = [*graph[DATA]]
        while todo:
            package = todo.pop()
            if package not in seen:
                seen.add(package)
                todo.extend(graph.get(package, ()))
        assert DATA not in seen, f"{DATA} is reachable from its own dependencies {sorted(seen)}"
