"""The app's Python files, parsed (never imported or run), and where they read config vars."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from herosim.errors import AppError


@dataclass(frozen=True)
class PythonFile:
    path: str
    text: str
    tree: ast.AST | None
    parents: dict   # node -> its parent

    def segment(self, node: ast.AST, limit: int = 60) -> str:
        text = ast.get_source_segment(self.text, node) or ""
        text = " ".join(text.split())
        return text if len(text) <= limit else text[:limit - 1] + "…"

    def at_import(self, node: ast.AST) -> bool:
        """Whether the node runs when the module is imported (not inside a function)."""
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return False
        return True

    def ancestors(self, node: ast.AST):
        while node in self.parents:
            node = self.parents[node]
            yield node


def parse(path: str, text: str) -> PythonFile:
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError):
        return PythonFile(path, text, None, {})
    except (RecursionError, MemoryError) as exc:   # nested deeper than the parser goes: Python cannot import it either
        raise AppError(f"{path} is nested too deeply for Python's parser ({type(exc).__name__}), so no dyno could "
                       "import it", hint=f"split the deepest expression of {path} into smaller ones") from None
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    return PythonFile(path, text, tree, parents)


@dataclass(frozen=True)
class EnvRead:
    """`os.environ["X"]` (required), `os.environ.get("X")` / `os.getenv("X")` (default None),
    or either with a default."""
    name: str
    source: PythonFile
    node: ast.expr         # the Subscript or the Call
    kind: str              # "required", "get", "default"
    default: ast.expr | None

    @property
    def where(self) -> str:
        return f"{self.source.path}:{self.node.lineno}"

    @property
    def parent(self) -> ast.AST | None:
        return self.source.parents.get(self.node)


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or \
        (isinstance(node, ast.Name) and node.id == "environ")


def _string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def env_reads(source: PythonFile) -> list[EnvRead]:
    if source.tree is None:
        return []
    out = []
    for node in ast.walk(source.tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_environ(node.value):
            name = _string(node.slice)
            if name:
                out.append(EnvRead(name, source, node, "required", None))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            getter = (isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value)) or \
                (isinstance(func, ast.Attribute) and func.attr == "getenv") or \
                (isinstance(func, ast.Name) and func.id == "getenv")
            name = _string(node.args[0])
            if getter and name:
                default = node.args[1] if len(node.args) > 1 else next(
                    (k.value for k in node.keywords if k.arg in ("default", "failobj")), None)
                none = default is None or (isinstance(default, ast.Constant) and default.value is None)
                out.append(EnvRead(name, source, node, "get" if none else "default", None if none else default))
    return sorted(out, key=lambda r: (r.source.path, r.node.lineno))
