"""The import graph of herosim, read from the source (nothing imported): no cycle between
its modules, and every package imports only from the layers below its own. Every import
counts: at the top of a module, inside a function (deferred for start-up time) or under
TYPE_CHECKING; a deferred import is still a dependency."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Lowest first. A unit is a package of herosim (or a module standing alone); a module may
# import its own unit and the units of lower layers, nothing above or beside it.
LAYERS: list[set[str]] = [
    {"herosim", "const", "errors", "poll", "progress"},            # the leaves
    {"paths"},                                                     # where herosim keeps its files
    {"platform", "tls"},                                           # the model, the certificate authority
    {"engine", "drains", "metrics"},                               # Docker plumbing; pure pipelines
    {"slug", "addons"},                                            # the compiler; the add-on services
    {"runtime", "audit", "git"},                                   # the dyno manager; doctor; Heroku Git
    {"app"},                                                       # the verbs
    {"dashboard"},                                                 # the local Dashboard over the verbs
    {"cli", "testing"},                                            # the edges: commands, the pytest plugin
    {"__main__", "git.receive"},                                   # entry points (git's hook prints as the CLI)
]
STANDALONE = {"herosim.git.receive": "git.receive"}   # modules that are their own unit


def modules(package: Path) -> dict[str, Path]:
    found = {}
    for path in package.rglob("*.py"):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported(path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of `known` that the module at `path` imports, anywhere in it."""
    def module_of(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out |= {module_of(alias.name) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: a relative import (herosim imports absolutely)"
            out |= {module_of(f"{node.module}.{alias.name}") for alias in node.names}
    return {name for name in out if name is not None}


def graph(package: Path) -> dict[str, set[str]]:
    known = modules(package)
    return {name: imported(path, known) - {name} for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def unit(module: str) -> str:
    return STANDALONE.get(module) or (module.split(".")[1] if "." in module else module)


def layer(name: str) -> int:
    for number, units in enumerate(LAYERS):
        if name in units:
            return number
    raise AssertionError(f"herosim.{name} has no layer: give it one in LAYERS ({__file__})")


def upward(edges: dict[str, set[str]]) -> list[str]:
    """Each import of another unit on the same layer or above, as `importer -> imported`."""
    return sorted(f"{a} -> {b}" for a, targets in edges.items() for b in targets
                  if unit(a) != unit(b) and layer(unit(b)) >= layer(unit(a)))


def test_no_module_of_herosim_imports_itself_back_through_others():
    assert cycles(graph(ROOT / "herosim")) == []


def test_every_package_imports_only_the_layers_below_its_own():
    assert upward(graph(ROOT / "herosim")) == []


def test_every_package_of_herosim_has_a_layer():
    for name in graph(ROOT / "herosim"):
        layer(unit(name))


def test_the_lite_search_engine_imports_nothing_of_herosim():
    for path in (ROOT / "searchlite").rglob("*.py"):
        assert not {n for n in imported(path, modules(ROOT / "herosim")) if n.startswith("herosim")}, path


# The checks themselves, on made-up graphs: a check that cannot fail is no check.
def test_a_cycle_through_a_deferred_import_is_found(tmp_path):
    package = tmp_path / "herosim"
    (package / "engine").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "engine" / "__init__.py").write_text("")
    (package / "engine" / "stack.py").write_text("from herosim.engine.stackimages import build\n")
    (package / "engine" / "stackimages.py").write_text(
        "def build():\n    from herosim.engine import stack\n    return stack\n")
    assert cycles(graph(package)) == [["herosim.engine.stack", "herosim.engine.stackimages"]]


@pytest.mark.parametrize("importer, target, bad", [
    ("herosim.platform.state", "herosim.app.context", True),     # the model reaching up to the verbs
    ("herosim.engine.stack", "herosim.addons.postgres", True),
    ("herosim.slug.compile", "herosim.addons.registry", True),   # beside it, not below
    ("herosim.addons.postgres", "herosim.engine.stack", False),
    ("herosim.git.receive", "herosim.cli.output", False),
    ("herosim.app.deploy", "herosim.git.repo", False),
    ("herosim.git.repo", "herosim.app", True),
])
def test_an_import_from_below_or_beside_is_refused(importer, target, bad):
    assert bool(upward({importer: {target}})) is bad
